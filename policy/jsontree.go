package policy

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// jnode is a JSON value that keeps member order, so edits show as small diffs.
type jnode struct {
	kind byte // '{' object, '[' array, '"' string, '0' number, 'b' bool, 'n' null
	text string
	keys []string
	vals []*jnode
}

func str(s string) *jnode { return &jnode{kind: '"', text: s} }

func strs(list []string) *jnode {
	n := &jnode{kind: '['}
	for _, s := range list {
		n.vals = append(n.vals, str(s))
	}
	return n
}

func arr(items ...*jnode) *jnode { return &jnode{kind: '[', vals: items} }

func obj(kv ...any) *jnode {
	n := &jnode{kind: '{'}
	for i := 0; i+1 < len(kv); i += 2 {
		n.set(kv[i].(string), kv[i+1].(*jnode))
	}
	return n
}

func (n *jnode) get(key string) *jnode {
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

func (n *jnode) set(key string, v *jnode) {
	for i, k := range n.keys {
		if k == key {
			n.vals[i] = v
			return
		}
	}
	n.keys, n.vals = append(n.keys, key), append(n.vals, v)
}

func (n *jnode) del(key string) {
	for i, k := range n.keys {
		if k == key {
			n.keys = append(n.keys[:i:i], n.keys[i+1:]...)
			n.vals = append(n.vals[:i:i], n.vals[i+1:]...)
			return
		}
	}
}

var errNotJSON = &ParseError{Message: "Syntax errors in policy."}

func decodeDoc(doc []byte) (*jnode, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	n, err := decodeNode(dec)
	if err != nil {
		return nil, errNotJSON
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errNotJSON
	}
	return n, nil
}

func decodeNode(dec *json.Decoder) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		n := &jnode{kind: byte(v)}
		for dec.More() {
			if v == '{' {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				child, err := decodeNode(dec)
				if err != nil {
					return nil, err
				}
				// A repeated member replaces the earlier one, as encoding/json (and so Parse) reads it.
				n.set(key, child)
				continue
			}
			child, err := decodeNode(dec)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, child)
		}
		if _, err := dec.Token(); err != nil { // closing delimiter
			return nil, err
		}
		return n, nil
	case string:
		return str(v), nil
	case json.Number:
		return &jnode{kind: '0', text: v.String()}, nil
	case bool:
		if v {
			return &jnode{kind: 'b', text: "true"}, nil
		}
		return &jnode{kind: 'b', text: "false"}, nil
	}
	return &jnode{kind: 'n', text: "null"}, nil
}

func (n *jnode) pretty() []byte {
	var b bytes.Buffer
	n.write(&b, 0)
	return b.Bytes()
}

// write prints like Jackson's default pretty printer, which AWS uses: objects break lines
// and indent two spaces per object level; arrays stay inline.
func (n *jnode) write(b *bytes.Buffer, level int) {
	switch n.kind {
	case '{':
		if len(n.keys) == 0 {
			b.WriteString("{ }")
			return
		}
		b.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
			b.WriteString(strings.Repeat("  ", level+1))
			writeString(b, k)
			b.WriteString(" : ")
			n.vals[i].write(b, level+1)
		}
		b.WriteByte('\n')
		b.WriteString(strings.Repeat("  ", level))
		b.WriteByte('}')
	case '[':
		if len(n.vals) == 0 {
			b.WriteString("[ ]")
			return
		}
		b.WriteString("[ ")
		for i, v := range n.vals {
			if i > 0 {
				b.WriteString(", ")
			}
			v.write(b, level)
		}
		b.WriteString(" ]")
	case '"':
		writeString(b, n.text)
	default:
		b.WriteString(n.text)
	}
}

func writeString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
