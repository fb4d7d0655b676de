package progress

import (
	"errors"
	"os"
	"testing"
)

// FuzzLoad: whatever bytes are on disk, Load never panics and ends in one of
// three states: good progress for the key, fresh progress with the bytes moved
// aside intact, or a newer-version error with the bytes untouched.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"version": 1, "key": {"target": "sandbox", "account": "000000000000", "region": "us-east-1", "prefix": "nextwork"}, "steps": {"a": {"status": "done"}}}`))
	f.Add([]byte(`{"version": 2}`))
	f.Add([]byte(`{"version": 1, "steps": {"a": null}}`))
	f.Add([]byte("not json"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := NewStore(t.TempDir())
		if err := os.WriteFile(s.Path(labKey), data, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := s.Load(labKey)
		var ce *CorruptError
		var ne *NewerVersionError
		switch {
		case err == nil:
			if got.Key != labKey || got.Version != Version || got.Steps == nil || got.Notes == nil {
				t.Fatalf("loaded %+v", got)
			}
			for id, st := range got.Steps {
				if st == nil {
					t.Fatalf("step %q is nil", id)
				}
			}
		case errors.As(err, &ce):
			if got == nil || got.Key != labKey || len(got.Steps) != 0 {
				t.Fatalf("fresh progress expected, got %+v", got)
			}
			kept, rerr := os.ReadFile(ce.MovedTo)
			if rerr != nil || string(kept) != string(data) {
				t.Fatalf("moved copy differs: %v", rerr)
			}
		case errors.As(err, &ne):
			if got != nil {
				t.Fatal("progress returned with a newer-version error")
			}
			kept, rerr := os.ReadFile(s.Path(labKey))
			if rerr != nil || string(kept) != string(data) {
				t.Fatalf("newer file changed: %v", rerr)
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}
