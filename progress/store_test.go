package progress

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

var labKey = Key{Target: "sandbox", Account: "000000000000", Region: "us-east-1", Prefix: "nextwork"}

// fixedClock makes timestamps predictable; each call moves on a second.
func fixedClock(s *Store) {
	t := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	s.now = func() time.Time { t = t.Add(time.Second); return t }
}

func newTestStore(t *testing.T) *Store {
	t.Helper()
	s := NewStore(filepath.Join(t.TempDir(), "state", "kmslab", "progress"))
	fixedClock(s)
	return s
}

// sampleFile is progress as steps would record it: ARNs, a key UUID, a user id,
// a sha, a denial message and a multi-line policy.
func sampleFile(s *Store, t *testing.T) *File {
	t.Helper()
	f, err := s.Load(labKey)
	if err != nil {
		t.Fatal(err)
	}
	keyARN := "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	f.Steps["create-key"] = &Step{
		Status:      "done",
		Evidence:    map[string]string{"keyArn": keyARN, "alias": "alias/nextwork-kms-key"},
		CheckedAt:   time.Date(2026, 3, 4, 5, 7, 0, 0, time.UTC),
		CompletedAt: time.Date(2026, 3, 4, 5, 6, 30, 0, time.UTC),
		Runs:        2,
	}
	f.Steps["deny-test-user"] = &Step{
		Status: "done",
		Cause:  "DENIED_AS_EXPECTED",
		Detail: "the test user could not read the table",
		Evidence: map[string]string{
			"errorCode": "AccessDeniedException",
			"message":   "User: arn:aws:iam::000000000000:user/nextwork-kms-user is not authorized to perform: kms:Decrypt on resource: " + keyARN + " because no resource-based policy allows the kms:Decrypt action",
			"userId":    "AIDA" + strings.Repeat("Q", 17),
			"itemsSha":  strings.Repeat("0123456789abcdef", 4),
		},
	}
	f.Steps["grant-access"] = &Step{Status: "propagating"}
	f.Notes["policyBefore"] = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Sid\": \"Enable IAM User Permissions\", \"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"arn:aws:iam::000000000000:root\"}, \"Action\": \"kms:*\", \"Resource\": \"*\"}\n  ]\n}"
	f.Notes["<html> & ünïcode"] = "a < b && c > d"
	return f
}

func TestLoadMissingIsFresh(t *testing.T) {
	s := newTestStore(t)
	f, err := s.Load(labKey)
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != Version || f.Key != labKey || f.CreatedAt.IsZero() || f.Steps == nil || f.Notes == nil || len(f.Steps) != 0 {
		t.Fatalf("fresh file = %+v", f)
	}
	if _, err := os.Stat(s.dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load created the directory: %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	s := newTestStore(t)
	f := sampleFile(s, t)
	created := f.CreatedAt
	if err := s.Save(f); err != nil {
		t.Fatal(err)
	}
	if f.UpdatedAt.IsZero() || !f.UpdatedAt.After(created) {
		t.Fatalf("Save did not set UpdatedAt after CreatedAt: created %v updated %v", created, f.UpdatedAt)
	}
	if !f.CreatedAt.Equal(created) {
		t.Fatalf("Save changed CreatedAt: %v → %v", created, f.CreatedAt)
	}
	got, err := NewStore(s.dir).Load(labKey) // a new process
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, f) {
		a, _ := json.Marshal(f)
		b, _ := json.Marshal(got)
		t.Fatalf("round trip differs:\nsaved  %s\nloaded %s", a, b)
	}

	// A second save keeps CreatedAt and moves UpdatedAt on.
	first := got.UpdatedAt
	got.Steps["grant-access"].Status = "done"
	if err := s.Save(got); err != nil {
		t.Fatal(err)
	}
	again, err := s.Load(labKey)
	if err != nil {
		t.Fatal(err)
	}
	if !again.CreatedAt.Equal(created) || !again.UpdatedAt.After(first) || again.Steps["grant-access"].Status != "done" {
		t.Fatalf("second save: created %v updated %v (first %v) status %q", again.CreatedAt, again.UpdatedAt, first, again.Steps["grant-access"].Status)
	}
}

