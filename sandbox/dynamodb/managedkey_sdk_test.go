package dynamodb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmslab/kmslab/sandbox/sandboxtest"
)

func createTableSSE(t *testing.T, d *dynamodb.Client, name string, sse *types.SSESpecification) *types.TableDescription {
	t.Helper()
	out, err := d.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		BillingMode:          types.BillingModePayPerRequest,
		SSESpecification:     sse,
	})
	if err != nil {
		t.Fatalf("CreateTable %s: %v", name, err)
	}
	return out.TableDescription
}

// TestSDKAWSManagedKey: SSE without a key id uses the AWS managed key aws/dynamodb, a real
// KMS key made on first use. The lab's user (AmazonDynamoDBFullAccess, no kms:Decrypt) can
// use such a table: its key policy lets every principal of the account use the key through
// DynamoDB. Nobody can change or delete the key.
func TestSDKAWSManagedKey(t *testing.T) {
	env := sandboxtest.Start(t)
	ctx := context.Background()
	d, k := env.DynamoDB(), env.KMS()

	created := createTableSSE(t, d, "managed-a", &types.SSESpecification{Enabled: aws.Bool(true), SSEType: types.SSETypeKms})
	sse := created.SSEDescription
	if sse == nil || sse.Status != types.SSEStatusEnabled || sse.SSEType != types.SSETypeKms {
		t.Fatalf("SSEDescription %+v", sse)
	}
	keyARN := aws.ToString(sse.KMSMasterKeyArn)
	if !strings.HasPrefix(keyARN, "arn:aws:kms:"+env.Region+":"+env.AccountID+":key/") {
		t.Fatalf("KMSMasterKeyArn %q", keyARN)
	}
	// The same key for every such table; {"Enabled": true} alone means it too.
	b := createTableSSE(t, d, "managed-b", &types.SSESpecification{Enabled: aws.Bool(true)})
	if aws.ToString(b.SSEDescription.KMSMasterKeyArn) != keyARN {
		t.Fatalf("second table's key %q", aws.ToString(b.SSEDescription.KMSMasterKeyArn))
	}
	// {} is the AWS owned key: no SSEDescription, no KMS key.
	if o := createTableSSE(t, d, "owned", &types.SSESpecification{}); o.SSEDescription != nil {
		t.Fatalf("owned: %+v", o.SSEDescription)
	}

	for _, ref := range []string{keyARN, "alias/aws/dynamodb"} {
		md, err := k.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(ref)})
		if err != nil {
			t.Fatalf("DescribeKey %s: %v", ref, err)
		}
		m := md.KeyMetadata
		if aws.ToString(m.Arn) != keyARN || m.KeyManager != kmstypes.KeyManagerTypeAws || m.KeyState != kmstypes.KeyStateEnabled || !m.Enabled {
			t.Fatalf("DescribeKey %s: %+v", ref, m)
		}
	}
	keys, err := k.ListKeys(ctx, &kms.ListKeysInput{})
	if err != nil || len(keys.Keys) != 1 {
		t.Fatalf("ListKeys: %v %+v", err, keys)
	}
	aliases, err := k.ListAliases(ctx, &kms.ListAliasesInput{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range aliases.Aliases {
		if aws.ToString(a.AliasName) == "alias/aws/dynamodb" {
			found = aws.ToString(a.TargetKeyId) == aws.ToString(keys.Keys[0].KeyId) &&
				aws.ToString(a.AliasArn) == "arn:aws:kms:"+env.Region+":"+env.AccountID+":alias/aws/dynamodb"
		}
	}
	if !found {
		t.Fatalf("ListAliases %+v", aliases.Aliases)
	}
	pol, err := k.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(keyARN), PolicyName: aws.String("default")})
	if err != nil || !strings.Contains(aws.ToString(pol.Policy), `"Id" : "auto-dynamodb-1"`) ||
		!strings.Contains(aws.ToString(pol.Policy), `"kms:ViaService" : "dynamodb.`+env.Region+`.amazonaws.com"`) {
		t.Fatalf("GetKeyPolicy: %v\n%s", err, aws.ToString(pol.Policy))
	}

	// The lab's user reads and writes the table; KMS itself it may not use directly.
	im := env.IAM()
	if _, err := im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("nextwork-kms-user")}); err != nil {
		t.Fatal(err)
	}
	if _, err := im.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("nextwork-kms-user"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess")}); err != nil {
		t.Fatal(err)
	}
	ak, err := im.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("nextwork-kms-user")})
	if err != nil {
		t.Fatal(err)
	}
	cfg := env.Config(aws.ToString(ak.AccessKey.AccessKeyId), aws.ToString(ak.AccessKey.SecretAccessKey))
	ud, uk := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	item := map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "1"}, "secret": &types.AttributeValueMemberS{Value: "s3cr3t"}}
	if _, err := ud.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("managed-a"), Item: item}); err != nil {
		t.Fatalf("user PutItem: %v", err)
	}
	scan, err := ud.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("managed-a")})
	if err != nil || scan.Count != 1 || scan.Items[0]["secret"].(*types.AttributeValueMemberS).Value != "s3cr3t" {
		t.Fatalf("user Scan: %v %+v", err, scan)
	}
	if _, err := uk.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/dynamodb")}); err != nil {
		t.Fatalf("user DescribeKey: %v", err)
	}
	_, err = uk.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyARN), Plaintext: []byte("x")})
	if code, _ := apiCode(err); code != "AccessDeniedException" {
		t.Fatalf("user Encrypt outside DynamoDB: %v", err)
	}

	// Survives a restart: the same key, the data readable.
	env.Restart(t)
	d = env.DynamoDB()
	g, err := d.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("managed-a"), Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "1"}}})
	if err != nil || g.Item["secret"].(*types.AttributeValueMemberS).Value != "s3cr3t" {
		t.Fatalf("GetItem after restart: %v", err)
	}
	c := createTableSSE(t, d, "managed-c", &types.SSESpecification{SSEType: types.SSETypeKms})
	if aws.ToString(c.SSEDescription.KMSMasterKeyArn) != keyARN {
		t.Fatalf("after restart, another key: %q", aws.ToString(c.SSEDescription.KMSMasterKeyArn))
	}
}

