package kms_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
)

// The flows below run through the real aws-sdk-go-v2 KMS client: against the full sandbox
// (sdk_test.go) and against this package alone behind a minimal JSON front (wire_test.go).

func defaultPolicyText(acct string) string {
	return "{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {\n" +
		"    \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {\n" +
		"      \"AWS\" : \"arn:aws:iam::" + acct + ":root\"\n    },\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  } ]\n}"
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func scenarioKeyAndAlias(t *testing.T, c *kms.Client, acct, region string) (keyID, keyARN string) {
	t.Helper()
	ctx := context.Background()
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{
		Description: aws.String("sdk key"),
		Tags:        []types.Tag{{TagKey: aws.String("kmslab:lab"), TagValue: aws.String("sdk")}},
	})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	md := out.KeyMetadata
	keyID, keyARN = aws.ToString(md.KeyId), aws.ToString(md.Arn)
	if keyARN != "arn:aws:kms:"+region+":"+acct+":key/"+keyID || !md.Enabled || md.KeyState != types.KeyStateEnabled ||
		md.KeySpec != types.KeySpecSymmetricDefault || md.KeyUsage != types.KeyUsageTypeEncryptDecrypt ||
		md.KeyManager != types.KeyManagerTypeCustomer || md.Origin != types.OriginTypeAwsKms ||
		aws.ToString(md.AWSAccountId) != acct || md.CreationDate == nil || time.Since(*md.CreationDate) > time.Minute ||
		aws.ToBool(md.MultiRegion) || len(md.EncryptionAlgorithms) != 1 || aws.ToString(md.Description) != "sdk key" {
		t.Fatalf("KeyMetadata = %+v", md)
	}
	pol, err := c.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(keyID), PolicyName: aws.String("default")})
	if err != nil || aws.ToString(pol.Policy) != defaultPolicyText(acct) || aws.ToString(pol.PolicyName) != "default" {
		t.Fatalf("GetKeyPolicy = %v, %v", aws.ToString(pol.Policy), err)
	}
	alias := "alias/sdk-" + keyID[:8]
	if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: aws.String(keyID)}); err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
	_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: aws.String(keyID)})
	var exists *types.AlreadyExistsException
	if !errors.As(err, &exists) || exists.ErrorMessage() != "An alias with the name arn:aws:kms:"+region+":"+acct+":"+alias+" already exists" {
		t.Fatalf("duplicate alias: %v", err)
	}
	_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("no-prefix"), TargetKeyId: aws.String(keyID)})
	if apiCode(err) != "ValidationException" {
		t.Fatalf("alias without prefix: %v", err)
	}
	d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(alias)})
	if err != nil || aws.ToString(d.KeyMetadata.KeyId) != keyID {
		t.Fatalf("DescribeKey by alias: %v", err)
	}
	la, err := c.ListAliases(ctx, &kms.ListAliasesInput{KeyId: aws.String(keyID)})
	if err != nil || len(la.Aliases) != 1 || aws.ToString(la.Aliases[0].AliasArn) != "arn:aws:kms:"+region+":"+acct+":"+alias ||
		aws.ToString(la.Aliases[0].TargetKeyId) != keyID || la.Aliases[0].CreationDate == nil || la.Aliases[0].LastUpdatedDate == nil {
		t.Fatalf("ListAliases = %+v, %v", la, err)
	}
	tags, err := c.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: aws.String(keyID)})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].TagValue) != "sdk" {
		t.Fatalf("ListResourceTags = %+v, %v", tags, err)
	}
	_, err = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/absent")})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) || nf.ErrorMessage() != "Alias arn:aws:kms:"+region+":"+acct+":alias/absent is not found." {
		t.Fatalf("missing alias: %v", err)
	}
	return keyID, keyARN
}

func scenarioCrypto(t *testing.T, c *kms.Client, keyID, keyARN string) {
	t.Helper()
	ctx := context.Background()
	ec := map[string]string{"lab": "kmslab"}
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte("top secret"), EncryptionContext: ec})
	if err != nil || aws.ToString(enc.KeyId) != keyARN || enc.EncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault {
		t.Fatalf("Encrypt: %+v %v", enc, err)
	}
	dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	if err != nil || string(dec.Plaintext) != "top secret" || aws.ToString(dec.KeyId) != keyARN {
		t.Fatalf("Decrypt: %+v %v", dec, err)
	}
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	var bad *types.InvalidCiphertextException
	if !errors.As(err, &bad) {
		t.Fatalf("Decrypt without context: %v", err)
	}
	dk, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(keyARN), KeySpec: types.DataKeySpecAes256})
	if err != nil || len(dk.Plaintext) != 32 {
		t.Fatalf("GenerateDataKey: %v", err)
	}
	back, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob, KeyId: aws.String(keyID)})
	if err != nil || string(back.Plaintext) != string(dk.Plaintext) {
		t.Fatalf("Decrypt data key: %v", err)
	}
}

