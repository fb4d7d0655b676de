package dynamodb

import (
	"context"
	"testing"

	"github.com/kmslab/kmslab/sandbox/api"
)

// fakeManagedARN is the fake KMS's AWS managed key aws/dynamodb.
const fakeManagedARN = key2ARN

func (b *fakeBroker) AWSManagedKey(_ context.Context, _ string, service string) (string, error) {
	if service != "dynamodb" {
		return "", &api.Error{Code: "NotFoundException", Message: "Alias arn:aws:kms:us-east-1:000000000000:alias/aws/" + service + " is not found.", Status: 400}
	}
	return fakeManagedARN, nil
}

// TestManagedKeyIsUsedAsTheCaller: a table under the AWS managed key gets its table key from
// KMS as the caller, like a customer managed key, so KMS decides every data-plane call.
func TestManagedKeyIsUsedAsTheCaller(t *testing.T) {
	e := newEnv(t)
	d := e.createSimple("managed", `{"Enabled":true}`)
	if got := path(d, "TableDescription", "SSEDescription", "KMSMasterKeyArn"); got != fakeManagedARN {
		t.Fatalf("KMSMasterKeyArn %v", got)
	}
	e.must("PutItem", `{"TableName":"managed","Item":{"id":{"S":"1"}}}`)
	before := e.broker.openCount()
	e.must("GetItem", `{"TableName":"managed","Key":{"id":{"S":"1"}}}`)
	if e.broker.openCount() != before+1 {
		t.Fatal("the table key was not opened through KMS")
	}
	e.broker.state[fakeManagedARN] = "Disabled"
	e.fails("Scan", `{"TableName":"managed"}`, "ValidationException", "KMS key disabled error: ")
	delete(e.broker.state, fakeManagedARN)
	// Asking again for the AWS managed key the table has keeps its table key.
	creates := len(e.broker.creates)
	u := e.must("UpdateTable", `{"TableName":"managed","SSESpecification":{"Enabled":true,"SSEType":"KMS"}}`)
	if len(e.broker.creates) != creates || path(u, "TableDescription", "SSEDescription", "KMSMasterKeyArn") != fakeManagedARN {
		t.Fatalf("update: %d new table keys, %s", len(e.broker.creates)-creates, js(u))
	}
	if g := e.must("GetItem", `{"TableName":"managed","Key":{"id":{"S":"1"}}}`); path(g, "Item", "id", "S") != "1" {
		t.Fatalf("get after update: %s", js(g))
	}
	e.must("DeleteTable", `{"TableName":"managed"}`)
	if n := len(e.broker.releases); n == 0 || e.broker.releases[n-1] != fakeManagedARN {
		t.Fatalf("grant not released: %v", e.broker.releases)
	}
}
