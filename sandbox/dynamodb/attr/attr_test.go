package attr

import (
	"encoding/json"
	"testing"
)

func TestParseNumber(t *testing.T) {
	ok := map[string]string{
		"1": "1", "1.50": "1.5", "-0": "0", "0.000": "0", "007": "7", "1e3": "1000", "1.5E-2": "0.015", "+5": "5", "-12.340e1": "-123.4",
		".5": "0.5", "5.": "5", "12345678901234567890123456789012345678": "12345678901234567890123456789012345678",
		"1e-130": "0." + zeros(129) + "1", "9.9999999999999999999999999999999999999e125": "99999999999999999999999999999999999999" + zeros(88),
	}
	for in, want := range ok {
		got, err := ParseNumber(in)
		if err != nil || got != want {
			t.Errorf("ParseNumber(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"abc": msgNotNumeric + "abc", "": msgNotNumeric, "1e": msgNotNumeric + "1e", "1.2.3": msgNotNumeric + "1.2.3", " 1": msgNotNumeric + " 1", "NaN": msgNotNumeric + "NaN",
		"123456789012345678901234567890123456789": msgPrecision, "1e126": msgOverflow, "1e-131": msgUnderflow, "1e99999999999": msgOverflow,
	}
	for in, want := range bad {
		if _, err := ParseNumber(in); err == nil || err.Error() != want {
			t.Errorf("ParseNumber(%q) error %v; want %q", in, err, want)
		}
	}
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}

func TestCompareAndAdd(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{{"1", "2", -1}, {"10", "9", 1}, {"-1", "-2", 1}, {"0", "-0.0001", 1}, {"1.5", "1.50", 0}, {"12345678901234567890123", "12345678901234567890124", -1}, {"0.001", "0.01", -1}}
	for _, c := range cases {
		if got := CompareNumbers(c.a, c.b); got != c.want {
			t.Errorf("Compare(%s, %s) = %d", c.a, c.b, got)
		}
	}
	sums := []struct {
		a, b string
		sub  bool
		want string
	}{{"0.1", "0.2", false, "0.3"}, {"10", "0.5", true, "9.5"}, {"-3", "3", false, "0"}, {"1e20", "1", false, "100000000000000000001"}}
	for _, s := range sums {
		if got, err := AddNumbers(s.a, s.b, s.sub); err != nil || got != s.want {
			t.Errorf("Add(%s, %s, %v) = %s, %v", s.a, s.b, s.sub, got, err)
		}
	}
	if _, err := AddNumbers("9.9999999999999999999999999999999999999e125", "1e125", false); err == nil {
		t.Error("overflow not caught")
	}
}

func TestDecodeEncodeRoundTrip(t *testing.T) {
	in := `{"b":{"B":"AAEC"},"bs":{"BS":["AA==","AQ=="]},"l":{"L":[{"S":"x\"\n\u0001é"},{"N":"1"}]},"m":{"M":{"t":{"BOOL":true}}},"n":{"N":"2"},"ns":{"NS":["1","2.5"]},"z":{"NULL":true}}`
	it, err := DecodeItem([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := it.MarshalJSON()
	var a, b any
	_ = json.Unmarshal([]byte(in), &a)
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatalf("encoded JSON invalid: %s", out)
	}
	if ja, jb := mustJSON(a), mustJSON(b); ja != jb {
		t.Fatalf("round trip:\n%s\n%s", ja, jb)
	}
	if !Equal(it["ns"], &Value{Kind: NS, Strs: []string{"2.5", "1"}}) || Equal(it["n"], Str("2")) {
		t.Fatal("Equal")
	}
	if got := ItemSize(Item{"id": Str("abc"), "n": Num("12345"), "m": {Kind: M, M: map[string]*Value{"k": BoolValue(true)}}}); got != 2+3+1+4+1+(3+1+1+1) {
		t.Fatalf("ItemSize = %d", got)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestDecodeErrors(t *testing.T) {
	cases := map[string]string{
		`{"a":{}}`:                         "One or more parameter values were invalid: " + MsgEmpty,
		`{"a":null}`:                       "One or more parameter values were invalid: " + MsgEmpty,
		`{"a":{"S":"x","BOOL":true}}`:      "One or more parameter values were invalid: " + MsgMultiple,
		`{"a":{"NS":[]}}`:                  "One or more parameter values were invalid: An number set  may not be empty",
		`{"a":{"BS":[]}}`:                  "One or more parameter values were invalid: Binary sets should not be empty",
		`{"a":{"NS":["1","1.0"]}}`:         "One or more parameter values were invalid: Input collection [1, 1.0] contains duplicates.",
		`{"a":{"L":[{"N":"x"}]}}`:          msgNotNumeric + "x",
		`{"a":{"M":{"b":{"NULL":false}}}}`: "One or more parameter values were invalid: Null attribute value types must have the value of true",
	}
	for in, want := range cases {
		if _, err := DecodeItem([]byte(in)); err == nil || err.Error() != want {
			t.Errorf("%s: %v; want %q", in, err, want)
		}
	}
	deep := `{"S":"x"}`
	for i := 0; i < 40; i++ {
		deep = `{"L":[` + deep + `]}`
	}
	if _, err := DecodeItem([]byte(`{"a":` + deep + `}`)); err == nil || err.Error() != MsgNesting {
		t.Errorf("nesting: %v", err)
	}
}

// FuzzNumber: any string either parses to a normalized number that parses to itself, or fails cleanly.
func FuzzNumber(f *testing.F) {
	for _, s := range []string{"1", "-1.5e-3", "1e126", "00.0100", "9e125", ".e1", "1e-130"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNumber(s)
		if err != nil {
			return
		}
		again, err := ParseNumber(n)
		if err != nil || again != n || CompareNumbers(n, s) != 0 {
			t.Fatalf("%q → %q → %q, %v", s, n, again, err)
		}
	})
}
