package progress

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
	"unicode/utf8"
)

// maxFileSize bounds what Load reads and Save writes; real files are a few KB.
const maxFileSize = 4 << 20

// Store keeps progress files in one directory. Its methods are safe for
// concurrent use; across processes, atomic renames make the last writer win.
type Store struct {
	dir string
	mu  sync.Mutex
	now func() time.Time
}

// NewStore returns a Store for dir; nothing is created until the first Save.
func NewStore(dir string) *Store {
	return &Store{dir: dir, now: func() time.Time { return time.Now().UTC() }}
}

// Path is where k's progress lives: always a file directly inside the store's
// directory, whatever k holds.
func (s *Store) Path(k Key) string {
	return filepath.Join(s.dir, fileName(k))
}

// Load reads k's progress. A missing file gives fresh progress. A damaged file is
// moved aside and Load returns fresh progress with a *CorruptError. A file from a
// newer kmslab is left alone and Load returns nil with a *NewerVersionError.
func (s *Store) Load(k Key) (*File, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := s.Path(k)
	data, err := readLimited(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newFile(k, s.now()), nil
	}
	if err != nil && !errors.Is(err, errTooBig) {
		return nil, fmt.Errorf("progress: reading %s: %w", path, err)
	}
	var f *File
	if err == nil {
		f, err = decode(data, k)
	}
	var newer *NewerVersionError
	if errors.As(err, &newer) {
		newer.Path = path
		return nil, newer
	}
	if err == nil {
		return f, nil
	}
	to, merr := moveAside(path, s.now())
	if merr != nil {
		// Going on would let the next Save overwrite what may be the student's only copy.
		return nil, fmt.Errorf("progress: file %s is damaged (%v) and could not be moved aside: %w", path, err, merr)
	}
	return newFile(k, s.now()), &CorruptError{Path: path, MovedTo: to, Err: err}
}

var errTooBig = fmt.Errorf("larger than %d bytes", maxFileSize)

func readLimited(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, errTooBig
	}
	return data, nil
}

// decode parses a file meant for k. The version is read on its own first so that a
// newer format is recognised even if the rest of it no longer fits File.
func decode(data []byte, k Key) (*File, error) {
	var head struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	switch {
	case head.Version > Version:
		return nil, &NewerVersionError{Version: head.Version}
	case head.Version != Version:
		return nil, fmt.Errorf("unknown format version %d", head.Version)
	}
	f := new(File)
	if err := json.Unmarshal(data, f); err != nil {
		return nil, fmt.Errorf("not a progress file: %w", err)
	}
	if f.Key != k {
		return nil, errors.New("it belongs to another target, account, region or prefix")
	}
	if f.Steps == nil {
		f.Steps = map[string]*Step{}
	}
	for id, st := range f.Steps {
		if st == nil { // "step": null carries nothing and would trip callers
			delete(f.Steps, id)
		}
	}
	if f.Notes == nil {
		f.Notes = map[string]string{}
	}
	return f, nil
}

// Save writes f atomically (directory 0700 if created, file 0600), sets UpdatedAt
// (and Version and CreatedAt if unset), and refuses anything that looks like an
// AWS credential. It will not overwrite a file a newer kmslab wrote.
func (s *Store) Save(f *File) error {
	if f == nil {
		return errors.New("progress: Save of a nil File")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, part := range []string{f.Key.Target, f.Key.Account, f.Key.Region, f.Key.Prefix} {
		if !utf8.ValidString(part) {
			// JSON would turn the bad bytes into U+FFFD and the file would no longer match its key.
			return errors.New("progress: the key is not valid UTF-8")
		}
	}
	if f.Version != 0 && f.Version != Version {
		return fmt.Errorf("progress: cannot save format version %d; this kmslab writes format %d", f.Version, Version)
	}
	now := s.now()
	out := *f // set fields on f only once the file is written
	out.Version = Version
	if out.CreatedAt.IsZero() {
		out.CreatedAt = now
	}
	out.UpdatedAt = now
	out.Steps = make(map[string]*Step, len(f.Steps))
	for id, st := range f.Steps {
		if st != nil {
			out.Steps[id] = st
		}
	}
	data, err := encode(&out)
	if err != nil {
		return err
	}
	if err := checkNoSecrets(data); err != nil {
		return err
	}
	if len(data) > maxFileSize {
		return fmt.Errorf("progress: refusing to save %d bytes (the limit is %d)", len(data), maxFileSize)
	}
	path := s.Path(f.Key)
	if err := refuseNewer(path); err != nil {
		return err
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("progress: %w", err)
	}
	if err := writeAtomic(s.dir, filepath.Base(path), data); err != nil {
		return fmt.Errorf("progress: saving %s: %w", path, err)
	}
	f.Version, f.CreatedAt, f.UpdatedAt = out.Version, out.CreatedAt, out.UpdatedAt
	return nil
}

// encode is indented JSON ending in a newline, for students who open the file.
func encode(f *File) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // policies and messages stay readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("progress: %w", err)
	}
	return buf.Bytes(), nil
}

// refuseNewer stops an older kmslab from overwriting a newer one's progress.
func refuseNewer(path string) error {
	data, err := readLimited(path)
	if err != nil {
		return nil // missing or unreadable: nothing newer to protect
	}
	var head struct {
		Version int `json:"version"`
	}
	if json.Unmarshal(data, &head) == nil && head.Version > Version {
		return &NewerVersionError{Path: path, Version: head.Version}
	}
	return nil
}

// Remove forgets k's progress; a missing file is not an error.
func (s *Store) Remove(k Key) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.Remove(s.Path(k)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("progress: %w", err)
	}
	return nil
}

// RemoveAll removes every progress file in the directory and nothing else: other
// files, damaged copies moved aside and files it cannot read stay.
func (s *Store) RemoveAll() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	paths, _, err := s.scan()
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("progress: %w", errors.Join(errs...))
	}
	return nil
}

// List returns the keys of the saved progress files, sorted.
func (s *Store) List() ([]Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, keys, err := s.scan()
	if err != nil {
		return nil, err
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.Target != b.Target {
			return a.Target < b.Target
		}
		if a.Account != b.Account {
			return a.Account < b.Account
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		return a.Prefix < b.Prefix
	})
	return keys, nil
}

// scan finds the files this package wrote: a regular file is one when its name has
// our shape and the key inside it maps back to that very name.
func (s *Store) scan() (paths []string, keys []Key, err error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("progress: %w", err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !fileNameRE.MatchString(e.Name()) {
			continue
		}
		p := filepath.Join(s.dir, e.Name())
		data, err := readLimited(p)
		if err != nil {
			continue
		}
		var head struct {
			Key *Key `json:"key"`
		}
		if json.Unmarshal(data, &head) != nil || head.Key == nil || fileName(*head.Key) != e.Name() {
			continue
		}
		paths = append(paths, p)
		keys = append(keys, *head.Key)
	}
	return paths, keys, nil
}
