package attr

import (
	"bytes"
	"sort"
	"strings"
)

// Equal reports whether a and b are the same value (sets compare as sets, numbers by value).
func Equal(a, b *Value) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case S:
		return a.Str == b.Str
	case N:
		return CompareNumbers(a.Str, b.Str) == 0
	case B:
		return bytes.Equal(a.Bin, b.Bin)
	case BOOL:
		return a.Bool == b.Bool
	case NULL:
		return true
	case SS, NS:
		return sameStrings(a.Strs, b.Strs)
	case BS:
		as := make([]string, len(a.Bins))
		bs := make([]string, len(b.Bins))
		for i := range a.Bins {
			as[i] = string(a.Bins[i])
		}
		for i := range b.Bins {
			bs[i] = string(b.Bins[i])
		}
		return sameStrings(as, bs)
	case M:
		if len(a.M) != len(b.M) {
			return false
		}
		for k, av := range a.M {
			bv, ok := b.M[k]
			if !ok || !Equal(av, bv) {
				return false
			}
		}
		return true
	case L:
		if len(a.L) != len(b.L) {
			return false
		}
		for i := range a.L {
			if !Equal(a.L[i], b.L[i]) {
				return false
			}
		}
		return true
	}
	return false
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x := append([]string(nil), a...)
	y := append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

// Compare orders two values of the same scalar kind (S by UTF-8 bytes, N by value, B by
// bytes). ok is false when they are not comparable.
func Compare(a, b *Value) (c int, ok bool) {
	if a == nil || b == nil || a.Kind != b.Kind {
		return 0, false
	}
	switch a.Kind {
	case S:
		return strings.Compare(a.Str, b.Str), true
	case N:
		return CompareNumbers(a.Str, b.Str), true
	case B:
		return bytes.Compare(a.Bin, b.Bin), true
	}
	return 0, false
}

// Size is DynamoDB's size of a value in bytes.
func Size(v *Value) int {
	if v == nil {
		return 0
	}
	switch v.Kind {
	case S:
		return len(v.Str)
	case N:
		return numberSize(v.Str)
	case B:
		return len(v.Bin)
	case BOOL, NULL:
		return 1
	case SS:
		n := 0
		for _, s := range v.Strs {
			n += len(s)
		}
		return n
	case NS:
		n := 0
		for _, s := range v.Strs {
			n += numberSize(s)
		}
		return n
	case BS:
		n := 0
		for _, b := range v.Bins {
			n += len(b)
		}
		return n
	case M:
		n := 3
		for k, e := range v.M {
			n += len(k) + Size(e) + 1
		}
		return n
	case L:
		n := 3
		for _, e := range v.L {
			n += Size(e) + 1
		}
		return n
	}
	return 0
}

// ItemSize is DynamoDB's size of an item: names plus values.
func ItemSize(it Item) int {
	n := 0
	for k, v := range it {
		n += len(k) + Size(v)
	}
	return n
}
