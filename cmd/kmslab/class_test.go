package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmslab/kmslab/sandbox"
	"github.com/kmslab/kmslab/sandbox/datadir"
	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

// doSteps runs the first n steps as student i of the class written in dir.
func doSteps(ctx context.Context, t *testing.T, a datadir.ClassAccount, n int) {
	t.Helper()
	env := map[string]string{"AWS_ACCESS_KEY_ID": a.AccessKeyID, "AWS_SECRET_ACCESS_KEY": a.SecretAccessKey, "AWS_REGION": a.Region}
	tg, err := target.Open(ctx, target.Options{Kind: target.Sandbox, Endpoint: a.Endpoint, DataDir: t.TempDir(), Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	lab, err := steps.New(tg, steps.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range steps.All()[:n] {
		if v, err := st.Run(ctx, lab); err != nil || !v.Passed() {
			t.Fatalf("student %d, %s: %v %v", a.Student, st.ID, v, err)
		}
	}
}

// TestClassStatusOfAPartlyDoneClass: one student finished, one is at step 3, one has not
// started; the table and the JSON say so, step by step, in words.
func TestClassStatusOfAPartlyDoneClass(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	c, err := sandbox.OpenClass(sandbox.ClassOptions{DataDir: dir, Students: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	url, err := c.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.WriteFiles(url); err != nil {
		t.Fatal(err)
	}
	accounts, err := datadir.ReadClass(dir)
	if err != nil {
		t.Fatal(err)
	}
	doSteps(ctx, t, accounts[0], 5)
	doSteps(ctx, t, accounts[1], 2)

	var out bytes.Buffer
	if err := runClassStatus(ctx, classStatusFlags{dataDir: dir, prefix: steps.DefaultPrefix}, &out); err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"1", "000000000001", "done", "done", "done", "done", "done", "complete"},
		{"2", "000000000002", "done", "done", "not-done", "not-done", "not-done", "in", "progress"},
		{"3", "000000000003", "not-done", "not-done", "not-done", "not-done", "not-done", "in", "progress"},
	}
	lines := strings.Split(out.String(), "\n")
	if len(lines) < 5 || !strings.HasPrefix(lines[0], "STUDENT") {
		t.Fatalf("status:\n%s", out.String())
	}
	for i, w := range want {
		if got := strings.Fields(lines[i+1]); strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("row %d = %q, want %q", i+1, got, w)
		}
	}
	if !strings.Contains(out.String(), "1 of 3 students complete.") {
		t.Errorf("no summary in:\n%s", out.String())
	}
	if strings.Contains(out.String(), accounts[0].SecretAccessKey) {
		t.Error("the status shows a secret key")
	}

	out.Reset()
	if err := runClassStatus(ctx, classStatusFlags{dataDir: dir, prefix: steps.DefaultPrefix, asJSON: true}, &out); err != nil {
		t.Fatal(err)
	}
	var rep classReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out.String())
	}
	if rep.Students != 3 || rep.Complete != 1 || len(rep.Accounts) != 3 {
		t.Fatalf("report = %+v", rep)
	}
	for i, a := range rep.Accounts {
		if a.Account != sandbox.ClassAccountID(i+1) || len(a.Steps) != 5 || a.Error != "" {
			t.Fatalf("account %d = %+v", i, a)
		}
		for j, s := range a.Steps {
			if s.ID != steps.All()[j].ID || s.Status != want[i][2+j] {
				t.Errorf("student %d, %s = %s, want %s", i+1, s.ID, s.Status, want[i][2+j])
			}
		}
	}
	if c := rep.Accounts[1].Steps[2].Cause; c == "" {
		t.Error("a step not done has no cause for the instructor")
	}

	// Once the class stops, every student is "not checked", with the reason.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := runClassStatus(ctx, classStatusFlags{dataDir: dir, prefix: steps.DefaultPrefix}, &out); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "not checked"); n != 3 || !strings.Contains(out.String(), "0 of 3 students complete.") {
		t.Errorf("status of a stopped class:\n%s", out.String())
	}
}

func TestClassStatusWithoutAClass(t *testing.T) {
	err := runClassStatus(context.Background(), classStatusFlags{dataDir: t.TempDir(), prefix: steps.DefaultPrefix}, &bytes.Buffer{})
	if !errors.Is(err, datadir.ErrNoClass) || !strings.Contains(err.Error(), "kmslab sandbox --class") {
		t.Errorf("err = %v", err)
	}
	err = runClassStatus(context.Background(), classStatusFlags{dataDir: t.TempDir(), prefix: "Bad Prefix"}, &bytes.Buffer{})
	if !errors.Is(err, errUsage) {
		t.Errorf("bad prefix: %v", err)
	}
}

