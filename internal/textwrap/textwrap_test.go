package textwrap

import (
	"reflect"
	"testing"
)

func TestLines(t *testing.T) {
	cases := []struct {
		in    string
		width int
		want  []string
	}{
		{"a bb ccc", 4, []string{"a bb", "ccc"}},
		{"  spaced   out  ", 20, []string{"spaced out"}},
		{"key arn:aws:kms:us-east-1:123456789012:key/1234abcd", 30, []string{"key", "arn:aws:kms:us-east-1:", "123456789012:key/1234abcd"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"", 10, nil},
	}
	for _, c := range cases {
		if got := Lines(c.in, c.width); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Lines(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
	}
	for _, l := range Lines("ünïcödé wörds ärë cöüntëd äs rünës nöt bytës", 9) {
		if n := len([]rune(l)); n > 9 {
			t.Errorf("line %q is %d runes", l, n)
		}
	}
}
