package kms

import (
	"context"
	"sync"
	"testing"

	"github.com/kmslab/kmslab/policy"
)

func TestAWSManagedKeyCreatedOnce(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if n := len(h.must("ListAliases", nil)["Aliases"].([]any)); n != 0 {
		t.Fatalf("aliases before first use: %d", n)
	}
	// Concurrent first uses make one key.
	arns := make([]string, 8)
	var wg sync.WaitGroup
	for i := range arns {
		wg.Go(func() {
			arn, err := h.s.AWSManagedKey(ctx, "us-east-1", "dynamodb")
			if err != nil {
				t.Error(err)
			}
			arns[i] = arn
		})
	}
	wg.Wait()
	for _, a := range arns[1:] {
		if a != arns[0] {
			t.Fatalf("two keys: %v", arns)
		}
	}
	arn := arns[0]
	if n := len(h.must("ListKeys", nil)["Keys"].([]any)); n != 1 {
		t.Fatalf("%d keys", n)
	}
	md := h.must("DescribeKey", map[string]any{"KeyId": "alias/aws/dynamodb"})["KeyMetadata"].(map[string]any)
	if md["Arn"] != arn || md["KeyManager"] != "AWS" || md["KeyState"] != "Enabled" || md["KeySpec"] != "SYMMETRIC_DEFAULT" ||
		md["KeyUsage"] != "ENCRYPT_DECRYPT" || md["Origin"] != "AWS_KMS" || md["AWSAccountId"] != testAcct {
		t.Fatalf("metadata %v", md)
	}
	al := h.must("ListAliases", nil)["Aliases"].([]any)
	if len(al) != 1 || al[0].(map[string]any)["AliasName"] != "alias/aws/dynamodb" || al[0].(map[string]any)["TargetKeyId"] != md["KeyId"] ||
		al[0].(map[string]any)["AliasArn"] != "arn:aws:kms:us-east-1:"+testAcct+":alias/aws/dynamodb" {
		t.Fatalf("aliases %v", al)
	}
	pol := h.must("GetKeyPolicy", map[string]any{"KeyId": arn, "PolicyName": "default"})["Policy"]
	if pol != string(policy.DynamoDBManagedKeyPolicy(testAcct, "us-east-1")) {
		t.Fatalf("policy %v", pol)
	}
	// AWS rotates its managed keys every year.
	if rs := h.must("GetKeyRotationStatus", map[string]any{"KeyId": arn}); rs["KeyRotationEnabled"] != true {
		t.Fatalf("rotation %v", rs)
	}
	// Durable: the same key after a restart; another region gets its own.
	h.reopen()
	again, err := h.s.AWSManagedKey(ctx, "us-east-1", "dynamodb")
	if err != nil || again != arn {
		t.Fatalf("after reopen: %q %v", again, err)
	}
	west, err := h.s.AWSManagedKey(ctx, "us-west-2", "dynamodb")
	if err != nil || west == arn || west[:len("arn:aws:kms:us-west-2:")] != "arn:aws:kms:us-west-2:" {
		t.Fatalf("us-west-2: %q %v", west, err)
	}
	if _, err := h.s.AWSManagedKey(ctx, "us-east-1", "s3"); err == nil {
		t.Fatal("a service the sandbox does not emulate got a key")
	}
}

// TestUnconfirmed_ManagedKeyDescription: the Description AWS gives aws/dynamodb is not in
// the sources; the sandbox uses the text the console shows for it.
func TestUnconfirmed_ManagedKeyDescription(t *testing.T) {
	h := newHarness(t)
	arn, err := h.s.AWSManagedKey(context.Background(), "us-east-1", "dynamodb")
	if err != nil {
		t.Fatal(err)
	}
	md := h.must("DescribeKey", map[string]any{"KeyId": arn})["KeyMetadata"].(map[string]any)
	if md["Description"] != "Default key that protects my DynamoDB data when no other key is defined" {
		t.Fatalf("description %q", md["Description"])
	}
}

// TestDescribeKeyCreatesPredefined: DescribeKey of a predefined AWS alias with no key yet
// creates the AWS managed key (DescribeKey doc), authorized against the policy it will have.
func TestDescribeKeyCreatesPredefined(t *testing.T) {
	h := newHarness(t)
	for _, ref := range []string{"alias/aws/dynamodb", "arn:aws:kms:us-west-2:" + testAcct + ":alias/aws/dynamodb"} {
		if ref[0] == 'a' && ref[1] == 'r' {
			h.region = "us-west-2"
		}
		out, ts, err := h.call("DescribeKey", map[string]any{"KeyId": ref})
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if len(ts) != 1 || ts[0].Action != "kms:DescribeKey" || !ts[0].KeyPolicy ||
			ts[0].Resource != "arn:aws:kms:"+h.region+":"+testAcct+":alias/aws/dynamodb" ||
			string(ts[0].ResourcePolicy) != string(policy.DynamoDBManagedKeyPolicy(testAcct, h.region)) {
			t.Fatalf("%s: targets %+v", ref, ts)
		}
		md := out["KeyMetadata"].(map[string]any)
		arn, _ := h.s.AWSManagedKey(context.Background(), h.region, "dynamodb")
		if md["Arn"] != arn || md["KeyManager"] != "AWS" {
			t.Fatalf("%s: %v", ref, md)
		}
		// Now the alias resolves like any other.
		_, ts, err = h.call("DescribeKey", map[string]any{"KeyId": ref})
		if err != nil || ts[0].Resource != arn {
			t.Fatalf("%s again: %v %+v", ref, err, ts)
		}
	}
	// Other alias/aws/ names stay unknown.
	_, _, err := h.call("DescribeKey", map[string]any{"KeyId": "alias/aws/s3"})
	wantErr(t, err, "NotFoundException", "Alias arn:aws:kms:us-west-2:"+testAcct+":alias/aws/s3 is not found.")
	// The user cannot move, delete or reuse the AWS alias.
	id, _ := h.createKey(nil)
	for _, op := range []string{"CreateAlias", "UpdateAlias"} {
		_, _, err := h.call(op, map[string]any{"AliasName": "alias/aws/dynamodb", "TargetKeyId": id})
		wantCode(t, err, "NotAuthorizedException")
	}
	_, _, err = h.call("DeleteAlias", map[string]any{"AliasName": "alias/aws/dynamodb"})
	wantCode(t, err, "NotAuthorizedException")
}

// TestManagedKeyBroker: DynamoDB uses the AWS managed key exactly like a customer managed one.
func TestManagedKeyBroker(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	arn, err := h.s.AWSManagedKey(ctx, "us-east-1", "dynamodb")
	if err != nil {
		t.Fatal(err)
	}
	encCtx := map[string]string{"aws:dynamodb:tableName": "t", "aws:dynamodb:subscriberId": testAcct}
	got, wrapped, err := h.s.CreateTableKey(ctx, h.caller, "us-east-1", arn, encCtx)
	if err != nil || got != arn {
		t.Fatalf("CreateTableKey: %q %v", got, err)
	}
	h.authz.taken()
	if _, err := h.s.OpenTableKey(ctx, h.caller, "us-east-1", arn, wrapped, encCtx); err != nil {
		t.Fatal(err)
	}
	ts := h.authz.taken()
	if len(ts) != 1 || ts[0].Action != "kms:Decrypt" || ts[0].Context["kms:ViaService"][0] != "dynamodb.us-east-1.amazonaws.com" ||
		string(ts[0].ResourcePolicy) != string(policy.DynamoDBManagedKeyPolicy(testAcct, "us-east-1")) {
		t.Fatalf("targets %+v", ts)
	}
}