// TestUnconfirmed_ManagedKeyChangesDenied: the admin (AdministratorAccess) cannot change,
// disable or delete the AWS managed key: its key policy has no root "kms:*" statement, so
// KMS answers AccessDeniedException as for any action the key policy does not allow. AWS's
// exact answer for these calls is not in the sources. Its alias is reserved
// (NotAuthorizedException, as TestUnconfirmed_AliasAWSPrefix).
func TestUnconfirmed_ManagedKeyChangesDenied(t *testing.T) {
	env := sandboxtest.Start(t)
	ctx := context.Background()
	k := env.KMS()
	keyARN := aws.ToString(createTableSSE(t, env.DynamoDB(), "managed", &types.SSESpecification{Enabled: aws.Bool(true)}).SSEDescription.KMSMasterKeyArn)
	own, err := k.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	denied := map[string]func() error{
		"PutKeyPolicy": func() error {
			_, err := k.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(keyARN), PolicyName: aws.String("default"),
				Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*"}]}`)})
			return err
		},
		"ScheduleKeyDeletion": func() error {
			_, err := k.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyARN), PendingWindowInDays: aws.Int32(7)})
			return err
		},
		"DisableKey": func() error { _, err := k.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(keyARN)}); return err },
		"DisableKeyRotation": func() error {
			_, err := k.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: aws.String(keyARN)})
			return err
		},
		"Encrypt": func() error {
			_, err := k.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyARN), Plaintext: []byte("x")})
			return err
		},
		"CreateAlias (another alias to it)": func() error {
			_, err := k.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/mine"), TargetKeyId: aws.String(keyARN)})
			return err
		},
	}
	for name, call := range denied {
		code, msg := apiCode(call())
		if code != "AccessDeniedException" || !strings.Contains(msg, "because no resource-based policy allows") {
			t.Errorf("%s: %s %s", name, code, msg)
		}
	}
	reserved := map[string]func() error{
		"CreateAlias alias/aws/": func() error {
			_, err := k.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/aws/mine"), TargetKeyId: own.KeyMetadata.KeyId})
			return err
		},
		"UpdateAlias alias/aws/dynamodb": func() error {
			_, err := k.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/aws/dynamodb"), TargetKeyId: own.KeyMetadata.KeyId})
			return err
		},
		"DeleteAlias alias/aws/dynamodb": func() error {
			_, err := k.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/aws/dynamodb")})
			return err
		},
	}
	for name, call := range reserved {
		if code, _ := apiCode(call()); code != "NotAuthorizedException" {
			t.Errorf("%s: %s", name, code)
		}
	}
	// Reading it is allowed (kms:Describe*, kms:Get*, kms:List* for the account).
	if rs, err := k.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(keyARN)}); err != nil || !rs.KeyRotationEnabled {
		t.Fatalf("GetKeyRotationStatus: %v", err)
	}
	if _, err := k.ListGrants(ctx, &kms.ListGrantsInput{KeyId: aws.String(keyARN)}); err != nil {
		t.Fatalf("ListGrants: %v", err)
	}
}
