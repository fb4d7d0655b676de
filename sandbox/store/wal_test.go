package store

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// syncCountFS counts real fsyncs of WAL files and records what was written to them.
type syncCountFS struct {
	vfs.FS
	mu      sync.Mutex
	syncs   int
	written int
}

type syncCountFile struct {
	vfs.File
	fs *syncCountFS
}

func (fs *syncCountFS) Create(name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.Create(name, c)
	if err != nil || !isWAL(name) {
		return f, err
	}
	return &syncCountFile{f, fs}, nil
}

func (fs *syncCountFS) ReuseForWrite(old, name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.ReuseForWrite(old, name, c)
	if err != nil || !isWAL(name) {
		return f, err
	}
	return &syncCountFile{f, fs}, nil
}

func (f *syncCountFile) Write(p []byte) (int, error) {
	f.fs.mu.Lock()
	f.fs.written += len(p)
	f.fs.mu.Unlock()
	return f.File.Write(p)
}

func (f *syncCountFile) Sync() error { return f.SyncData() }

func (f *syncCountFile) SyncData() error {
	f.fs.mu.Lock()
	f.fs.syncs++
	f.fs.mu.Unlock()
	return f.File.SyncData()
}

func (fs *syncCountFS) counts() (syncs, written int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.syncs, fs.written
}

// An update returns once its record is written, without an fsync of its own; the
// background loop fsyncs soon after, and Close fsyncs what is left.
func TestWALIsWrittenBeforeUpdateReturnsAndSyncedInTheBackground(t *testing.T) {
	base := &syncCountFS{FS: vfs.NewMem()}
	s, err := openFS("/mem/wal", base)
	if err != nil {
		t.Fatal(err)
	}
	syncs0, written0 := base.counts()
	const n = 50
	for i := range n {
		if err := s.Update(func(tx *Tx) error { return PutJSON(tx, []string{"b"}, fmt.Sprint(i), rec{i}) }); err != nil {
			t.Fatal(err)
		}
		// The record must be in the file (the kernel, on a real disk) when Update returns.
		if _, w := base.counts(); w <= written0 {
			t.Fatalf("update %d returned before its WAL record was written", i)
		}
		_, written0 = base.counts()
	}
	syncs1, _ := base.counts()
	if syncs1-syncs0 >= n {
		t.Fatalf("%d fsyncs for %d updates: updates still wait for an fsync each", syncs1-syncs0, n)
	}
	deadline := time.Now().Add(20 * walSyncInterval)
	for {
		if syncs, _ := base.counts(); syncs > syncs1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no background fsync within %v of the last update", 20*walSyncInterval)
		}
		time.Sleep(walSyncInterval / 4)
	}
	if err := s.Update(func(tx *Tx) error { return PutJSON(tx, []string{"b"}, "last", rec{-1}) }); err != nil {
		t.Fatal(err)
	}
	before, _ := base.counts()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if after, _ := base.counts(); after == before {
		t.Fatal("Close did not fsync the WAL")
	}
}

// failOnceFS fails the first real fsync of a WAL file after fail is set.
type failOnceFS struct {
	vfs.FS
	fail atomic.Bool
}

type failOnceFile struct {
	vfs.File
	fs *failOnceFS
}

func (fs *failOnceFS) Create(name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.Create(name, c)
	if err != nil || !isWAL(name) {
		return f, err
	}
	return failOnceFile{f, fs}, nil
}

func (f failOnceFile) Sync() error { return f.SyncData() }

func (f failOnceFile) SyncData() error {
	if f.fs.fail.CompareAndSwap(true, false) {
		return errors.New("disk gone")
	}
	return f.File.SyncData()
}

// A background fsync that fails is not swallowed: Close reports it.
func TestBackgroundSyncFailureIsReported(t *testing.T) {
	base := &failOnceFS{FS: vfs.NewMem()}
	s, err := openFS("/mem/failing", base)
	if err != nil {
		t.Fatal(err)
	}
	s.wal.logf = func(string, ...any) {}
	base.fail.Store(true)
	if err := s.Update(func(tx *Tx) error { return PutJSON(tx, []string{"b"}, "k", rec{1}) }); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * walSyncInterval); base.fail.Load() && time.Now().Before(deadline); {
		time.Sleep(walSyncInterval / 4)
	}
	if err := s.Close(); err == nil || !strings.Contains(err.Error(), "disk gone") {
		t.Fatalf("Close = %v, want the failed fsync", err)
	}
}

// A failed update still returns after the records before it are written: its answer (a
// failed condition, say) may rest on them.
func TestFailedUpdateWaitsForEarlierRecords(t *testing.T) {
	base := &syncCountFS{FS: vfs.NewMem()}
	s, err := openFS("/mem/failed", base)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Update(func(tx *Tx) error { return PutJSON(tx, []string{"b"}, "k", rec{1}) }); err != nil {
		t.Fatal(err)
	}
	_, w0 := base.counts()
	refused := errors.New("condition failed")
	if err := s.Update(func(tx *Tx) error { return refused }); !errors.Is(err, refused) {
		t.Fatalf("Update = %v, want the update's own error", err)
	}
	if _, w1 := base.counts(); w1 <= w0 {
		t.Fatal("a failed update returned without a WAL write to wait on")
	}
}
