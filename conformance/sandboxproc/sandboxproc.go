// Package sandboxproc builds the kmslab binary and runs `kmslab sandbox` as a child process,
// the way a user starts it, for the conformance tests and the benchmarks: it reads the
// exports the sandbox prints on stdout and stops it with a signal.
package sandboxproc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/kmslab/kmslab/internal/sdkhttp"
)

// BinEnv names an environment variable that points at a prebuilt kmslab binary; when it is
// set, Build uses that binary instead of compiling one.
const BinEnv = "KMSLAB_BIN"

// Exports are the four shell lines `kmslab sandbox` prints for the admin.
type Exports struct {
	AccessKeyID     string
	SecretAccessKey string
	Region          string
	EndpointURL     string
}

// Env returns the exports as KEY=value entries for exec.Cmd.Env.
func (e Exports) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + e.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + e.SecretAccessKey,
		"AWS_REGION=" + e.Region,
		"AWS_DEFAULT_REGION=" + e.Region,
		"AWS_ENDPOINT_URL=" + e.EndpointURL,
	}
}

func (e Exports) complete() bool {
	return e.AccessKeyID != "" && e.SecretAccessKey != "" && e.Region != "" && e.EndpointURL != ""
}

// set records one `export NAME=value` line; other lines are ignored.
func (e *Exports) set(line string) {
	name, value, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "export "), "=")
	if !ok {
		return
	}
	value = strings.Trim(value, `"'`)
	switch name {
	case "AWS_ACCESS_KEY_ID":
		e.AccessKeyID = value
	case "AWS_SECRET_ACCESS_KEY":
		e.SecretAccessKey = value
	case "AWS_REGION":
		e.Region = value
	case "AWS_ENDPOINT_URL":
		e.EndpointURL = value
	}
}

// Config is an aws.Config for the sandbox with the given credentials: static keys, the
// printed region and endpoint, no retries (callers see every error as it comes).
func (e Exports) Config(keyID, secret string, client *http.Client) aws.Config {
	cfg := aws.Config{
		Region:           e.Region,
		Credentials:      credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		BaseEndpoint:     aws.String(e.EndpointURL),
		RetryMaxAttempts: 1,
		Retryer:          func() aws.Retryer { return aws.NopRetryer{} },
	}
	if client != nil {
		cfg.HTTPClient = sdkhttp.New(client)
	} else {
		cfg.HTTPClient = sdkhttp.New(nil)
	}
	return cfg
}

// Admin is Config for the admin credentials the sandbox printed.
func (e Exports) Admin(client *http.Client) aws.Config {
	return e.Config(e.AccessKeyID, e.SecretAccessKey, client)
}

// ModuleRoot finds the directory holding go.mod, from the working directory upwards.
func ModuleRoot() (string, error) {
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

var built struct {
	once sync.Once
	path string
	err  error
}

// BuildOnce is Build into a temporary directory, done once per process; later calls return
// the same binary. The directory lives as long as the process (tests and benchmarks).
func BuildOnce() (string, error) {
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "kmslab-bin-")
		if err != nil {
			built.err = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		built.path, built.err = Build(ctx, dir)
	})
	return built.path, built.err
}

// Build compiles ./cmd/kmslab of the module into outDir and returns the binary's path, or
// returns $KMSLAB_BIN when that is set.
func Build(ctx context.Context, outDir string) (string, error) {
	if bin := os.Getenv(BinEnv); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("%s: %w", BinEnv, err)
		}
		return bin, nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(outDir, "kmslab")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/kmslab")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/kmslab: %w\n%s", err, out)
	}
	return bin, nil
}

// Proc is a running `kmslab sandbox`.
type Proc struct {
	Exports Exports
	// Exec is when the process was started; Ready is when its exports had been read.
	Exec, Ready time.Time

	cmd     *exec.Cmd
	stderr  *tail
	done    chan struct{}
	waitErr error
	stopped sync.Once
}

// Start runs `bin sandbox --listen 127.0.0.1:0 --data-dir dataDir args...` and waits until it
// has printed its four exports (or exited, or ctx ended). The process is not tied to ctx:
// call Stop or Kill.
func Start(ctx context.Context, bin, dataDir string, args ...string) (*Proc, error) {
	p := &Proc{stderr: &tail{max: 64 << 10}, done: make(chan struct{})}
	argv := append([]string{"sandbox", "--listen", "127.0.0.1:0", "--data-dir", dataDir}, args...)
	p.cmd = exec.Command(bin, argv...)
	p.cmd.Stderr = p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.Exec = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan Exports, 1)
	go func() {
		var ex Exports
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			ex.set(sc.Text())
			if !sent && ex.complete() {
				ready <- ex
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, stdout) // keep draining so the child never blocks
	}()
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	select {
	case ex := <-ready:
		p.Exports, p.Ready = ex, time.Now()
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("kmslab sandbox exited before printing its exports (%v); stderr:\n%s", p.waitErr, p.Stderr())
	case <-ctx.Done():
		p.Kill()
		return nil, fmt.Errorf("kmslab sandbox printed no exports: %w; stderr:\n%s", ctx.Err(), p.Stderr())
	}
}

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// ExitCode is the exit code once Done is closed (-1 when killed by a signal).
func (p *Proc) ExitCode() int { return p.cmd.ProcessState.ExitCode() }

// Stop sends SIGTERM and waits up to timeout for the process to exit; past that it kills
// it and returns an error. It returns how long the exit took.
func (p *Proc) Stop(timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	select {
	case <-p.done:
		return 0, nil
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return 0, err
	}
	select {
	case <-p.done:
		return time.Since(start), nil
	case <-time.After(timeout):
		p.Kill()
		return time.Since(start), fmt.Errorf("kmslab sandbox still running %v after SIGTERM; killed", timeout)
	}
}

// Kill ends the process at once and waits for it.
func (p *Proc) Kill() {
	p.stopped.Do(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
}

// Stderr is the last part of what the process logged.
func (p *Proc) Stderr() string { return p.stderr.String() }

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
