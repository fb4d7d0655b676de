package dynamodb

import (
	"strings"
	"testing"

	"github.com/kmslab/kmslab/sandbox/api"
)

// TestForeignTableARN: a table ARN of another account is denied as AWS denies a caller
// from another account, even when this account has a table of that name; this account's
// own ARN still works.
func TestForeignTableARN(t *testing.T) {
	e := newEnv(t)
	e.createSimple("shared-name", "")
	other := "arn:aws:dynamodb:" + region + ":999999999999:table/shared-name"
	mine := "arn:aws:dynamodb:" + region + ":" + acct + ":table/shared-name"
	e.must("PutItem", `{"TableName":"`+mine+`","Item":{"id":{"S":"1"}}}`)
	msg := "User: " + admin.ARN + " is not authorized to perform: dynamodb:Scan on resource: " + other +
		" because no resource-based policy allows the dynamodb:Scan action"
	if err := e.fails("Scan", `{"TableName":"`+other+`"}`, "AccessDeniedException", msg); err.Message != msg {
		t.Errorf("message = %q", err.Message)
	}
	e.fails("GetItem", `{"TableName":"`+other+`","Key":{"id":{"S":"1"}}}`, "AccessDeniedException", "User: ")
	e.fails("BatchGetItem", `{"RequestItems":{"`+other+`":{"Keys":[{"id":{"S":"1"}}]}}}`, "AccessDeniedException", "User: ")
	e.fails("DeleteTable", `{"TableName":"`+other+`"}`, "AccessDeniedException", "User: ")
	if out := e.must("Scan", `{"TableName":"`+mine+`"}`); out["Count"] != float64(1) {
		t.Errorf("Scan by this account's ARN = %v", out)
	}
}

// FuzzForeignTable: any body is let through or denied as AccessDeniedException, never a
// panic; a denial names an ARN that is in the body and not of this account.
func FuzzForeignTable(f *testing.F) {
	for _, s := range []string{
		`{"TableName":"arn:aws:dynamodb:us-east-1:000000000001:table/t"}`,
		`{"RequestItems":{"arn:aws:dynamodb:us-east-1:000000000002:table/t":{"Keys":[]}}}`,
		`{"TableName":"arn:aws:kms:us-east-1:1:key/x"}`, `{"TableName":"t"}`, `arn:`, `{"TableName":"arn:aws:dynamodb:::table/"}`,
	} {
		f.Add(s)
	}
	svc := &Service{account: acct}
	f.Fuzz(func(t *testing.T, body string) {
		r := &api.Request{Operation: "Scan", Caller: admin, Body: []byte(body)}
		err := svc.foreignTable(r)
		if err == nil {
			return
		}
		ae, ok := err.(*api.Error)
		if !ok || ae.Code != "AccessDeniedException" || ae.Type != nsService+"AccessDeniedException" {
			t.Fatalf("%q: %v", body, err)
		}
		_, rest, _ := strings.Cut(ae.Message, " on resource: ")
		res, _, _ := strings.Cut(rest, " because no resource-based policy")
		if other, ok := tableARNAccount(res); !ok || other == acct || !strings.Contains(body, "arn:") {
			t.Fatalf("%q: denied for %q: %s", body, res, ae.Message)
		}
	})
}
