package attr

import (
	"encoding/base64"
	"encoding/json"
	"sort"
	"unicode/utf8"
)

// MarshalJSON writes the DynamoDB JSON form ({"S":"x"}, {"N":"1"}, …).
func (v *Value) MarshalJSON() ([]byte, error) { return v.AppendJSON(nil), nil }

// MarshalJSON writes the item as a JSON object of AttributeValues, keys sorted.
func (it Item) MarshalJSON() ([]byte, error) { return it.AppendJSON(nil), nil }

// AppendJSON appends the item's JSON to b.
func (it Item) AppendJSON(b []byte) []byte {
	if it == nil {
		return append(b, "{}"...)
	}
	return appendMap(b, it)
}

func appendMap(b []byte, m map[string]*Value) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = m[k].AppendJSON(b)
	}
	return append(b, '}')
}

// AppendJSON appends the value's JSON to b.
func (v *Value) AppendJSON(b []byte) []byte {
	if v == nil {
		return append(b, `{"NULL":true}`...)
	}
	b = append(b, '{', '"')
	b = append(b, v.Kind.String()...)
	b = append(b, '"', ':')
	switch v.Kind {
	case S, N:
		b = appendString(b, v.Str)
	case B:
		b = appendB64(b, v.Bin)
	case SS, NS:
		b = append(b, '[')
		for i, s := range v.Strs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		b = append(b, ']')
	case BS:
		b = append(b, '[')
		for i, s := range v.Bins {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendB64(b, s)
		}
		b = append(b, ']')
	case M:
		b = appendMap(b, v.M)
	case L:
		b = append(b, '[')
		for i, e := range v.L {
			if i > 0 {
				b = append(b, ',')
			}
			b = e.AppendJSON(b)
		}
		b = append(b, ']')
	case BOOL:
		if v.Bool {
			b = append(b, "true"...)
		} else {
			b = append(b, "false"...)
		}
	default: // NULL
		b = append(b, "true"...)
	}
	return append(b, '}')
}

func appendB64(b []byte, data []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, data)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string; invalid UTF-8 becomes U+FFFD, as encoding/json does.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// DecodeItem parses an item in DynamoDB JSON (as stored by AppendJSON).
func DecodeItem(data []byte) (Item, error) {
	var w map[string]*Wire
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, err
	}
	return ItemFromWire(w)
}
