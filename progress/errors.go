package progress

import "fmt"

// CorruptError says a progress file could not be used and was moved aside. Load
// returns it with a fresh File: callers show the message and go on.
type CorruptError struct {
	Path    string // where the file was
	MovedTo string // where it is now (never deleted)
	Err     error  // what was wrong with it
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("progress file %s was damaged (%v); it was moved to %s and progress starts afresh", e.Path, e.Err, e.MovedTo)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// NewerVersionError says a newer kmslab wrote the file. It is not damaged, so it
// is left untouched, and Save will not overwrite it.
type NewerVersionError struct {
	Path    string
	Version int // the file's format version
}

func (e *NewerVersionError) Error() string {
	return fmt.Sprintf("progress file %s was written by a newer kmslab (format %d; this one reads format %d); it was left untouched: update kmslab to continue from it", e.Path, e.Version, Version)
}