func TestFileIsReadable(t *testing.T) {
	s := newTestStore(t)
	f := sampleFile(s, t)
	if err := s.Save(f); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(s.Path(labKey))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if !strings.HasSuffix(text, "}\n") {
		t.Errorf("file does not end with a newline: %q", text[max(0, len(text)-10):])
	}
	if !strings.Contains(text, "\n  \"key\": {\n    \"target\": \"sandbox\"") {
		t.Errorf("file is not indented:\n%s", text)
	}
	if !strings.Contains(text, "a < b && c > d") {
		t.Errorf("HTML characters were escaped:\n%s", text)
	}
	if strings.Contains(text, "checkedAt\": \"0001") {
		t.Errorf("zero times are written:\n%s", text)
	}
}

func TestPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	s := newTestStore(t)
	if err := s.Save(sampleFile(s, t)); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{s.dir: 0o700, s.Path(labKey): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode %o, want %o", path, got, want)
		}
	}

	// Rewriting a file someone loosened makes it private again.
	if err := os.Chmod(s.Path(labKey), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(sampleFile(s, t)); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(s.Path(labKey)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("after rewrite: %v %v", fi.Mode(), err)
	}
	entries, _ := os.ReadDir(s.dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want just the file (no temp files)", len(entries))
	}
}

func TestCorruptMovedAside(t *testing.T) {
	other := labKey
	other.Prefix = "someone-else"
	otherFile, _ := json.Marshal(File{Version: Version, Key: other, Steps: map[string]*Step{}})
	cases := map[string]string{
		"bad JSON":       `{"version": 1, "key": {`,
		"empty":          ``,
		"not an object":  `[1, 2, 3]`,
		"no version":     `{"key": {"target": "sandbox"}}`,
		"version zero":   `{"version": 0}`,
		"version string": `{"version": "1"}`,
		"wrong types":    `{"version": 1, "key": {"target": "sandbox", "account": "000000000000", "region": "us-east-1", "prefix": "nextwork"}, "steps": {"a": {"runs": "many"}}}`,
		"trailing junk":  `{"version": 1, "key": {"target": "sandbox", "account": "000000000000", "region": "us-east-1", "prefix": "nextwork"}} {}`,
		"key mismatch":   string(otherFile),
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			s := newTestStore(t)
			if err := os.MkdirAll(s.dir, 0o700); err != nil {
				t.Fatal(err)
			}
			path := s.Path(labKey)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := s.Load(labKey)
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *CorruptError", err)
			}
			if f == nil || f.Key != labKey || f.Version != Version || len(f.Steps) != 0 || f.Steps == nil {
				t.Fatalf("want fresh progress with the error, got %+v", f)
			}
			if ce.Path != path || !strings.HasPrefix(ce.MovedTo, path+".corrupt-") {
				t.Fatalf("Path %q MovedTo %q", ce.Path, ce.MovedTo)
			}
			msg := err.Error()
			for _, want := range []string{"progress file " + path + " was damaged (", "; it was moved to " + ce.MovedTo + " and progress starts afresh"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q lacks %q", msg, want)
				}
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("damaged file still in place: %v", err)
			}
			kept, err := os.ReadFile(ce.MovedTo)
			if err != nil || string(kept) != content {
				t.Errorf("moved copy = %q, %v; want the original bytes", kept, err)
			}
			// Saving now writes a good file and leaves the damaged copy alone.
			if err := s.Save(f); err != nil {
				t.Fatal(err)
			}
			if g, err := s.Load(labKey); err != nil || g.Key != labKey {
				t.Fatalf("after save: %+v, %v", g, err)
			}
			if _, err := os.Stat(ce.MovedTo); err != nil {
				t.Errorf("damaged copy gone after save: %v", err)
			}
		})
	}
}

