package dynamodb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/kmslab/kmslab/sandbox/sandboxtest"
)

type labItem struct {
	ID     string   `dynamodbav:"id"`
	Name   string   `dynamodbav:"name"`
	Score  float64  `dynamodbav:"score"`
	Tags   []string `dynamodbav:"tags,stringset"`
	Secret string   `dynamodbav:"secret"`
}

func apiCode(err error) (string, string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	return "", ""
}

// TestSDKLab drives the lab through aws-sdk-go-v2: a customer managed key, a table encrypted
// with it, items, a user denied by KMS, then granted by the key policy.
func TestSDKLab(t *testing.T) {
	env := sandboxtest.Start(t)
	ctx := context.Background()
	k, d := env.KMS(), env.DynamoDB()

	key, err := k.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("nextwork lab key")})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	if _, err := k.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/nextwork-kms-key"), TargetKeyId: key.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	const table = "nextwork-kms-table"
	created, err := d.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		BillingMode:          types.BillingModePayPerRequest,
		SSESpecification:     &types.SSESpecification{Enabled: aws.Bool(true), SSEType: types.SSETypeKms, KMSMasterKeyId: aws.String("alias/nextwork-kms-key")},
		Tags:                 []types.Tag{{Key: aws.String("kmslab:lab"), Value: aws.String("nextwork")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.TableDescription.TableStatus != types.TableStatusCreating {
		t.Fatalf("CreateTable status %s", created.TableDescription.TableStatus)
	}
	waiter := dynamodb.NewTableExistsWaiter(d, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	desc, err := waiter.WaitForOutput(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	sse := desc.Table.SSEDescription
	if sse == nil || sse.Status != types.SSEStatusEnabled || sse.SSEType != types.SSETypeKms || aws.ToString(sse.KMSMasterKeyArn) != keyARN {
		t.Fatalf("SSEDescription %+v", sse)
	}
	if desc.Table.CreationDateTime == nil || time.Since(*desc.Table.CreationDateTime) > time.Minute || aws.ToString(desc.Table.TableArn) != "arn:aws:dynamodb:"+env.Region+":"+env.AccountID+":table/"+table {
		t.Fatalf("DescribeTable %+v", desc.Table)
	}

	items := []labItem{{"1", "Ada", 9.5, []string{"math"}, "first"}, {"2", "Grace", 8.25, []string{"navy", "cobol"}, "second"}, {"3", "Linus", 7, []string{"git"}, "third"}}
	for _, it := range items {
		av, err := attributevalue.MarshalMap(it)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: av}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := d.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "2"}}})
	if err != nil {
		t.Fatal(err)
	}
	var g labItem
	if err := attributevalue.UnmarshalMap(got.Item, &g); err != nil || g.Name != "Grace" || g.Score != 8.25 || len(g.Tags) != 2 {
		t.Fatalf("GetItem %+v %v", g, err)
	}
	scan, err := d.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table)})
	if err != nil || scan.Count != 3 {
		t.Fatalf("admin Scan: %v %+v", err, scan)
	}
	_, err = d.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "1"}},
		ConditionExpression: aws.String("attribute_not_exists(id)")})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("conditional put: %v", err)
	}
	up, err := d.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "3"}},
		UpdateExpression: aws.String("SET score = score + :d"), ExpressionAttributeValues: map[string]types.AttributeValue{":d": &types.AttributeValueMemberN{Value: "0.1"}},
		ReturnValues: types.ReturnValueUpdatedNew})
	if err != nil || up.Attributes["score"].(*types.AttributeValueMemberN).Value != "7.1" {
		t.Fatalf("UpdateItem: %v %+v", err, up)
	}

	// The student: AmazonDynamoDBFullAccess, no kms:Decrypt.
	im := env.IAM()
	const user = "nextwork-kms-user"
	u, err := im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(user), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess")}); err != nil {
		t.Fatal(err)
	}
	ak, err := im.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatal(err)
	}
	sd := dynamodb.NewFromConfig(env.Config(aws.ToString(ak.AccessKey.AccessKeyId), aws.ToString(ak.AccessKey.SecretAccessKey)))
	_, err = sd.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table)})
	code, msg := apiCode(err)
	wantPrefix := "KMS key access denied error: com.amazonaws.services.kms.model.AWSKMSException: User: " + aws.ToString(u.User.Arn) +
		" is not authorized to perform: kms:Decrypt on resource: " + keyARN + " because no identity-based policy allows the kms:Decrypt action (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: "
	if code != "AccessDeniedException" || !strings.HasPrefix(msg, wantPrefix) || !strings.HasSuffix(msg, "; Proxy: null)") {
		t.Fatalf("student Scan:\n got %s: %s\nwant %s…", code, msg, wantPrefix)
	}
	if _, err := sd.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}); err != nil {
		t.Fatalf("student DescribeTable: %v", err)
	}

	// The admin adds the student to the key policy: the next Scan works.
	pol, err := k.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(keyARN), PolicyName: aws.String("default")})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(pol.Policy)), &doc); err != nil {
		t.Fatal(err)
	}
	doc["Statement"] = append(doc["Statement"].([]any), map[string]any{
		"Sid": "Allow use of the key", "Effect": "Allow", "Principal": map[string]any{"AWS": aws.ToString(u.User.Arn)},
		"Action": []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"}, "Resource": "*",
	})
	newPol, _ := json.Marshal(doc)
	if _, err := k.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(keyARN), PolicyName: aws.String("default"), Policy: aws.String(string(newPol))}); err != nil {
		t.Fatal(err)
	}
	scan, err = sd.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table)})
	if err != nil || scan.Count != 3 {
		t.Fatalf("student Scan after grant: %v", err)
	}

	// A restart keeps tables and items.
	env.Restart(t)
	d = env.DynamoDB()
	got, err = d.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "1"}}})
	if err != nil || got.Item["secret"].(*types.AttributeValueMemberS).Value != "first" {
		t.Fatalf("GetItem after restart: %v", err)
	}

	// A disabled key stops the data plane with DynamoDB's ValidationException.
	if _, err := env.KMS().DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(keyARN)}); err != nil {
		t.Fatal(err)
	}
	_, err = d.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "1"}}})
	if code, msg := apiCode(err); code != "ValidationException" || !strings.HasPrefix(msg, "KMS key disabled error: com.amazonaws.services.kms.model.DisabledException: "+keyARN+" is disabled.") {
		t.Fatalf("disabled key: %s: %s", code, msg)
	}
	if _, err := d.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)}); err != nil {
		t.Fatalf("DeleteTable with a disabled key: %v", err)
	}
}

