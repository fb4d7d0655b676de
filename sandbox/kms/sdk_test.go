package kms_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/kmslab/kmslab/sandbox/sandboxtest"
)

func TestSDKMainFlows(t *testing.T) {
	env := sandboxtest.Start(t)
	c := env.KMS()
	id, arn := scenarioKeyAndAlias(t, c, env.AccountID, env.Region)
	scenarioCrypto(t, c, id, arn)
	scenarioPolicyErrors(t, c, env.AccountID, id)
	scenarioListingAndGrants(t, c, id)
	scenarioStates(t, c, id, arn)
}

// newLabUser makes an IAM user with AmazonDynamoDBFullAccess (kms:DescribeKey and
// kms:ListAliases, no kms:Decrypt) and returns its ARN and a KMS client acting as it.
func newLabUser(t *testing.T, env *sandboxtest.Env, name string) (string, *kms.Client) {
	t.Helper()
	ctx := context.Background()
	im := env.IAM()
	u, err := im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if _, err := im.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess")}); err != nil {
		t.Fatalf("AttachUserPolicy: %v", err)
	}
	k, err := im.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateAccessKey: %v", err)
	}
	return aws.ToString(u.User.Arn), kms.NewFromConfig(env.Config(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey)))
}

func useStatementPolicy(acct, userARN string, withRoot bool) string {
	root := ""
	if withRoot {
		root = `{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"kms:*","Resource":"*"},`
	}
	return `{"Version":"2012-10-17","Id":"key-consolepolicy-3","Statement":[` + root +
		`{"Sid":"Allow use of the key","Effect":"Allow","Principal":{"AWS":["` + userARN + `"]},` +
		`"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*"}]}`
}

// The key policy decides, as on AWS: the user may describe the key (IAM allow + root
// statement) but not decrypt, until the key policy names the user.
func TestSDKKeyPolicyGovernsUser(t *testing.T) {
	env := sandboxtest.Start(t)
	ctx := context.Background()
	admin := env.KMS()
	key, err := admin.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	ct, err := admin.Encrypt(ctx, &kms.EncryptInput{KeyId: key.KeyMetadata.KeyId, Plaintext: []byte("item")})
	if err != nil {
		t.Fatal(err)
	}
	userARN, user := newLabUser(t, env, "nextwork-kms-user")
	if _, err := user.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyARN)}); err != nil {
		t.Fatalf("DescribeKey as the user: %v", err)
	}
	_, err = user.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: ct.CiphertextBlob})
	var ae smithy.APIError
	want := "User: " + userARN + " is not authorized to perform: kms:Decrypt on resource: " + keyARN + " because no identity-based policy allows the kms:Decrypt action"
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" || ae.ErrorMessage() != want {
		t.Fatalf("Decrypt as the user: %v\nwant message: %s", err, want)
	}
	if _, err := admin.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(keyARN), PolicyName: aws.String("default"), Policy: aws.String(useStatementPolicy(env.AccountID, userARN, true))}); err != nil {
		t.Fatalf("PutKeyPolicy: %v", err)
	}
	out, err := user.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: ct.CiphertextBlob})
	if err != nil || string(out.Plaintext) != "item" {
		t.Fatalf("Decrypt after the key policy names the user: %v", err)
	}
}

// Without the root statement the admin would lose the key: the lockout check refuses it.
func TestSDKLockoutSafetyCheck(t *testing.T) {
	env := sandboxtest.Start(t)
	ctx := context.Background()
	admin := env.KMS()
	key, err := admin.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	userARN, _ := newLabUser(t, env, "lockout-user")
	lockout := useStatementPolicy(env.AccountID, userARN, false)
	_, err = admin.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: key.KeyMetadata.KeyId, Policy: aws.String(lockout)})
	var mp *types.MalformedPolicyDocumentException
	if !errors.As(err, &mp) || mp.ErrorMessage() != "The new key policy will not allow you to update the key policy in the future." {
		t.Fatalf("PutKeyPolicy that locks the admin out: %v", err)
	}
	_, err = admin.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(lockout)})
	if !errors.As(err, &mp) {
		t.Fatalf("CreateKey that locks the admin out: %v", err)
	}
	if _, err := admin.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: key.KeyMetadata.KeyId, Policy: aws.String(lockout), BypassPolicyLockoutSafetyCheck: true}); err != nil {
		t.Fatalf("PutKeyPolicy with the bypass: %v", err)
	}
	// Now even the admin cannot read the policy back.
	_, err = admin.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: key.KeyMetadata.KeyId})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
		t.Fatalf("GetKeyPolicy after lockout: %v", err)
	}
}

func TestSDKStateSurvivesRestart(t *testing.T) {
	env := sandboxtest.Start(t)
	ctx := context.Background()
	key, err := env.KMS().CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("durable")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.KMS().CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/durable"), TargetKeyId: key.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	ct, err := env.KMS().Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/durable"), Plaintext: []byte("kept"), EncryptionContext: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	env.Restart(t)
	out, err := env.KMS().Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: ct.CiphertextBlob, KeyId: aws.String("alias/durable"), EncryptionContext: map[string]string{"k": "v"}})
	if err != nil || string(out.Plaintext) != "kept" {
		t.Fatalf("Decrypt after restart: %v", err)
	}
}
