package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

var kmslabBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kmslab-bin")
	if err != nil {
		panic(err)
	}
	kmslabBin = filepath.Join(dir, "kmslab")
	if out, err := exec.Command("go", "build", "-o", kmslabBin, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startSandbox runs `kmslab sandbox` and returns the process, its exports and its stderr.
func startSandbox(t *testing.T, dataDir string, extra ...string) (*exec.Cmd, map[string]string, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(kmslabBin, append([]string{"sandbox", "--listen", "127.0.0.1:0", "--data-dir", dataDir}, extra...)...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	exports := readExports(t, stdout)
	return cmd, exports, &stderr
}

func readExports(t *testing.T, r io.Reader) map[string]string {
	t.Helper()
	exports := map[string]string{}
	sc := bufio.NewScanner(r)
	done := make(chan struct{})
	go func() {
		for len(exports) < 5 && sc.Scan() {
			k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
			if ok {
				exports[k] = v
			}
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("no exports printed within 20s")
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"} {
		if exports[k] == "" {
			t.Fatalf("missing export %s in %v", k, exports)
		}
	}
	return exports
}

func TestSandboxCommandServesAndStopsCleanly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	cmd, exports, stderr := startSandbox(t, dir)
	if !strings.HasPrefix(exports["AWS_ACCESS_KEY_ID"], "AKIA") || len(exports["AWS_SECRET_ACCESS_KEY"]) != 40 || !strings.HasPrefix(exports["AWS_ENDPOINT_URL"], "http://127.0.0.1:") {
		t.Fatalf("exports %v", exports)
	}
	if _, err := os.Stat(filepath.Join(dir, "endpoint.json")); err != nil {
		t.Fatalf("endpoint record: %v", err)
	}

	// A second process on the same data directory works through the running one.
	second := exec.Command(kmslabBin, "sandbox", "--listen", "127.0.0.1:0", "--data-dir", dir)
	out, err := second.Output()
	if err != nil {
		t.Fatalf("second sandbox: %v", err)
	}
	again := readExports(t, bytes.NewReader(out))
	if again["AWS_ENDPOINT_URL"] != exports["AWS_ENDPOINT_URL"] || again["AWS_ACCESS_KEY_ID"] != exports["AWS_ACCESS_KEY_ID"] {
		t.Fatalf("second process points elsewhere: %v vs %v", again, exports)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "endpoint.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("endpoint record left behind: %v", err)
	}
	if strings.Contains(stderr.String(), exports["AWS_SECRET_ACCESS_KEY"]) || strings.Contains(stderr.String(), exports["AWS_ACCESS_KEY_ID"]) {
		t.Fatalf("stderr shows a credential in full:\n%s", stderr)
	}
	if strings.Contains(stderr.String(), "\x1b[") {
		t.Fatalf("NO_COLOR is set but stderr has escape codes:\n%q", stderr)
	}
	if !strings.Contains(stderr.String(), "ready") {
		t.Fatalf("no ready line on stderr:\n%s", stderr)
	}

	// Restart on the same directory: same account and admin.
	_, restarted, _ := startSandbox(t, dir)
	if restarted["AWS_ACCESS_KEY_ID"] != exports["AWS_ACCESS_KEY_ID"] {
		t.Fatalf("admin key changed across restart")
	}
}

func TestSandboxCommandRejectsBadInput(t *testing.T) {
	cases := [][]string{
		{"sandbox", "--listen", "nonsense"},
		{"sandbox", "--listen", ":4566"},
		{"sandbox", "--faults", "throttle=7"},
		{"sandbox", "--region", "Not A Region"},
		{"sandbox", "--no-such-flag"},
		{"sandbox", "extra-arg"},
		{"sandbox", "--realistic", "--time-scale", "0"},
		{"sandbox", "--realistic", "--time-scale", "-10"},
		{"sandbox", "--realistic", "--time-scale", "NaN"},
		{"sandbox", "--realistic", "--time-scale", "fast"},
		{"sandbox", "--realistic", "--delays", "access-key=10"},
		{"sandbox", "--realistic", "--delays", "latency=5s"},
		{"sandbox", "--realistic", "--delays", "principal=-8s"},
		{"sandbox", "--realistic", "--delays", "table-key-cache=3h"},
		{"sandbox", "--delays", "access-key=10s"},
		{"sandbox", "--time-scale", "10"},
	}
	for _, args := range cases {
		cmd := exec.Command(kmslabBin, append(args, "--data-dir", t.TempDir())...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("%v: want exit 2, got %v\n%s", args, err, out)
		}
		if strings.Contains(string(out), "goroutine ") {
			t.Errorf("%v: stack trace in output", args)
		}
	}
}

func TestSandboxCommandRefusesCorruptState(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	cmd, _, stderr := startSandbox(t, dir)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr)
	}
	state := filepath.Join(dir, "state")
	manifests, err := filepath.Glob(filepath.Join(state, "MANIFEST-*"))
	if err != nil || len(manifests) == 0 {
		t.Fatalf("no manifest in %s: %v", state, err)
	}
	for _, m := range manifests {
		if err := os.WriteFile(m, []byte("this is not a database"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	before := readTree(t, state)
	out, err := exec.Command(kmslabBin, "sandbox", "--listen", "127.0.0.1:0", "--data-dir", dir).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("want exit 1, got %v\n%s", err, out)
	}
	if !strings.Contains(string(out), state) {
		t.Fatalf("error does not name the state directory:\n%s", out)
	}
	if strings.Contains(string(out), "goroutine ") {
		t.Fatalf("stack trace in output:\n%s", out)
	}
	if after := readTree(t, state); after != before {
		t.Fatal("the damaged state was changed")
	}
}

// readTree is every file name and content under dir, in one string.
func readTree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		b.WriteString(p + "\x00" + string(raw) + "\x00")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestSandboxCommandRealisticMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	cmd, _, stderr := startSandbox(t, dir, "--realistic", "--time-scale", "10", "--delays", "access-key=2s,key-policy=0")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr)
	}
	var ready string
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, " ready ") {
			ready = line
		}
	}
	for _, want := range []string{"mode=realistic", "time-scale=10", "access-key=200ms,principal=800ms,key-policy=0s,table-key-cache=30s"} {
		if !strings.Contains(ready, want) {
			t.Fatalf("ready line %q lacks %q\n%s", ready, want, stderr)
		}
	}
}

func TestSandboxCommandExplainsBadRealisticValues(t *testing.T) {
	for args, want := range map[string]string{
		"--realistic --time-scale 0":             "--time-scale 0: want a number from 0.01 to 1000",
		"--realistic --delays access-key=10":     "--delays: delay access-key=10: want a duration",
		"--realistic --delays principal=1s,x=2s": `unknown delay "x" (known: access-key, principal, key-policy, table-key-cache)`,
		"--delays key-policy=1s":                 "take effect only with --realistic",
	} {
		cmd := exec.Command(kmslabBin, append([]string{"sandbox", "--data-dir", t.TempDir()}, strings.Fields(args)...)...)
		cmd.Env = append(os.Environ(), "NO_COLOR=1")
		out, _ := cmd.CombinedOutput()
		if !strings.Contains(string(out), want) {
			t.Errorf("%s: output lacks %q:\n%s", args, want, out)
		}
	}
}
