package store

import (
	"bytes"

	"github.com/cockroachdb/pebble/v2"
)

// Node is one bucket of the tree: a named set of records and child buckets, with the
// methods of a bbolt bucket (the name Bucket is taken by the path lookup below). Records come
// back in bytewise key order.
type Node struct {
	tx     *Tx
	prefix []byte // see keys.go; empty for the root
}

// recordKey builds the pebble key of record k in the tx's scratch buffer, valid until the
// next call.
func (b *Node) recordKey(k []byte) []byte {
	b.tx.key = append(append(append(b.tx.key[:0], b.prefix...), tagRecord), k...)
	return b.tx.key
}

func (b *Node) childPrefix(name []byte) []byte {
	return appendChild(append(make([]byte, 0, len(b.prefix)+len(name)+4), b.prefix...), name)
}

// Get returns the value of key, or nil when it is missing.
func (b *Node) Get(key []byte) []byte {
	if len(b.prefix) == 0 {
		return nil
	}
	return b.tx.get(b.recordKey(key))
}

// Put sets key to value. Unlike bbolt it does not check for a child bucket of that name.
func (b *Node) Put(key, value []byte) error {
	if err := b.tx.writable(); err != nil {
		return err
	}
	if len(key) == 0 {
		return ErrKeyRequired
	}
	if len(b.prefix) == 0 {
		return ErrIncompatibleValue // bbolt has no records at the top level either
	}
	return b.tx.batch.Set(b.recordKey(key), value, nil)
}

// Delete removes key; a missing key is not an error.
func (b *Node) Delete(key []byte) error {
	if err := b.tx.writable(); err != nil {
		return err
	}
	if len(b.prefix) == 0 {
		return nil
	}
	return b.tx.batch.Delete(b.recordKey(key), nil)
}

// Bucket returns the child bucket name, or nil.
func (b *Node) Bucket(name []byte) *Node {
	p := b.childPrefix(name)
	if !b.tx.has(append(p, tagMarker)) {
		return nil
	}
	return &Node{tx: b.tx, prefix: p}
}

// bucketAt returns the bucket whose full prefix is p, or nil. A marker is only ever
// written under an existing parent and DeleteBucket removes a whole subtree, so the leaf's
// marker alone proves the path.
func (tx *Tx) bucketAt(p []byte) *Node {
	if !tx.has(append(p[:len(p):len(p)], tagMarker)) {
		return nil
	}
	return &Node{tx: tx, prefix: p}
}

// CreateBucketIfNotExists returns the child bucket name, creating it when missing.
func (b *Node) CreateBucketIfNotExists(name []byte) (*Node, error) {
	if err := b.tx.writable(); err != nil {
		return nil, err
	}
	if len(name) == 0 {
		return nil, ErrBucketNameRequired
	}
	p := b.childPrefix(name)
	marker := append(p[:len(p):len(p)], tagMarker)
	if b.tx.has(marker) {
		return &Node{tx: b.tx, prefix: p}, nil
	}
	if b.Get(name) != nil {
		return nil, ErrIncompatibleValue
	}
	if err := b.tx.batch.Set(marker, nil, nil); err != nil {
		return nil, err
	}
	return &Node{tx: b.tx, prefix: p}, nil
}

// DeleteBucket removes the child bucket name with everything in it.
func (b *Node) DeleteBucket(name []byte) error {
	if err := b.tx.writable(); err != nil {
		return err
	}
	p := b.childPrefix(name)
	if !b.tx.has(append(p[:len(p):len(p)], tagMarker)) {
		return ErrBucketNotFound
	}
	return b.tx.batch.DeleteRange(p, prefixEnd(p), nil)
}

// ForEachBucket calls fn with the name of each child bucket, in order.
func (b *Node) ForEachBucket(fn func(name []byte) error) error {
	names, err := b.children()
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := fn(n); err != nil {
			return err
		}
	}
	return nil
}

// children lists the child bucket names, skipping over each child's subtree.
func (b *Node) children() ([][]byte, error) {
	lo := append(append([]byte(nil), b.prefix...), tagBucket)
	hi := append(append([]byte(nil), b.prefix...), tagBucketEnd)
	it := b.tx.iter(lo, hi)
	if it == nil {
		return nil, b.tx.err
	}
	var names [][]byte
	for ok := it.First(); ok; {
		name, n, valid := childName(it.Key()[len(b.prefix):])
		if !valid {
			// Not written by this package: step over it rather than fail every read.
			ok = it.Next()
			continue
		}
		names = append(names, b.tx.keep(name))
		ok = it.SeekGE(prefixEnd(it.Key()[:len(b.prefix)+n]))
	}
	b.tx.checkIter(it)
	return names, b.tx.err
}

// ForEach calls fn with every record and, as bbolt does, every child bucket (with a nil
// value), in key order.
func (b *Node) ForEach(fn func(k, v []byte) error) error {
	names, err := b.children()
	if err != nil {
		return err
	}
	c := b.Cursor()
	k, v := c.First()
	for k != nil || len(names) > 0 {
		if len(names) > 0 && (k == nil || bytes.Compare(names[0], k) <= 0) {
			if err := fn(names[0], nil); err != nil {
				return err
			}
			names = names[1:]
			continue
		}
		if err := fn(k, v); err != nil {
			return err
		}
		k, v = c.Next()
	}
	return b.tx.err
}

// Cursor walks the bucket's records (not its child buckets, unlike bbolt's) in key order.
func (b *Node) Cursor() *Cursor {
	return &Cursor{b: b}
}

// Cursor is a position among a bucket's records.
type Cursor struct {
	b  *Node
	it *pebble.Iterator
}

func (c *Cursor) open() bool {
	if c.it == nil {
		lo := append(append([]byte(nil), c.b.prefix...), tagRecord)
		hi := append(append([]byte(nil), c.b.prefix...), tagRecordEnd)
		c.it = c.b.tx.iter(lo, hi)
	}
	return c.it != nil
}

// First moves to the first record; k is nil when there is none.
func (c *Cursor) First() (k, v []byte) {
	if !c.open() {
		return nil, nil
	}
	return c.at(c.it.First())
}

// Seek moves to the first record whose key is >= seek.
func (c *Cursor) Seek(seek []byte) (k, v []byte) {
	if !c.open() {
		return nil, nil
	}
	return c.at(c.it.SeekGE(c.b.recordKey(seek)))
}

// Next moves to the next record; k is nil at the end.
func (c *Cursor) Next() (k, v []byte) {
	if c.it == nil {
		return nil, nil
	}
	return c.at(c.it.Next())
}

func (c *Cursor) at(ok bool) (k, v []byte) {
	if !ok {
		c.b.tx.checkIter(c.it)
		return nil, nil
	}
	val, err := c.it.ValueAndErr()
	if err != nil {
		c.b.tx.fail(err)
		return nil, nil
	}
	tx := c.b.tx
	return tx.keep(c.it.Key()[len(c.b.prefix)+1:]), tx.keep(val)
}
