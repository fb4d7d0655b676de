package attr

import (
	"encoding/base64"
	"sort"
	"strings"
)

// Wire is an AttributeValue as decoded from JSON, before DynamoDB's validation.
// Request structs decode into Wire; FromWire validates and converts.
type Wire struct {
	S    *string          `json:"S"`
	N    *string          `json:"N"`
	B    *string          `json:"B"`
	SS   []string         `json:"SS"`
	NS   []string         `json:"NS"`
	BS   []string         `json:"BS"`
	M    map[string]*Wire `json:"M"`
	L    []*Wire          `json:"L"`
	NULL *bool            `json:"NULL"`
	BOOL *bool            `json:"BOOL"`
}

// Error is an AttributeValue DynamoDB would refuse. Serialization marks payloads that are
// not even well-formed (bad base64), which DynamoDB reports as SerializationException.
type Error struct {
	Serialization bool
	Message       string
}

func (e *Error) Error() string { return e.Message }

// MaxDepth is DynamoDB's limit on nested maps and lists.
const MaxDepth = 32

const invalidPrefix = "One or more parameter values were invalid: "

// Messages for malformed values, as DynamoDB words them.
const (
	MsgEmpty    = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
	MsgMultiple = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
	MsgNesting  = "Nesting Levels have exceeded supported limits"
)

func invalid(msg string) *Error { return &Error{Message: invalidPrefix + msg} }

// FromWire validates w as DynamoDB does and converts it.
func FromWire(w *Wire) (*Value, error) { return fromWire(w, 0) }

// ItemFromWire validates and converts a whole item.
func ItemFromWire(m map[string]*Wire) (Item, error) {
	it := make(Item, len(m))
	// Sorted, so the first error reported does not depend on map order.
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v, err := fromWire(m[k], 0)
		if err != nil {
			return nil, err
		}
		it[k] = v
	}
	return it, nil
}

func fromWire(w *Wire, depth int) (*Value, error) {
	if depth > MaxDepth {
		return nil, &Error{Message: MsgNesting}
	}
	if w == nil {
		return nil, invalid(MsgEmpty)
	}
	n := 0
	count := func(set bool) {
		if set {
			n++
		}
	}
	count(w.S != nil)
	count(w.N != nil)
	count(w.B != nil)
	count(w.SS != nil)
	count(w.NS != nil)
	count(w.BS != nil)
	count(w.M != nil)
	count(w.L != nil)
	count(w.NULL != nil)
	count(w.BOOL != nil)
	switch {
	case n == 0:
		return nil, invalid(MsgEmpty)
	case n > 1:
		return nil, invalid(MsgMultiple)
	}
	switch {
	case w.S != nil:
		return &Value{Kind: S, Str: *w.S}, nil
	case w.N != nil:
		s, err := ParseNumber(*w.N)
		if err != nil {
			return nil, &Error{Message: err.Error()}
		}
		return &Value{Kind: N, Str: s}, nil
	case w.B != nil:
		b, err := decodeB64(*w.B)
		if err != nil {
			return nil, err
		}
		return &Value{Kind: B, Bin: b}, nil
	case w.BOOL != nil:
		return &Value{Kind: BOOL, Bool: *w.BOOL}, nil
	case w.NULL != nil:
		if !*w.NULL {
			return nil, invalid("Null attribute value types must have the value of true")
		}
		return Null(), nil
	case w.SS != nil:
		if len(w.SS) == 0 {
			return nil, invalid("An string set  may not be empty")
		}
		if err := noDuplicates(w.SS, w.SS); err != nil {
			return nil, err
		}
		return &Value{Kind: SS, Strs: append([]string(nil), w.SS...)}, nil
	case w.NS != nil:
		if len(w.NS) == 0 {
			return nil, invalid("An number set  may not be empty")
		}
		norm := make([]string, len(w.NS))
		for i, s := range w.NS {
			v, err := ParseNumber(s)
			if err != nil {
				return nil, &Error{Message: err.Error()}
			}
			norm[i] = v
		}
		if err := noDuplicates(norm, w.NS); err != nil {
			return nil, err
		}
		return &Value{Kind: NS, Strs: norm}, nil
	case w.BS != nil:
		if len(w.BS) == 0 {
			return nil, invalid("Binary sets should not be empty")
		}
		bins := make([][]byte, len(w.BS))
		keys := make([]string, len(w.BS))
		for i, s := range w.BS {
			b, err := decodeB64(s)
			if err != nil {
				return nil, err
			}
			bins[i], keys[i] = b, string(b)
		}
		if err := noDuplicates(keys, w.BS); err != nil {
			return nil, err
		}
		return &Value{Kind: BS, Bins: bins}, nil
	case w.M != nil:
		m := make(map[string]*Value, len(w.M))
		for k, e := range w.M {
			v, err := fromWire(e, depth+1)
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		return &Value{Kind: M, M: m}, nil
	default:
		l := make([]*Value, len(w.L))
		for i, e := range w.L {
			v, err := fromWire(e, depth+1)
			if err != nil {
				return nil, err
			}
			l[i] = v
		}
		return &Value{Kind: L, L: l}, nil
	}
}

// noDuplicates checks keys for repeats; shown is how the collection is printed.
func noDuplicates(keys, shown []string) error {
	seen := make(map[string]struct{}, len(keys))
	for _, k := range keys {
		if _, ok := seen[k]; ok {
			return invalid("Input collection [" + strings.Join(shown, ", ") + "] contains duplicates.")
		}
		seen[k] = struct{}{}
	}
	return nil
}

func decodeB64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b, err2 := base64.RawStdEncoding.DecodeString(s); err2 == nil {
			return b, nil
		}
		return nil, &Error{Serialization: true, Message: "Base64 encoded length is expected a multiple of 4 bytes but found: " + itoa(len(s))}
	}
	return b, nil
}
