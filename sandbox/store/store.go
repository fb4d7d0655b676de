// Package store is the sandbox's crash-safe state: a pebble database in the state/
// subdirectory of the data directory, holding bbolt-style nested buckets (keys.go).
// Every Update is committed with a synced WAL write, so a kill -9 at any moment loses no
// acknowledged write, and pebble's recovery replays the WAL on the next Open.
//
// One difference from bbolt: pebble makes a batch visible to readers before its WAL sync
// ends, so a View (or a later Update) may see a write whose Update has not returned yet;
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
	writes chan *write
	done   chan struct{}
	closed sync.Once
	// use lets Close wait for running transactions and refuse later ones.
	use      sync.RWMutex
	isClosed bool
}

// write is one Update waiting for the committer.
type write struct {
	fn  func(*Tx) error
	err chan error
}

// maxGroup bounds how many updates share one commit.
const maxGroup = 256

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

func openFS(path string, fs vfs.FS) (_ *Store, err error) {
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
	s := &Store{db: db, lock: lock, path: path, writes: make(chan *write, maxGroup), done: make(chan struct{})}
	open.dirs[path] = true
	go s.commitLoop()
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
		close(s.writes)
		<-s.done
		err = errors.Join(s.db.Flush(), s.db.Close(), s.lock.Close())
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

// Update runs fn in a write transaction that may be committed together with other
// concurrent updates. fn may run more than once, so it must only change the transaction;
// apply in-memory effects after Update returns nil. When Update returns nil the change is
// on disk.
func (s *Store) Update(fn func(tx *Tx) error) error {
	s.use.RLock()
	defer s.use.RUnlock()
	if s.isClosed {
		return ErrClosed
	}
	w := &write{fn: fn, err: make(chan error, 1)}
	s.writes <- w
	return <-w.err
}

// commitLoop is group commit: while one batch's WAL sync runs, new updates queue, and the
// next batch takes all of them, so concurrent writers share an fsync without waiting on a
// timer. One committer also serializes every read-modify-write: each batch reads the
// batches before it. A batch is applied (visible) before its sync ends, so the committer
// goes on to the next group while syncLoop waits for the disk and only then answers.
func (s *Store) commitLoop() {
	defer close(s.done)
	synced := make(chan *pending, 4)
	syncDone := make(chan struct{})
	go syncLoop(synced, syncDone)
	defer func() {
		close(synced)
		<-syncDone
	}()
	group := make([]*write, 0, maxGroup)
	for w := range s.writes {
		group = append(group[:0], w)
	drain:
		for len(group) < maxGroup {
			select {
			case more, ok := <-s.writes:
				if !ok {
					break drain
				}
				group = append(group, more)
			default:
				break drain
			}
		}
		synced <- s.commit(group)
	}
}

// pending is a committed group waiting for its WAL sync before it is answered. Even a
// failed update waits: its error may rest on writes of an earlier batch not yet synced.
type pending struct {
	batch *pebble.Batch // nil when nothing was committed
	acks  []ack
}

type ack struct {
	w   *write
	err error
}

func syncLoop(in <-chan *pending, done chan<- struct{}) {
	defer close(done)
	for p := range in {
		var err error
		if p.batch != nil {
			err = p.batch.SyncWait()
			_ = p.batch.Close()
		}
		for _, a := range p.acks {
			a.w.err <- errors.Join(a.err, err)
		}
	}
}

// commit runs a group in one batch. When one update fails, the batch is dropped, that
// update gets its error from a run of its own, and the rest are tried again.
func (s *Store) commit(group []*write) *pending {
	p := &pending{}
	for len(group) > 0 {
		batch, failed, err := s.apply(group)
		if failed < 0 {
			p.batch = batch
			for _, w := range group {
				p.acks = append(p.acks, ack{w, err})
			}
			return p
		}
		bad := group[failed]
		// Alone it may even succeed (it failed on an earlier update's write): then it lands
		// in a batch of its own, which the next try of the rest reads.
		solo, _, err := s.apply(group[failed : failed+1])
		if solo != nil {
			// Rare: wait here rather than queue a second batch in one pending.
			err = solo.SyncWait()
			_ = solo.Close()
		}
		p.acks = append(p.acks, ack{bad, err})
		group = append(group[:failed:failed], group[failed+1:]...)
	}
	return p
}

// apply runs the updates in one batch and commits it (visible, WAL write queued for a
// sync). failed is the index of the update that failed, or -1; the batch is returned for
// SyncWait only when it was committed.
func (s *Store) apply(group []*write) (_ *pebble.Batch, failed int, err error) {
	batch := s.db.NewIndexedBatch()
	tx := &Tx{r: batch, batch: batch}
	for i, w := range group {
		if err := tx.run(w.fn); err != nil {
			tx.end()
			_ = batch.Close()
			return nil, i, err
		}
	}
	tx.end()
	if tx.err != nil {
		_ = batch.Close()
		return nil, -1, tx.err // closing an iterator failed: the group shares that read failure
	}
	if err := s.db.ApplyNoSyncWait(batch, pebble.Sync); err != nil {
		_ = batch.Close()
		return nil, -1, err
	}
	return batch, -1, nil
}
