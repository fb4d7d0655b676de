package ptytest

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// Term is a program running in a pseudo-terminal, its output replayed on a Screen.
type Term struct {
	Screen  *Screen
	Started time.Time

	cmd  *exec.Cmd
	pty  *os.File
	raw  rawLog
	read chan struct{} // closed when the output ends
	done chan struct{} // closed when the process has exited
	err  error
	mu   sync.Mutex
}

// Env is an environment for a clean run: the parent's without AWS_*, NO_COLOR and the
// XDG/HOME directories, which point into dir; TERM is a colour xterm.
func Env(dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "AWS_"), k == "NO_COLOR", k == "HOME", k == "TERM", k == "COLORTERM",
			strings.HasPrefix(k, "XDG_"), strings.HasPrefix(k, "KMSLAB_"):
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+dir, "XDG_DATA_HOME="+filepath.Join(dir, "data"),
		"XDG_STATE_HOME="+filepath.Join(dir, "state"), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"TERM=xterm-256color")
}

// Start runs bin with args and env in a w×h pseudo-terminal. The process is killed when
// the test ends if it is still running.
func Start(tb testing.TB, bin string, w, h int, env []string, args ...string) *Term {
	tb.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	t := &Term{cmd: cmd, read: make(chan struct{}), done: make(chan struct{})}
	t.Started = time.Now()
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(w), Rows: uint16(h)})
	if err != nil {
		tb.Fatalf("start %s in a pty: %v", bin, err)
	}
	t.pty = f
	t.Screen = NewScreen(w, h, f)
	go func() {
		defer close(t.read)
		_, _ = io.Copy(io.MultiWriter(t.Screen, &t.raw), f) // ends with EIO when the child's side closes
	}()
	go func() {
		err := cmd.Wait()
		t.mu.Lock()
		t.err = err
		t.mu.Unlock()
		close(t.done)
	}()
	tb.Cleanup(func() {
		select {
		case <-t.done:
		default:
			_ = cmd.Process.Kill()
			<-t.done
		}
		_ = f.Close()
	})
	return t
}

// rawLog keeps the first bytes of output as they came, escape codes and all.
type rawLog struct {
	mu sync.Mutex
	b  []byte
}

// rawMax bounds what a test keeps of the stream.
const rawMax = 4 << 20

func (r *rawLog) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := min(len(p), rawMax-len(r.b)); n > 0 {
		r.b = append(r.b, p[:n]...)
	}
	return len(p), nil
}

// Raw is the output so far (its first 4 MiB) as the program wrote it.
func (t *Term) Raw() string {
	t.raw.mu.Lock()
	defer t.raw.mu.Unlock()
	return string(t.raw.b)
}

// Resize changes the terminal's size (the program gets SIGWINCH) and the screen's.
func (t *Term) Resize(tb testing.TB, w, h int) {
	tb.Helper()
	t.Screen.resize(w, h)
	if err := pty.Setsize(t.pty, &pty.Winsize{Cols: uint16(w), Rows: uint16(h)}); err != nil {
		tb.Fatalf("resize: %v", err)
	}
}

// Send types s into the terminal.
func (t *Term) Send(tb testing.TB, s string) {
	tb.Helper()
	if _, err := io.WriteString(t.pty, s); err != nil {
		tb.Fatalf("send %q: %v", s, err)
	}
}

// WaitFor polls the screen until cond holds, failing the test after timeout with the
// screen as it was. It returns the screen that satisfied cond.
func (t *Term) WaitFor(tb testing.TB, timeout time.Duration, what string, cond func(screen string) bool) string {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := t.Screen.String()
		if cond(s) {
			return s
		}
		select {
		case <-t.done:
			// The process is gone: give the last output a moment to be read.
			select {
			case <-t.read:
			case <-time.After(time.Second):
			}
			if s := t.Screen.String(); cond(s) {
				return s
			}
			tb.Fatalf("process exited (%v) while waiting for %s; screen:\n%s", t.exitErr(), what, t.Screen.String())
		case <-t.Screen.changed:
		case <-time.After(50 * time.Millisecond): // the deadline check below
		}
		if time.Now().After(deadline) {
			tb.Fatalf("no %s within %v; screen:\n%s", what, timeout, s)
		}
	}
}

// Wait waits up to timeout for the process to exit and returns its exit code.
func (t *Term) Wait(tb testing.TB, timeout time.Duration) int {
	tb.Helper()
	select {
	case <-t.done:
	case <-time.After(timeout):
		tb.Fatalf("process still running after %v; screen:\n%s", timeout, t.Screen.String())
	}
	var ee *exec.ExitError
	if err := t.exitErr(); errors.As(err, &ee) {
		return ee.ExitCode()
	} else if err != nil {
		tb.Fatalf("wait: %v", err)
	}
	return 0
}

func (t *Term) exitErr() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// Build returns the kmslab binary to run: $KMSLAB_BIN if set, else one built from the
// module into a temporary directory.
func Build(tb testing.TB) string {
	tb.Helper()
	if bin := os.Getenv("KMSLAB_BIN"); bin != "" {
		return bin
	}
	root, err := moduleRoot()
	if err != nil {
		tb.Fatal(err)
	}
	bin := filepath.Join(tb.TempDir(), "kmslab")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/kmslab")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build ./cmd/kmslab: %v\n%s", err, out)
	}
	return bin
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
