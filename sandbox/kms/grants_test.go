package kms

import (
	"testing"
)

func TestGrants(t *testing.T) {
	h := newHarness(t)
	id, arn := h.createKey(nil)
	alice := "arn:aws:iam::111122223333:user/alice"
	in := map[string]any{
		"KeyId": id, "GranteePrincipal": alice, "RetiringPrincipal": alice, "Name": "lab-grant",
		"Operations":  []string{"Decrypt", "Encrypt"},
		"Constraints": map[string]any{"EncryptionContextSubset": map[string]string{"dept": "it"}},
	}
	out, ts, err := h.call("CreateGrant", in)
	if err != nil {
		t.Fatal(err)
	}
	if ts[0].Action != "kms:CreateGrant" || ts[0].Resource != arn || ts[0].Context["kms:GranteePrincipal"][0] != alice ||
		len(ts[0].Context["kms:GrantOperations"]) != 2 || ts[0].Context["kms:GrantIsForAWSResource"] != nil {
		t.Fatalf("CreateGrant targets = %+v", ts)
	}
	gid, token := out["GrantId"].(string), out["GrantToken"].(string)
	if len(gid) != 64 || token == "" {
		t.Fatalf("CreateGrant = %v", out)
	}
	// A named grant repeated with the same parameters is the same grant.
	if again := h.must("CreateGrant", in); again["GrantId"] != gid {
		t.Fatalf("retry made a new grant: %v", again)
	}
	h.must("CreateGrant", map[string]any{"KeyId": arn, "GranteePrincipal": "arn:aws:iam::111122223333:user/admin", "Operations": []string{"DescribeKey"}})
	list := h.must("ListGrants", map[string]any{"KeyId": id})
	grants := list["Grants"].([]any)
	if len(grants) != 2 || list["Truncated"] != false {
		t.Fatalf("ListGrants = %v", list)
	}
	g := h.must("ListGrants", map[string]any{"KeyId": id, "GrantId": gid})["Grants"].([]any)[0].(map[string]any)
	if g["KeyId"] != arn || g["GranteePrincipal"] != alice || g["RetiringPrincipal"] != alice || g["Name"] != "lab-grant" ||
		g["IssuingAccount"] != "arn:aws:iam::111122223333:root" || g["CreationDate"] != float64(h.now.Unix()) ||
		g["Constraints"].(map[string]any)["EncryptionContextSubset"].(map[string]any)["dept"] != "it" {
		t.Fatalf("grant entry = %v", g)
	}
	if r := h.must("ListRetirableGrants", map[string]any{"RetiringPrincipal": alice})["Grants"].([]any); len(r) != 1 {
		t.Fatalf("ListRetirableGrants = %v", r)
	}
	// The retiring principal needs no key-policy permission to retire.
	h.caller.ARN = alice
	_, ts, err = h.call("RetireGrant", map[string]any{"GrantToken": token})
	if err != nil || len(ts) != 0 {
		t.Fatalf("RetireGrant by token: %v %+v", err, ts)
	}
	h.caller.ARN = "arn:aws:iam::111122223333:user/admin"
	_, _, err = h.call("RetireGrant", map[string]any{"GrantToken": token})
	wantCode(t, err, "InvalidGrantTokenException")
	other := h.must("ListGrants", map[string]any{"KeyId": id})["Grants"].([]any)[0].(map[string]any)["GrantId"].(string)
	_, ts, err = h.call("RevokeGrant", map[string]any{"KeyId": id, "GrantId": other})
	if err != nil || ts[0].Action != "kms:RevokeGrant" {
		t.Fatalf("RevokeGrant: %v %+v", err, ts)
	}
	if left := h.must("ListGrants", map[string]any{"KeyId": id})["Grants"].([]any); len(left) != 0 {
		t.Fatalf("grants left: %v", left)
	}
	_, _, err = h.call("RevokeGrant", map[string]any{"KeyId": id, "GrantId": other})
	wantErr(t, err, "NotFoundException", "Grant ID "+other+" not found")
	_, _, err = h.call("CreateGrant", map[string]any{"KeyId": id, "GranteePrincipal": alice, "Operations": []string{"Fly"}})
	wantCode(t, err, "ValidationException")
	_, _, err = h.call("CreateGrant", map[string]any{"KeyId": id, "GranteePrincipal": alice})
	wantCode(t, err, "ValidationException")
	h.must("DisableKey", map[string]any{"KeyId": id})
	_, _, err = h.call("CreateGrant", map[string]any{"KeyId": id, "GranteePrincipal": alice, "Operations": []string{"Decrypt"}})
	wantErr(t, err, "DisabledException", arn+" is disabled.")
}