func TestClassCommandHasStatus(t *testing.T) {
	cmd := newClassCmd()
	st, _, err := cmd.Find([]string{"status"})
	if err != nil || st.Name() != "status" || st.Flags().Lookup("json") == nil || st.Flags().Lookup("data-dir") == nil {
		t.Fatalf("class status: %v %v", st, err)
	}
}

// TestSandboxCommandServesAClass: `kmslab sandbox --class 2` prints each student's keys as
// a table, writes them to class.csv and class.env (0600) and says where on stderr.
func TestSandboxCommandServesAClass(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "class")
	cmd := exec.Command(kmslabBin, "sandbox", "--class", "2", "--listen", "127.0.0.1:0", "--data-dir", dir, "--quiet")
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	stdout, _ := cmd.StdoutPipe()
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	rows := make(chan []string, 4)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 4 && strings.HasPrefix(f[2], "AKIA") {
				rows <- f
			}
		}
		close(rows)
	}()
	var table [][]string
	for len(table) < 2 {
		select {
		case r, ok := <-rows:
			if !ok {
				t.Fatalf("the table ended early; stderr:\n%s", stderr.String())
			}
			table = append(table, r)
		case <-time.After(20 * time.Second):
			t.Fatalf("no table within 20 s; stderr:\n%s", stderr.String())
		}
	}
	accounts, err := datadir.ReadClass(dir)
	if err != nil || len(accounts) != 2 {
		t.Fatalf("class file: %v %v", accounts, err)
	}
	for i, a := range accounts {
		if got := strings.Join(table[i], " "); got != strings.Join([]string{a.AccountID[len(a.AccountID)-1:], a.AccountID, a.AccessKeyID, a.SecretAccessKey}, " ") {
			t.Errorf("table row %d does not match the class file (account %s)", i+1, a.AccountID)
		}
		if !strings.HasPrefix(a.Endpoint, "http://127.0.0.1:") {
			t.Errorf("endpoint %q", a.Endpoint)
		}
	}
	for _, f := range []string{datadir.ClassCSV, datadir.ClassEnv} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, want mode 0600", f, err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), filepath.Join(dir, datadir.ClassCSV)) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(stderr.String(), filepath.Join(dir, datadir.ClassEnv)) {
		t.Errorf("stderr does not say where the class files are:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), accounts[0].SecretAccessKey) {
		t.Error("a secret key on stderr")
	}
}

// TestSandboxCommandKeepsToLoopback: only the classroom sandbox serves beyond loopback.
func TestSandboxCommandKeepsToLoopback(t *testing.T) {
	cases := [][]string{
		{"sandbox", "--listen", "0.0.0.0:0"},
		{"sandbox", "--listen", "192.0.2.1:4566"},
		{"sandbox", "--class", "0"},
		{"sandbox", "--class", "201"},
		{"sandbox", "--class", "-3"},
	}
	for _, args := range cases {
		dir := filepath.Join(t.TempDir(), "data")
		out, err := exec.Command(kmslabBin, append(args, "--data-dir", dir)...).CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("%v: want exit 2, got %v\n%s", args, err, out)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("%v: the data directory was made before the refusal", args)
		}
		if strings.HasPrefix(args[2], "0.0") && !strings.Contains(string(out), "--class") {
			t.Errorf("%v: the refusal does not name --class:\n%s", args, out)
		}
	}
	for host, want := range map[string]bool{"127.0.0.1": true, "::1": true, "localhost": true, "0.0.0.0": false, "::": false, "10.0.0.5": false, "example.com": false} {
		if isLoopback(host) != want {
			t.Errorf("isLoopback(%q) = %v", host, !want)
		}
	}
	if got := studentEndpoint("http://127.0.0.1:4566"); got != "http://127.0.0.1:4566" {
		t.Errorf("studentEndpoint(loopback) = %s", got)
	}
	if got := studentEndpoint("http://0.0.0.0:4566"); strings.Contains(got, "0.0.0.0") || !strings.HasSuffix(got, ":4566") {
		t.Errorf("studentEndpoint(wildcard) = %s, want this machine's name", got)
	}
}

// lockedBuffer is a bytes.Buffer a child process writes to while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
