package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

type rec struct{ N int }

func TestPutGetDeleteAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { return PutJSON(tx, []string{"svc", "us-east-1"}, "k", rec{7}) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkModes(t, filepath.Join(dir, DirName))
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var got rec
	err = s.View(func(tx *Tx) error {
		ok, err := GetJSON(tx, []string{"svc", "us-east-1"}, "k", &got)
		if !ok {
			return errors.New("missing after reopen")
		}
		return err
	})
	if err != nil || got.N != 7 {
		t.Fatalf("got %+v %v", got, err)
	}
	_ = s.Update(func(tx *Tx) error { return Delete(tx, []string{"svc", "us-east-1"}, "k") })
	_ = s.View(func(tx *Tx) error {
		if ok, _ := GetJSON(tx, []string{"svc", "us-east-1"}, "k", &got); ok {
			t.Fatal("deleted key still there")
		}
		if ok, _ := GetJSON(tx, []string{"nope"}, "k", &got); ok {
			t.Fatal("missing bucket found")
		}
		return nil
	})
}

func TestSecondOpenIsLocked(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Open(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("want ErrLocked, got %v", err)
	}
}

// checkModes wants the state directory 0700 and every file in it 0600.
func checkModes(t *testing.T, state string) {
	t.Helper()
	fi, err := os.Stat(state)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("state directory mode %v %v", fi.Mode(), err)
	}
	entries, err := os.ReadDir(state)
	if err != nil || len(entries) == 0 {
		t.Fatalf("state directory: %v %v", entries, err)
	}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v %v", e.Name(), fi.Mode(), err)
		}
	}
}

func TestConcurrentUpdatesAllLand(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				if err := s.Update(func(tx *Tx) error { return PutJSON(tx, []string{"b"}, fmt.Sprint(w, "-", i), rec{i}) }); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	n := 0
	_ = s.View(func(tx *Tx) error {
		return ForEachJSON(tx, []string{"b"}, func(string, []byte) error { n++; return nil })
	})
	if n != 400 {
		t.Fatalf("%d records, want 400", n)
	}
}

func BenchmarkUpdateParallel(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.SetParallelism(2) // 4 writers on 2 cores, as in the throughput benchmark
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			_ = s.Update(func(tx *Tx) error { return PutJSON(tx, []string{"b"}, fmt.Sprint(i), rec{i}) })
		}
	})
}

func TestFailingUpdateDoesNotSinkItsGroup(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Update(func(tx *Tx) error {
				if err := PutJSON(tx, []string{"b"}, fmt.Sprint(i), rec{i}); err != nil {
					return err
				}
				switch i % 10 {
				case 3:
					return fmt.Errorf("refused %d", i)
				case 7:
					panic("bug in an update")
				}
				return nil
			})
		}()
	}
	wg.Wait()
	n := 0
	_ = s.View(func(tx *Tx) error {
		return ForEachJSON(tx, []string{"b"}, func(string, []byte) error { n++; return nil })
	})
	for i, err := range errs {
		if fails := i%10 == 3 || i%10 == 7; fails != (err != nil) {
			t.Errorf("update %d: err %v", i, err)
		}
	}
	if n != 160 {
		t.Fatalf("%d records landed, want 160 (failed updates must leave nothing)", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCloseTwice(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestUseAfterCloseIsAnError(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.View(func(*Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("View after Close: %v", err)
	}
	if err := s.Update(func(*Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Update after Close: %v", err)
	}
}
