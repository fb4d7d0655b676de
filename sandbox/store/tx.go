package store

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// The errors bbolt gave for misuse, kept so callers see the same conditions.
var (
	ErrTxNotWritable      = errors.New("tx not writable")
	ErrBucketNotFound     = errors.New("bucket not found")
	ErrBucketNameRequired = errors.New("bucket name required")
	ErrKeyRequired        = errors.New("key required")
	ErrIncompatibleValue  = errors.New("incompatible value")
)

// Tx is a read transaction (a pebble snapshot) or a write transaction (an indexed batch,
// which reads its own writes over the committed state). Slices it returns stay valid until
// the function given to View or Update returns.
type Tx struct {
	r     pebble.Reader
	batch *pebble.Batch // nil in a read transaction
	iters []*pebble.Iterator
	slab  []byte // copies of what reads return
	key   []byte // scratch for building keys
	err   error  // first read failure: it fails the transaction
}

// Writable reports whether tx is a write transaction.
func (tx *Tx) Writable() bool { return tx.batch != nil }

// Bucket returns the top-level bucket name, or nil.
func (tx *Tx) Bucket(name []byte) *Node { return tx.root().Bucket(name) }

// CreateBucketIfNotExists returns the top-level bucket name, creating it if needed.
func (tx *Tx) CreateBucketIfNotExists(name []byte) (*Node, error) {
	return tx.root().CreateBucketIfNotExists(name)
}

// DeleteBucket removes the top-level bucket name and everything in it.
func (tx *Tx) DeleteBucket(name []byte) error { return tx.root().DeleteBucket(name) }

// ForEachBucket calls fn with the name of each top-level bucket, in order.
func (tx *Tx) ForEachBucket(fn func(name []byte) error) error { return tx.root().ForEachBucket(fn) }

func (tx *Tx) root() *Node { return &Node{tx: tx} }

// keep copies b into memory that lives as long as the transaction: pebble reuses its
// buffers, bbolt's callers expect slices that stay put.
func (tx *Tx) keep(b []byte) []byte {
	if len(b) > 2048 {
		return append(make([]byte, 0, len(b)), b...)
	}
	if cap(tx.slab)-len(tx.slab) < len(b) {
		// Most transactions read a value or two: start small and double up to 8 KiB.
		n := min(max(2*cap(tx.slab), 512), 8192)
		tx.slab = make([]byte, 0, max(n, len(b)))
	}
	n := len(tx.slab)
	tx.slab = append(tx.slab, b...)
	return tx.slab[n:len(tx.slab):len(tx.slab)]
}

// get reads key, nil when it is missing or the read fails (the failure fails the tx).
func (tx *Tx) get(key []byte) []byte {
	v, closer, err := tx.r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil
	}
	if err != nil {
		tx.fail(err)
		return nil
	}
	v = tx.keep(v)
	_ = closer.Close()
	return v
}

// has reports whether key exists.
func (tx *Tx) has(key []byte) bool {
	_, closer, err := tx.r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return false
	}
	if err != nil {
		tx.fail(err)
		return false
	}
	_ = closer.Close()
	return true
}

// iter opens an iterator over [lo, hi), closed when the transaction ends.
func (tx *Tx) iter(lo, hi []byte) *pebble.Iterator {
	it, err := tx.r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		tx.fail(err)
		return nil
	}
	tx.iters = append(tx.iters, it)
	return it
}

// checkIter records an iterator's error once it stops.
func (tx *Tx) checkIter(it *pebble.Iterator) {
	if err := it.Error(); err != nil {
		tx.fail(err)
	}
}

func (tx *Tx) fail(err error) {
	if tx.err == nil {
		tx.err = fmt.Errorf("read sandbox state: %w", err)
	}
}

func (tx *Tx) writable() error {
	if tx.batch == nil {
		return ErrTxNotWritable
	}
	return nil
}

// end closes the iterators; the caller closes the reader.
func (tx *Tx) end() {
	for _, it := range tx.iters {
		if err := it.Close(); err != nil {
			tx.fail(err)
		}
	}
	tx.iters = nil
}

// run calls fn with tx, turning a panic into an error so one bad update cannot stop the
// committer, and a read failure fn did not see into the transaction's error.
func (tx *Tx) run(fn func(*Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("update panicked: %v", p)
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.err
}
