package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// snapshotDir reads every file under dir, to prove a failed Open changed nothing.
func snapshotDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		files[p] = string(raw)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// wantRefused opens dir, wants an error naming the state path, and no change on disk.
func wantRefused(t *testing.T, dir string) {
	t.Helper()
	before := snapshotDir(t, dir)
	s, err := Open(dir)
	if err == nil {
		_ = s.Close()
		t.Fatal("a damaged state opened")
	}
	if errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), filepath.Join(dir, DirName)) {
		t.Fatalf("error does not name the state: %v", err)
	}
	after := snapshotDir(t, dir)
	if len(after) != len(before) {
		t.Fatalf("files changed: %d before, %d after", len(before), len(after))
	}
	for p, raw := range before {
		if after[p] != raw {
			t.Fatalf("%s was changed", p)
		}
	}
}

// filled makes a closed state with a few records and returns its data directory.
func filled(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := s.Update(func(tx *Tx) error { return PutJSON(tx, []string{"b"}, fmt.Sprint(i), rec{i}) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func stateFiles(t *testing.T, dir, prefix string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, DirName, prefix+"*"))
	if err != nil || len(m) == 0 {
		t.Fatalf("no %s* in the state: %v", prefix, err)
	}
	return m
}

func TestStateThatIsAFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, DirName), []byte("garbage, not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, dir)
}

func TestForeignFilesAreRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, DirName), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, DirName, "notes.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, dir)
}

func TestCorruptManifestIsRefused(t *testing.T) {
	dir := filled(t)
	for _, m := range stateFiles(t, dir, "MANIFEST-") {
		if err := os.WriteFile(m, bytes.Repeat([]byte("garbage "), 64), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	wantRefused(t, dir)
}

func TestMissingManifestIsRefused(t *testing.T) {
	dir := filled(t)
	for _, m := range stateFiles(t, dir, "MANIFEST-") {
		if err := os.Remove(m); err != nil {
			t.Fatal(err)
		}
	}
	wantRefused(t, dir)
}

func TestCorruptOptionsFileIsRefused(t *testing.T) {
	dir := filled(t)
	for _, m := range stateFiles(t, dir, "OPTIONS-") {
		if err := os.WriteFile(m, []byte("[Options]\n  not a pebble option\x00\x01"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	wantRefused(t, dir)
}

// A crash image: the files of a store that is still open, with its writes only in the WAL.
func crashImage(t *testing.T, n int) string {
	t.Helper()
	live := t.TempDir()
	s, err := Open(live)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range n {
		if err := s.Update(func(tx *Tx) error { return PutJSON(tx, []string{"b"}, fmt.Sprintf("%04d", i), rec{i}) }); err != nil {
			t.Fatal(err)
		}
	}
	img := t.TempDir()
	if err := os.Mkdir(filepath.Join(img, DirName), 0o700); err != nil {
		t.Fatal(err)
	}
	for p, raw := range snapshotDir(t, filepath.Join(live, DirName)) {
		if err := os.WriteFile(filepath.Join(img, DirName, filepath.Base(p)), []byte(raw), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return img
}

func TestCrashImageKeepsEveryAcknowledgedWrite(t *testing.T) {
	img := crashImage(t, 100)
	s, err := Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 0
	err = s.View(func(tx *Tx) error {
		return ForEachJSON(tx, []string{"b"}, func(string, []byte) error { n++; return nil })
	})
	if err != nil || n != 100 {
		t.Fatalf("%d of 100 records after a crash: %v", n, err)
	}
}

// pebble tells damage from a torn tail by a later chunk that promises a synced offset
// past the bad one, and it only looks in later 32 KiB blocks: damage in the WAL's last
// block reads as a crash (as it would with bbolt, which has no checksums at all).
func TestCorruptWALIsRefused(t *testing.T) {
	img := crashImage(t, 1000)
	var wal string
	for _, l := range stateFiles(t, img, "0") {
		if strings.HasSuffix(l, ".log") {
			if fi, err := os.Stat(l); err == nil && fi.Size() > 40<<10 {
				wal = l
			}
		}
	}
	raw, err := os.ReadFile(wal)
	if err != nil {
		t.Fatalf("WAL %s: %d bytes %v", wal, len(raw), err)
	}
	for i := 500; i < 600; i++ {
		raw[i] ^= 0x5A
	}
	if err := os.WriteFile(wal, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, img)
}

func TestCorruptTableFailsReadsNotTheProcess(t *testing.T) {
	dir := filled(t)
	for _, sst := range stateFiles(t, dir, "0") {
		if !strings.HasSuffix(sst, ".sst") {
			continue
		}
		raw, err := os.ReadFile(sst)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(raw)/2; i++ {
			raw[i] ^= 0xA5
		}
		if err := os.WriteFile(sst, raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(dir)
	if err != nil {
		return // refusing it at Open is fine too
	}
	defer s.Close()
	err = s.View(func(tx *Tx) error {
		var r rec
		_, err := GetJSON(tx, []string{"b"}, "3", &r)
		return err
	})
	if err == nil {
		t.Fatal("a read from a corrupt table succeeded")
	}
}
