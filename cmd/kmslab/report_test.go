package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/kmslab/kmslab/content"
	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

// execute runs one command in this process and returns its stdout and error.
func execute(t *testing.T, cmd *cobra.Command, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetIn(strings.NewReader(stdin))
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// labDir is a sandbox data directory with progress kept apart from the user's.
func labDir(t *testing.T) string {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("NO_COLOR", "1")
	return filepath.Join(t.TempDir(), "sandbox")
}

var (
	secretRun   = regexp.MustCompile(`(^|[^A-Za-z0-9/+])[A-Za-z0-9/+]{40}($|[^A-Za-z0-9/+])`)
	accessKeyID = regexp.MustCompile(`(AKIA|ASIA)[A-Z0-9]{16}`)
)

// adminSecret opens the sandbox the commands used, to learn the secret the report must not hold.
func adminSecret(t *testing.T, dir string) string {
	t.Helper()
	tg, err := target.Open(context.Background(), target.Options{Kind: target.Sandbox, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	c, err := tg.Admin.Credentials.Retrieve(context.Background())
	if err != nil || len(c.SecretAccessKey) < 20 {
		t.Fatalf("admin credentials: %v", err)
	}
	return c.SecretAccessKey
}

func TestReportOfAFullRun(t *testing.T) {
	dir := labDir(t)
	sb := []string{"--target", "sandbox", "--data-dir", dir}
	if _, err := execute(t, newRunCmd(), "", append([]string{"--all", "--yes"}, sb...)...); err != nil {
		t.Fatalf("run: %v", err)
	}
	// Quiz step 1: the first answer right, the others wrong.
	man, err := content.Load()
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := man.Step(steps.CreateKey)
	var answers strings.Builder
	for i, q := range ms.Quiz {
		pick := q.Answer
		if i > 0 {
			pick = (q.Answer + 1) % len(q.Choices)
		}
		fmt.Fprintf(&answers, "%d\n", pick+1)
	}
	if _, err := execute(t, newQuizCmd(), answers.String(), append([]string{"--step", "1"}, sb...)...); err != nil {
		t.Fatalf("quiz: %v", err)
	}
	wantScore := fmt.Sprintf("| %s | 1/%d |", steps.CreateKey, len(ms.Quiz))

	md, err := execute(t, newReportCmd(), "", sb...)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	for _, want := range []string{"# Lab report", "| Account | 000000000000 |", "nextwork-kms-table", "5 of 5 steps pass",
		"is not authorized to perform: kms:Decrypt", "```diff", wantScore, "| kmslab version | " + version + " |"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	added := false
	for _, l := range strings.Split(md, "\n") {
		added = added || (strings.HasPrefix(l, "+ ") && strings.Contains(l, ":user/nextwork-kms-user"))
	}
	if !added {
		t.Error("the policy diff has no added line naming the user")
	}
	if strings.Count(md, "| done |") != 5 {
		t.Errorf("want five done steps:\n%s", md)
	}
	secret := adminSecret(t, dir)
	if strings.Contains(md, secret) {
		t.Fatal("the report holds the admin secret")
	}
	if m := secretRun.FindString(md); m != "" {
		t.Errorf("the report holds a secret-shaped run of 40 characters near %q", strings.TrimSpace(m)[:8])
	}
	if accessKeyID.MatchString(md) {
		t.Error("the report holds an access key id")
	}

	// --out writes 0600 and never replaces a file without --force.
	path := filepath.Join(t.TempDir(), "report.md")
	if _, err := execute(t, newReportCmd(), "", append([]string{"--out", path}, sb...)...); err != nil {
		t.Fatalf("report --out: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() == 0 {
		t.Fatalf("report file: %v %v", fi, err)
	}
	if err := os.WriteFile(path, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := execute(t, newReportCmd(), "", append([]string{"--out", path}, sb...)...); !errors.Is(err, errUsage) {
		t.Fatalf("report over an existing file: %v, want a usage error", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "mine" {
		t.Fatal("the existing file was changed")
	}
	if _, err := execute(t, newReportCmd(), "", append([]string{"--out", path, "--force"}, sb...)...); err != nil {
		t.Fatalf("report --force: %v", err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 || fi.Size() < 100 {
		t.Errorf("replaced report: mode %v size %d", fi.Mode(), fi.Size())
	}

	// why, view-as and peek on the finished lab.
	why, err := execute(t, newWhyCmd(), "", sb...)
	if err != nil {
		t.Fatalf("why: %v", err)
	}
	if !strings.Contains(why, "The result: allow") || !strings.Contains(why, "AmazonDynamoDBFullAccess") {
		t.Errorf("why after the grant:\n%s", why)
	}
	for _, l := range strings.Split(why, "\n") {
		if len([]rune(l)) > 78 {
			t.Errorf("why line over 78 columns: %q", l)
		}
	}
	view, err := execute(t, newViewAsCmd(), "", sb...)
	if err != nil {
		t.Fatalf("view-as: %v", err)
	}
	if strings.Count(view, "3 item(s) in plain text") != 2 || !strings.Contains(view, "As nextwork-kms-user:") || strings.Contains(view, "\x1b[") {
		t.Errorf("view-as:\n%s", view)
	}
	peek, err := execute(t, newPeekCmd(), "", append([]string{"--id", "customer-002"}, sb...)...)
	if err != nil {
		t.Fatalf("peek: %v", err)
	}
	dump, plain, ok := strings.Cut(peek, "Read through DynamoDB")
	if !ok || !strings.Contains(plain, "name: Ben Osei") || !strings.Contains(dump, "00000000  ") {
		t.Fatalf("peek:\n%s", peek)
	}
	if strings.Contains(dump, "Ben Osei") || strings.Contains(dump, "ben.osei") {
		t.Error("the stored bytes show the plaintext")
	}
}

func TestPeekOnlyOnTheSandbox(t *testing.T) {
	labDir(t)
	_, err := execute(t, newPeekCmd(), "", "--target", "localstack", "--endpoint", "http://127.0.0.1:1")
	if !errors.Is(err, steps.ErrPeekSandboxOnly) || errors.Is(err, errUsage) {
		t.Fatalf("peek on LocalStack: %v", err)
	}
}

func TestQuizWithoutAnswers(t *testing.T) {
	dir := labDir(t)
	_, err := execute(t, newQuizCmd(), "", "--target", "sandbox", "--data-dir", dir, "--step", "deny-user")
	if !errors.Is(err, errNoAnswers) {
		t.Fatalf("quiz with empty stdin: %v", err)
	}
	if _, err := execute(t, newQuizCmd(), "", "--target", "sandbox", "--data-dir", dir, "--step", "9"); !errors.Is(err, errUsage) {
		t.Fatalf("quiz --step 9: %v", err)
	}
}

func TestParseChoice(t *testing.T) {
	for in, want := range map[string]int{"1": 0, " 3\n": 2, "b": 1, "C": 2} {
		if got, ok := parseChoice(in, 3); !ok || got != want {
			t.Errorf("parseChoice(%q) = %d %v, want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "0", "4", "d", "yes"} {
		if _, ok := parseChoice(in, 3); ok {
			t.Errorf("parseChoice(%q) accepted", in)
		}
	}
}

func TestViewAsLayout(t *testing.T) {
	admin := steps.ReadResult{As: "admin", Items: []steps.Item{{"id": "customer-001", "name": "Ada Park"}}}
	user := steps.ReadResult{As: "nextwork-kms-user", ErrCode: "AccessDeniedException", ErrMessage: strings.Repeat("a long denial message ", 10)}
	wide := viewAsLines(admin, user, 120)
	if !strings.Contains(wide[0], "As admin:") || !strings.Contains(wide[0], "As nextwork-kms-user:") {
		t.Errorf("120 columns: not side by side: %q", wide[0])
	}
	narrow := viewAsLines(admin, user, 80)
	for _, l := range narrow {
		if strings.Contains(l, "│") {
			t.Fatalf("80 columns: columns used: %q", l)
		}
	}
	for w, lines := range map[int][]string{120: wide, 80: narrow, 78: viewAsLines(admin, user, 0)} {
		for _, l := range lines {
			if len([]rune(l)) > w {
				t.Errorf("width %d: line of %d: %q", w, len([]rune(l)), l)
			}
		}
	}
}

func TestPeekLayout(t *testing.T) {
	p := &steps.Peek{Table: "t", ID: "customer-001", Stored: bytes.Repeat([]byte{0xab, 'A'}, 200),
		Plain: steps.Item{"id": "customer-001", "name": "Ada Park", "note": strings.Repeat("long text ", 12)}}
	for _, w := range []int{0, 80, 120, 160} {
		lines := peekLines(p, w)
		limit := max(w, 78)
		side := false
		for _, l := range lines {
			if n := len([]rune(l)); n > limit {
				t.Errorf("width %d: line of %d: %q", w, n, l)
			}
			side = side || strings.Contains(l, "│")
		}
		if side != (w >= peekSideBySideMin) {
			t.Errorf("width %d: side by side %v", w, side)
		}
		if dump := strings.Join(lines, "\n"); !strings.Contains(dump, "000000f0  ") || strings.Contains(dump, "00000100  ") {
			t.Errorf("width %d: the dump should show exactly the first 256 bytes:\n%s", w, dump)
		}
	}
}
