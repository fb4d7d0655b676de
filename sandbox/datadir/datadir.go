// Package datadir owns the sandbox's data directory: where it is, its 0700/0600
// permissions, and the record a running sandbox leaves so that a second kmslab process on
// the same directory works through it instead of opening the state twice.
package datadir

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Default is $XDG_DATA_HOME/kmslab, else ~/.local/share/kmslab.
func Default() (string, error) {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "kmslab", "sandbox"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no home directory to keep the sandbox in; pass --data-dir: %w", err)
	}
	return filepath.Join(home, ".local", "share", "kmslab", "sandbox"), nil
}

// Ensure creates dir (and parents) with mode 0700 and tightens an existing one.
func Ensure(dir string) error {
	if dir == "" {
		return errors.New("empty data directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data directory %s: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("data directory %s is a file, not a directory", dir)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("make %s private (0700): %w", dir, err)
		}
	}
	return nil
}

// EndpointFile is the running sandbox's record in the data directory.
const EndpointFile = "endpoint.json"

// Endpoint is what a running sandbox records for other kmslab processes. It holds the
// admin's secret, so it is written 0600 inside the 0700 directory, beside the state that
// already keeps it.
type Endpoint struct {
	URL             string `json:"url"`
	PID             int    `json:"pid"`
	Region          string `json:"region"`
	AccountID       string `json:"accountId"`
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
}

// WriteEndpoint records e atomically (temp file, fsync, rename).
func WriteEndpoint(dir string, e Endpoint) error {
	raw, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, EndpointFile), raw)
}

// ReadEndpoint reads the record of a running sandbox.
func ReadEndpoint(dir string) (Endpoint, error) {
	var e Endpoint
	raw, err := os.ReadFile(filepath.Join(dir, EndpointFile))
	if err != nil {
		return e, err
	}
	if err := json.Unmarshal(raw, &e); err != nil || e.URL == "" {
		return e, fmt.Errorf("the sandbox record %s is damaged", filepath.Join(dir, EndpointFile))
	}
	return e, nil
}

// RemoveEndpoint deletes the record when the sandbox stops.
func RemoveEndpoint(dir string) error {
	err := os.Remove(filepath.Join(dir, EndpointFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
