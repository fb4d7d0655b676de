// Package store is the sandbox's crash-safe state: a pebble database in the state/
// subdirectory of the data directory, holding bbolt-style nested buckets (keys.go).
// Every Update's WAL record is written to the operating system before Update returns, so
// a kill -9 at any moment loses no acknowledged write, and pebble's recovery replays the
// WAL on the next Open. The WAL is fsynced in the background (wal.go).
//
// One difference from bbolt: pebble makes a batch visible to readers before its WAL record
// is written, so a View (or a later Update) may see a write whose Update has not returned yet;
// a crash in that window loses it, as its writer was never told it landed.
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// ErrLocked means another process has the state open.
var ErrLocked = errors.New("the sandbox state is open in another kmslab process")

// DirName is the state directory inside the data directory.
const DirName = "state"

// Store is the open state.
type Store struct {
	db     *pebble.DB
	lock   *pebble.Lock
	path   string
	wal    *walFS
	write  sync.Mutex // serializes updates: each reads the ones before it
	closed sync.Once
	// use lets Close wait for running transactions and refuse later ones.
	use      sync.RWMutex
	isClosed bool
}

// open is the set of state directories open in this process: pebble's own in-process
// check gives an error we could only recognise by its text.
var open = struct {
	sync.Mutex
	dirs map[string]bool
}{dirs: map[string]bool{}}

// Open opens (or creates) the state in dir, which must already exist. It fails with
// ErrLocked when another process holds it, and with an error naming the path, without
// changing anything, when the state is damaged.
func Open(dir string) (*Store, error) {
	path, err := filepath.Abs(filepath.Join(dir, DirName))
	if err != nil {
		return nil, err
	}
	return openFS(path, privateFS{vfs.Default})
}

func openFS(path string, base vfs.FS) (_ *Store, err error) {
	wal := newWALFS(base)
	var fs vfs.FS = wal
	open.Lock()
	defer open.Unlock()
	if open.dirs[path] {
		return nil, ErrLocked
	}
	fresh, err := prepareDir(fs, path)
	if err != nil {
		return nil, err
	}
	lock, err := pebble.LockDirectory(path, fs)
	if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EACCES) {
		return nil, ErrLocked
	}
	if err != nil {
		return nil, fmt.Errorf("lock sandbox state %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = lock.Close()
		}
	}()
	if !fresh {
		// Read-only first: a damaged state fails here before recovery writes anything.
		if err := tryOpen(path, options(fs, lock, true)); err != nil {
			return nil, damaged(path, err)
		}
	}
	db, err := openDB(path, options(fs, lock, false))
	if err != nil {
		return nil, damaged(path, err)
	}
	if fresh {
		// A new database writes its first WAL in the oldest format, whose torn tail and
		// corruption look alike; rotating starts a WAL that records its synced offsets, so
		// recovery can tell a crash from damage.
		if err := db.Flush(); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("create sandbox state %s: %w", path, err)
		}
	}
	s := &Store{db: db, lock: lock, path: path, wal: wal}
	open.dirs[path] = true
	wal.start()
	return s, nil
}

func damaged(path string, err error) error {
	return fmt.Errorf("open sandbox state %s: %w (the state is damaged: move the directory aside to start fresh)", path, err)
}

// prepareDir creates the state directory (0700) when missing and reports whether it holds
// no database yet.
func prepareDir(fs vfs.FS, path string) (fresh bool, err error) {
	fi, err := fs.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := fs.MkdirAll(path, 0o700); err != nil {
			return false, fmt.Errorf("create sandbox state %s: %w", path, err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("open sandbox state %s: %w", path, err)
	case !fi.IsDir():
		return false, fmt.Errorf("open sandbox state %s: not a directory (move it aside to start fresh)", path)
	}
	names, err := fs.List(path)
	if err != nil {
		return false, fmt.Errorf("open sandbox state %s: %w", path, err)
	}
	locked := false
	for _, n := range names {
		locked = locked || n == "LOCK"
	}
	switch {
	case len(names) == 0 || len(names) == 1 && locked:
		return true, nil
	case !locked:
		// pebble creates LOCK before anything else, so these files are not its.
		return false, fmt.Errorf("open sandbox state %s: not a kmslab state directory (move it aside to start fresh)", path)
	}
	return false, nil
}

// tryOpen opens and closes the database read-only.
func tryOpen(path string, o *pebble.Options) error {
	db, err := openDB(path, o)
	if err != nil {
		return err
	}
	return db.Close()
}

// openDB is pebble.Open with a panic on damaged input turned into an error.
func openDB(path string, o *pebble.Options) (db *pebble.DB, err error) {
	defer func() {
		if p := recover(); p != nil {
			db, err = nil, fmt.Errorf("pebble: %v", p)
		}
	}()
	return pebble.Open(path, o)
}

// ErrClosed is what View and Update return after Close.
var ErrClosed = errors.New("the sandbox state is closed")

// Close waits for running transactions, flushes the memtable (so the next Open has no WAL
// to replay) and releases the lock. Closing again does nothing.
func (s *Store) Close() (err error) {
	s.closed.Do(func() {
		s.use.Lock()
		defer s.use.Unlock()
		s.isClosed = true
		err = errors.Join(s.db.Flush(), s.db.Close(), s.wal.close(), s.lock.Close())
		open.Lock()
		delete(open.dirs, s.path)
		open.Unlock()
	})
	return err
}

// View runs fn in a read-only transaction over a consistent snapshot that includes every
// Update that has returned.
func (s *Store) View(fn func(tx *Tx) error) (err error) {
	s.use.RLock()
	defer s.use.RUnlock()
	if s.isClosed {
		return ErrClosed
	}
	snap := s.db.NewSnapshot()
	tx := &Tx{r: snap}
	defer func() {
		tx.end()
		if err == nil {
			err = tx.err
		}
		err = errors.Join(err, snap.Close())
	}()
	return fn(tx)
}

// Update runs fn in a write transaction and commits it. Updates are serialized, so each one
// reads every update before it. fn may run more than once, so it must only change the
// transaction; apply in-memory effects after Update returns nil. When Update returns, its
// WAL record has been written to the operating system (see wal.go), so a kill -9 cannot
// lose it.
func (s *Store) Update(fn func(tx *Tx) error) error {
	s.use.RLock()
	defer s.use.RUnlock()
	if s.isClosed {
		return ErrClosed
	}
	s.write.Lock()
	batch, err := s.apply(fn)
	s.write.Unlock()
	if batch == nil {
		// Even a failed update waits for the log: its error (a failed condition, say) may
		// rest on an earlier update that is visible but whose record is not written yet.
		return errors.Join(err, s.db.LogData(nil, pebble.Sync))
	}
	// Waiting happens outside the lock: the next update is applied meanwhile, and
	// pebble writes the records of waiting updates together.
	err = batch.SyncWait()
	return errors.Join(err, batch.Close())
}

// apply runs fn in a batch and commits it (visible, its WAL write queued). The batch is
// returned for SyncWait only when it was committed.
func (s *Store) apply(fn func(*Tx) error) (*pebble.Batch, error) {
	batch := s.db.NewIndexedBatch()
	tx := &Tx{r: batch, batch: batch}
	err := tx.run(fn)
	tx.end()
	if err == nil {
		err = tx.err // closing an iterator failed
	}
	if err == nil {
		err = s.db.ApplyNoSyncWait(batch, pebble.Sync)
	}
	if err != nil {
		_ = batch.Close()
		return nil, err
	}
	return batch, nil
}
