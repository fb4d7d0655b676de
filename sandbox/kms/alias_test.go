package kms

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAliasLifecycle(t *testing.T) {
	h := newHarness(t)
	id, arn := h.createKey(nil)
	id2, arn2 := h.createKey(nil)
	_, ts, err := h.call("CreateAlias", map[string]any{"AliasName": "alias/nextwork-kms-key", "TargetKeyId": id})
	if err != nil {
		t.Fatal(err)
	}
	aliasARN := "arn:aws:kms:us-east-1:111122223333:alias/nextwork-kms-key"
	if len(ts) != 2 || ts[0].Action != "kms:CreateAlias" || ts[0].Resource != aliasARN || ts[0].ResourcePolicy != nil || ts[0].KeyPolicy ||
		ts[1].Action != "kms:CreateAlias" || ts[1].Resource != arn || !ts[1].KeyPolicy || ts[1].ResourcePolicy == nil {
		t.Fatalf("CreateAlias targets = %+v", ts)
	}
	h.must("CreateAlias", map[string]any{"AliasName": "alias/b", "TargetKeyId": arn2})
	list := h.must("ListAliases", nil)
	aliases := list["Aliases"].([]any)
	if len(aliases) != 2 || list["Truncated"] != false {
		t.Fatalf("ListAliases = %v", list)
	}
	e := aliases[1].(map[string]any)
	want := map[string]any{"AliasName": "alias/nextwork-kms-key", "AliasArn": aliasARN, "TargetKeyId": id,
		"CreationDate": float64(h.now.Unix()), "LastUpdatedDate": float64(h.now.Unix())}
	for k, v := range want {
		if e[k] != v {
			t.Errorf("%s = %v, want %v", k, e[k], v)
		}
	}
	// KeyId filter (key id or ARN).
	for _, ref := range []string{id2, arn2} {
		f := h.must("ListAliases", map[string]any{"KeyId": ref})["Aliases"].([]any)
		if len(f) != 1 || f[0].(map[string]any)["AliasName"] != "alias/b" {
			t.Fatalf("filter %s = %v", ref, f)
		}
	}
	// UpdateAlias names the alias and both keys.
	h.now = h.now.Add(time.Hour)
	_, ts, err = h.call("UpdateAlias", map[string]any{"AliasName": "alias/nextwork-kms-key", "TargetKeyId": id2})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 3 || ts[0].Resource != aliasARN || ts[1].Resource != arn || ts[2].Resource != arn2 {
		t.Fatalf("UpdateAlias targets = %+v", ts)
	}
	md := h.must("DescribeKey", map[string]any{"KeyId": "alias/nextwork-kms-key"})["KeyMetadata"].(map[string]any)
	if md["KeyId"] != id2 {
		t.Fatalf("alias points at %v", md["KeyId"])
	}
	e = h.must("ListAliases", map[string]any{"KeyId": id2})["Aliases"].([]any)[1].(map[string]any)
	if e["LastUpdatedDate"] != float64(h.now.Unix()) || e["CreationDate"] == e["LastUpdatedDate"] {
		t.Fatalf("dates after update: %v", e)
	}
	_, ts, err = h.call("DeleteAlias", map[string]any{"AliasName": "alias/nextwork-kms-key"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[0].Resource != aliasARN || ts[1].Resource != arn2 {
		t.Fatalf("DeleteAlias targets = %+v", ts)
	}
	_, _, err = h.call("DeleteAlias", map[string]any{"AliasName": "alias/nextwork-kms-key"})
	wantErr(t, err, "NotFoundException", "Alias "+aliasARN+" is not found.")
	_, _, err = h.call("UpdateAlias", map[string]any{"AliasName": "alias/nextwork-kms-key", "TargetKeyId": id})
	wantErr(t, err, "NotFoundException", "Alias "+aliasARN+" is not found.")
}

func TestAliasNameRules(t *testing.T) {
	h := newHarness(t)
	id, _ := h.createKey(nil)
	_, _, err := h.call("CreateAlias", map[string]any{"AliasName": "nextwork", "TargetKeyId": id})
	wantErr(t, err, "ValidationException", `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`)
	_, _, err = h.call("CreateAlias", map[string]any{"AliasName": "alias/bad name", "TargetKeyId": id})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value 'alias/bad name' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$")
	_, _, err = h.call("CreateAlias", map[string]any{"AliasName": "alias/" + strings.Repeat("a", 251), "TargetKeyId": id})
	wantCode(t, err, "ValidationException")
	_, _, err = h.call("CreateAlias", map[string]any{"TargetKeyId": id})
	wantCode(t, err, "ValidationException")
	_, _, err = h.call("CreateAlias", map[string]any{"AliasName": "alias/x", "TargetKeyId": "alias/nope"})
	wantCode(t, err, "NotFoundException")
}

// TestUnconfirmed_AliasAWSPrefix: emulators answer alias/aws/… with NotAuthorizedException and
// no message; AWS's answer is not on record.
func TestUnconfirmed_AliasAWSPrefix(t *testing.T) {
	h := newHarness(t)
	id, _ := h.createKey(nil)
	_, _, err := h.call("CreateAlias", map[string]any{"AliasName": "alias/aws/dynamodb", "TargetKeyId": id})
	wantCode(t, err, "NotAuthorizedException")
	if ae := wantCode(t, err, "NotAuthorizedException"); ae.Message != "" || ae.Status != http.StatusBadRequest {
		t.Fatalf("got %+v", ae)
	}
}

// TestUnconfirmed_AlreadyExistsStatus400: the Smithy model marks AlreadyExistsException 409,
// but KMS errors otherwise arrive as 400; we send 400. The message names the alias ARN.
func TestUnconfirmed_AlreadyExistsStatus400(t *testing.T) {
	h := newHarness(t)
	id, _ := h.createKey(nil)
	h.must("CreateAlias", map[string]any{"AliasName": "alias/dup", "TargetKeyId": id})
	_, _, err := h.call("CreateAlias", map[string]any{"AliasName": "alias/dup", "TargetKeyId": id})
	ae := wantErr(t, err, "AlreadyExistsException", "An alias with the name arn:aws:kms:us-east-1:111122223333:alias/dup already exists")
	if ae.Status != http.StatusBadRequest {
		t.Fatalf("status = %d", ae.Status)
	}
}

func TestAliasesAreRegional(t *testing.T) {
	h := newHarness(t)
	id, _ := h.createKey(nil)
	h.must("CreateAlias", map[string]any{"AliasName": "alias/here", "TargetKeyId": id})
	h.region = "eu-west-1"
	_, _, err := h.call("DescribeKey", map[string]any{"KeyId": "alias/here"})
	wantErr(t, err, "NotFoundException", "Alias arn:aws:kms:eu-west-1:111122223333:alias/here is not found.")
}

func TestKeyPolicyOperations(t *testing.T) {
	h := newHarness(t)
	id, arn := h.createKey(nil)
	m, ts, err := h.call("ListKeyPolicies", map[string]any{"KeyId": id})
	if err != nil {
		t.Fatal(err)
	}
	if names := m["PolicyNames"].([]any); len(names) != 1 || names[0] != "default" || m["Truncated"] != false {
		t.Fatalf("ListKeyPolicies = %v", m)
	}
	if ts[0].Action != "kms:ListKeyPolicies" || ts[0].Resource != arn {
		t.Fatalf("targets = %+v", ts)
	}
	_, ts, err = h.call("PutKeyPolicy", map[string]any{"KeyId": id, "Policy": alicePolicy})
	if err != nil {
		t.Fatal(err)
	}
	// The gateway authorizes PutKeyPolicy against the policy in force, not the new one.
	if ts[0].Action != "kms:PutKeyPolicy" || string(ts[0].ResourcePolicy) != defaultPolicy(testAcct) {
		t.Fatalf("targets = %+v", ts)
	}
	_, ts, _ = h.call("GetKeyPolicy", map[string]any{"KeyId": id})
	if string(ts[0].ResourcePolicy) != alicePolicy {
		t.Fatal("targets do not carry the new policy")
	}
	_, _, err = h.call("PutKeyPolicy", map[string]any{"KeyId": id})
	wantCode(t, err, "ValidationException")
}

// TestUnconfirmed_PolicyNameNotDefault: "default" is the only policy name; what AWS answers
// for another is not on record. We follow the emulators: NotFoundException.
func TestUnconfirmed_PolicyNameNotDefault(t *testing.T) {
	h := newHarness(t)
	id, _ := h.createKey(nil)
	_, _, err := h.call("GetKeyPolicy", map[string]any{"KeyId": id, "PolicyName": "custom"})
	wantErr(t, err, "NotFoundException", "No such policy exists")
	_, _, err = h.call("PutKeyPolicy", map[string]any{"KeyId": id, "PolicyName": "custom", "Policy": alicePolicy})
	wantErr(t, err, "NotFoundException", "No such policy exists")
}
