package kms

import (
	"crypto/rand"
	"encoding/json"
	"maps"
	"slices"

	"github.com/kmslab/kmslab/sandbox/api"
)

const symmetric = "SYMMETRIC_DEFAULT"

// withContext adds the encryption-context condition keys KMS evaluates.
func withContext(t api.Target, ec map[string]string) api.Target {
	if len(ec) == 0 {
		return t
	}
	for k, v := range ec {
		t.Context["kms:EncryptionContext:"+k] = []string{v}
	}
	t.Context["kms:EncryptionContextKeys"] = slices.Sorted(maps.Keys(ec))
	return t
}

// checkAlgorithm allows only the symmetric algorithm: every sandbox key is symmetric.
func checkAlgorithm(alg *string, member string) error {
	if err := checkEnum(alg, member, encryptionAlgos); err != nil {
		return err
	}
	if alg != nil && *alg != symmetric {
		return kmsErr("InvalidKeyUsageException", "The encryption algorithm "+*alg+" is not supported for this KMS key.")
	}
	return nil
}

func isTrue(b *bool) bool { return b != nil && *b }

type encryptInput struct {
	KeyId               *string
	Plaintext           []byte
	EncryptionContext   map[string]string
	EncryptionAlgorithm *string
	GrantTokens         []string
	DryRun              *bool
}

type encryptOutput struct {
	CiphertextBlob      []byte `json:"CiphertextBlob"`
	EncryptionAlgorithm string `json:"EncryptionAlgorithm"`
	KeyId               string `json:"KeyId"`
}

func tEncrypt(s *Service, r *api.Request, in *encryptInput) ([]api.Target, error) {
	switch {
	case in.Plaintext == nil:
		return nil, errNull("plaintext")
	case len(in.Plaintext) < 1:
		return nil, errSecretConstraint("plaintext", "Member must have length greater than or equal to 1")
	case len(in.Plaintext) > 4096:
		return nil, errSecretConstraint("plaintext", "Member must have length less than or equal to 4096")
	}
	if err := checkContext(in.EncryptionContext, "encryptionContext"); err != nil {
		return nil, err
	}
	if err := checkAlgorithm(in.EncryptionAlgorithm, "encryptionAlgorithm"); err != nil {
		return nil, err
	}
	k, err := s.lookupKey(r, in.KeyId, "keyId", resolveOpts{})
	if err != nil {
		return nil, err
	}
	return []api.Target{withContext(s.keyTarget(r, "kms:Encrypt", k), in.EncryptionContext)}, nil
}

func hEncrypt(s *Service, r *api.Request, in *encryptInput) (any, error) {
	k, err := s.resolve(regionOf(r), *in.KeyId, nowOf(r), resolveOpts{})
	if err != nil {
		return nil, err
	}
	if err := k.checkUsable(); err != nil {
		return nil, err
	}
	if isTrue(in.DryRun) {
		return nil, errDryRun()
	}
	blob, err := k.seal(in.Plaintext, in.EncryptionContext)
	if err != nil {
		return nil, errInternal()
	}
	return encryptOutput{CiphertextBlob: blob, EncryptionAlgorithm: symmetric, KeyId: k.rec.ARN}, nil
}

// checkBlob validates a CiphertextBlob member.
func checkBlob(b []byte, member string) error {
	switch {
	case b == nil:
		return errNull(member)
	case len(b) < 1:
		return errSecretConstraint(member, "Member must have length greater than or equal to 1")
	case len(b) > 6144:
		return errSecretConstraint(member, "Member must have length less than or equal to 6144")
	}
	return nil
}

// blobKey finds the key a ciphertext belongs to. With keyRef, that key must be the one
// the blob names (else IncorrectKeyException); without it, the blob alone decides.
func (s *Service) blobKey(r *api.Request, blob []byte, keyRef *string, member string) (*key, error) {
	h, ok := parseBlob(blob)
	if keyRef != nil {
		k, err := s.lookupKey(r, keyRef, member, resolveOpts{})
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errInvalidCiphertext()
		}
		if h.keyID.String() != k.rec.ID {
			return nil, errIncorrectKey()
		}
		return k, nil
	}
	if !ok {
		return nil, errInvalidCiphertext()
	}
	// A blob naming no key here (tampered, another region's, or its key deleted) cannot be
	// told apart from a corrupt one: InvalidCiphertextException.
	k := s.getKey(regionOf(r), h.keyID.String(), nowOf(r))
	if k == nil {
		return nil, errInvalidCiphertext()
	}
	return k, nil
}

type decryptInput struct {
	CiphertextBlob      []byte
	KeyId               *string
	EncryptionContext   map[string]string
	EncryptionAlgorithm *string
	GrantTokens         []string
	DryRun              *bool
	Recipient           json.RawMessage
}

