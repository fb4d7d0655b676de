package sandboxproc

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fake writes a shell script that stands in for kmslab.
func fake(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kmslab")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestStartReadsExportsAndStopsOnSIGTERM(t *testing.T) {
	bin := fake(t, `trap 'echo bye >&2; exit 0' TERM
echo "starting" >&2
echo "export AWS_ACCESS_KEY_ID=AKIAFAKEFAKEFAKEFAKE"
echo "export AWS_SECRET_ACCESS_KEY='se/cr+et'"
echo "export AWS_REGION=us-east-1"
echo "export AWS_ENDPOINT_URL=http://127.0.0.1:40000"
while :; do sleep 0.05; done
`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := Start(ctx, bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	want := Exports{"AKIAFAKEFAKEFAKEFAKE", "se/cr+et", "us-east-1", "http://127.0.0.1:40000"}
	if p.Exports != want {
		t.Errorf("Exports = %+v, want %+v", p.Exports, want)
	}
	if !slices.Contains(p.Exports.Env(), "AWS_ENDPOINT_URL=http://127.0.0.1:40000") {
		t.Errorf("Env() = %v", p.Exports.Env())
	}
	if p.Ready.Before(p.Exec) {
		t.Errorf("Ready %v before Exec %v", p.Ready, p.Exec)
	}
	if _, err := p.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if p.ExitCode() != 0 {
		t.Errorf("exit code %d, want 0", p.ExitCode())
	}
	if s := p.Stderr(); !strings.Contains(s, "starting") || !strings.Contains(s, "bye") {
		t.Errorf("Stderr() = %q", s)
	}
	// Stopping twice is harmless.
	if _, err := p.Stop(time.Second); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestStartFailsWhenTheProcessExitsEarly(t *testing.T) {
	bin := fake(t, "echo 'data dir locked' >&2\nexit 1\n")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Start(ctx, bin, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "data dir locked") {
		t.Fatalf("Start = %v, want an error carrying stderr", err)
	}
}

func TestStartGivesUpAtTheDeadline(t *testing.T) {
	bin := fake(t, "echo 'export AWS_REGION=us-east-1'\nexec sleep 30\n")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Start(ctx, bin, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "printed no exports") {
		t.Fatalf("Start = %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Start took %v after its deadline", d)
	}
}

func TestTailKeepsTheEnd(t *testing.T) {
	tl := &tail{max: 8}
	_, _ = tl.Write([]byte("0123456789"))
	_, _ = tl.Write([]byte("ab"))
	if got := tl.String(); got != "456789ab" {
		t.Errorf("tail = %q", got)
	}
}
