package sandboxproc

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// LabDirs are the private directories one kmslab user gets in a test: HOME and the two XDG
// homes, from which kmslab derives the sandbox data directory and the progress directory.
type LabDirs struct {
	Home, Data, State string
}

// NewLabDirs makes home, data and state under root (0700, as a real home would be).
func NewLabDirs(root string) (LabDirs, error) {
	d := LabDirs{Home: filepath.Join(root, "home"), Data: filepath.Join(root, "data"), State: filepath.Join(root, "state")}
	for _, p := range []string{d.Home, d.Data, d.State} {
		if err := os.MkdirAll(p, 0o700); err != nil {
			return LabDirs{}, err
		}
	}
	return d, nil
}

// SandboxDir is where kmslab keeps the built-in sandbox by default for this user.
func (d LabDirs) SandboxDir() string { return filepath.Join(d.Data, "kmslab", "sandbox") }

// ProgressDir is where kmslab keeps this user's progress files.
func (d LabDirs) ProgressDir() string { return filepath.Join(d.State, "kmslab", "progress") }

// droppedEnv are variables a lab command must not inherit from the machine: every AWS_
// setting, the homes, and the colour switches (tests set NO_COLOR themselves).
func droppedEnv(kv string) bool {
	name, _, _ := strings.Cut(kv, "=")
	if strings.HasPrefix(name, "AWS_") || strings.HasPrefix(name, "XDG_") {
		return true
	}
	switch name {
	case "HOME", "NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "FORCE_COLOR", "COLORTERM":
		return true
	}
	return false
}

// Env is the machine's environment less droppedEnv, with HOME and the XDG homes set to d,
// then extra (KEY=value) on top.
func (d LabDirs) Env(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !droppedEnv(kv) {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+d.Home, "XDG_DATA_HOME="+d.Data, "XDG_STATE_HOME="+d.State)
	return append(env, extra...)
}

// LabResult is one finished kmslab command.
type LabResult struct {
	Args           []string
	Stdout, Stderr string
	// Code is the exit code, -1 when the process was killed by a signal.
	Code int
	Took time.Duration
}

// Output is stdout and stderr together, for searching and for failure messages.
func (r LabResult) Output() string { return r.Stdout + r.Stderr }

// RunLab runs bin with args in env, stdout and stderr on pipes (never a terminal), and
// waits for it. The process is killed when ctx ends; err is set then, and when it could not
// start. A non-zero exit is not an error: it is in Code.
func RunLab(ctx context.Context, bin string, env []string, args ...string) (LabResult, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := LabResult{Args: args, Stdout: stdout.String(), Stderr: stderr.String(), Took: time.Since(start), Code: -1}
	if cmd.ProcessState != nil {
		r.Code = cmd.ProcessState.ExitCode()
	}
	if ctx.Err() != nil {
		return r, ctx.Err()
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return r, err
	}
	return r, nil
}

// PID is the process id of the running sandbox.
func (p *Proc) PID() int { return p.cmd.Process.Pid }
