package store

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Bucket returns the nested bucket at path, or nil when any part is missing.
func Bucket(tx *Tx, path ...string) *Node {
	if len(path) == 0 {
		return nil
	}
	return tx.bucketAt(pathPrefix(path))
}

// EnsureBucket returns the nested bucket at path, creating what is missing. Write tx only.
func EnsureBucket(tx *Tx, path ...string) (*Node, error) {
	if len(path) == 0 {
		return nil, errors.New("empty bucket path")
	}
	if err := tx.writable(); err != nil {
		return nil, err
	}
	if b := Bucket(tx, path...); b != nil {
		return b, nil
	}
	b := tx.root()
	for _, p := range path {
		var err error
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
	parent := tx.root()
	if len(path) > 1 {
		if parent = Bucket(tx, path[:len(path)-1]...); parent == nil {
			return nil
		}
	}
	err := parent.DeleteBucket([]byte(path[len(path)-1]))
	if errors.Is(err, ErrBucketNotFound) {
		return nil
	}
	return err
}

// GetJSON decodes the value at key in the bucket at path into v; it reports whether it was there.
func GetJSON(tx *Tx, path []string, key string, v any) (bool, error) {
	b := Bucket(tx, path...)
	if b == nil {
		return false, tx.err
	}
	raw := b.Get([]byte(key))
	if raw == nil {
		return false, tx.err
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
		return tx.err
	}
	return b.Delete([]byte(key))
}

// ForEachJSON calls fn with each key and raw value of the bucket at path, in key order.
// Nested buckets are skipped.
func ForEachJSON(tx *Tx, path []string, fn func(key string, raw []byte) error) error {
	b := Bucket(tx, path...)
	if b == nil {
		return tx.err
	}
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := fn(string(k), v); err != nil {
			return err
		}
	}
	return tx.err
}
