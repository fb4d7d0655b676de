package store

import (
	"fmt"
	"io"
	"os"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// options tunes pebble for a small, write-latency-bound state: a modest memtable, a 32 MiB
// block cache (taken only as it fills) so index blocks are not read from disk per request,
// bloom filters, one compaction at a time, no table statistics, no block compression (items are ciphertext
// already, and uncompressed files keep a scan of the disk for plaintext meaningful), and a
// logger that keeps the sandbox's stderr (its request log) free of pebble's chatter.
func options(fs vfs.FS, lock *pebble.Lock, readOnly bool) *pebble.Options {
	o := &pebble.Options{
		FS:                         fs,
		Lock:                       lock,
		ReadOnly:                   readOnly,
		ErrorIfNotExists:           readOnly,
		FormatMajorVersion:         pebble.FormatNewest,
		MemTableSize:               8 << 20,
		CacheSize:                  32 << 20,
		DisableTableStats:          true,
		CompactionConcurrencyRange: func() (int, int) { return 1, 1 },
		Logger:                     quietLogger{os.Stderr},
	}
	o.ApplyCompressionSettings(func() pebble.DBCompressionSettings { return pebble.DBCompressionNone })
	// Every request looks up its bucket's marker, which sits in an old table under newer
	// ones: bloom filters let those lookups skip the tables that do not hold it.
	o.Levels[0].FilterPolicy = bloom.FilterPolicy(10)
	o.EventListener = &pebble.EventListener{
		// pebble's default is to exit; a corrupt block already fails the read that met it.
		DataCorruption: func(info pebble.DataCorruptionInfo) {
			o.Logger.Errorf("%s is damaged: %s", info.Path, info.Details.Error())
		},
	}
	return o
}

// quietLogger drops pebble's informational messages and reports errors in one line.
type quietLogger struct{ w io.Writer }

func (quietLogger) Infof(string, ...any) {}

func (l quietLogger) Errorf(format string, args ...any) {
	fmt.Fprintf(l.w, "kmslab: sandbox state: "+format+"\n", args...)
}

// Fatalf is pebble's "cannot continue" (e.g. the WAL cannot be written): stop, as its own
// logger would, after one readable line.
func (l quietLogger) Fatalf(format string, args ...any) {
	l.Errorf(format, args...)
	os.Exit(1)
}

// privateFS creates every file 0600 (pebble asks for 0666 and leaves it to the umask).
type privateFS struct{ vfs.FS }

func (fs privateFS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.Create(name, category)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(name, 0o600); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

func (fs privateFS) OpenReadWrite(name string, category vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := fs.FS.OpenReadWrite(name, category, opts...)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(name, 0o600); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

func (fs privateFS) Lock(name string) (io.Closer, error) {
	l, err := fs.FS.Lock(name)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(name, 0o600); err != nil {
		_ = l.Close()
		return nil, err
	}
	return l, nil
}

func (fs privateFS) MkdirAll(dir string, _ os.FileMode) error { return fs.FS.MkdirAll(dir, 0o700) }

func (fs privateFS) Unwrap() vfs.FS { return fs.FS }
