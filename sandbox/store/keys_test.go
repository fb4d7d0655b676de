package store

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// splitPath turns fuzz bytes into a bucket path: '/' separates names (so names hold any
// other byte, zeros included); empty names are dropped as the store refuses them.
func splitPath(raw []byte) []string {
	var path []string
	for _, p := range strings.Split(string(raw), "/") {
		if p != "" {
			path = append(path, p)
		}
	}
	return path
}

func recordKeyOf(path []string, k []byte) []byte {
	return append(append(pathPrefix(path), tagRecord), k...)
}

// FuzzKeyEncoding checks the encoding's promises on two (path, key) pairs: records are
// distinct keys, a bucket's range holds exactly its subtree, and names keep their order.
func FuzzKeyEncoding(f *testing.F) {
	f.Add([]byte("dynamodb/us-east-1/items/t1"), []byte("k"), []byte("dynamodb/us-east-1/items/t1\x00"), []byte("k"))
	f.Add([]byte("a"), []byte("\x00\x01m"), []byte("a\x00"), []byte("m"))
	f.Add([]byte("a/b"), []byte(""), []byte("a\x00\x01b"), []byte(""))
	f.Add([]byte("a\x00\xff"), []byte("v"), []byte("a\x00/\xff"), []byte("v"))
	f.Fuzz(func(t *testing.T, p1, k1, p2, k2 []byte) {
		a, b := splitPath(p1), splitPath(p2)
		ka, kb := recordKeyOf(a, k1), recordKeyOf(b, k2)
		same := slices.Equal(a, b) && bytes.Equal(k1, k2)
		if same != bytes.Equal(ka, kb) {
			t.Fatalf("%q/%q and %q/%q: same=%v but keys %q %q", a, k1, b, k2, same, ka, kb)
		}
		// b's subtree range [prefix, prefixEnd) holds a's record iff b is a prefix of a.
		if len(b) > 0 {
			pre := pathPrefix(b)
			in := bytes.Compare(ka, pre) >= 0 && bytes.Compare(ka, prefixEnd(pre)) < 0
			if in != (len(b) <= len(a) && slices.Equal(a[:len(b)], b)) {
				t.Fatalf("record %q/%q in range of %q: %v", a, k1, b, in)
			}
			if bytes.HasPrefix(ka, pre) != in {
				t.Fatalf("range and prefix disagree for %q under %q", a, b)
			}
		}
		// Direct records of a are [prefix+'v', prefix+'w'): only same-path records fall in.
		pa := pathPrefix(a)
		lo, hi := append(slices.Clone(pa), tagRecord), append(slices.Clone(pa), tagRecordEnd)
		if in := bytes.Compare(kb, lo) >= 0 && bytes.Compare(kb, hi) < 0; in != slices.Equal(a, b) {
			t.Fatalf("record of %q in the record range of %q: %v", b, a, in)
		}
		// Sibling names sort as the names do, and decode back.
		if len(a) == 1 && len(b) == 1 {
			ca, cb := appendChild(nil, []byte(a[0])), appendChild(nil, []byte(b[0]))
			if got, want := bytes.Compare(ca, cb), strings.Compare(a[0], b[0]); got != want {
				t.Fatalf("order of %q, %q: %d want %d", a[0], b[0], got, want)
			}
			name, n, ok := childName(append(ca, k1...))
			if !ok || string(name) != a[0] || n != len(ca) {
				t.Fatalf("childName(%q) = %q %d %v", ca, name, n, ok)
			}
		}
	})
}

