// Package store is the sandbox's crash-safe state: one bbolt file in the data directory.
// bbolt commits with fsync and copy-on-write pages, so a kill -9 at any moment leaves the
// last committed state loadable and every acknowledged write on disk.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrLocked means another process has the state open.
var ErrLocked = errors.New("the sandbox state is open in another kmslab process")

// FileName is the state file inside the data directory.
const FileName = "state.db"

// Store wraps the bbolt database.
type Store struct {
	db     *bolt.DB
	writes chan *write
	done   chan struct{}
}

// write is one Update waiting for the committer.
type write struct {
	fn  func(*Tx) error
	err chan error
}

// maxGroup bounds how many updates share one commit.
const maxGroup = 256

// Tx is a read or write transaction.
type Tx = bolt.Tx

// Open opens (or creates) the state file in dir, which must already exist.
// It fails with ErrLocked when another process holds the file.
func Open(dir string) (*Store, error) {
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: 300 * time.Millisecond,
		// The freelist is rebuilt on open instead of written on every commit: fewer pages per fsync.
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, ErrLocked
	}
	if err != nil {
		return nil, fmt.Errorf("open sandbox state %s: %w (move the file aside or run 'kmslab reset' to start fresh)", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		_ = db.Close()
		return nil, err
	}
	s := &Store{db: db, writes: make(chan *write, maxGroup), done: make(chan struct{})}
	go s.commitLoop()
	return s, nil
}

// Close waits for queued updates, then releases the file.
func (s *Store) Close() error {
	close(s.writes)
	<-s.done
	return s.db.Close()
}

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(tx *Tx) error) error { return s.db.View(fn) }

// Update runs fn in a write transaction that may be committed together with other
// concurrent updates. fn may run more than once, so it must only change the transaction;
// apply in-memory effects after Update returns nil. When Update returns nil the change is
// on disk.
func (s *Store) Update(fn func(tx *Tx) error) error {
	w := &write{fn: fn, err: make(chan error, 1)}
	s.writes <- w
	return <-w.err
}

// commitLoop is group commit: while one commit (and its fsync) runs, new updates queue, and
// the next commit takes all of them, so concurrent writers share an fsync without waiting
// on a timer.
func (s *Store) commitLoop() {
	defer close(s.done)
	group := make([]*write, 0, maxGroup)
	for w := range s.writes {
		group = append(group[:0], w)
	drain:
		for len(group) < maxGroup {
			select {
			case more, ok := <-s.writes:
				if !ok {
					break drain
				}
				group = append(group, more)
			default:
				break drain
			}
		}
		s.commit(group)
	}
}

// commit runs a group in one transaction. When one update fails, the transaction is rolled
// back, that update gets its error from a run of its own, and the rest are tried again.
func (s *Store) commit(group []*write) {
	for len(group) > 0 {
		failed := -1
		err := s.db.Update(func(tx *Tx) error {
			for i, w := range group {
				if err := safely(w.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, w := range group {
				w.err <- err
			}
			return
		}
		bad := group[failed]
		bad.err <- s.db.Update(func(tx *Tx) error { return safely(bad.fn, tx) })
		group = append(group[:failed:failed], group[failed+1:]...)
	}
}

// safely turns a panic in an update into an error, so one bad update cannot stop the loop.
func safely(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("update panicked: %v", p)
		}
	}()
	return fn(tx)
}

// Bucket returns the nested bucket at path, or nil when any part is missing.
func Bucket(tx *Tx, path ...string) *bolt.Bucket {
	if len(path) == 0 {
		return nil
	}
	b := tx.Bucket([]byte(path[0]))
	for _, p := range path[1:] {
		if b == nil {
			return nil
		}
		b = b.Bucket([]byte(p))
	}
	return b
}

// EnsureBucket returns the nested bucket at path, creating what is missing. Write tx only.
func EnsureBucket(tx *Tx, path ...string) (*bolt.Bucket, error) {
	if len(path) == 0 {
		return nil, errors.New("empty bucket path")
	}
	b, err := tx.CreateBucketIfNotExists([]byte(path[0]))
	if err != nil {
		return nil, err
	}
	for _, p := range path[1:] {
		if b, err = b.CreateBucketIfNotExists([]byte(p)); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// DeleteBucket removes the nested bucket at path; a missing one is not an error.
func DeleteBucket(tx *Tx, path ...string) error {
	if len(path) == 0 {
		return nil
	}
	if len(path) == 1 {
		err := tx.DeleteBucket([]byte(path[0]))
		if errors.Is(err, berrors.ErrBucketNotFound) {
			return nil
		}
		return err
	}
	parent := Bucket(tx, path[:len(path)-1]...)
	if parent == nil {
		return nil
	}
	err := parent.DeleteBucket([]byte(path[len(path)-1]))
	if errors.Is(err, berrors.ErrBucketNotFound) {
		return nil
	}
	return err
}

// GetJSON decodes the value at key in the bucket at path into v; it reports whether it was there.
func GetJSON(tx *Tx, path []string, key string, v any) (bool, error) {
	b := Bucket(tx, path...)
	if b == nil {
		return false, nil
	}
	raw := b.Get([]byte(key))
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("corrupt record %v/%s: %w", path, key, err)
	}
	return true, nil
}

// PutJSON encodes v at key in the bucket at path, creating buckets as needed.
func PutJSON(tx *Tx, path []string, key string, v any) error {
	b, err := EnsureBucket(tx, path...)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), raw)
}

// Delete removes key from the bucket at path; a missing key or bucket is not an error.
func Delete(tx *Tx, path []string, key string) error {
	b := Bucket(tx, path...)
	if b == nil {
		return nil
	}
	return b.Delete([]byte(key))
}

// ForEachJSON calls fn with each key and raw value of the bucket at path, in key order.
// Nested buckets are skipped.
func ForEachJSON(tx *Tx, path []string, fn func(key string, raw []byte) error) error {
	b := Bucket(tx, path...)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			return nil
		}
		return fn(string(k), v)
	})
}
