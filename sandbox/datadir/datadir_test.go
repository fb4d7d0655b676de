package datadir

import (
	"os"
	"path/filepath"
	"testing"
)

func TestEnsureMakesAndTightens(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := Ensure(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Ensure(dir); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(dir)
	if fi.Mode().Perm() != 0o700 {
		t.Fatalf("mode %v, want 0700", fi.Mode().Perm())
	}
	file := filepath.Join(t.TempDir(), "f")
	_ = os.WriteFile(file, nil, 0o600)
	if err := Ensure(file); err == nil {
		t.Fatal("a file as data directory must be refused")
	}
}

func TestEndpointRoundTrip(t *testing.T) {
	dir := t.TempDir()
	e := Endpoint{URL: "http://127.0.0.1:4566", PID: 42, Region: "us-east-1", AccountID: "000000000000", AccessKeyID: "AKIAX", SecretAccessKey: "s"}
	if err := WriteEndpoint(dir, e); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(filepath.Join(dir, EndpointFile))
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("endpoint file mode %v", fi.Mode().Perm())
	}
	got, err := ReadEndpoint(dir)
	if err != nil || got != e {
		t.Fatalf("got %+v %v", got, err)
	}
	_ = os.WriteFile(filepath.Join(dir, EndpointFile), []byte("{not json"), 0o600)
	if _, err := ReadEndpoint(dir); err == nil {
		t.Fatal("damaged record must be an error")
	}
	if err := RemoveEndpoint(dir); err != nil {
		t.Fatal(err)
	}
	if err := RemoveEndpoint(dir); err != nil {
		t.Fatal("removing twice must be fine")
	}
}

func TestDefaultHonoursXDG(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/tmp/xdg")
	if d, _ := Default(); d != "/tmp/xdg/kmslab/sandbox" {
		t.Fatalf("got %s", d)
	}
	t.Setenv("XDG_DATA_HOME", "relative/ignored")
	if d, _ := Default(); filepath.Base(filepath.Dir(filepath.Dir(d))) != "share" {
		t.Fatalf("relative XDG_DATA_HOME must be ignored, got %s", d)
	}
}
