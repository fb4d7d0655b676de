package store

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// memStore opens a store on an in-memory file system.
func memStore(t testing.TB) *Store {
	t.Helper()
	s, err := openFS(fmt.Sprintf("/mem/%p", t), vfs.NewMem())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func update(t testing.TB, s *Store, fn func(tx *Tx) error) {
	t.Helper()
	if err := s.Update(fn); err != nil {
		t.Fatal(err)
	}
}

type kv struct{ k, v string }

// dump lists a bucket's ForEach as strings; a child bucket shows as v "<bucket>".
func dump(t testing.TB, b *Node) []kv {
	t.Helper()
	var got []kv
	err := b.ForEach(func(k, v []byte) error {
		if v == nil {
			got = append(got, kv{string(k), "<bucket>"})
			return nil
		}
		got = append(got, kv{string(k), string(v)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Names that collide under a naive encoding: zero bytes, the terminator, the tags.
var trickyNames = []string{"a", "a\x00", "a\x00\x01", "a\x00\xff", "a\x01", "ab", "\x00", "\x00\x01", "b", "m", "v", "\xff", "a\x00\x01m"}

func TestNestedBucketsAreIsolated(t *testing.T) {
	s := memStore(t)
	update(t, s, func(tx *Tx) error {
		for _, p := range trickyNames {
			for _, c := range trickyNames {
				b, err := EnsureBucket(tx, p, c)
				if err != nil {
					return err
				}
				for _, k := range trickyNames {
					if err := b.Put([]byte(k), []byte(p+"|"+c+"|"+k)); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	_ = s.View(func(tx *Tx) error {
		for _, p := range trickyNames {
			var want []kv
			for _, c := range slices.Sorted(slices.Values(trickyNames)) {
				want = append(want, kv{c, "<bucket>"})
			}
			if got := dump(t, Bucket(tx, p)); !slices.Equal(got, want) {
				t.Errorf("bucket %q: %q", p, got)
			}
			for _, c := range trickyNames {
				want = want[:0]
				for _, k := range slices.Sorted(slices.Values(trickyNames)) {
					want = append(want, kv{k, p + "|" + c + "|" + k})
				}
				if got := dump(t, Bucket(tx, p, c)); !slices.Equal(got, want) {
					t.Errorf("bucket %q/%q: %q", p, c, got)
				}
			}
		}
		if Bucket(tx, "a", "a", "a") != nil || Bucket(tx, "zz") != nil {
			t.Error("a missing bucket was found")
		}
		return nil
	})
}

func TestForEachInterleavesChildrenLikeBbolt(t *testing.T) {
	s := memStore(t)
	update(t, s, func(tx *Tx) error {
		b, err := EnsureBucket(tx, "root")
		if err != nil {
			return err
		}
		for _, k := range []string{"b", "d", "empty"} {
			v := "v" + k
			if k == "empty" {
				v = ""
			}
			if err := b.Put([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
		for _, c := range []string{"a", "c", "e"} {
			if _, err := EnsureBucket(tx, "root", c, "grandchild"); err != nil {
				return err
			}
		}
		return nil
	})
	_ = s.View(func(tx *Tx) error {
		want := []kv{{"a", "<bucket>"}, {"b", "vb"}, {"c", "<bucket>"}, {"d", "vd"}, {"e", "<bucket>"}, {"empty", ""}}
		if got := dump(t, Bucket(tx, "root")); !slices.Equal(got, want) {
			t.Errorf("ForEach %q", got)
		}
		var keys []string
		if err := ForEachJSON(tx, []string{"root"}, func(k string, raw []byte) error {
			if raw == nil {
				t.Errorf("%s: nil value for a record", k)
			}
			keys = append(keys, k)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(keys, []string{"b", "d", "empty"}) {
			t.Errorf("ForEachJSON %q", keys)
		}
		var tops []string
		_ = tx.ForEachBucket(func(n []byte) error { tops = append(tops, string(n)); return nil })
		if !slices.Equal(tops, []string{"root"}) {
			t.Errorf("top-level buckets %q", tops)
		}
		return nil
	})
}

func TestCursorOrderOverArbitraryBytes(t *testing.T) {
	s := memStore(t)
	r := rand.New(rand.NewPCG(1, 2))
	keys := map[string]bool{}
	for len(keys) < 500 {
		k := make([]byte, 1+r.IntN(6))
		for i := range k {
			k[i] = []byte{0, 1, 0x7f, 0xfe, 0xff, 'v', 'w', 'b'}[r.IntN(8)]
		}
		keys[string(k)] = true
	}
	sorted := slices.Sorted(func(yield func(string) bool) {
		for k := range keys {
			if !yield(k) {
				return
			}
		}
	})
	update(t, s, func(tx *Tx) error {
		b, err := EnsureBucket(tx, "t")
		if err != nil {
			return err
		}
		if _, err := EnsureBucket(tx, "t", "child"); err != nil { // must not show in the cursor
			return err
		}
		if _, err := EnsureBucket(tx, "t\x00"); err != nil { // a sibling that extends the name
			return err
		}
		if err := PutJSON(tx, []string{"t\x00"}, "x", 1); err != nil {
			return err
		}
		for k := range keys {
			if err := b.Put([]byte(k), []byte("="+k)); err != nil {
				return err
			}
		}
		return nil
	})
	_ = s.View(func(tx *Tx) error {
		c := Bucket(tx, "t").Cursor()
		var got []string
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if string(v) != "="+string(k) {
				t.Fatalf("%q has value %q", k, v)
			}
			got = append(got, string(k))
		}
		if !slices.Equal(got, sorted) {
			t.Fatalf("cursor order differs: %d keys, want %d", len(got), len(sorted))
		}
		for range 300 {
			probe := make([]byte, r.IntN(5))
			for i := range probe {
				probe[i] = byte(r.IntN(256))
			}
			i, _ := slices.BinarySearch(sorted, string(probe))
			k, _ := c.Seek(probe)
			switch {
			case i == len(sorted) && k != nil:
				t.Fatalf("Seek(%q) = %q past the end", probe, k)
			case i < len(sorted) && string(k) != sorted[i]:
				t.Fatalf("Seek(%q) = %q, want %q", probe, k, sorted[i])
			}
			if i+1 < len(sorted) {
				if k, _ := c.Next(); string(k) != sorted[i+1] {
					t.Fatalf("Next after Seek(%q) = %q, want %q", probe, k, sorted[i+1])
				}
			}
		}
		return nil
	})
}

func TestDeleteBucketRemovesItsSubtreeOnly(t *testing.T) {
	s := memStore(t)
	update(t, s, func(tx *Tx) error {
		for _, p := range [][]string{{"r", "a"}, {"r", "a", "deep"}, {"r", "a\x00"}, {"r", "ab"}, {"r", "a\x00\x01"}} {
			if err := PutJSON(tx, p, "k", p); err != nil {
				return err
			}
		}
		return nil
	})
	update(t, s, func(tx *Tx) error { return DeleteBucket(tx, "r", "a") })
	_ = s.View(func(tx *Tx) error {
		if Bucket(tx, "r", "a") != nil || Bucket(tx, "r", "a", "deep") != nil {
			t.Error("deleted bucket or its child is still there")
		}
		for _, sib := range []string{"a\x00", "ab", "a\x00\x01"} {
			var got []string
			if ok, err := GetJSON(tx, []string{"r", sib}, "k", &got); !ok || err != nil {
				t.Errorf("sibling %q lost: %v", sib, err)
			}
		}
		return nil
	})
	// Deleted and recreated in one transaction: the new bucket starts empty and keeps its writes.
	update(t, s, func(tx *Tx) error {
		if err := DeleteBucket(tx, "r", "ab"); err != nil {
			return err
		}
		b, err := EnsureBucket(tx, "r", "ab")
		if err != nil {
			return err
		}
		if b.Get([]byte("k")) != nil {
			return errors.New("recreated bucket kept an old record")
		}
		return b.Put([]byte("new"), []byte("1"))
	})
	_ = s.View(func(tx *Tx) error {
		if got := dump(t, Bucket(tx, "r", "ab")); !slices.Equal(got, []kv{{"new", "1"}}) {
			t.Errorf("recreated bucket: %q", got)
		}
		return nil
	})
	if err := s.Update(func(tx *Tx) error { return tx.DeleteBucket([]byte("nope")) }); !errors.Is(err, ErrBucketNotFound) {
		t.Errorf("deleting a missing bucket: %v", err)
	}
}

func TestReadOnlyTxRefusesWrites(t *testing.T) {
	s := memStore(t)
	update(t, s, func(tx *Tx) error { return PutJSON(tx, []string{"b"}, "k", 1) })
	_ = s.View(func(tx *Tx) error {
		if err := Bucket(tx, "b").Put([]byte("x"), nil); !errors.Is(err, ErrTxNotWritable) {
			t.Errorf("Put in a View: %v", err)
		}
		if _, err := EnsureBucket(tx, "c"); !errors.Is(err, ErrTxNotWritable) {
			t.Errorf("EnsureBucket in a View: %v", err)
		}
		return nil
	})
}

func TestBucketAndRecordCannotShareAName(t *testing.T) {
	s := memStore(t)
	err := s.Update(func(tx *Tx) error {
		b, err := EnsureBucket(tx, "b")
		if err != nil {
			return err
		}
		if err := b.Put([]byte("x"), []byte("1")); err != nil {
			return err
		}
		_, err = b.CreateBucketIfNotExists([]byte("x"))
		return err
	})
	if !errors.Is(err, ErrIncompatibleValue) {
		t.Fatalf("want ErrIncompatibleValue, got %v", err)
	}
}

func TestValuesOutliveLaterReads(t *testing.T) {
	s := memStore(t)
	update(t, s, func(tx *Tx) error {
		b, err := EnsureBucket(tx, "b")
		if err != nil {
			return err
		}
		for i := range 2000 {
			if err := b.Put(fmt.Appendf(nil, "%05d", i), bytes.Repeat([]byte{byte(i)}, i%3000)); err != nil {
				return err
			}
		}
		return nil
	})
	check := func(tx *Tx) error {
		b := Bucket(tx, "b")
		var keys, vals [][]byte
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			keys, vals = append(keys, k), append(vals, v)
			_ = b.Get([]byte("00007"))
		}
		for i := range keys {
			if string(keys[i]) != fmt.Sprintf("%05d", i) || !bytes.Equal(vals[i], bytes.Repeat([]byte{byte(i)}, i%3000)) {
				return fmt.Errorf("record %d changed under the caller", i)
			}
		}
		return nil
	}
	if err := s.View(check); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(check); err != nil {
		t.Fatal(err)
	}
}

// One committer runs every update against the writes of those before it, so a
// read-modify-write from many goroutines never loses an increment.
func TestConcurrentReadModifyWriteLosesNothing(t *testing.T) {
	s := memStore(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				err := s.Update(func(tx *Tx) error {
					var n int
					if _, err := GetJSON(tx, []string{"c"}, "n", &n); err != nil {
						return err
					}
					return PutJSON(tx, []string{"c"}, "n", n+1)
				})
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	var n int
	_ = s.View(func(tx *Tx) error { _, err := GetJSON(tx, []string{"c"}, "n", &n); return err })
	if n != 400 {
		t.Fatalf("counter %d, want 400", n)
	}
}

func TestFailedUpdateLeavesNoBucket(t *testing.T) {
	s := memStore(t)
	err := s.Update(func(tx *Tx) error {
		if _, err := EnsureBucket(tx, "ghost", "child"); err != nil {
			return err
		}
		return errors.New("changed my mind")
	})
	if err == nil {
		t.Fatal("want the update's error")
	}
	_ = s.View(func(tx *Tx) error {
		if Bucket(tx, "ghost") != nil {
			t.Error("a failed update left a bucket")
		}
		return nil
	})
}

func TestBucketsSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	update(t, s, func(tx *Tx) error {
		for _, n := range trickyNames {
			if err := PutJSON(tx, []string{"r", n}, n, n); err != nil {
				return err
			}
		}
		return DeleteBucket(tx, "r", "ab")
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_ = s.View(func(tx *Tx) error {
		var names []string
		_ = Bucket(tx, "r").ForEachBucket(func(n []byte) error { names = append(names, string(n)); return nil })
		want := slices.DeleteFunc(slices.Sorted(slices.Values(trickyNames)), func(n string) bool { return n == "ab" })
		if !slices.Equal(names, want) {
			t.Errorf("after reopen: %q", names)
		}
		return nil
	})
}
