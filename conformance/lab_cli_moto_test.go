package conformance

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kmslab/kmslab/conformance/sandboxproc"
)

// TestLabCLIMoto runs the lab against a real moto_server, an emulator that does not evaluate
// key policies: every step but the denial passes, and the denial is reported honestly as
// cannot-demonstrate, with what AWS would say.
func TestLabCLIMoto(t *testing.T) {
	moto, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server is not on PATH")
	}
	t.Parallel()
	url := startMotoServer(t, moto)
	u := newLabUser(t)
	at := []string{"--target", "localstack", "--endpoint", url}

	u.expect(0, append([]string{"run", "--all", "--yes"}, at...)...)
	rep := u.check(0, at...)
	expectStatuses(t, rep, "done", map[string]string{"deny-user": "cannot-demonstrate"})
	if !rep.Complete {
		t.Error("check --json on moto: complete is false; cannot-demonstrate must not block completion")
	}
	if rep.Target != "emulator" || rep.Enforces != "does-not-enforce" || rep.Endpoint != url {
		t.Errorf("check --json on moto: target %q, enforcesKeyPolicies %q, endpoint %q", rep.Target, rep.Enforces, rep.Endpoint)
	}
	keyARN, userARN := labARNs(t, rep)
	deny := rep.step("deny-user")
	if deny.Cause != "NOT_ENFORCED" {
		t.Errorf("deny-user cause %q, want NOT_ENFORCED", deny.Cause)
	}
	if missing := containsAll(deny.Evidence["awsWouldSay"], "kms:Decrypt", userARN, keyARN); len(missing) > 0 {
		t.Errorf("deny-user evidence.awsWouldSay lacks %q: %q", missing, deny.Evidence["awsWouldSay"])
	}

	u.expect(0, append([]string{"cleanup", "--yes"}, at...)...)
	rep = u.check(1, at...)
	expectStatuses(t, rep, "not-done", nil)
	for i, r := range u.results {
		expectCleanText(t, fmt.Sprintf("command %d (kmslab %s)", i+1, strings.Join(r.Args, " ")), r.Output(), "")
	}
}

// startMotoServer runs moto_server on a free loopback port with AWS's managed policies
// loaded (moto 5 leaves them out unless asked), and stops it when the test ends.
func startMotoServer(t *testing.T, bin string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	logFile, err := os.Create(filepath.Join(t.TempDir(), "moto.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "MOTO_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	server, err := sandboxproc.StartGroup(cmd)
	if err != nil {
		t.Fatalf("start moto_server: %v", err)
	}
	t.Cleanup(func() {
		server.Stop(5 * time.Second)
		_ = logFile.Close()
		if t.Failed() {
			if raw, err := os.ReadFile(logFile.Name()); err == nil {
				t.Logf("moto_server log (tail):\n%s", lastLines(string(raw), 30))
			}
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return "http://" + addr
		}
		select {
		case <-server.Done():
			t.Fatalf("moto_server exited before listening on %s", addr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not listen on %s within 30 s: %v", addr, err)
		}
	}
}
