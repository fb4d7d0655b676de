package kms

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestCreateKeyDefaults(t *testing.T) {
	h := newHarness(t)
	m, ts, err := h.call("CreateKey", map[string]any{"Description": "lab key"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].Action != "kms:CreateKey" || ts[0].Resource != "*" || ts[0].ResourcePolicy != nil || ts[0].KeyPolicy {
		t.Fatalf("targets = %+v", ts)
	}
	md := m["KeyMetadata"].(map[string]any)
	id := md["KeyId"].(string)
	want := map[string]any{
		"AWSAccountId": testAcct, "Arn": "arn:aws:kms:us-east-1:" + testAcct + ":key/" + id,
		"CustomerMasterKeySpec": "SYMMETRIC_DEFAULT", "Description": "lab key", "Enabled": true,
		"KeyManager": "CUSTOMER", "KeySpec": "SYMMETRIC_DEFAULT", "KeyState": "Enabled",
		"KeyUsage": "ENCRYPT_DECRYPT", "MultiRegion": false, "Origin": "AWS_KMS",
		"CreationDate": float64(h.now.Unix()),
	}
	for k, v := range want {
		if md[k] != v {
			t.Errorf("%s = %v, want %v", k, md[k], v)
		}
	}
	if algs := md["EncryptionAlgorithms"].([]any); len(algs) != 1 || algs[0] != "SYMMETRIC_DEFAULT" {
		t.Errorf("EncryptionAlgorithms = %v", algs)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(id) {
		t.Errorf("KeyId %q is not a UUID", id)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(md["CurrentKeyMaterialId"].(string)) {
		t.Errorf("CurrentKeyMaterialId = %v", md["CurrentKeyMaterialId"])
	}
	for _, k := range []string{"DeletionDate", "PendingDeletionWindowInDays"} {
		if _, ok := md[k]; ok {
			t.Errorf("%s present on an enabled key", k)
		}
	}
}

func TestDefaultPolicyByteForByte(t *testing.T) {
	h := newHarness(t)
	id, _ := h.createKey(nil)
	got := h.must("GetKeyPolicy", map[string]any{"KeyId": id, "PolicyName": "default"})
	want := "{\n" +
		"  \"Version\" : \"2012-10-17\",\n" +
		"  \"Id\" : \"key-default-1\",\n" +
		"  \"Statement\" : [ {\n" +
		"    \"Sid\" : \"Enable IAM User Permissions\",\n" +
		"    \"Effect\" : \"Allow\",\n" +
		"    \"Principal\" : {\n" +
		"      \"AWS\" : \"arn:aws:iam::111122223333:root\"\n" +
		"    },\n" +
		"    \"Action\" : \"kms:*\",\n" +
		"    \"Resource\" : \"*\"\n" +
		"  } ]\n" +
		"}"
	if got["Policy"] != want {
		t.Fatalf("default policy:\n%s\nwant:\n%s", got["Policy"], want)
	}
	if got["PolicyName"] != "default" {
		t.Fatalf("PolicyName = %v", got["PolicyName"])
	}
}

const alicePolicy = `{"Version":"2012-10-17",  "Statement":[
 {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
 {"Sid":"Allow use of the key","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/alice"]},"Action":["kms:Decrypt"],"Resource":"*"}]}`

func TestCreateKeyPolicyKeptVerbatim(t *testing.T) {
	h := newHarness(t)
	id, arn := h.createKey(map[string]any{"Policy": alicePolicy})
	calls := h.authz.taken()
	if len(calls) != 1 {
		t.Fatalf("lockout check calls = %+v", calls)
	}
	c := calls[0]
	if c.Action != "kms:PutKeyPolicy" || c.Resource != arn || string(c.ResourcePolicy) != alicePolicy || !c.KeyPolicy {
		t.Fatalf("lockout target = %+v", c)
	}
	got := h.must("GetKeyPolicy", map[string]any{"KeyId": id})
	if got["Policy"] != alicePolicy {
		t.Fatalf("policy not verbatim: %q", got["Policy"])
	}
}

func TestPolicyValidation(t *testing.T) {
	cases := []struct {
		name, policy, code, msg string
	}{
		{"unknown user", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/ghost"},"Action":"kms:*","Resource":"*"}]}`,
			"MalformedPolicyDocumentException", "Policy contains a statement with one or more invalid principals."},
		{"no principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`,
			"MalformedPolicyDocumentException", "Policy contains a statement with no principal."},
		{"too large", `{"Version":"2012-10-17","Statement":[{"Sid":"` + strings.Repeat("a", 32768) + `","Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*"}]}`,
			"LimitExceededException", "Policy exceeds the maximum allowed size of 32768 bytes."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			_, _, err := h.call("CreateKey", map[string]any{"Policy": c.policy})
			wantErr(t, err, c.code, c.msg)
			id, _ := h.createKey(nil)
			_, _, err = h.call("PutKeyPolicy", map[string]any{"KeyId": id, "PolicyName": "default", "Policy": c.policy})
			wantErr(t, err, c.code, c.msg)
		})
	}
}

// TestUnconfirmed_PolicyTooLargeMessage: AWS documents only LimitExceededException for a key
// policy over 32 KB; the wording is our choice.
func TestUnconfirmed_PolicyTooLargeMessage(t *testing.T) {
	h := newHarness(t)
	big := `{"Version":"2012-10-17","Statement":[{"Sid":"` + strings.Repeat("x", 32800) + `"}]}`
	_, _, err := h.call("CreateKey", map[string]any{"Policy": big})
	wantErr(t, err, "LimitExceededException", "Policy exceeds the maximum allowed size of 32768 bytes.")
	// Exactly at the limit is allowed through to the other checks.
	pad := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*"}]}`
	at := pad + strings.Repeat(" ", maxPolicyBytes-len(pad))
	if _, _, err := h.call("CreateKey", map[string]any{"Policy": at}); err != nil {
		t.Fatalf("policy of exactly 32768 bytes: %v", err)
	}
}

func TestPolicyNotJSON(t *testing.T) {
	h := newHarness(t)
	_, _, err := h.call("CreateKey", map[string]any{"Policy": "{not json"})
	wantCode(t, err, "MalformedPolicyDocumentException")
}

func TestLockoutSafetyCheck(t *testing.T) {
	h := newHarness(t)
	id, _ := h.createKey(nil)
	h.authz.denyAction("kms:PutKeyPolicy", "denied")
	const msg = "The new key policy will not allow you to update the key policy in the future."
	_, _, err := h.call("CreateKey", map[string]any{"Policy": alicePolicy})
	wantErr(t, err, "MalformedPolicyDocumentException", msg)
	_, _, err = h.call("PutKeyPolicy", map[string]any{"KeyId": id, "Policy": alicePolicy})
	wantErr(t, err, "MalformedPolicyDocumentException", msg)
	// The policy did not change.
	if got := h.must("GetKeyPolicy", map[string]any{"KeyId": id}); got["Policy"] != defaultPolicy(testAcct) {
		t.Fatalf("policy changed after a refused put: %v", got["Policy"])
	}
	h.authz.taken()
	// BypassPolicyLockoutSafetyCheck skips the question entirely.
	h.must("PutKeyPolicy", map[string]any{"KeyId": id, "Policy": alicePolicy, "BypassPolicyLockoutSafetyCheck": true})
	h.must("CreateKey", map[string]any{"Policy": alicePolicy, "BypassPolicyLockoutSafetyCheck": true})
	if calls := h.authz.taken(); len(calls) != 0 {
		t.Fatalf("bypass still asked the authorizer: %+v", calls)
	}
	if got := h.must("GetKeyPolicy", map[string]any{"KeyId": id}); got["Policy"] != alicePolicy {
		t.Fatalf("policy = %v", got["Policy"])
	}
}

func TestKeySpecs(t *testing.T) {
	h := newHarness(t)
	h.must("CreateKey", map[string]any{"KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT"})
	h.must("CreateKey", map[string]any{"CustomerMasterKeySpec": "SYMMETRIC_DEFAULT"})
	_, _, err := h.call("CreateKey", map[string]any{"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"})
	wantErr(t, err, "UnsupportedOperationException", "The sandbox supports only KeySpec SYMMETRIC_DEFAULT; RSA_2048 keys are not available here.")
	_, _, err = h.call("CreateKey", map[string]any{"KeySpec": "AES"})
	wantCode(t, err, "ValidationException")
	_, _, err = h.call("CreateKey", map[string]any{"KeyUsage": "SIGN_VERIFY"})
	wantErr(t, err, "ValidationException", "KeyUsage SIGN_VERIFY is not compatible with KeySpec SYMMETRIC_DEFAULT")
	_, _, err = h.call("CreateKey", map[string]any{"MultiRegion": true})
	wantCode(t, err, "UnsupportedOperationException")
	_, _, err = h.call("CreateKey", map[string]any{"Origin": "EXTERNAL"})
	wantCode(t, err, "UnsupportedOperationException")
}

func TestCreateKeyWithTags(t *testing.T) {
	h := newHarness(t)
	m, ts, err := h.call("CreateKey", map[string]any{"Tags": []map[string]string{{"TagKey": "kmslab:lab", "TagValue": "nextwork"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[1].Action != "kms:TagResource" {
		t.Fatalf("targets = %+v", ts)
	}
	id := m["KeyMetadata"].(map[string]any)["KeyId"]
	tags := h.must("ListResourceTags", map[string]any{"KeyId": id})["Tags"].([]any)
	if len(tags) != 1 || tags[0].(map[string]any)["TagKey"] != "kmslab:lab" || tags[0].(map[string]any)["TagValue"] != "nextwork" {
		t.Fatalf("tags = %v", tags)
	}
}

func TestDescribeKeyReferences(t *testing.T) {
	h := newHarness(t)
	id, arn := h.createKey(nil)
	h.must("CreateAlias", map[string]any{"AliasName": "alias/lab", "TargetKeyId": id})
	for _, ref := range []string{id, arn, "alias/lab", "arn:aws:kms:us-east-1:" + testAcct + ":alias/lab"} {
		m, ts, err := h.call("DescribeKey", map[string]any{"KeyId": ref})
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if m["KeyMetadata"].(map[string]any)["KeyId"] != id {
			t.Fatalf("%s resolved to %v", ref, m)
		}
		if len(ts) != 1 || ts[0].Action != "kms:DescribeKey" || ts[0].Resource != arn || !ts[0].KeyPolicy || string(ts[0].ResourcePolicy) != defaultPolicy(testAcct) {
			t.Fatalf("%s targets = %+v", ref, ts)
		}
	}
}

func TestNotFoundMessages(t *testing.T) {
	h := newHarness(t)
	id, arn := h.createKey(nil)
	missing := "0a1b2c3d-0000-4000-8000-000000000000"
	cases := []struct{ ref, msg string }{
		{missing, "Key 'arn:aws:kms:us-east-1:111122223333:key/" + missing + "' does not exist"},
		{"arn:aws:kms:us-east-1:111122223333:key/" + missing, "Key 'arn:aws:kms:us-east-1:111122223333:key/" + missing + "' does not exist"},
		{"master", "Invalid keyId 'master'"},
		{"alias/nope", "Alias arn:aws:kms:us-east-1:111122223333:alias/nope is not found."},
		{"arn:aws:kms:us-east-1:111122223333:alias/nope", "Alias arn:aws:kms:us-east-1:111122223333:alias/nope is not found."},
		{"arn:aws:kms:eu-west-1:111122223333:key/" + id, "Invalid arn eu-west-1"},
	}
	for _, c := range cases {
		_, ts, err := h.call("DescribeKey", map[string]any{"KeyId": c.ref})
		wantErr(t, err, "NotFoundException", c.msg)
		if ts != nil {
			t.Fatalf("targets returned with an error: %+v", ts)
		}
	}
	// Keys are regional.
	h.region = "eu-west-1"
	_, _, err := h.call("DescribeKey", map[string]any{"KeyId": id})
	wantErr(t, err, "NotFoundException", "Key 'arn:aws:kms:eu-west-1:111122223333:key/"+id+"' does not exist")
	_, _, err = h.call("DescribeKey", map[string]any{"KeyId": arn})
	wantErr(t, err, "NotFoundException", "Invalid arn us-east-1")
	if keys := h.must("ListKeys", nil)["Keys"].([]any); len(keys) != 0 {
		t.Fatalf("eu-west-1 lists %v", keys)
	}
	_, _, err = h.call("DescribeKey", map[string]any{})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
}

func TestListKeysPaging(t *testing.T) {
	h := newHarness(t)
	ids := map[string]bool{}
	for range 5 {
		id, _ := h.createKey(nil)
		ids[id] = true
	}
	seen := map[string]bool{}
	marker := ""
	for pages := 0; ; pages++ {
		in := map[string]any{"Limit": 2}
		if marker != "" {
			in["Marker"] = marker
		}
		m, ts, err := h.call("ListKeys", in)
		if err != nil {
			t.Fatal(err)
		}
		if ts[0].Action != "kms:ListKeys" || ts[0].Resource != "*" || ts[0].ResourcePolicy != nil {
			t.Fatalf("targets = %+v", ts)
		}
		for _, e := range m["Keys"].([]any) {
			e := e.(map[string]any)
			if seen[e["KeyId"].(string)] || !strings.HasSuffix(e["KeyArn"].(string), ":key/"+e["KeyId"].(string)) {
				t.Fatalf("bad or repeated entry %v", e)
			}
			seen[e["KeyId"].(string)] = true
		}
		if m["Truncated"] != true {
			if _, ok := m["NextMarker"]; ok {
				t.Fatal("NextMarker on the last page")
			}
			break
		}
		marker = m["NextMarker"].(string)
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 5 {
		t.Fatalf("listed %d keys, want 5", len(seen))
	}
	_, _, err := h.call("ListKeys", map[string]any{"Limit": 0})
	wantCode(t, err, "ValidationException")
}

func TestEnableDisable(t *testing.T) {
	h := newHarness(t)
	id, arn := h.createKey(nil)
	h.must("DisableKey", map[string]any{"KeyId": id})
	md := h.must("DescribeKey", map[string]any{"KeyId": id})["KeyMetadata"].(map[string]any)
	if md["KeyState"] != "Disabled" || md["Enabled"] != false {
		t.Fatalf("after DisableKey: %v", md)
	}
	_, _, err := h.call("Encrypt", map[string]any{"KeyId": id, "Plaintext": []byte("x")})
	wantErr(t, err, "DisabledException", arn+" is disabled.")
	_, _, err = h.call("GenerateDataKey", map[string]any{"KeyId": id, "KeySpec": "AES_256"})
	wantErr(t, err, "DisabledException", arn+" is disabled.")
	// Describe, policy and alias operations still work on a disabled key.
	h.must("GetKeyPolicy", map[string]any{"KeyId": id})
	h.must("PutKeyPolicy", map[string]any{"KeyId": id, "Policy": alicePolicy})
	h.must("CreateAlias", map[string]any{"AliasName": "alias/off", "TargetKeyId": id})
	h.must("EnableKey", map[string]any{"KeyId": id})
	h.must("Encrypt", map[string]any{"KeyId": id, "Plaintext": []byte("x")})
}

func TestDeletionLifecycle(t *testing.T) {
	h := newHarness(t)
	id, arn := h.createKey(nil)
	h.must("CreateAlias", map[string]any{"AliasName": "alias/doomed", "TargetKeyId": id})
	_, _, err := h.call("CancelKeyDeletion", map[string]any{"KeyId": id})
	wantErr(t, err, "KMSInvalidStateException", arn+" is not pending deletion.")
	for _, d := range []int{6, 31} {
		_, _, err = h.call("ScheduleKeyDeletion", map[string]any{"KeyId": id, "PendingWindowInDays": d})
		wantErr(t, err, "ValidationException", "PendingWindowInDays must be between 7 and 30")
	}
	out := h.must("ScheduleKeyDeletion", map[string]any{"KeyId": id, "PendingWindowInDays": 7})
	when := h.now.Add(7 * 24 * time.Hour)
	if out["KeyId"] != arn || out["KeyState"] != "PendingDeletion" || out["PendingWindowInDays"] != float64(7) || out["DeletionDate"] != float64(when.Unix()) {
		t.Fatalf("ScheduleKeyDeletion = %v", out)
	}
	md := h.must("DescribeKey", map[string]any{"KeyId": "alias/doomed"})["KeyMetadata"].(map[string]any)
	if md["KeyState"] != "PendingDeletion" || md["Enabled"] != false || md["DeletionDate"] != float64(when.Unix()) || md["PendingDeletionWindowInDays"] != float64(7) {
		t.Fatalf("pending metadata = %v", md)
	}
	pending := arn + " is pending deletion."
	for _, op := range []struct {
		name string
		in   map[string]any
	}{
		{"Encrypt", map[string]any{"KeyId": id, "Plaintext": []byte("x")}},
		{"GenerateDataKey", map[string]any{"KeyId": id, "NumberOfBytes": 16}},
		{"ScheduleKeyDeletion", map[string]any{"KeyId": id}},
		{"EnableKey", map[string]any{"KeyId": id}},
		{"DisableKey", map[string]any{"KeyId": id}},
		{"CreateAlias", map[string]any{"AliasName": "alias/late", "TargetKeyId": id}},
		{"CreateGrant", map[string]any{"KeyId": id, "GranteePrincipal": "arn:aws:iam::111122223333:user/alice", "Operations": []string{"Decrypt"}}},
		{"TagResource", map[string]any{"KeyId": id, "Tags": []map[string]string{{"TagKey": "a", "TagValue": "b"}}}},
	} {
		_, _, err := h.call(op.name, op.in)
		wantErr(t, err, "KMSInvalidStateException", pending)
	}
	// These work in every state.
	h.must("GetKeyPolicy", map[string]any{"KeyId": id})
	h.must("PutKeyPolicy", map[string]any{"KeyId": id, "Policy": alicePolicy})
	out = h.must("CancelKeyDeletion", map[string]any{"KeyId": id})
	if out["KeyId"] != arn {
		t.Fatalf("CancelKeyDeletion = %v", out)
	}
	md = h.must("DescribeKey", map[string]any{"KeyId": id})["KeyMetadata"].(map[string]any)
	if md["KeyState"] != "Disabled" {
		t.Fatalf("after cancel: %v", md["KeyState"])
	}
	if _, ok := md["DeletionDate"]; ok {
		t.Fatal("DeletionDate kept after cancel")
	}
	// Default window is 30 days.
	out = h.must("ScheduleKeyDeletion", map[string]any{"KeyId": id})
	if out["PendingWindowInDays"] != float64(30) || out["DeletionDate"] != float64(h.now.Add(30*24*time.Hour).Unix()) {
		t.Fatalf("default window = %v", out)
	}
	h.must("DeleteAlias", map[string]any{"AliasName": "alias/doomed"})
}

func TestDeletionWindowPasses(t *testing.T) {
	h := newHarness(t)
	id, arn := h.createKey(nil)
	other, _ := h.createKey(nil)
	h.must("CreateAlias", map[string]any{"AliasName": "alias/gone", "TargetKeyId": id})
	h.must("ScheduleKeyDeletion", map[string]any{"KeyId": id, "PendingWindowInDays": 7})
	// One second before the deletion date the key is still there.
	h.now = h.now.Add(7*24*time.Hour - time.Second)
	h.must("DescribeKey", map[string]any{"KeyId": id})
	h.now = h.now.Add(time.Second)
	_, _, err := h.call("DescribeKey", map[string]any{"KeyId": id})
	wantErr(t, err, "NotFoundException", "Key '"+arn+"' does not exist")
	_, _, err = h.call("DescribeKey", map[string]any{"KeyId": "alias/gone"})
	wantErr(t, err, "NotFoundException", "Alias arn:aws:kms:us-east-1:111122223333:alias/gone is not found.")
	if keys := h.must("ListKeys", nil)["Keys"].([]any); len(keys) != 1 || keys[0].(map[string]any)["KeyId"] != other {
		t.Fatalf("ListKeys = %v", keys)
	}
	if aliases := h.must("ListAliases", nil)["Aliases"].([]any); len(aliases) != 0 {
		t.Fatalf("ListAliases = %v", aliases)
	}
	// The alias name is free again, and the next write purges the key from disk.
	h.must("CreateAlias", map[string]any{"AliasName": "alias/gone", "TargetKeyId": other})
	h.reopen()
	h.now = h.now.Add(-8 * 24 * time.Hour) // even an earlier clock cannot bring it back
	if h.s.getKey("us-east-1", id, h.now) != nil {
		t.Fatal("expired key still stored after a write")
	}
}

func TestRotation(t *testing.T) {
	h := newHarness(t)
	id, arn := h.createKey(nil)
	st := h.must("GetKeyRotationStatus", map[string]any{"KeyId": id})
	if st["KeyRotationEnabled"] != false || st["KeyId"] != arn {
		t.Fatalf("initial status = %v", st)
	}
	h.must("EnableKeyRotation", map[string]any{"KeyId": id})
	st = h.must("GetKeyRotationStatus", map[string]any{"KeyId": id})
	if st["KeyRotationEnabled"] != true || st["RotationPeriodInDays"] != float64(365) || st["NextRotationDate"] != float64(h.now.Add(365*24*time.Hour).Unix()) {
		t.Fatalf("status = %v", st)
	}
	h.must("EnableKeyRotation", map[string]any{"KeyId": id, "RotationPeriodInDays": 90})
	if st = h.must("GetKeyRotationStatus", map[string]any{"KeyId": id}); st["RotationPeriodInDays"] != float64(90) {
		t.Fatalf("status = %v", st)
	}
	for _, d := range []int{89, 2561} {
		_, _, err := h.call("EnableKeyRotation", map[string]any{"KeyId": id, "RotationPeriodInDays": d})
		wantCode(t, err, "ValidationException")
	}
	// Old ciphertexts still decrypt after the material rotates.
	old := blob(t, h.must("Encrypt", map[string]any{"KeyId": id, "Plaintext": []byte("before")}), "CiphertextBlob")
	before := h.must("DescribeKey", map[string]any{"KeyId": id})["KeyMetadata"].(map[string]any)["CurrentKeyMaterialId"]
	h.must("RotateKeyOnDemand", map[string]any{"KeyId": id})
	after := h.must("DescribeKey", map[string]any{"KeyId": id})["KeyMetadata"].(map[string]any)["CurrentKeyMaterialId"]
	if before == after {
		t.Fatal("material id unchanged by rotation")
	}
	dec := h.must("Decrypt", map[string]any{"CiphertextBlob": old})
	if string(blob(t, dec, "Plaintext")) != "before" || dec["KeyMaterialId"] != before {
		t.Fatalf("old blob after rotation: %v", dec)
	}
	nb := blob(t, h.must("Encrypt", map[string]any{"KeyId": id, "Plaintext": []byte("after")}), "CiphertextBlob")
	if dec := h.must("Decrypt", map[string]any{"CiphertextBlob": nb}); dec["KeyMaterialId"] != after {
		t.Fatalf("new blob material = %v", dec["KeyMaterialId"])
	}
	h.must("DisableKeyRotation", map[string]any{"KeyId": id})
	if st = h.must("GetKeyRotationStatus", map[string]any{"KeyId": id}); st["KeyRotationEnabled"] != false {
		t.Fatalf("status = %v", st)
	}
	h.must("DisableKey", map[string]any{"KeyId": id})
	_, _, err := h.call("EnableKeyRotation", map[string]any{"KeyId": id})
	wantErr(t, err, "DisabledException", arn+" is disabled.")
}

func TestTags(t *testing.T) {
	h := newHarness(t)
	id, arn := h.createKey(nil)
	_, ts, err := h.call("TagResource", map[string]any{"KeyId": arn, "Tags": []map[string]string{{"TagKey": "b", "TagValue": "2"}, {"TagKey": "a", "TagValue": "1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if ts[0].Action != "kms:TagResource" || ts[0].Resource != arn {
		t.Fatalf("targets = %+v", ts)
	}
	h.must("TagResource", map[string]any{"KeyId": id, "Tags": []map[string]string{{"TagKey": "a", "TagValue": "one"}}})
	tags := h.must("ListResourceTags", map[string]any{"KeyId": id})
	list := tags["Tags"].([]any)
	if len(list) != 2 || list[0].(map[string]any)["TagValue"] != "one" || list[1].(map[string]any)["TagKey"] != "b" || tags["Truncated"] != false {
		t.Fatalf("tags = %v", tags)
	}
	h.must("UntagResource", map[string]any{"KeyId": id, "TagKeys": []string{"a", "missing"}})
	if list = h.must("ListResourceTags", map[string]any{"KeyId": id})["Tags"].([]any); len(list) != 1 {
		t.Fatalf("after untag: %v", list)
	}
	_, _, err = h.call("TagResource", map[string]any{"KeyId": id, "Tags": []map[string]string{{"TagKey": "", "TagValue": "x"}}})
	wantCode(t, err, "ValidationException")
}

func TestPersistence(t *testing.T) {
	h := newHarness(t)
	id, _ := h.createKey(map[string]any{"Policy": alicePolicy, "Description": "kept"})
	h.must("CreateAlias", map[string]any{"AliasName": "alias/kept", "TargetKeyId": id})
	ct := blob(t, h.must("Encrypt", map[string]any{"KeyId": "alias/kept", "Plaintext": []byte("durable"), "EncryptionContext": map[string]string{"k": "v"}}), "CiphertextBlob")
	h.must("DisableKey", map[string]any{"KeyId": id})
	h.reopen()
	md := h.must("DescribeKey", map[string]any{"KeyId": "alias/kept"})["KeyMetadata"].(map[string]any)
	if md["KeyId"] != id || md["KeyState"] != "Disabled" || md["Description"] != "kept" {
		t.Fatalf("after reopen: %v", md)
	}
	if p := h.must("GetKeyPolicy", map[string]any{"KeyId": id})["Policy"]; p != alicePolicy {
		t.Fatalf("policy after reopen: %v", p)
	}
	h.must("EnableKey", map[string]any{"KeyId": id})
	dec := h.must("Decrypt", map[string]any{"CiphertextBlob": ct, "EncryptionContext": map[string]string{"k": "v"}})
	if string(blob(t, dec, "Plaintext")) != "durable" {
		t.Fatalf("decrypt after reopen: %v", dec)
	}
}

func TestUnknownOperationAndBadBody(t *testing.T) {
	h := newHarness(t)
	_, _, err := h.call("Sign", map[string]any{})
	wantCode(t, err, "UnknownOperationException")
	_, _, err = h.call("DescribeKey", `{"KeyId": 5}`)
	wantCode(t, err, "SerializationException")
	_, _, err = h.call("DescribeKey", `not json`)
	wantCode(t, err, "SerializationException")
}

// Handle works without a prior Targets call (it validates itself).
func TestHandleAlone(t *testing.T) {
	h := newHarness(t)
	id, _ := h.createKey(nil)
	out, err := h.s.Handle(h.request("DescribeKey", map[string]any{"KeyId": id}))
	if err != nil || out.(keyMetadataOutput).KeyMetadata.KeyId != id {
		t.Fatalf("Handle alone: %v %v", out, err)
	}
	_, err = h.s.Handle(h.request("DescribeKey", map[string]any{}))
	wantCode(t, err, "ValidationException")
}
