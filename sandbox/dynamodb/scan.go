package dynamodb

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"sort"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
	"github.com/kmslab/kmslab/sandbox/store"
)

// A Scan walks partitions in storage key order (the order of their HMACs, which is as
// arbitrary as DynamoDB's hash order) and, within a partition, items in sort-key order.
// Segment i of n holds the partitions whose first 8 HMAC bytes h give floor(h·n/2⁶⁴) = i:
// a contiguous key range, so a segment is one cursor run.

func segmentOf(part []byte, total uint64) uint64 {
	hi, _ := bits.Mul64(binary.BigEndian.Uint64(part[:8]), total)
	return hi
}

func segmentStart(seg, total uint64) []byte {
	q, r := bits.Div64(seg, 0, total)
	if r != 0 {
		q++
	}
	return binary.BigEndian.AppendUint64(nil, q)
}

func (s *Service) scan(r *api.Request, in *scanInput) (any, error) {
	t, c, done, err := s.openTable(r, in.name)
	if err != nil {
		return nil, err
	}
	defer done()
	v, err := s.viewOf(t, &in.readInput)
	if err != nil {
		return nil, err
	}
	order := &view{t: t, hash: t.hash, rng: t.rng} // scans run in table order, indexes too
	seg, total := uint64(0), uint64(1)
	if in.TotalSegments != nil {
		seg, total = uint64(*in.Segment), uint64(*in.TotalSegments)
	}
	var startPart []byte
	var start entry
	if in.startKey != nil {
		if err := v.checkStart(in.startKey); err != nil {
			return nil, err
		}
		startPart = c.partition(canon(nil, in.startKey[t.hash]))
		start = order.entryOf(in.startKey, 0)
		if segmentOf(startPart, total) != seg {
			return nil, validation("The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: %d Segment: %d", total, seg)
		}
	}
	p := newPager(&in.readInput, v)
	gone := false
	err = s.st.View(func(tx *store.Tx) error {
		b := itemsBucket(tx, &t.meta)
		if b == nil {
			gone = true
			return nil
		}
		cur := b.Cursor()
		var k, raw []byte
		switch {
		case startPart != nil:
			k, raw = cur.Seek(startPart)
		case total > 1:
			k, raw = cur.Seek(segmentStart(seg, total))
		default:
			k, raw = cur.First()
		}
		for k != nil {
			if len(k) != storageKeyLen {
				return errCorrupt
			}
			part := bytes.Clone(k[:partLen])
			if segmentOf(part, total) != seg {
				return nil
			}
			var group []entry
			for ; k != nil && bytes.HasPrefix(k, part); k, raw = cur.Next() {
				plain, err := c.open(t.meta.ARN, k, raw)
				if err != nil {
					return err
				}
				it, err := attr.DecodeItem(plain)
				if err != nil {
					return err
				}
				if v.inView(it) {
					group = append(group, order.entryOf(it, storedSize(raw)))
				}
			}
			sort.Slice(group, func(i, j int) bool { return compareEntries(group[i], group[j]) < 0 })
			if startPart != nil && bytes.Equal(part, startPart) {
				i := sort.Search(len(group), func(i int) bool { return compareEntries(group[i], start) > 0 })
				group = group[i:]
			}
			for _, e := range group {
				if !p.add(e) {
					return nil
				}
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, internalError()
	case gone:
		return nil, tableNotFound()
	}
	return p.output(in.ReturnConsumedCapacity, in.name, in.ConsistentRead), nil
}
