package sigv4

import (
	"strings"
	"testing"
	"time"
)

// BenchmarkVerify is one DynamoDB-sized request verified with a cached signing key.
func BenchmarkVerify(b *testing.B) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	body := `{"TableName":"t","Key":{"pk":{"S":"k"}}}`
	r := signed(b, body, "dynamodb", "us-east-1", at, nil)
	a, err := Parse(r)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify(r, []byte(body), a, testSecret, "dynamodb", at); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTrimmedMatchesFields: the fast path only skips values whitespace collapsing leaves as they are.
func TestTrimmedMatchesFields(t *testing.T) {
	for _, v := range []string{"", "a", "a b", "a  b", " a", "a ", "a\tb", "a\u00a0b", "x\u0085", "application/x-amz-json-1.0", " ", "a b c"} {
		if trimmed(v) && strings.Join(strings.Fields(v), " ") != v {
			t.Errorf("trimmed(%q) but collapsing changes it", v)
		}
	}
}