// TestSDKQueryScanBatch covers paginators, batch calls and the modelled errors.
func TestSDKQueryScanBatch(t *testing.T) {
	env := sandboxtest.Start(t)
	ctx := context.Background()
	d := env.DynamoDB()
	_, err := d.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("events"),
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN}},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)},
	})
	if err != nil {
		t.Fatal(err)
	}
	var reqs []types.WriteRequest
	for i := 0; i < 25; i++ {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("p%d", i%3)}, "sk": &types.AttributeValueMemberN{Value: fmt.Sprint(i)}}}})
	}
	if _, err := d.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"events": reqs}}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for p := dynamodb.NewScanPaginator(d, &dynamodb.ScanInput{TableName: aws.String("events"), Limit: aws.Int32(4)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Items)
	}
	if n != 25 {
		t.Fatalf("scanned %d", n)
	}
	var sks []string
	for p := dynamodb.NewQueryPaginator(d, &dynamodb.QueryInput{TableName: aws.String("events"), Limit: aws.Int32(3), ScanIndexForward: aws.Bool(false),
		KeyConditionExpression: aws.String("pk = :p AND sk >= :s"), ExpressionAttributeValues: map[string]types.AttributeValue{
			":p": &types.AttributeValueMemberS{Value: "p1"}, ":s": &types.AttributeValueMemberN{Value: "10"}}}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			sks = append(sks, it["sk"].(*types.AttributeValueMemberN).Value)
		}
	}
	if strings.Join(sks, ",") != "22,19,16,13,10" {
		t.Fatalf("query: %v", sks)
	}
	bg, err := d.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"events": {Keys: []map[string]types.AttributeValue{
		{"pk": &types.AttributeValueMemberS{Value: "p0"}, "sk": &types.AttributeValueMemberN{Value: "0"}},
		{"pk": &types.AttributeValueMemberS{Value: "p0"}, "sk": &types.AttributeValueMemberN{Value: "1"}}}}}})
	if err != nil || len(bg.Responses["events"]) != 1 {
		t.Fatalf("BatchGetItem: %v %+v", err, bg)
	}
	_, err = d.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("nope"), Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "1"}}})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || nf.ErrorMessage() != "Requested resource not found" {
		t.Fatalf("missing table: %v", err)
	}
	_, err = d.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("events"),
		KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}})
	var inUse *types.ResourceInUseException
	if !errors.As(err, &inUse) || inUse.ErrorMessage() != "Table already exists: events" {
		t.Fatalf("duplicate table: %v", err)
	}
	_, err = d.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("events"), Item: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberN{Value: "1"}, "sk": &types.AttributeValueMemberN{Value: "1"}}})
	if code, msg := apiCode(err); code != "ValidationException" || msg != "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N" {
		t.Fatalf("type mismatch: %s %s", code, msg)
	}
	_, err = d.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("events"), FilterExpression: aws.String("sk > :x"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":x": &types.AttributeValueMemberN{Value: "1"}, ":y": &types.AttributeValueMemberN{Value: "2"}}})
	if code, msg := apiCode(err); code != "ValidationException" || msg != "Value provided in ExpressionAttributeValues unused in expressions: keys: {:y}" {
		t.Fatalf("unused value: %s %s", code, msg)
	}
	tags, err := d.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String("arn:aws:dynamodb:" + env.Region + ":" + env.AccountID + ":table/events")})
	if err != nil || len(tags.Tags) != 0 {
		t.Fatalf("ListTagsOfResource: %v", err)
	}
}
