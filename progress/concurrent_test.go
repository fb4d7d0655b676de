package progress

import (
	"errors"
	"os"
	"strconv"
	"sync"
	"testing"
)

// Several writers (two Stores stand for two processes, so the mutex does not
// serialise them) and readers share one key. Every read must see a whole file,
// and the survivor must be one writer's complete save.
func TestConcurrentSaves(t *testing.T) {
	dir := t.TempDir()
	stores := []*Store{NewStore(dir), NewStore(dir)}
	const writers, saves, readers, reads = 6, 15, 2, 40

	var wg sync.WaitGroup
	errs := make(chan error, writers*saves+readers*reads)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[w%len(stores)]
			for i := range saves {
				f := &File{Key: labKey, Steps: map[string]*Step{}, Notes: map[string]string{}}
				// Each save is internally consistent: every step and note carries the same tag.
				tag := strconv.Itoa(w) + "-" + strconv.Itoa(i)
				for j := range 20 {
					f.Steps["step"+strconv.Itoa(j)] = &Step{Status: "done", Detail: tag}
					f.Notes["note"+strconv.Itoa(j)] = tag
				}
				if err := s.Save(f); err != nil {
					errs <- err
				}
			}
		}()
	}
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[r%len(stores)]
			for range reads {
				f, err := s.Load(labKey)
				if err != nil {
					errs <- err // a CorruptError here means a reader saw half a file
					continue
				}
				if err := consistent(f); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	f, err := NewStore(dir).Load(labKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Steps) != 20 {
		t.Fatalf("survivor has %d steps", len(f.Steps))
	}
	if err := consistent(f); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		names := []string{}
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("directory holds %v; want only the progress file (no temp files, nothing moved aside)", names)
	}
}

// consistent checks that f comes from a single save: fresh (nothing yet) or all
// tags equal.
func consistent(f *File) error {
	if len(f.Steps) == 0 {
		return nil
	}
	tag := f.Steps["step0"]
	if tag == nil {
		return errors.New("step0 missing")
	}
	for id, st := range f.Steps {
		if st.Detail != tag.Detail || f.Notes["note"+id[len("step"):]] != tag.Detail {
			return errors.New("mixed saves in one file")
		}
	}
	return nil
}
