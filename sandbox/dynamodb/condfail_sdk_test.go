package dynamodb_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kmslab/kmslab/sandbox/sandboxtest"
)

// TestSDKReturnValuesOnConditionCheckFailure: with ALL_OLD, a failed condition on PutItem,
// DeleteItem or UpdateItem returns the stored item in ConditionalCheckFailedException.Item;
// without it (or when no item was there) the exception has no Item.
func TestSDKReturnValuesOnConditionCheckFailure(t *testing.T) {
	env := sandboxtest.Start(t)
	ctx := context.Background()
	d := env.DynamoDB()
	const table = "condfail"
	if _, err := d.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	stored := map[string]types.AttributeValue{
		"id":  &types.AttributeValueMemberS{Value: "1"},
		"n":   &types.AttributeValueMemberN{Value: "7"},
		"tag": &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
	}
	if _, err := d.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: stored}); err != nil {
		t.Fatal(err)
	}
	key := map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "1"}}
	absent := map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "nope"}}
	fail := func(rv types.ReturnValuesOnConditionCheckFailure, k map[string]types.AttributeValue) map[string]func() error {
		return map[string]func() error{
			"PutItem": func() error {
				item := map[string]types.AttributeValue{"id": k["id"], "n": &types.AttributeValueMemberN{Value: "8"}}
				_, err := d.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item,
					ConditionExpression: aws.String("n = :n"), ExpressionAttributeValues: map[string]types.AttributeValue{":n": &types.AttributeValueMemberN{Value: "0"}},
					ReturnValuesOnConditionCheckFailure: rv})
				return err
			},
			"DeleteItem": func() error {
				_, err := d.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: k,
					ConditionExpression:                 aws.String("attribute_not_exists(id) OR n > :n"),
					ExpressionAttributeValues:           map[string]types.AttributeValue{":n": &types.AttributeValueMemberN{Value: "100"}},
					ReturnValuesOnConditionCheckFailure: rv})
				return err
			},
			"UpdateItem": func() error {
				_, err := d.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: k,
					UpdateExpression: aws.String("SET n = :n"), ConditionExpression: aws.String("attribute_exists(nothere) AND n = :n"),
					ExpressionAttributeValues:           map[string]types.AttributeValue{":n": &types.AttributeValueMemberN{Value: "1"}},
					ReturnValuesOnConditionCheckFailure: rv})
				return err
			},
		}
	}
	check := func(op string, err error, wantItem bool) {
		t.Helper()
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			t.Fatalf("%s: want ConditionalCheckFailedException, got %v", op, err)
		}
		if ccf.ErrorMessage() != "The conditional request failed" {
			t.Fatalf("%s: message %q", op, ccf.ErrorMessage())
		}
		if !wantItem {
			if ccf.Item != nil {
				t.Fatalf("%s: unexpected Item %v", op, ccf.Item)
			}
			return
		}
		id, _ := ccf.Item["id"].(*types.AttributeValueMemberS)
		n, _ := ccf.Item["n"].(*types.AttributeValueMemberN)
		ss, _ := ccf.Item["tag"].(*types.AttributeValueMemberSS)
		if len(ccf.Item) != 3 || id == nil || id.Value != "1" || n == nil || n.Value != "7" || ss == nil || len(ss.Value) != 2 {
			t.Fatalf("%s: Item %#v", op, ccf.Item)
		}
	}
	for op, call := range fail(types.ReturnValuesOnConditionCheckFailureAllOld, key) {
		check(op, call(), true)
	}
	for op, call := range fail(types.ReturnValuesOnConditionCheckFailureNone, key) {
		check(op+" NONE", call(), false)
	}
	for op, call := range fail("", key) {
		check(op+" (not set)", call(), false)
	}
	// No item was there: nothing to return. (DeleteItem's condition holds for a missing item.)
	for op, call := range fail(types.ReturnValuesOnConditionCheckFailureAllOld, absent) {
		if op == "DeleteItem" {
			if err := call(); err != nil {
				t.Fatalf("DeleteItem of a missing item: %v", err)
			}
			continue
		}
		check(op+" (no item)", call(), false)
	}
	// The stored item is untouched by the failed writes.
	g, err := d.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key})
	if err != nil || g.Item["n"].(*types.AttributeValueMemberN).Value != "7" {
		t.Fatalf("get after failures: %v %v", err, g)
	}
	_, err = d.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: stored, ReturnValuesOnConditionCheckFailure: "SOME"})
	if code, msg := apiCode(err); code != "ValidationException" ||
		msg != "1 validation error detected: Value 'SOME' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]" {
		t.Fatalf("bad enum: %s %s", code, msg)
	}
}
