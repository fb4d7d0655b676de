// Package progress keeps the student's lab progress on disk, one JSON file per
// (target, account, region, prefix), so that quitting and reopening kmslab keeps
// what they did and reports can cite what they saw. Files never hold secrets:
// Save refuses anything that looks like an AWS access key id or secret key.
package progress

import (
	"errors"
	"os"
	"path/filepath"
	"time"
)

// Version is the file format this package reads and writes.
const Version = 1

// Key names one progress file. Target is "sandbox", "localstack", "emulator" or "aws".
type Key struct {
	Target  string `json:"target"`
	Account string `json:"account"`
	Region  string `json:"region"`
	Prefix  string `json:"prefix"`
}

// Step is what is known about one lab step.
type Step struct {
	Status      string            `json:"status"` // done | not-done | propagating | cannot-demonstrate
	Cause       string            `json:"cause,omitempty"`
	Detail      string            `json:"detail,omitempty"`
	Evidence    map[string]string `json:"evidence,omitempty"` // ARNs, error code and message seen…
	CheckedAt   time.Time         `json:"checkedAt,omitzero"`
	CompletedAt time.Time         `json:"completedAt,omitzero"` // first time it was done
	Runs        int               `json:"runs,omitempty"`
}

// File is one progress file.
type File struct {
	Version   int               `json:"version"`
	Key       Key               `json:"key"`
	CreatedAt time.Time         `json:"createdAt"`
	UpdatedAt time.Time         `json:"updatedAt"`
	Steps     map[string]*Step  `json:"steps"`
	Notes     map[string]string `json:"notes,omitempty"` // free facts for reports (denial seen, policy before/after)
}

// newFile is the progress of a student who has done nothing yet.
func newFile(k Key, now time.Time) *File {
	return &File{
		Version:   Version,
		Key:       k,
		CreatedAt: now,
		Steps:     map[string]*Step{},
		Notes:     map[string]string{},
	}
}

// DefaultDir is $XDG_STATE_HOME/kmslab/progress, else $HOME/.local/state/kmslab/progress.
// A nil getenv means the process environment.
func DefaultDir(getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	// The XDG spec says a relative XDG_STATE_HOME is invalid and must be ignored.
	if x := getenv("XDG_STATE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "kmslab", "progress"), nil
	}
	h := getenv("HOME")
	if h == "" {
		return "", errors.New("progress: cannot find a place for progress files: neither XDG_STATE_HOME nor HOME is set")
	}
	if !filepath.IsAbs(h) {
		// A relative HOME would scatter progress files wherever kmslab is started.
		return "", errors.New("progress: HOME is not an absolute path; set XDG_STATE_HOME or HOME to one")
	}
	return filepath.Join(h, ".local", "state", "kmslab", "progress"), nil
}