func TestCorruptTwiceKeepsBoth(t *testing.T) {
	s := newTestStore(t)
	s.now = func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) } // same instant both times
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	var moved []string
	for _, content := range []string{"first", "second"} {
		if err := os.WriteFile(s.Path(labKey), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := s.Load(labKey)
		var ce *CorruptError
		if !errors.As(err, &ce) {
			t.Fatalf("err = %v", err)
		}
		moved = append(moved, ce.MovedTo)
	}
	if moved[0] == moved[1] {
		t.Fatalf("both moved to %s", moved[0])
	}
	for i, want := range []string{"first", "second"} {
		if b, err := os.ReadFile(moved[i]); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", moved[i], b, err, want)
		}
	}
}

func TestNewerVersionLeftAlone(t *testing.T) {
	s := newTestStore(t)
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := s.Path(labKey)
	// A future format may change any field; only the version must be readable.
	content := `{"version": 7, "key": "sandbox/000000000000/us-east-1/nextwork", "steps": []}` + "\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := s.Load(labKey)
	var ne *NewerVersionError
	if !errors.As(err, &ne) {
		t.Fatalf("err = %v, want *NewerVersionError", err)
	}
	var ce *CorruptError
	if errors.As(err, &ce) {
		t.Fatal("a newer file was called damaged")
	}
	if f != nil {
		t.Errorf("Load returned progress %+v with the error; a caller could save it over the newer file", f)
	}
	if ne.Version != 7 || ne.Path != path || !strings.Contains(err.Error(), "newer kmslab") {
		t.Errorf("error = %v (%+v)", err, ne)
	}

	// Save of fresh progress must not overwrite it either.
	fresh := &File{Key: labKey}
	if err := s.Save(fresh); !errors.As(err, &ne) {
		t.Errorf("Save over a newer file: err = %v", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != content {
		t.Errorf("newer file changed: %q, %v", b, err)
	}
	entries, _ := os.ReadDir(s.dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the untouched file", len(entries))
	}
}

func TestSaveFillsDefaultsAndRejectsBadVersion(t *testing.T) {
	s := newTestStore(t)
	f := &File{Key: labKey, Steps: map[string]*Step{"x": nil, "y": {Status: "done"}}}
	if err := s.Save(f); err != nil {
		t.Fatal(err)
	}
	if f.Version != Version || f.CreatedAt.IsZero() || f.UpdatedAt.IsZero() {
		t.Errorf("defaults not filled: %+v", f)
	}
	g, err := s.Load(labKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := g.Steps["x"]; ok || g.Steps["y"] == nil {
		t.Errorf("steps = %v; want the nil step dropped and y kept", g.Steps)
	}

	bad := &File{Version: Version + 1, Key: labKey}
	if err := s.Save(bad); err == nil {
		t.Error("Save accepted a version it does not write")
	}
}

func TestNullStepOnDiskDropped(t *testing.T) {
	s := newTestStore(t)
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	content := `{"version": 1, "key": {"target": "sandbox", "account": "000000000000", "region": "us-east-1", "prefix": "nextwork"}, "steps": {"a": null, "b": {"status": "done"}}}`
	if err := os.WriteFile(s.Path(labKey), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := s.Load(labKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Steps) != 1 || f.Steps["b"].Status != "done" || f.Notes == nil {
		t.Errorf("loaded %+v", f)
	}
}

func TestTooBigIsDamaged(t *testing.T) {
	s := newTestStore(t)
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, maxFileSize+1)
	for i := range big {
		big[i] = ' '
	}
	if err := os.WriteFile(s.Path(labKey), big, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load(labKey)
	var ce *CorruptError
	if !errors.As(err, &ce) || !errors.Is(err, errTooBig) {
		t.Fatalf("err = %v", err)
	}
	f := &File{Key: labKey, Notes: map[string]string{"huge": strings.Repeat("a b ", maxFileSize/4)}}
	if err := s.Save(f); err == nil {
		t.Error("Save wrote a file Load would call damaged")
	}
}

func TestRemove(t *testing.T) {
	s := newTestStore(t)
	if err := s.Remove(labKey); err != nil {
		t.Fatalf("Remove of nothing: %v", err)
	}
	if err := s.Save(sampleFile(s, t)); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(labKey); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.Path(labKey)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("file still there: %v", err)
	}
	if err := s.Remove(labKey); err != nil {
		t.Fatalf("second Remove: %v", err)
	}
}

func TestListAndRemoveAll(t *testing.T) {
	s := newTestStore(t)
	if keys, err := s.List(); err != nil || len(keys) != 0 {
		t.Fatalf("List of a missing directory = %v, %v", keys, err)
	}
	if err := s.RemoveAll(); err != nil {
		t.Fatalf("RemoveAll of a missing directory: %v", err)
	}
	keys := []Key{
		labKey,
		{Target: "aws", Account: "123456789012", Region: "eu-west-2", Prefix: "nextwork"},
		{Target: "localstack", Account: "000000000000", Region: "us-east-1", Prefix: "Class/../A"},
		{Target: "aws", Account: "123456789012", Region: "eu-west-2", Prefix: "nextwork2"},
	}
	for _, k := range keys {
		if err := s.Save(&File{Key: k}); err != nil {
			t.Fatal(err)
		}
	}

	// Files that are not ours, including ones that look a bit like ours.
	other := map[string]string{
		"README.txt":                      "hello",
		"settings.json":                   `{"version": 1}`,
		"x.0123456789abcdef.json":         `{"note": "a student's own file in our naming style, but no key inside"}`,
		"aws_1_2_3.fedcba9876543210.json": `{"version": 1, "key": {"target": "aws", "account": "1", "region": "2", "prefix": "3"}}`, // key does not hash to this name
	}
	for name, content := range other {
		if err := os.WriteFile(filepath.Join(s.dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(s.dir, "sub.0123456789abcdef.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	// A damaged copy moved aside by Load.
	damagedKey := Key{Target: "sandbox", Prefix: "damaged"}
	if err := os.WriteFile(s.Path(damagedKey), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load(damagedKey)
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}

	got, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	want := []Key{keys[1], keys[3], keys[2], keys[0]} // sorted by target, account, region, prefix
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("List = %v\nwant   %v", got, want)
	}

	if err := s.RemoveAll(); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if _, err := os.Stat(s.Path(k)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%v still saved: %v", k, err)
		}
	}
	for name, content := range other {
		if b, err := os.ReadFile(filepath.Join(s.dir, name)); err != nil || string(b) != content {
			t.Errorf("RemoveAll touched %s: %q, %v", name, b, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(s.dir, "sub.0123456789abcdef.json")); err != nil || !fi.IsDir() {
		t.Errorf("RemoveAll touched a directory: %v", err)
	}
	if _, err := os.Stat(ce.MovedTo); err != nil {
		t.Errorf("RemoveAll deleted a damaged copy: %v", err)
	}
	if got, err := s.List(); err != nil || len(got) != 0 {
		t.Errorf("List after RemoveAll = %v, %v", got, err)
	}
}

func TestDefaultDir(t *testing.T) {
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	root := t.TempDir() // an absolute path on every OS
	cases := []struct {
		env     map[string]string
		want    string
		wantErr bool
	}{
		{map[string]string{"XDG_STATE_HOME": filepath.Join(root, "st"), "HOME": filepath.Join(root, "h")}, filepath.Join(root, "st", "kmslab", "progress"), false},
		{map[string]string{"HOME": filepath.Join(root, "h")}, filepath.Join(root, "h", ".local", "state", "kmslab", "progress"), false},
		{map[string]string{"XDG_STATE_HOME": "relative/state", "HOME": filepath.Join(root, "h")}, filepath.Join(root, "h", ".local", "state", "kmslab", "progress"), false},
		{map[string]string{"HOME": "relative"}, "", true},
		{map[string]string{}, "", true},
	}
	for _, c := range cases {
		got, err := DefaultDir(env(c.env))
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("DefaultDir(%v) = %q, %v; want %q (error %v)", c.env, got, err, c.want, c.wantErr)
		}
	}
}
