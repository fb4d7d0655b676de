// Package attr is DynamoDB's AttributeValue: decoding with DynamoDB's validation, the JSON
// wire form, exact decimal numbers, ordering and the item-size rules.
package attr

// Kind is an AttributeValue data type.
type Kind uint8

// The data types, named as on the wire.
const (
	Invalid Kind = iota
	S
	N
	B
	SS
	NS
	BS
	M
	L
	NULL
	BOOL
)

var kindNames = [...]string{"", "S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"}

// String is the wire name of the type ("S", "NS", "BOOL").
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return ""
}

// KindOf parses a wire type name; Invalid when unknown.
func KindOf(name string) Kind {
	for i, n := range kindNames {
		if i > 0 && n == name {
			return Kind(i)
		}
	}
	return Invalid
}

// Value is one AttributeValue. Exactly the fields of its Kind are meaningful.
type Value struct {
	Kind Kind
	Str  string   // S, and N in its normalized decimal form
	Bin  []byte   // B
	Strs []string // SS, and NS (normalized)
	Bins [][]byte // BS
	M    map[string]*Value
	L    []*Value
	Bool bool // BOOL
}

// Item is a map of attribute names to values.
type Item map[string]*Value

// Str returns a string value.
func Str(s string) *Value { return &Value{Kind: S, Str: s} }

// Num returns a number value; s must already be normalized (see ParseNumber).
func Num(s string) *Value { return &Value{Kind: N, Str: s} }

// Bytes returns a binary value.
func Bytes(b []byte) *Value { return &Value{Kind: B, Bin: b} }

// BoolValue returns a BOOL value.
func BoolValue(b bool) *Value { return &Value{Kind: BOOL, Bool: b} }

// Null returns the NULL value.
func Null() *Value { return &Value{Kind: NULL, Bool: true} }

// IsScalarKey reports whether the kind can be a key attribute (S, N or B).
func (k Kind) IsScalarKey() bool { return k == S || k == N || k == B }

// IsSet reports whether the kind is SS, NS or BS.
func (k Kind) IsSet() bool { return k == SS || k == NS || k == BS }

// Clone deep-copies v.
func (v *Value) Clone() *Value {
	if v == nil {
		return nil
	}
	c := *v
	if v.Bin != nil {
		c.Bin = append([]byte(nil), v.Bin...)
	}
	if v.Strs != nil {
		c.Strs = append([]string(nil), v.Strs...)
	}
	if v.Bins != nil {
		c.Bins = make([][]byte, len(v.Bins))
		for i, b := range v.Bins {
			c.Bins[i] = append([]byte(nil), b...)
		}
	}
	if v.M != nil {
		c.M = make(map[string]*Value, len(v.M))
		for k, e := range v.M {
			c.M[k] = e.Clone()
		}
	}
	if v.L != nil {
		c.L = make([]*Value, len(v.L))
		for i, e := range v.L {
			c.L[i] = e.Clone()
		}
	}
	return &c
}

// Clone deep-copies the item.
func (it Item) Clone() Item {
	if it == nil {
		return nil
	}
	c := make(Item, len(it))
	for k, v := range it {
		c[k] = v.Clone()
	}
	return c
}
