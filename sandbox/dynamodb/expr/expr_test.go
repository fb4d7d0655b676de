package expr

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
)

func params(t *testing.T, names map[string]string, values string) *Params {
	t.Helper()
	var w map[string]*attr.Wire
	if values != "" {
		if err := json.Unmarshal([]byte(values), &w); err != nil {
			t.Fatal(err)
		}
	}
	p, err := NewParams(names, w, true)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func item(t *testing.T, js string) attr.Item {
	t.Helper()
	it, err := attr.DecodeItem([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return it
}

const sample = `{"id":{"S":"a1"},"n":{"N":"10"},"s":{"S":"hello"},"tags":{"SS":["x","y"]},
"m":{"M":{"k":{"N":"1"},"l":{"L":[{"S":"p"},{"N":"2"}]}}},"flag":{"BOOL":true},"big":{"N":"12345678901234567890123"}}`

func TestConditionMatch(t *testing.T) {
	vals := `{":ten":{"N":"10"},":five":{"N":"5.0"},":h":{"S":"he"},":x":{"S":"x"},":s":{"S":"S"},":ss":{"S":"SS"},":big":{"N":"12345678901234567890124"},":two":{"N":"2"},":l":{"S":"p"}}`
	cases := []struct {
		expr string
		want bool
	}{
		{"n = :ten", true},
		{"n <> :ten", false},
		{"nothere <> :ten", true},
		{"nothere = :ten", false},
		{"n > :five AND n <= :ten", true},
		{"n BETWEEN :five AND :ten", true},
		{"NOT (n < :ten)", true},
		{"n < :five OR begins_with(s, :h)", true},
		{"contains(tags, :x)", true},
		{"contains(s, :h)", true},
		{"attribute_exists(m.k) AND attribute_not_exists(m.z)", true},
		{"attribute_type(s, :s) AND attribute_type(tags, :ss)", true},
		{"size(s) = :five", true},
		{"size(tags) = :two", true},
		{"m.l[1] = :two AND m.l[0] = :l", true},
		{"s < :ten", false},  // different types never order
		{"big < :big", true}, // exact beyond float64
		{"n IN (:five, :ten)", true},
		{"#f = :x", false},
	}
	for _, c := range cases {
		p := params(t, map[string]string{"#f": "flag"}, vals)
		cond, err := ParseCond(Condition, c.expr, p)
		if err != nil {
			t.Errorf("%q: %v", c.expr, err)
			continue
		}
		if got := cond.Match(item(t, sample)); got != c.want {
			t.Errorf("%q = %v, want %v", c.expr, got, c.want)
		}
	}
}

func TestConditionErrors(t *testing.T) {
	vals := `{":v":{"N":"1"},":m":{"M":{}},":hi":{"N":"5"},":lo":{"N":"1"}}`
	cases := []struct{ expr, want string }{
		{"", "Invalid ConditionExpression: The expression can not be empty;"},
		{"a = :v)", `Invalid ConditionExpression: Syntax error; token: ")"`},
		{"a = :v :v", `Invalid ConditionExpression: Syntax error; token: ":v", near: ":v :v"`},
		{"a =", `Invalid ConditionExpression: Syntax error; token: "<EOF>"`},
		{"a = :nope", "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope"},
		{"#nope = :v", "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #nope"},
		{"name = :v", "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name"},
		{"a < :m", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: <, operand type: M"},
		{"foo(a)", "Invalid ConditionExpression: Invalid function name; function: foo"},
		{"attribute_exists(a, b)", "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2"},
		{"attribute_exists(:v)", "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists"},
		{"a BETWEEN :hi AND :lo", "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}"},
		{"a", "Invalid ConditionExpression: Syntax error"},
		{"a = if_not_exists(a, :v)", "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: if_not_exists"},
	}
	for _, c := range cases {
		p := params(t, nil, vals)
		_, err := ParseCond(Condition, c.expr, p)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: got %v, want prefix %q", c.expr, err, c.want)
		}
	}
}

func TestUnused(t *testing.T) {
	p := params(t, map[string]string{"#a": "a", "#b": "b"}, `{":x":{"S":"1"},":y":{"S":"2"}}`)
	if _, err := ParseCond(Condition, "#a = :x", p); err != nil {
		t.Fatal(err)
	}
	if err := p.CheckUnused(); err == nil || err.Error() != "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}" {
		t.Fatalf("got %v", err)
	}
	p = params(t, nil, `{":x":{"S":"1"},":y":{"S":"2"}}`)
	_, _ = ParseCond(Condition, "a = :x", p)
	if err := p.CheckUnused(); err == nil || err.Error() != "Value provided in ExpressionAttributeValues unused in expressions: keys: {:y}" {
		t.Fatalf("got %v", err)
	}
}

func TestUpdateApply(t *testing.T) {
	vals := `{":one":{"N":"0.1"},":two":{"N":"0.2"},":l":{"L":[{"S":"q"}]},":tag":{"SS":["z","x"]},":rm":{"SS":["x"]},":v":{"S":"new"}}`
	cases := []struct {
		expr  string
		check func(attr.Item) bool
	}{
		{"SET n = n + :one", func(it attr.Item) bool { return it["n"].Str == "10.1" }},
		{"SET z = :one + :two", func(it attr.Item) bool { return it["z"].Str == "0.3" }},
		{"SET m.k = :v, m.l[5] = :v", func(it attr.Item) bool { return it["m"].M["k"].Str == "new" && len(it["m"].M["l"].L) == 3 }},
		{"SET m.l = list_append(m.l, :l)", func(it attr.Item) bool { return len(it["m"].M["l"].L) == 3 }},
		{"SET q = if_not_exists(q, :v), s = if_not_exists(s, :v)", func(it attr.Item) bool { return it["q"].Str == "new" && it["s"].Str == "hello" }},
		{"REMOVE s, m.l[0]", func(it attr.Item) bool {
			return it["s"] == nil && len(it["m"].M["l"].L) == 1 && it["m"].M["l"].L[0].Kind == attr.N
		}},
		{"ADD tags :tag, cnt :one", func(it attr.Item) bool { return len(it["tags"].Strs) == 3 && it["cnt"].Str == "0.1" }},
		{"DELETE tags :rm", func(it attr.Item) bool { return len(it["tags"].Strs) == 1 && it["tags"].Strs[0] == "y" }},
		{"set big = big + :one remove s", func(it attr.Item) bool { return it["big"].Str == "12345678901234567890123.1" && it["s"] == nil }},
	}
	for _, c := range cases {
		p := params(t, nil, vals)
		u, err := ParseUpdate(c.expr, p)
		if err != nil {
			t.Errorf("%q: %v", c.expr, err)
			continue
		}
		before := item(t, sample)
		out, err := u.Apply(before)
		if err != nil {
			t.Errorf("%q: apply: %v", c.expr, err)
			continue
		}
		if !c.check(out) {
			b, _ := out.MarshalJSON()
			t.Errorf("%q: got %s", c.expr, b)
		}
		if before["s"].Str != "hello" {
			t.Errorf("%q changed its input", c.expr)
		}
	}
}

func TestUpdateErrors(t *testing.T) {
	vals := `{":v":{"S":"x"},":n":{"N":"1"}}`
	cases := []struct{ expr, want string }{
		{"SET a = :v, a = :v", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
		{"SET a = :v REMOVE a.b", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"},
		{"ADD a :v", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING"},
		{"SET a = :v + :n", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"},
		{"SET a = size(b)", "Invalid UpdateExpression: The function is not allowed in an update expression; function: size"},
		{"SET a :v", `Invalid UpdateExpression: Syntax error; token: ":v"`},
		{"a = :v", `Invalid UpdateExpression: Syntax error`},
		{"SET a = :v SET b = :n", `Invalid UpdateExpression: Syntax error; token: "SET"`},
		{"SET", `Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "SET"`},
	}
	for _, c := range cases {
		p := params(t, nil, vals)
		_, err := ParseUpdate(c.expr, p)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: got %v, want prefix %q", c.expr, err, c.want)
		}
	}
	p := params(t, nil, vals)
	u, err := ParseUpdate("SET a = nothere + :n", p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Apply(item(t, sample)); err == nil || err.Error() != "The provided expression refers to an attribute that does not exist in the item" {
		t.Errorf("missing operand: %v", err)
	}
}

func TestProjection(t *testing.T) {
	p := params(t, map[string]string{"#m": "m"}, "")
	pr, err := ParseProjection("id, #m.l[1], tags", p)
	if err != nil {
		t.Fatal(err)
	}
	out := pr.Apply(item(t, sample))
	b, _ := out.MarshalJSON()
	if string(b) != `{"id":{"S":"a1"},"m":{"M":{"l":{"L":[{"N":"2"}]}}},"tags":{"SS":["x","y"]}}` {
		t.Fatalf("got %s", b)
	}
	if _, err := ParseProjection("a, a.b", params(t, nil, "")); err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Fatalf("overlap: %v", err)
	}
	if _, err := ParseProjection("a b", params(t, nil, "")); err == nil || !strings.HasPrefix(err.Error(), "Invalid ProjectionExpression: Syntax error") {
		t.Fatalf("syntax: %v", err)
	}
}

func TestKeyCond(t *testing.T) {
	ks := KeySchema{Hash: "pk", Range: "sk", HashType: attr.S, RangeType: attr.N}
	vals := `{":p":{"S":"x"},":a":{"N":"1"},":b":{"N":"5"},":s":{"S":"q"}}`
	ok := []string{"pk = :p", "pk = :p AND sk BETWEEN :a AND :b", ":p = pk AND :a < sk", "(pk = :p) AND (sk >= :a)"}
	for _, e := range ok {
		p := params(t, nil, vals)
		if _, err := ParseKeyCond(e, p, ks); err != nil {
			t.Errorf("%q: %v", e, err)
		}
	}
	bad := []struct{ expr, want string }{
		{"sk = :a", "Query condition missed key schema element: pk"},
		{"pk = :p OR sk = :a", "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: OR"},
		{"pk = :p AND attrx = :a", "Query key condition not supported"},
		{"pk < :p", "Query key condition not supported"},
		{"pk = :p AND sk = :a AND sk = :b", "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key"},
		{"pk = :a", "One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{"pk = :p AND begins_with(sk, :a)", "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
	}
	for _, c := range bad {
		p := params(t, nil, vals)
		_, err := ParseKeyCond(c.expr, p, ks)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: got %v, want %q", c.expr, err, c.want)
		}
	}
	p := params(t, nil, vals)
	kc, _ := ParseKeyCond("pk = :p AND sk BETWEEN :a AND :b", p, ks)
	if !kc.MatchRange(attr.Num("3")) || kc.MatchRange(attr.Num("6")) {
		t.Fatal("between")
	}
}

// FuzzExpression feeds arbitrary text to every expression kind: errors are fine, panics are not.
func FuzzExpression(f *testing.F) {
	for _, s := range []string{
		"a = :v", "attribute_not_exists(id) OR (#n.x[0] BETWEEN :a AND :b)", "SET a = a + :v, b = list_append(b, :l) REMOVE c",
		"ADD s :v DELETE t :v", "id, m.l[3].z", "pk = :v AND begins_with(sk, :v)", "((a", "a IN ()", "SET a[", "a.", "NOT NOT a",
		"size(a) > :v", "a BETWEEN", "#", ":", "SET #n = if_not_exists(#n, :v)", "\x00\xff", "a = :v AND OR", "REMOVE a[99999999999999999999]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vals := map[string]*attr.Wire{":v": {N: strPtr("1")}, ":a": {S: strPtr("a")}, ":b": {S: strPtr("b")}, ":l": {L: []*attr.Wire{}}}
		p, err := NewParams(map[string]string{"#n": "n"}, vals, true)
		if err != nil {
			t.Fatal(err)
		}
		it := item(t, sample)
		if c, err := ParseCond(Filter, s, p); err == nil {
			c.Match(it)
		}
		if u, err := ParseUpdate(s, p); err == nil {
			_, _ = u.Apply(it)
		}
		if pr, err := ParseProjection(s, p); err == nil {
			pr.Apply(it)
		}
		_, _ = ParseKeyCond(s, p, KeySchema{Hash: "id", HashType: attr.S})
	})
}

func strPtr(s string) *string { return &s }
