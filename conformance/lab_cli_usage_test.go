package conformance

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLabCLIUsageErrors: a mistyped command exits 2 with a message that names the mistake,
// before it opens the sandbox or writes progress.
func TestLabCLIUsageErrors(t *testing.T) {
	t.Parallel()
	u := newLabUser(t)
	for _, c := range []struct {
		args []string
		says []string
	}{
		{[]string{"run", "--step", "nope"}, []string{`"nope"`, "create-key", "grant-access"}},
		{[]string{"run", "--all", "--step", "1"}, []string{"--all", "--step"}},
		{[]string{"run", "--all", "--yes", "--prefix", "Bad Prefix"}, []string{"--prefix", `"Bad Prefix"`}},
		{[]string{"run", "--all", "--yes", "--target", "mars"}, []string{`"mars"`, "sandbox", "localstack", "aws"}},
		{[]string{"check", "--region", "moon"}, []string{`"moon"`, "region"}},
		{[]string{"cleanup", "--yes", "--frobnicate"}, []string{"--frobnicate"}},
	} {
		r := u.run(c.args...)
		cmd := "kmslab " + strings.Join(c.args, " ")
		if r.Code != 2 {
			t.Errorf("%s: exit %d, want 2; output:\n%s", cmd, r.Code, r.Output())
			continue
		}
		// fang may fold a long message over lines; compare with the folds undone.
		msg := strings.Join(strings.Fields(r.Stderr), " ")
		if missing := containsAll(msg, c.says...); len(missing) > 0 {
			t.Errorf("%s: stderr lacks %q:\n%s", cmd, missing, r.Stderr)
		}
		if len(callsOf(r.Stdout)) > 0 {
			t.Errorf("%s: made AWS calls:\n%s", cmd, r.Stdout)
		}
	}
	for _, dir := range []string{u.dirs.SandboxDir(), u.dirs.ProgressDir()} {
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("usage errors left %s behind (%v)", dir, err)
		}
	}

	// A step out of order is not a usage error: it runs, finds step 1 missing and says so.
	r := u.expect(1, "run", "--step", "deny-user")
	if !strings.Contains(r.Stdout, "needs create-key first") {
		t.Errorf("run --step deny-user on a fresh sandbox does not say it needs create-key first:\n%s", r.Output())
	}
	for _, c := range callsOf(r.Stdout) {
		if c.Mutating() {
			t.Errorf("run --step deny-user on a fresh sandbox made a change: %s", c.CLI)
		}
	}
}

// TestLabCLIAWSWithoutSetup: --target aws with no region, or no credentials, stops with a
// clear message before any AWS call. The AWS config files point at nothing, the instance
// metadata service is off, and the endpoint is a closed loopback port, so nothing can leave
// this machine whatever the code does.
func TestLabCLIAWSWithoutSetup(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no-such-file")
	u := newLabUser(t, "AWS_CONFIG_FILE="+missing, "AWS_SHARED_CREDENTIALS_FILE="+missing, "AWS_EC2_METADATA_DISABLED=true")
	closed := closedPort(t)
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"run", "--all", "--yes", "--target", "aws", "--endpoint", closed}, "region"},
		{[]string{"run", "--all", "--yes", "--target", "aws", "--region", "eu-west-1", "--endpoint", closed}, "credentials"},
	} {
		r := u.run(c.args...)
		cmd := "kmslab " + strings.Join(c.args, " ")
		if r.Code == 0 {
			t.Errorf("%s: exit 0 without AWS setup; output:\n%s", cmd, r.Output())
		}
		if msg := strings.Join(strings.Fields(r.Stderr), " "); !strings.Contains(msg, c.says) {
			t.Errorf("%s: stderr does not mention %s:\n%s", cmd, c.says, r.Output())
		}
		if calls := callsOf(r.Stdout); len(calls) > 0 {
			t.Errorf("%s: made AWS calls: %+v", cmd, calls)
		}
	}
	if entries, err := os.ReadDir(u.dirs.Home); err != nil || len(entries) != 0 {
		t.Errorf("HOME after the failed runs: %v %v, want it untouched", entries, err)
	}
}

// closedPort is the URL of a loopback port that nothing listens on (just freed).
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}
