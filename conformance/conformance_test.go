// Package conformance proves the sandbox's wire behaviour with clients nobody here wrote:
// the AWS CLI (v1 from pip, v2 from Debian) and boto3 run the whole lab against a real
// `kmslab sandbox` process, and the state is checked again after a restart.
package conformance

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kmslab/kmslab/conformance/sandboxproc"
)

const (
	startTimeout  = 20 * time.Second
	scriptTimeout = 5 * time.Minute
	stopTimeout   = 10 * time.Second
)

// kmslabBin builds cmd/kmslab once per test binary.
func kmslabBin(t testing.TB) string {
	t.Helper()
	bin, err := sandboxproc.BuildOnce()
	if err != nil {
		t.Fatalf("build kmslab: %v", err)
	}
	return bin
}

// startSandbox runs `kmslab sandbox` on dataDir and stops it when the test ends.
func startSandbox(t *testing.T, dataDir string) *sandboxproc.Proc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	p, err := sandboxproc.Start(ctx, kmslabBin(t), dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := p.Stop(stopTimeout); err != nil {
			t.Errorf("stop sandbox: %v", err)
		}
		if t.Failed() {
			t.Logf("sandbox stderr (tail):\n%s", lastLines(p.Stderr(), 60))
		}
	})
	return p
}

// clientEnv is the environment for a client process: the machine's, less every AWS_
// variable, plus the sandbox's exports and empty config files so no user config leaks in.
func clientEnv(t *testing.T, ex sandboxproc.Exports, extra ...string) []string {
	t.Helper()
	dir := t.TempDir()
	cfg, creds := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	for _, f := range []string{cfg, creds} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	env = append(env, ex.Env()...)
	env = append(env, "AWS_CONFIG_FILE="+cfg, "AWS_SHARED_CREDENTIALS_FILE="+creds, "AWS_PAGER=",
		"AWS_EC2_METADATA_DISABLED=true", "PYTHONUNBUFFERED=1")
	return append(env, extra...)
}

// runClient runs a lab script and fails the test (listing its FAIL lines) when it exits non-zero.
func runClient(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	text := out.String()
	took := time.Since(start).Round(time.Millisecond)
	if testing.Verbose() {
		t.Logf("%s %s: %v in %v\n%s", name, strings.Join(args, " "), exitStatus(err), took, text)
	} else {
		t.Logf("%s %s: %v in %v: %s", name, strings.Join(args, " "), exitStatus(err), took, lastLines(text, 1))
	}
	if ctx.Err() != nil {
		t.Fatalf("%s timed out after %v", args, scriptTimeout)
	}
	if err != nil {
		t.Errorf("%s failed (%v); failing checks:\n%s", filepath.Base(args[len(args)-1]), err, failLines(text))
	}
	return text
}

func exitStatus(err error) string {
	if err == nil {
		return "exit 0"
	}
	return err.Error()
}

func failLines(out string) string {
	var b strings.Builder
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "FAIL") {
			b.WriteString(l + "\n")
			for j := i + 1; j < len(lines) && strings.HasPrefix(lines[j], "        "); j++ {
				b.WriteString(lines[j] + "\n")
			}
		}
	}
	if b.Len() == 0 {
		return lastLines(out, 20)
	}
	return b.String()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// awsCLI is one AWS CLI install found on the machine.
type awsCLI struct {
	major string // "v1" or "v2"
	path  string
}

var cliVersion = regexp.MustCompile(`aws-cli/(\d+)\.`)

// findCLIs returns the AWS CLIs present: `aws` from PATH, and Debian's /usr/bin/aws, one per
// major version.
func findCLIs() []awsCLI {
	var cands []string
	if p, err := exec.LookPath("aws"); err == nil {
		cands = append(cands, p)
	}
	cands = append(cands, "/usr/bin/aws", "/usr/local/bin/aws")
	seen := map[string]bool{}
	var clis []awsCLI
	for _, p := range cands {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := exec.CommandContext(ctx, p, "--version").CombinedOutput()
		cancel()
		m := cliVersion.FindSubmatch(out)
		if err != nil || m == nil {
			continue
		}
		major := "v" + string(m[1])
		if !seen[major] {
			seen[major] = true
			clis = append(clis, awsCLI{major: major, path: p})
		}
	}
	return clis
}

// havePythonBoto3 tells whether python3 with boto3 is here, and why not.
func havePythonBoto3() (string, error) {
	py, err := exec.LookPath("python3")
	if err != nil {
		return "", fmt.Errorf("python3 is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, py, "-c", "import boto3").CombinedOutput(); err != nil {
		return "", fmt.Errorf("python3 has no boto3: %s", bytes.TrimSpace(out))
	}
	return py, nil
}

func TestLabAWSCLI(t *testing.T) {
	clis := findCLIs()
	if len(clis) == 0 {
		t.Skip("no AWS CLI on this machine (neither `aws` in PATH nor /usr/bin/aws)")
	}
	script, err := filepath.Abs("lab_awscli.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, cli := range clis {
		t.Run("awscli-"+cli.major, func(t *testing.T) {
			t.Parallel()
			p := startSandbox(t, t.TempDir())
			runClient(t, clientEnv(t, p.Exports, "LAB_AWS_CLI="+cli.path), "bash", script)
		})
	}
}

func TestLabBoto3(t *testing.T) {
	py, err := havePythonBoto3()
	if err != nil {
		t.Skip(err)
	}
	t.Parallel()
	p := startSandbox(t, t.TempDir())
	runClient(t, clientEnv(t, p.Exports), py, "lab_boto3.py")
}