func scenarioPolicyErrors(t *testing.T, c *kms.Client, acct, keyID string) {
	t.Helper()
	ctx := context.Background()
	ghost := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:user/no-such-user-xyz"},"Action":"kms:*","Resource":"*"}]}`
	_, err := c.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(keyID), PolicyName: aws.String("default"), Policy: aws.String(ghost)})
	var mp *types.MalformedPolicyDocumentException
	if !errors.As(err, &mp) || mp.ErrorMessage() != "Policy contains a statement with one or more invalid principals." {
		t.Fatalf("PutKeyPolicy with a missing user: %v", err)
	}
	big := `{"Version":"2012-10-17","Statement":[{"Sid":"` + strings.Repeat("s", 33000) + `"}]}`
	_, err = c.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(keyID), Policy: aws.String(big)})
	var le *types.LimitExceededException
	if !errors.As(err, &le) {
		t.Fatalf("PutKeyPolicy over 32 KB: %v", err)
	}
}

func scenarioStates(t *testing.T, c *kms.Client, keyID, keyARN string) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte("x")})
	var dis *types.DisabledException
	if !errors.As(err, &dis) || dis.ErrorMessage() != keyARN+" is disabled." {
		t.Fatalf("Encrypt on a disabled key: %v", err)
	}
	sched, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyID), PendingWindowInDays: aws.Int32(7)})
	if err != nil || aws.ToString(sched.KeyId) != keyARN || sched.KeyState != types.KeyStatePendingDeletion ||
		aws.ToInt32(sched.PendingWindowInDays) != 7 || sched.DeletionDate == nil || time.Until(*sched.DeletionDate) < 6*24*time.Hour {
		t.Fatalf("ScheduleKeyDeletion = %+v, %v", sched, err)
	}
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte("x")})
	var inv *types.KMSInvalidStateException
	if !errors.As(err, &inv) || inv.ErrorMessage() != keyARN+" is pending deletion." {
		t.Fatalf("Encrypt on a pending key: %v", err)
	}
	_, err = c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyID), PendingWindowInDays: aws.Int32(3)})
	if apiCode(err) != "ValidationException" {
		t.Fatalf("window of 3 days: %v", err)
	}
	d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	if err != nil || d.KeyMetadata.KeyState != types.KeyStatePendingDeletion || d.KeyMetadata.DeletionDate == nil || aws.ToInt32(d.KeyMetadata.PendingDeletionWindowInDays) != 7 {
		t.Fatalf("DescribeKey pending = %+v, %v", d, err)
	}
	if _, err := c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(keyID)})
	if !errors.As(err, &inv) || inv.ErrorMessage() != keyARN+" is not pending deletion." {
		t.Fatalf("second cancel: %v", err)
	}
	if _, err := c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	missing := strings.Replace(keyARN, keyID, "0a1b2c3d-0000-4000-8000-000000000000", 1)
	_, err = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(missing)})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) || nf.ErrorMessage() != "Key '"+missing+"' does not exist" {
		t.Fatalf("missing key: %v", err)
	}
}

func scenarioListingAndGrants(t *testing.T, c *kms.Client, keyID string) {
	t.Helper()
	ctx := context.Background()
	n := 0
	p := kms.NewListKeysPaginator(c, &kms.ListKeysInput{Limit: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Keys)
	}
	if n < 1 {
		t.Fatal("ListKeys paginator found nothing")
	}
	g, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String("arn:aws:iam::000000000000:root"),
		Operations: []types.GrantOperation{types.GrantOperationDecrypt}})
	if err != nil || aws.ToString(g.GrantId) == "" {
		t.Fatalf("CreateGrant: %v", err)
	}
	lg, err := c.ListGrants(ctx, &kms.ListGrantsInput{KeyId: aws.String(keyID)})
	if err != nil || len(lg.Grants) != 1 || lg.Grants[0].Operations[0] != types.GrantOperationDecrypt || lg.Grants[0].CreationDate == nil {
		t.Fatalf("ListGrants = %+v, %v", lg, err)
	}
	if _, err := c.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: aws.String(keyID), GrantId: g.GrantId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	rs, err := c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(keyID)})
	if err != nil || !rs.KeyRotationEnabled || aws.ToInt32(rs.RotationPeriodInDays) != 365 || rs.NextRotationDate == nil {
		t.Fatalf("GetKeyRotationStatus = %+v, %v", rs, err)
	}
}
