package kms_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/kmslab/kmslab/policy"
	"github.com/kmslab/kmslab/sandbox/sandboxtest"
)

const ddbFullAccess = "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"

// labUser is an IAM user with AmazonDynamoDBFullAccess and an access key.
type labUser struct {
	arn, id, keyID, secret string
}

func newDDBUser(t *testing.T, env *sandboxtest.Env, name string) labUser {
	t.Helper()
	ctx := context.Background()
	im := env.IAM()
	u, err := im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if _, err := im.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String(ddbFullAccess)}); err != nil {
		t.Fatal(err)
	}
	k, err := im.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return labUser{aws.ToString(u.User.Arn), aws.ToString(u.User.UserId), aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey)}
}

func (u labUser) ddb(env *sandboxtest.Env) *dynamodb.Client {
	return dynamodb.NewFromConfig(env.Config(u.keyID, u.secret))
}

func errCodeMsg(err error) (string, string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	return "", ""
}

func keyPolicy(t *testing.T, k *kms.Client, keyARN string) string {
	t.Helper()
	out, err := k.GetKeyPolicy(context.Background(), &kms.GetKeyPolicyInput{KeyId: aws.String(keyARN), PolicyName: aws.String("default")})
	if err != nil {
		t.Fatalf("GetKeyPolicy: %v", err)
	}
	return aws.ToString(out.Policy)
}

func putKeyPolicy(k *kms.Client, keyARN, doc string) error {
	_, err := k.PutKeyPolicy(context.Background(), &kms.PutKeyPolicyInput{KeyId: aws.String(keyARN), PolicyName: aws.String("default"), Policy: aws.String(doc)})
	return err
}

// TestSDKDeletedUserLeavesKeyPolicy: once a user named in a key policy is deleted, the
// policy names the user's unique id (AIDA…) instead of the ARN (IAM User Guide, principal
// element), so a new user of the same name is not granted the key.
func TestSDKDeletedUserLeavesKeyPolicy(t *testing.T) {
	env := sandboxtest.Start(t)
	ctx := context.Background()
	k, d, im := env.KMS(), env.DynamoDB(), env.IAM()
	key, err := k.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	const table, name = "nextwork-kms-table", "nextwork-kms-user"
	if _, err := d.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		SSESpecification:     &ddbtypes.SSESpecification{Enabled: aws.Bool(true), SSEType: ddbtypes.SSETypeKms, KMSMasterKeyId: aws.String(keyARN)},
	}); err != nil {
		t.Fatal(err)
	}
	scan := &dynamodb.ScanInput{TableName: aws.String(table)}

	// The lab: user A, granted in the key policy, can scan.
	a := newDDBUser(t, env, name)
	granted, _, err := policy.GrantKeyUse([]byte(keyPolicy(t, k, keyARN)), a.arn)
	if err != nil {
		t.Fatal(err)
	}
	if err := putKeyPolicy(k, keyARN, string(granted)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ddb(env).Scan(ctx, scan); err != nil {
		t.Fatalf("granted user's Scan: %v", err)
	}

	// The lab's clean-up deletes A.
	if _, err := im.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(name), AccessKeyId: aws.String(a.keyID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := im.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String(ddbFullAccess)}); err != nil {
		t.Fatal(err)
	}
	if _, err := im.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	after := keyPolicy(t, k, keyARN)
	if want := strings.ReplaceAll(string(granted), `"`+a.arn+`"`, `"`+a.id+`"`); after != want || strings.Contains(after, a.arn) || !strings.HasPrefix(a.id, "AIDA") {
		t.Fatalf("key policy after DeleteUser:\n%s\nwant\n%s", after, want)
	}

	// A new user of the same name is another principal: denied.
	b := newDDBUser(t, env, name)
	if b.arn != a.arn || b.id == a.id {
		t.Fatalf("new user %s %s", b.arn, b.id)
	}
	denied := func() {
		t.Helper()
		_, err := b.ddb(env).Scan(ctx, scan)
		code, msg := errCodeMsg(err)
		if code != "AccessDeniedException" || !strings.Contains(msg, "User: "+b.arn+" is not authorized to perform: kms:Decrypt on resource: "+keyARN) {
			t.Fatalf("new same-name user's Scan: %s %s", code, msg)
		}
	}
	denied()

	// Still so after a restart.
	env.Restart(t)
	if got := keyPolicy(t, env.KMS(), keyARN); got != after {
		t.Fatalf("policy after restart:\n%s", got)
	}
	denied()
}

// TestUnconfirmed_DeletedUserIDInKeyPolicy: a student who puts back the policy GetKeyPolicy
// returned after a user was deleted (so with the user's AIDA… id in it) is not refused for
// "invalid principals": the sandbox accepts the unique id of a user that existed. What AWS
// does is not in the sources. An id no user ever had is still refused.
func TestUnconfirmed_DeletedUserIDInKeyPolicy(t *testing.T) {
	env := sandboxtest.Start(t)
	ctx := context.Background()
	k, im := env.KMS(), env.IAM()
	key, err := k.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	u, err := im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("gone")})
	if err != nil {
		t.Fatal(err)
	}
	granted, _, err := policy.GrantKeyUse([]byte(keyPolicy(t, k, keyARN)), aws.ToString(u.User.Arn))
	if err != nil {
		t.Fatal(err)
	}
	if err := putKeyPolicy(k, keyARN, string(granted)); err != nil {
		t.Fatal(err)
	}
	if _, err := im.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("gone")}); err != nil {
		t.Fatal(err)
	}
	shown := keyPolicy(t, k, keyARN)
	if !strings.Contains(shown, aws.ToString(u.User.UserId)) {
		t.Fatalf("policy:\n%s", shown)
	}
	if err := putKeyPolicy(k, keyARN, shown); err != nil {
		t.Fatalf("putting back the policy GetKeyPolicy returned: %v", err)
	}
	never := strings.ReplaceAll(shown, aws.ToString(u.User.UserId), "AIDANEVERANYONE000000")
	if code, msg := errCodeMsg(putKeyPolicy(k, keyARN, never)); code != "MalformedPolicyDocumentException" || msg != "Policy contains a statement with one or more invalid principals." {
		t.Fatalf("unknown id: %s %s", code, msg)
	}
}