// FuzzBuckets runs an operation script against the store and a map model, then compares
// every bucket's contents, children and cursor order.
func FuzzBuckets(f *testing.F) {
	f.Add([]byte{0, 1, 2, 0, 3, 1, 4, 2, 1, 5, 0, 0, 6, 1})
	f.Add([]byte("\x00\x05\x01\x03\x02\x07\x00\x04\x03\x00\x06\x02"))
	f.Fuzz(func(t *testing.T, script []byte) {
		if len(script) > 300 {
			return
		}
		s := memStore(t)
		m := newModel()
		names := []string{"a", "a\x00", "a\x00\x01", "b", "\x00", "v", "m"}
		keys := []string{"a", "a\x00", "\x00\x01", "v", "m", "b\x00\xff", "zz"}
		for i := 0; i+2 < len(script); i += 3 {
			op, x, y := script[i]%4, int(script[i+1]), int(script[i+2])
			path := pathOf(names, x)
			key := keys[y%len(keys)]
			update(t, s, func(tx *Tx) error {
				switch op {
				case 0:
					// A record and a bucket never share a name: the store refuses the bucket
					// (keeping the levels above it, as the update still succeeds).
					if _, err := EnsureBucket(tx, path...); !errors.Is(err, ErrIncompatibleValue) {
						return err
					}
				case 1:
					// Put does not check for a bucket of that name (bbolt does); the script avoids it.
					if b := Bucket(tx, path...); b != nil && b.Bucket([]byte(key)) == nil {
						return b.Put([]byte(key), []byte(fmt.Sprint(x, y)))
					}
				case 2:
					if b := Bucket(tx, path...); b != nil {
						return b.Delete([]byte(key))
					}
				case 3:
					return DeleteBucket(tx, path...)
				}
				return nil
			})
			m.apply(op, path, key, fmt.Sprint(x, y))
		}
		_ = s.View(func(tx *Tx) error {
			for p, want := range m.buckets {
				path := splitPath([]byte(p))
				b := Bucket(tx, path...)
				if b == nil {
					t.Fatalf("bucket %q missing", path)
				}
				if got := dump(t, b); !slices.Equal(got, want.listing()) {
					t.Fatalf("bucket %q: %q want %q", path, got, want.listing())
				}
			}
			var tops []string
			_ = tx.ForEachBucket(func(n []byte) error { tops = append(tops, string(n)); return nil })
			if want := m.children(""); !slices.Equal(tops, want) {
				t.Fatalf("top level %q want %q", tops, want)
			}
			return nil
		})
	})
}

// pathOf picks a path of 1-3 names from x.
func pathOf(names []string, x int) []string {
	path := []string{names[x%len(names)]}
	if x/len(names)%3 >= 1 {
		path = append(path, names[x/7%len(names)])
	}
	if x/len(names)%3 == 2 {
		path = append(path, names[x/13%len(names)])
	}
	return path
}

type modelBucket struct {
	records  map[string]string
	children map[string]bool
}

func (b *modelBucket) listing() []kv {
	var out []kv
	for k, v := range b.records {
		out = append(out, kv{k, v})
	}
	for c := range b.children {
		out = append(out, kv{c, "<bucket>"})
	}
	slices.SortFunc(out, func(x, y kv) int { return strings.Compare(x.k, y.k) })
	return out
}

type model struct{ buckets map[string]*modelBucket }

func newModel() *model { return &model{buckets: map[string]*modelBucket{}} }

func join(path []string) string { return strings.Join(path, "/") }

func (m *model) children(parent string) []string {
	var out []string
	for p := range m.buckets {
		if path := splitPath([]byte(p)); join(path[:len(path)-1]) == parent {
			out = append(out, path[len(path)-1])
		}
	}
	slices.Sort(out)
	return out
}

func (m *model) apply(op byte, path []string, key, val string) {
	b := m.buckets[join(path)]
	switch op {
	case 0:
		for i := range path {
			p := join(path[:i+1])
			if m.buckets[p] != nil {
				continue
			}
			if i > 0 {
				parent := m.buckets[join(path[:i])]
				if _, rec := parent.records[path[i]]; rec {
					return // the store refuses a bucket where a record is
				}
				parent.children[path[i]] = true
			}
			m.buckets[p] = &modelBucket{records: map[string]string{}, children: map[string]bool{}}
		}
	case 1:
		if b != nil && !b.children[key] {
			b.records[key] = val
		}
	case 2:
		if b != nil {
			delete(b.records, key)
		}
	case 3:
		if b == nil {
			return
		}
		for p := range m.buckets {
			if q := splitPath([]byte(p)); len(q) >= len(path) && slices.Equal(q[:len(path)], path) {
				delete(m.buckets, p)
			}
		}
		if len(path) > 1 {
			delete(m.buckets[join(path[:len(path)-1])].children, path[len(path)-1])
		}
	}
}
