package kms

import (
	"strings"
	"testing"
)

// TestOtherAccountsKeys: a key ARN of another account of a classroom is denied when that
// account has the key and not found when it has not; this account's own keys and
// references without an account are untouched by the hook.
func TestOtherAccountsKeys(t *testing.T) {
	h := newHarness(t)
	id, arn := h.createKey(nil)
	theirs := strings.Replace(arn, testAcct, "444455556666", 1)
	var asked []string
	h.s.SetOtherAccounts(func(region, keyARN string) bool {
		asked = append(asked, region+" "+keyARN)
		return keyARN == theirs
	})
	_, _, err := h.call("DescribeKey", map[string]any{"KeyId": theirs})
	wantErr(t, err, "AccessDeniedException", "User: arn:aws:iam::"+testAcct+":user/admin is not authorized to perform: kms:DescribeKey on resource: "+
		theirs+" because no resource-based policy allows the kms:DescribeKey action")
	if len(asked) != 1 || asked[0] != "us-east-1 "+theirs {
		t.Errorf("the hook was asked %q", asked)
	}
	_, _, err = h.call("Encrypt", map[string]any{"KeyId": strings.Replace(theirs, id, "00000000-0000-0000-0000-000000000000", 1), "Plaintext": []byte("x")})
	wantCode(t, err, "NotFoundException")
	_, _, err = h.call("DescribeKey", map[string]any{"KeyId": "arn:aws:kms:us-east-1:444455556666:alias/x"})
	wantCode(t, err, "NotFoundException")
	asked = nil
	h.must("DescribeKey", map[string]any{"KeyId": arn})
	_, _, err = h.call("DescribeKey", map[string]any{"KeyId": "00000000-0000-0000-0000-000000000000"})
	wantCode(t, err, "NotFoundException")
	if len(asked) != 0 {
		t.Errorf("the hook was asked about this account's references: %q", asked)
	}
	if !h.s.HasKey("us-east-1", arn) || h.s.HasKey("us-east-1", theirs) || h.s.HasKey("eu-west-1", arn) {
		t.Error("HasKey answers wrongly")
	}
}
