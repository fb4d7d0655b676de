package progress

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPathReadable(t *testing.T) {
	s := NewStore("/state")
	name := filepath.Base(s.Path(labKey))
	if !strings.HasPrefix(name, "sandbox_000000000000_us-east-1_nextwork.") || !strings.HasSuffix(name, ".json") {
		t.Errorf("name %q does not show the key", name)
	}
	same := labKey // a copy, as a restarted kmslab would build it
	if NewStore("/state").Path(same) != s.Path(labKey) {
		t.Error("Path is not deterministic")
	}
}

// checkName asserts what must hold for any key: one plain, visible file name of
// our shape, of bounded length, directly in the store's directory.
func checkName(t *testing.T, s *Store, k Key) {
	t.Helper()
	p := s.Path(k)
	name := filepath.Base(p)
	if filepath.Dir(p) != filepath.Clean(s.dir) {
		t.Fatalf("Path(%q) = %q is outside %q", k, p, s.dir)
	}
	if strings.ContainsAny(name, `/\:`) || strings.HasPrefix(name, ".") || name == ".." {
		t.Fatalf("Path(%q) has an unsafe name %q", k, name)
	}
	if !fileNameRE.MatchString(name) {
		t.Fatalf("Path(%q) = %q does not match the name pattern", k, name)
	}
	if len(name) > 200 || !utf8.ValidString(name) {
		t.Fatalf("Path(%q) name is %d bytes", k, len(name))
	}
}

func TestPathSanitising(t *testing.T) {
	dir := t.TempDir()
	s := NewStore(dir)
	keys := []Key{
		{Target: "..", Account: "..", Region: "..", Prefix: ".."},
		{Target: "../../etc", Account: "passwd", Region: "/", Prefix: "x"},
		{Target: `..\..\windows`, Account: "C:", Region: "us-east-1", Prefix: "a\x00b"},
		{Target: "sandbox", Prefix: "ünïcödé-前缀-🔑"},
		{Target: ".hidden", Prefix: ".."},
		{},
		{Target: "aws", Prefix: strings.Repeat("long", 500)},
		{Target: "aws", Prefix: strings.Repeat("é", 500)},
		{Target: "aws", Prefix: "CON"}, // a reserved name on Windows, harmless with the suffix
	}
	seen := map[string]Key{}
	for _, k := range keys {
		checkName(t, s, k)
		p := s.Path(k)
		if prev, dup := seen[p]; dup {
			t.Fatalf("%q and %q share %s", prev, k, p)
		}
		seen[p] = k
		// Saving and loading really puts the file there and nowhere else.
		if err := s.Save(&File{Key: k}); err != nil {
			t.Fatalf("Save(%q): %v", k, err)
		}
		if f, err := s.Load(k); err != nil || f.Key != k {
			t.Fatalf("Load(%q) = %+v, %v", k, f, err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(keys) {
		t.Fatalf("dir holds %d entries, want %d", len(entries), len(keys))
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			t.Errorf("%s is not a regular file", e.Name())
		}
	}
	bad := Key{Target: "sandbox", Prefix: "\xff\xfe bad utf-8"}
	checkName(t, s, bad)
	if err := s.Save(&File{Key: bad}); err == nil {
		t.Error("Save accepted a key that JSON cannot keep as it is")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "etc")); err == nil {
		t.Error("something was written beside the store")
	}
}

func TestPathsDistinct(t *testing.T) {
	s := NewStore(t.TempDir())
	// Pairs that sanitise to the same text, or join to the same string.
	pairs := [][2]Key{
		{{Prefix: "a/b"}, {Prefix: "a_b"}},
		{{Prefix: "Lab"}, {Prefix: "lab"}},
		{{Prefix: "é"}, {Prefix: "ü"}},
		{{Target: "a_b", Account: "c"}, {Target: "a", Account: "b_c"}},
		{{Target: "ab", Account: ""}, {Target: "a", Account: "b"}},
		{{Prefix: strings.Repeat("x", partMax) + "1"}, {Prefix: strings.Repeat("x", partMax) + "2"}},
		{{Prefix: ""}, {Prefix: "-"}},
	}
	for _, p := range pairs {
		if s.Path(p[0]) == s.Path(p[1]) {
			t.Errorf("%q and %q share %s", p[0], p[1], s.Path(p[0]))
		}
	}
}

func FuzzPath(f *testing.F) {
	f.Add("sandbox", "000000000000", "us-east-1", "nextwork")
	f.Add("..", "/", `\`, "\x00")
	f.Add(".x", "é", "", strings.Repeat("z", 60))
	s := NewStore("/state/kmslab/progress")
	f.Fuzz(func(t *testing.T, target, account, region, prefix string) {
		k := Key{target, account, region, prefix}
		checkName(t, s, k)
		// A change to any one part changes the name.
		k2 := k
		k2.Prefix += "x"
		if s.Path(k) == s.Path(k2) {
			t.Fatalf("%q and %q share a file", k, k2)
		}
	})
}
