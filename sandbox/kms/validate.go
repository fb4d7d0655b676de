package kms

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

var (
	keySpecs = []string{"RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521",
		"ECC_SECG_P256K1", "SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2",
		"ML_DSA_44", "ML_DSA_65", "ML_DSA_87", "ECC_NIST_EDWARDS25519", "ML_KEM_512", "ML_KEM_768", "ML_KEM_1024"}
	keyUsages       = []string{"SIGN_VERIFY", "ENCRYPT_DECRYPT", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT", "ENCAPSULATE_DECAPSULATE"}
	origins         = []string{"AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"}
	encryptionAlgos = []string{"SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE"}
	dataKeySpecs    = []string{"AES_256", "AES_128"}
	grantOperations = []string{"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
		"ReEncryptFrom", "ReEncryptTo", "Sign", "Verify", "GetPublicKey", "CreateGrant", "RetireGrant",
		"DescribeKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "GenerateMac",
		"VerifyMac", "DeriveSharedSecret", "Encapsulate", "Decapsulate"}
)

// checkEnum validates an optional enum member.
func checkEnum(v *string, member string, set []string) error {
	if v == nil || slices.Contains(set, *v) {
		return nil
	}
	return errConstraint(*v, member, "Member must satisfy enum value set: ["+strings.Join(set, ", ")+"]")
}

// checkLen validates an optional string member's length in characters.
func checkLen(v *string, member string, lo, hi int) error {
	if v == nil {
		return nil
	}
	n := utf8.RuneCountInString(*v)
	switch {
	case n < lo:
		return errConstraint(*v, member, "Member must have length greater than or equal to "+itoa(lo))
	case n > hi:
		return errConstraint(*v, member, "Member must have length less than or equal to "+itoa(hi))
	}
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }

type tagInput struct {
	TagKey   *string `json:"TagKey"`
	TagValue *string `json:"TagValue"`
}

// checkTags validates tags for CreateKey and TagResource.
func checkTags(tags []tagInput) error {
	for _, t := range tags {
		if t.TagKey == nil {
			return errNull("tags.member.tagKey")
		}
		if t.TagValue == nil {
			return errNull("tags.member.tagValue")
		}
		if err := checkLen(t.TagKey, "tags.member.tagKey", 1, 128); err != nil {
			return err
		}
		if err := checkLen(t.TagValue, "tags.member.tagValue", 0, 256); err != nil {
			return err
		}
	}
	return nil
}

// checkContext validates an encryption context's members.
func checkContext(ec map[string]string, member string) error {
	for k := range ec {
		if k == "" {
			return errValidation("1 validation error detected: Value at '%s' failed to satisfy constraint: Map keys must have length greater than or equal to 1", member)
		}
	}
	return nil
}
