package store

// Nested buckets live in pebble's one flat, bytewise-ordered keyspace. Every bucket has a
// prefix, and everything that belongs to it (its records, its own marker, its child
// buckets and all their contents) starts with that prefix and nothing else does:
//
//	prefix(root)       = ""
//	prefix(path + [c]) = prefix(path) ‖ 'b' ‖ escape(c) ‖ 0x00 0x01
//	marker(path)       = prefix(path) ‖ 'm'            (the bucket exists; empty value)
//	record(path, k)    = prefix(path) ‖ 'v' ‖ k        (k raw: it is always last)
//
// escape doubles a zero byte as 0x00 0xFF, so 0x00 0x01 can only be a name's end. A key is
// read left to right as tags ('b' name, then 'm' or 'v' key), so no two (path, record) pairs
// share a key, and a sibling whose name extends another's (a, a\x00, ab) still sorts outside
// the other's range: 0x00 0x01 < 0x00 0xFF and 0x00 0x01 < any non-zero byte. The escaping
// keeps names in bytewise order, and records keep their keys' order, so cursors and ForEach
// see bbolt's order.
const (
	tagBucket = 'b'
	tagMarker = 'm'
	tagRecord = 'v'
	// tagRecordEnd is the first tag after tagRecord: records of a bucket are [tagRecord, tagRecordEnd).
	tagRecordEnd = tagRecord + 1
	// tagBucketEnd bounds the child buckets the same way.
	tagBucketEnd = tagBucket + 1
)

// appendChild appends the prefix of child name to parent's prefix p.
func appendChild(p, name []byte) []byte {
	p = append(p, tagBucket)
	for _, c := range name {
		if c == 0 {
			p = append(p, 0, 0xFF)
			continue
		}
		p = append(p, c)
	}
	return append(p, 0, 1)
}

// pathPrefix is the prefix of the bucket at path.
func pathPrefix(path []string) []byte {
	n := 0
	for _, p := range path {
		n += len(p) + 4
	}
	pre := make([]byte, 0, n)
	for _, p := range path {
		pre = appendChild(pre, []byte(p))
	}
	return pre
}

// prefixEnd is the first key after every key that starts with a bucket prefix p. A
// bucket prefix always ends in 0x00 0x01, so bumping the last byte is enough.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	end[len(end)-1]++
	return end
}

// childName decodes the first child name in k, which must start with tagBucket. It returns
// the name and the length of the child's prefix within k, or ok false for a malformed key.
func childName(k []byte) (name []byte, n int, ok bool) {
	if len(k) == 0 || k[0] != tagBucket {
		return nil, 0, false
	}
	name = []byte{}
	for i := 1; i < len(k); i++ {
		if k[i] != 0 {
			name = append(name, k[i])
			continue
		}
		if i+1 >= len(k) {
			return nil, 0, false
		}
		switch k[i+1] {
		case 0xFF:
			name = append(name, 0)
			i++
		case 1:
			return name, i + 2, true
		default:
			return nil, 0, false
		}
	}
	return nil, 0, false
}
