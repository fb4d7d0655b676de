package steps

import (
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	before := "a\nb\nc"
	after := "a\nb\nx\nc\ny"
	got := DiffText(Diff(before, after))
	want := "  a\n  b\n+ x\n  c\n+ y"
	if got != want {
		t.Fatalf("diff:\n%s\nwant:\n%s", got, want)
	}
	if got := DiffText(Diff("a\nb", "b")); got != "- a\n  b" {
		t.Fatalf("removal: %q", got)
	}
}

func TestIntendedDenial(t *testing.T) {
	u := &labUser{arn: "arn:aws:iam::1:user/u", name: "u"}
	key := "arn:aws:kms:us-east-1:1:key/k-1"
	cases := []struct {
		msg  string
		want bool
	}{
		{"User: arn:aws:iam::1:user/u is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:1:key/k-1 because no identity-based policy allows the kms:Decrypt action", true},
		{"KMS key access denied error: ... User: arn:aws:iam::1:user/u is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext because ...", true},
		{"User: arn:aws:iam::1:user/u is not authorized to perform: dynamodb:Scan on resource: arn:aws:dynamodb:us-east-1:1:table/t", false},
		{"User: arn:aws:iam::1:user/other is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:1:key/k-1", false},
		{"User: arn:aws:iam::1:user/u is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:1:key/k-2", false},
		{"User: arn:aws:iam::1:user/u is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:us-east-1:1:key/k-1", false},
	}
	for _, c := range cases {
		if got := intendedDenial(c.msg, u, key); got != c.want {
			t.Errorf("%v for %q", got, c.msg)
		}
	}
}

func TestValidPrefix(t *testing.T) {
	for _, ok := range []string{"nextwork", "a", "lab-2", strings.Repeat("a", 32)} {
		if ValidPrefix(ok) != nil {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"", "Bad", "2lab", "a b", "a_b", strings.Repeat("a", 33), "ü"} {
		if ValidPrefix(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