type decryptOutput struct {
	EncryptionAlgorithm string `json:"EncryptionAlgorithm"`
	KeyId               string `json:"KeyId"`
	KeyMaterialId       string `json:"KeyMaterialId,omitempty"`
	Plaintext           []byte `json:"Plaintext"`
}

func tDecrypt(s *Service, r *api.Request, in *decryptInput) ([]api.Target, error) {
	if err := checkBlob(in.CiphertextBlob, "ciphertextBlob"); err != nil {
		return nil, err
	}
	if err := checkContext(in.EncryptionContext, "encryptionContext"); err != nil {
		return nil, err
	}
	if err := checkAlgorithm(in.EncryptionAlgorithm, "encryptionAlgorithm"); err != nil {
		return nil, err
	}
	if len(in.Recipient) > 0 && string(in.Recipient) != "null" {
		return nil, errUnsupported("The sandbox does not support Recipient (Nitro Enclaves attestation).")
	}
	k, err := s.blobKey(r, in.CiphertextBlob, in.KeyId, "keyId")
	if err != nil {
		return nil, err
	}
	return []api.Target{withContext(s.keyTarget(r, "kms:Decrypt", k), in.EncryptionContext)}, nil
}

func hDecrypt(s *Service, r *api.Request, in *decryptInput) (any, error) {
	k, err := s.blobKey(r, in.CiphertextBlob, in.KeyId, "keyId")
	if err != nil {
		return nil, err
	}
	if err := k.checkUsable(); err != nil {
		return nil, err
	}
	pt, idx, err := k.open(in.CiphertextBlob, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	if isTrue(in.DryRun) {
		return nil, errDryRun()
	}
	return decryptOutput{EncryptionAlgorithm: symmetric, KeyId: k.rec.ARN, KeyMaterialId: k.rec.Materials[idx].ID, Plaintext: pt}, nil
}

type reEncryptInput struct {
	CiphertextBlob                 []byte
	SourceKeyId                    *string
	SourceEncryptionContext        map[string]string
	SourceEncryptionAlgorithm      *string
	DestinationKeyId               *string
	DestinationEncryptionContext   map[string]string
	DestinationEncryptionAlgorithm *string
	GrantTokens                    []string
	DryRun                         *bool
}

type reEncryptOutput struct {
	CiphertextBlob                 []byte `json:"CiphertextBlob"`
	DestinationEncryptionAlgorithm string `json:"DestinationEncryptionAlgorithm"`
	DestinationKeyMaterialId       string `json:"DestinationKeyMaterialId,omitempty"`
	KeyId                          string `json:"KeyId"`
	SourceEncryptionAlgorithm      string `json:"SourceEncryptionAlgorithm"`
	SourceKeyId                    string `json:"SourceKeyId"`
	SourceKeyMaterialId            string `json:"SourceKeyMaterialId,omitempty"`
}

func tReEncrypt(s *Service, r *api.Request, in *reEncryptInput) ([]api.Target, error) {
	if err := checkBlob(in.CiphertextBlob, "ciphertextBlob"); err != nil {
		return nil, err
	}
	for _, e := range []error{
		checkContext(in.SourceEncryptionContext, "sourceEncryptionContext"),
		checkContext(in.DestinationEncryptionContext, "destinationEncryptionContext"),
		checkAlgorithm(in.SourceEncryptionAlgorithm, "sourceEncryptionAlgorithm"),
		checkAlgorithm(in.DestinationEncryptionAlgorithm, "destinationEncryptionAlgorithm"),
	} {
		if e != nil {
			return nil, e
		}
	}
	dst, err := s.lookupKey(r, in.DestinationKeyId, "destinationKeyId", resolveOpts{})
	if err != nil {
		return nil, err
	}
	src, err := s.blobKey(r, in.CiphertextBlob, in.SourceKeyId, "sourceKeyId")
	if err != nil {
		return nil, err
	}
	return []api.Target{
		withContext(s.keyTarget(r, "kms:ReEncryptFrom", src), in.SourceEncryptionContext),
		withContext(s.keyTarget(r, "kms:ReEncryptTo", dst), in.DestinationEncryptionContext),
	}, nil
}

func hReEncrypt(s *Service, r *api.Request, in *reEncryptInput) (any, error) {
	src, err := s.blobKey(r, in.CiphertextBlob, in.SourceKeyId, "sourceKeyId")
	if err != nil {
		return nil, err
	}
	dst, err := s.resolve(regionOf(r), *in.DestinationKeyId, nowOf(r), resolveOpts{})
	if err != nil {
		return nil, err
	}
	if err := src.checkUsable(); err != nil {
		return nil, err
	}
	if err := dst.checkUsable(); err != nil {
		return nil, err
	}
	pt, idx, err := src.open(in.CiphertextBlob, in.SourceEncryptionContext)
	if err != nil {
		return nil, err
	}
	if isTrue(in.DryRun) {
		return nil, errDryRun()
	}
	blob, err := dst.seal(pt, in.DestinationEncryptionContext)
	if err != nil {
		return nil, errInternal()
	}
	return reEncryptOutput{
		CiphertextBlob: blob, KeyId: dst.rec.ARN, SourceKeyId: src.rec.ARN,
		SourceEncryptionAlgorithm: symmetric, DestinationEncryptionAlgorithm: symmetric,
		SourceKeyMaterialId: src.rec.Materials[idx].ID, DestinationKeyMaterialId: dst.rec.Materials[dst.current()].ID,
	}, nil
}

type dataKeyInput struct {
	KeyId             *string
	KeySpec           *string
	NumberOfBytes     *int64
	EncryptionContext map[string]string
	GrantTokens       []string
	DryRun            *bool
	Recipient         json.RawMessage
}

// size is the data key length the input asks for (validated in Targets).
func (in *dataKeyInput) size() int {
	if in.NumberOfBytes != nil {
		return int(*in.NumberOfBytes)
	}
	if *in.KeySpec == "AES_128" {
		return 16
	}
	return 32
}

type dataKeyOutput struct {
	CiphertextBlob []byte `json:"CiphertextBlob"`
	KeyId          string `json:"KeyId"`
	KeyMaterialId  string `json:"KeyMaterialId,omitempty"`
	Plaintext      []byte `json:"Plaintext,omitempty"`
}

func dataKeyTargets(action string) func(*Service, *api.Request, *dataKeyInput) ([]api.Target, error) {
	return func(s *Service, r *api.Request, in *dataKeyInput) ([]api.Target, error) {
		if err := checkEnum(in.KeySpec, "keySpec", dataKeySpecs); err != nil {
			return nil, err
		}
		if n := in.NumberOfBytes; n != nil {
			if *n < 1 {
				return nil, errConstraint(*n, "numberOfBytes", "Member must have value greater than or equal to 1")
			}
			if *n > 1024 {
				return nil, errConstraint(*n, "numberOfBytes", "Member must have value less than or equal to 1024")
			}
		}
		// UNCONFIRMED wording; AWS requires exactly one of the two.
		if (in.KeySpec == nil) == (in.NumberOfBytes == nil) {
			return nil, errValidation("Please specify either number of bytes or key spec.")
		}
		if err := checkContext(in.EncryptionContext, "encryptionContext"); err != nil {
			return nil, err
		}
		if len(in.Recipient) > 0 && string(in.Recipient) != "null" {
			return nil, errUnsupported("The sandbox does not support Recipient (Nitro Enclaves attestation).")
		}
		k, err := s.lookupKey(r, in.KeyId, "keyId", resolveOpts{})
		if err != nil {
			return nil, err
		}
		return []api.Target{withContext(s.keyTarget(r, action, k), in.EncryptionContext)}, nil
	}
}

var (
	tGenerateDataKey                 = dataKeyTargets("kms:GenerateDataKey")
	tGenerateDataKeyWithoutPlaintext = dataKeyTargets("kms:GenerateDataKeyWithoutPlaintext")
)

func (s *Service) generateDataKey(r *api.Request, in *dataKeyInput, withPlaintext bool) (any, error) {
	k, err := s.resolve(regionOf(r), *in.KeyId, nowOf(r), resolveOpts{})
	if err != nil {
		return nil, err
	}
	if err := k.checkUsable(); err != nil {
		return nil, err
	}
	if isTrue(in.DryRun) {
		return nil, errDryRun()
	}
	pt := make([]byte, in.size())
	if _, err := rand.Read(pt); err != nil {
		return nil, errInternal()
	}
	blob, err := k.seal(pt, in.EncryptionContext)
	if err != nil {
		return nil, errInternal()
	}
	out := dataKeyOutput{CiphertextBlob: blob, KeyId: k.rec.ARN, KeyMaterialId: k.rec.Materials[k.current()].ID}
	if withPlaintext {
		out.Plaintext = pt
	}
	return out, nil
}

func hGenerateDataKey(s *Service, r *api.Request, in *dataKeyInput) (any, error) {
	return s.generateDataKey(r, in, true)
}

func hGenerateDataKeyWithoutPlaintext(s *Service, r *api.Request, in *dataKeyInput) (any, error) {
	return s.generateDataKey(r, in, false)
}
