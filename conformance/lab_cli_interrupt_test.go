package conformance

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmslab/kmslab/conformance/sandboxproc"
)

// TestLabCLIInterrupt stops `kmslab run --all` with SIGINT in the middle of step 1, against
// a sandbox that answers every call 300 ms late, then runs the lab again: the interrupted
// run exits 130, and the next one finishes the lab with a single key.
func TestLabCLIInterrupt(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	p, err := sandboxproc.Start(ctx, kmslabBin(t), t.TempDir(), "--quiet", "--faults", "latency=300ms")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := p.Stop(stopTimeout); err != nil {
			t.Errorf("stop sandbox: %v", err)
		}
	})
	u := newLabUser(t, p.Exports.Env()...)
	args := []string{"run", "--all", "--yes", "--target", "sandbox", "--endpoint", p.Exports.EndpointURL}

	code, out := runUntilThenInterrupt(t, u, args, func(line string) bool {
		c, ok := sandboxproc.ParseCall(line)
		return ok && c.Op == "create-key"
	})
	if code != 130 {
		t.Errorf("interrupted run: exit %d, want 130; output:\n%s", code, out)
	}
	if strings.Contains(out, "The lab is complete") {
		t.Errorf("the interrupted run says the lab is complete:\n%s", out)
	}

	again := u.expect(0, args...)
	if strings.Contains(again.Stderr, "warning") {
		t.Errorf("the run after the interrupt warns:\n%s", again.Stderr)
	}
	rep := u.check(0, "--target", "sandbox", "--endpoint", p.Exports.EndpointURL)
	expectStatuses(t, rep, "done", nil)
	keyARN, _ := labARNs(t, rep)

	// The key made before the interrupt was reused, not left behind beside a second one.
	lctx, lcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer lcancel()
	keys, err := kms.NewFromConfig(p.Exports.Admin(nil)).ListKeys(lctx, &kms.ListKeysInput{})
	if err != nil {
		t.Fatalf("ListKeys: %v", err)
	}
	var arns []string
	for _, k := range keys.Keys {
		arns = append(arns, *k.KeyArn)
	}
	if len(arns) != 1 || arns[0] != keyARN {
		t.Errorf("keys after the interrupted and the finished run: %v, want only %s", arns, keyARN)
	}
	for i, r := range u.results {
		expectCleanText(t, fmt.Sprintf("command %d (kmslab %s)", i+1, strings.Join(r.Args, " ")), r.Output(), p.Exports.SecretAccessKey)
	}
	expectPrivateState(t, u.dirs, p.Exports.SecretAccessKey)
}

// runUntilThenInterrupt starts `kmslab args...`, sends SIGINT once a stdout line satisfies
// at, and returns the exit code and all the output. A run that ends before such a line, or
// hangs, fails the test.
func runUntilThenInterrupt(t *testing.T, u *labUser, args []string, at func(string) bool) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), labCmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, u.bin, args...)
	cmd.Env = u.dirs.Env(u.env...)
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sent := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		if !sent && at(line) {
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatalf("SIGINT: %v", err)
			}
			sent = true
		}
	}
	_ = cmd.Wait()
	all := out.String() + stderr.String()
	u.results = append(u.results, sandboxproc.LabResult{Args: args, Stdout: out.String(), Stderr: stderr.String(), Code: cmd.ProcessState.ExitCode()})
	if ctx.Err() != nil {
		t.Fatalf("kmslab %s did not end within %v:\n%s", strings.Join(args, " "), labCmdTimeout, all)
	}
	if !sent {
		t.Fatalf("kmslab %s ended before the line to interrupt at:\n%s", strings.Join(args, " "), all)
	}
	return cmd.ProcessState.ExitCode(), all
}
