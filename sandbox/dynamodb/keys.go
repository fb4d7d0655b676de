package dynamodb

import (
	"encoding/binary"
	"regexp"
	"strings"

	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
)

// Key size limits.
const (
	maxHashKey  = 2048
	maxRangeKey = 1024
	maxItemSize = 400 * 1024
)

var tableNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)

// checkTableName validates a TableName member (field is its JSON path for messages).
// A table ARN is accepted too, as DynamoDB does; the name is returned.
func checkTableName(c *constraint, name, field string) string {
	if strings.HasPrefix(name, "arn:") {
		if i := strings.Index(name, ":table/"); i >= 0 {
			return name[i+len(":table/"):]
		}
	}
	switch {
	case name == "":
		c.add(nil, field, "Member must not be null")
	case len(name) < 3:
		c.add(name, field, "Member must have length greater than or equal to 3")
	case len(name) > 255:
		c.add(name, field, "Member must have length less than or equal to 255")
	}
	if name != "" && !tableNamePattern.MatchString(name) {
		c.add(name, field, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	}
	return name
}

// canon is the canonical encoding of a key value: type, length, bytes.
func canon(dst []byte, v *attr.Value) []byte {
	dst = append(dst, byte(v.Kind))
	var data []byte
	switch v.Kind {
	case attr.B:
		data = v.Bin
	default:
		data = []byte(v.Str)
	}
	dst = binary.AppendUvarint(dst, uint64(len(data)))
	return append(dst, data...)
}

// primaryKey is an item's key in canonical form.
type primaryKey struct {
	hash []byte // canon(partition key)
	full []byte // canon(partition key) ‖ canon(sort key)
}

func (t *table) canonKey(hv, rv *attr.Value) primaryKey {
	h := canon(nil, hv)
	full := h
	if rv != nil {
		full = canon(append([]byte(nil), h...), rv)
	}
	return primaryKey{hash: h, full: full}
}

func emptyKeyValue(v *attr.Value) bool {
	return (v.Kind == attr.S && v.Str == "") || (v.Kind == attr.B && len(v.Bin) == 0)
}

func checkKeySize(hv, rv *attr.Value) error {
	if attr.Size(hv) > maxHashKey {
		return invalidParams("Size of hashkey has exceeded the maximum size limit of2048 bytes")
	}
	if rv != nil && attr.Size(rv) > maxRangeKey {
		return invalidParams("Aggregated size of all range keys has exceeded the size limit of 1024 bytes")
	}
	return nil
}

// itemKey checks the key and index-key attributes of a whole item (PutItem, UpdateItem's
// result) and returns its primary key.
func (t *table) itemKey(it attr.Item) (primaryKey, error) {
	names := []string{t.hash}
	kinds := []attr.Kind{t.hashType}
	if t.rng != "" {
		names, kinds = append(names, t.rng), append(kinds, t.rngType)
	}
	for i, n := range names {
		v := it[n]
		if v == nil {
			return primaryKey{}, invalidParams("Missing the key %s in the item", n)
		}
		if v.Kind != kinds[i] {
			return primaryKey{}, invalidParams("Type mismatch for key %s expected: %s actual: %s", n, kinds[i], v.Kind)
		}
		if emptyKeyValue(v) {
			return primaryKey{}, validation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s", emptyWord(v), n)
		}
	}
	if err := t.checkIndexKeys(it); err != nil {
		return primaryKey{}, err
	}
	if err := checkKeySize(it[t.hash], t.rangeOf(it)); err != nil {
		return primaryKey{}, err
	}
	return t.canonKey(it[t.hash], t.rangeOf(it)), nil
}

func emptyWord(v *attr.Value) string {
	if v.Kind == attr.B {
		return "binary"
	}
	return "string"
}

func (t *table) rangeOf(it attr.Item) *attr.Value {
	if t.rng == "" {
		return nil
	}
	return it[t.rng]
}

// checkIndexKeys: index key attributes, when present, must have their defined type.
func (t *table) checkIndexKeys(it attr.Item) error {
	for _, ix := range t.meta.Indexes {
		for _, k := range ix.KeySchema {
			v := it[k.AttributeName]
			if v == nil || k.AttributeName == t.hash || k.AttributeName == t.rng {
				continue
			}
			want := t.meta.attrType(k.AttributeName)
			if v.Kind != want {
				return invalidParams("Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s", k.AttributeName, want, v.Kind, ix.IndexName)
			}
			if emptyKeyValue(v) {
				return validation("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty %s value. IndexName: %s, IndexKey: %s", emptyWord(v), ix.IndexName, k.AttributeName)
			}
		}
	}
	return nil
}

// keyParam checks a Key parameter (GetItem, DeleteItem, UpdateItem, BatchGetItem): exactly
// the table's key attributes with their types.
func (t *table) keyParam(key attr.Item) (primaryKey, error) {
	want := 1
	if t.rng != "" {
		want = 2
	}
	hv, rv := key[t.hash], t.rangeOf(key)
	if len(key) != want || hv == nil || hv.Kind != t.hashType || (t.rng != "" && (rv == nil || rv.Kind != t.rngType)) {
		return primaryKey{}, validation("The provided key element does not match the schema")
	}
	for _, n := range []string{t.hash, t.rng} {
		if v := key[n]; n != "" && emptyKeyValue(v) {
			return primaryKey{}, validation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s", emptyWord(v), n)
		}
	}
	if err := checkKeySize(hv, rv); err != nil {
		return primaryKey{}, err
	}
	return t.canonKey(hv, rv), nil
}

// keyOf copies the primary key attributes out of an item.
func (t *table) keyOf(it attr.Item) attr.Item {
	k := attr.Item{t.hash: it[t.hash]}
	if t.rng != "" {
		k[t.rng] = it[t.rng]
	}
	return k
}

func (t *table) isKeyAttr(name string) bool { return name == t.hash || (t.rng != "" && name == t.rng) }
