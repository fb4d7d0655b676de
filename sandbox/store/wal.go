package store

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// walSyncInterval bounds what a machine crash (power loss, kernel panic) can take: the WAL
// is fsynced in the background this often.
const walSyncInterval = 100 * time.Millisecond

// walFS makes the write-ahead log's Sync return as soon as pebble's write() has returned.
//
// Why: the sandbox promises that a kill -9 at any moment loses no acknowledged write. Data
// handed to write() sits in the kernel's page cache, which outlives the process, so it
// survives a kill -9 without an fsync; only a crash of the whole machine could lose it.
// An fsync per update made the disk's flush latency (~0.3-1 ms here) the floor of every
// PutItem. So pebble still waits for its WAL write before an update returns, and the
// fsync runs in the background every walSyncInterval, and when a WAL file is closed.
// Other files (tables, the manifest) keep their real fsyncs.
type walFS struct {
	vfs.FS
	mu    sync.Mutex
	files map[*walFile]struct{}
	stop  chan struct{}
	done  chan struct{}
	err   error // first background fsync failure, reported by Close
	logf  func(format string, args ...any)
}

func newWALFS(fs vfs.FS) *walFS {
	return &walFS{FS: fs, files: map[*walFile]struct{}{}, logf: quietLogger{os.Stderr}.Errorf}
}

// isWAL tells pebble's log files (000123.log, 000123-001.log) from everything else.
func isWAL(name string) bool { return strings.HasSuffix(name, ".log") }

func (fs *walFS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.Create(name, category)
	if err != nil {
		return nil, err
	}
	return fs.track(name, f), nil
}

func (fs *walFS) ReuseForWrite(oldname, newname string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.ReuseForWrite(oldname, newname, category)
	if err != nil {
		return nil, err
	}
	return fs.track(newname, f), nil
}

func (fs *walFS) Unwrap() vfs.FS { return fs.FS }

func (fs *walFS) track(name string, f vfs.File) vfs.File {
	if !isWAL(name) {
		return f
	}
	w := &walFile{File: f, fs: fs}
	fs.mu.Lock()
	fs.files[w] = struct{}{}
	fs.mu.Unlock()
	return w
}

// start runs the background fsync until close.
func (fs *walFS) start() {
	fs.stop, fs.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(fs.done)
		t := time.NewTicker(walSyncInterval)
		defer t.Stop()
		for {
			select {
			case <-fs.stop:
				return
			case <-t.C:
				fs.syncAll()
			}
		}
	}()
}

// close stops the background fsync and returns its first failure.
func (fs *walFS) close() error {
	if fs.stop != nil {
		close(fs.stop)
		<-fs.done
		fs.stop = nil
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.err
}

// syncAll fsyncs every open WAL file written since its last fsync. The lock keeps a file
// from being closed under it.
func (fs *walFS) syncAll() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for w := range fs.files {
		if !w.dirty.Load() {
			continue
		}
		w.dirty.Store(false)
		if err := w.File.SyncData(); err != nil && fs.err == nil {
			// Said at once, and again by Close: writes since the last good fsync would
			// not survive a machine crash (a kill -9 still loses nothing).
			fs.err = fmt.Errorf("background fsync of the write-ahead log: %w", err)
			fs.logf("%v", fs.err)
		}
	}
}

// walFile is one open WAL file.
type walFile struct {
	vfs.File
	fs    *walFS
	dirty atomic.Bool
}

func (w *walFile) Write(p []byte) (int, error) {
	w.dirty.Store(true)
	return w.File.Write(p)
}

// Sync and SyncData are pebble's per-commit syncs: the write they follow has returned, so
// the record is in the kernel; the fsync itself is left to the background loop.
func (w *walFile) Sync() error     { return nil }
func (w *walFile) SyncData() error { return nil }

// SyncTo promises nothing (false: not a full sync), so pebble still calls Sync.
func (w *walFile) SyncTo(int64) (bool, error) { return false, nil }

// Close fsyncs for real: a WAL that pebble is done with is durable before it is let go.
func (w *walFile) Close() error {
	w.fs.mu.Lock()
	delete(w.fs.files, w)
	w.fs.mu.Unlock()
	return errors.Join(w.File.SyncData(), w.File.Close())
}
