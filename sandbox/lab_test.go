package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/kmslab/kmslab/sandbox/sandboxtest"
)

const (
	aliasName = "alias/nextwork-kms-key"
	tableName = "nextwork-kms-table"
	userName  = "nextwork-kms-user"
)

type labItem struct {
	ID   string `dynamodbav:"id"`
	Name string `dynamodbav:"name"`
}

// lab holds what the lab creates, step by step.
type lab struct {
	env     *sandboxtest.Env
	keyARN  string
	userARN string
	userCfg aws.Config
}

func (l *lab) createKey(ctx context.Context, t *testing.T) {
	t.Helper()
	out, err := l.env.KMS().CreateKey(ctx, &kms.CreateKeyInput{
		Description: aws.String("kmslab lab key"),
		Tags:        []kmstypes.Tag{{TagKey: aws.String("kmslab:lab"), TagValue: aws.String("nextwork")}},
	})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	l.keyARN = aws.ToString(out.KeyMetadata.Arn)
	if _, err := l.env.KMS().CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(aliasName), TargetKeyId: out.KeyMetadata.KeyId}); err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
}

func (l *lab) createTable(ctx context.Context, t *testing.T) {
	t.Helper()
	db := l.env.DynamoDB()
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(tableName),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		SSESpecification:     &ddbtypes.SSESpecification{Enabled: aws.Bool(true), SSEType: ddbtypes.SSETypeKms, KMSMasterKeyId: aws.String(aliasName)},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 10 * time.Millisecond
		o.MaxDelay = 100 * time.Millisecond
	})
	out, err := w.WaitForOutput(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tableName)}, 10*time.Second)
	if err != nil {
		t.Fatalf("wait for table: %v", err)
	}
	sse := out.Table.SSEDescription
	if sse == nil || sse.Status != ddbtypes.SSEStatusEnabled || sse.SSEType != ddbtypes.SSETypeKms || aws.ToString(sse.KMSMasterKeyArn) != l.keyARN {
		t.Fatalf("SSEDescription = %+v, want ENABLED KMS %s (the key ARN, not the alias)", sse, l.keyARN)
	}
}

func (l *lab) addItems(ctx context.Context, t *testing.T) {
	t.Helper()
	for _, it := range []labItem{{"1", "Ada"}, {"2", "Grace"}, {"3", "Linus"}} {
		av, err := attributevalue.MarshalMap(it)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.env.DynamoDB().PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tableName), Item: av}); err != nil {
			t.Fatalf("PutItem: %v", err)
		}
	}
}

func (l *lab) createUser(ctx context.Context, t *testing.T) {
	t.Helper()
	c := l.env.IAM()
	u, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(userName)})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	l.userARN = aws.ToString(u.User.Arn)
	if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(userName), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess")}); err != nil {
		t.Fatalf("AttachUserPolicy: %v", err)
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(userName)})
	if err != nil {
		t.Fatalf("CreateAccessKey: %v", err)
	}
	l.userCfg = l.env.Config(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey))
}

func scanAll(ctx context.Context, cfg aws.Config) ([]labItem, error) {
	out, err := dynamodb.NewFromConfig(cfg).Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(tableName)})
	if err != nil {
		return nil, err
	}
	var items []labItem
	err = attributevalue.UnmarshalListOfMaps(out.Items, &items)
	return items, err
}

// grant adds the user to an "Allow use of the key" statement of the key policy.
func (l *lab) grant(ctx context.Context, t *testing.T) {
	t.Helper()
	got, err := l.env.KMS().GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(l.keyARN), PolicyName: aws.String("default")})
	if err != nil {
		t.Fatalf("GetKeyPolicy: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(got.Policy)), &doc); err != nil {
		t.Fatalf("key policy is not JSON: %v", err)
	}
	doc["Statement"] = append(doc["Statement"].([]any), map[string]any{
		"Sid": "Allow use of the key", "Effect": "Allow",
		"Principal": map[string]any{"AWS": l.userARN},
		"Action":    []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"},
		"Resource":  "*",
	})
	raw, _ := json.Marshal(doc)
	if _, err := l.env.KMS().PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(l.keyARN), PolicyName: aws.String("default"), Policy: aws.String(string(raw))}); err != nil {
		t.Fatalf("PutKeyPolicy: %v", err)
	}
}

// TestLabEndToEnd is the lab as a student does it, through aws-sdk-go-v2: the user with
// AmazonDynamoDBFullAccess is denied for lack of kms:Decrypt until the key policy names them.
func TestLabEndToEnd(t *testing.T) {
	ctx := context.Background()
	l := &lab{env: sandboxtest.Start(t)}
	l.createKey(ctx, t)
	l.createTable(ctx, t)
	l.addItems(ctx, t)
	if items, err := scanAll(ctx, l.env.Admin); err != nil || len(items) != 3 {
		t.Fatalf("admin Scan: %v %v", items, err)
	}
	l.createUser(ctx, t)

	who, err := sts.NewFromConfig(l.userCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != l.userARN {
		t.Fatalf("GetCallerIdentity as the user: %v %v", who, err)
	}

	wantDenied := "KMS key access denied error: com.amazonaws.services.kms.model.AWSKMSException: User: " + l.userARN +
		" is not authorized to perform: kms:Decrypt on resource: " + l.keyARN + " because no identity-based policy allows the kms:Decrypt action"
	_, err = scanAll(ctx, l.userCfg)
	assertAPIError(t, "Scan as the user", err, "AccessDeniedException", wantDenied)
	_, err = dynamodb.NewFromConfig(l.userCfg).GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tableName), Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "1"}}})
	assertAPIError(t, "GetItem as the user", err, "AccessDeniedException", wantDenied)

	if _, err := dynamodb.NewFromConfig(l.userCfg).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tableName)}); err != nil {
		t.Fatalf("DescribeTable as the user must work (no kms:Decrypt needed): %v", err)
	}
	if _, err := kms.NewFromConfig(l.userCfg).DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(l.keyARN)}); err != nil {
		t.Fatalf("DescribeKey as the user must work (AmazonDynamoDBFullAccess allows it): %v", err)
	}
	_, err = kms.NewFromConfig(l.userCfg).Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: []byte("not a blob")})
	if err == nil {
		t.Fatal("the user decrypted directly")
	}

	l.grant(ctx, t)
	items, err := scanAll(ctx, l.userCfg)
	if err != nil || len(items) != 3 {
		t.Fatalf("Scan as the user after the grant: %v %v", items, err)
	}

	// Stop and start again: everything is still there, and the grant still holds.
	l.env.Restart(t)
	l.userCfg.BaseEndpoint = aws.String(l.env.URL)
	if items, err := scanAll(ctx, l.userCfg); err != nil || len(items) != 3 {
		t.Fatalf("Scan as the user after a restart: %v %v", items, err)
	}
	if _, err := l.env.IAM().GetUser(ctx, &iam.GetUserInput{UserName: aws.String(userName)}); err != nil {
		t.Fatalf("user lost in restart: %v", err)
	}
	d, err := l.env.KMS().DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(aliasName)})
	if err != nil || aws.ToString(d.KeyMetadata.Arn) != l.keyARN {
		t.Fatalf("key or alias lost in restart: %v %v", d, err)
	}
}

func assertAPIError(t *testing.T, what string, err error, code, msgPrefix string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("%s: want %s, got %v", what, code, err)
	}
	if ae.ErrorCode() != code || !strings.HasPrefix(ae.ErrorMessage(), msgPrefix) {
		t.Fatalf("%s:\n got  %s: %s\n want %s: %s…", what, ae.ErrorCode(), ae.ErrorMessage(), code, msgPrefix)
	}
}
