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

// sample is `kmslab run -v` output trimmed to a few lines of each kind.
const sample = `kmslab · sandbox (offline) · account 000000000000 · us-east-1 · prefix nextwork
Step 1/5 · Create a customer managed key
  ok        0ms  aws kms describe-key --key-id alias/nextwork-kms-key  → no such alias
  ok      1.2s  aws kms create-key --description "kmslab lab key (prefix nextwork); safe" --tags TagKey=kmslab:lab,TagValue=nextwork  → arn:aws:kms:us-east-1:000000000000:key/1
                 {
                   "Version" : "2012-10-17"
                 }
  read     12s  aws kms describe-key --key-id alias/nextwork-kms-key  → 1 · Enabled
  => done The alias alias/nextwork-kms-key points at an enabled key.
Step 4/5 · Watch a user without kms:Decrypt be denied
  wait    200ms  the new access key to work
  note           nextwork-kms-user can read the table now
  denied    3ms  aws dynamodb scan --table-name nextwork-kms-table --profile nextwork-kms-user  → AccessDeniedException: no
  error     4ms  aws iam create-user --user-name u  → Throttling: slow down
  ok        5ms  kms CreateKey without its CLI line
  (checked with 8 read-only call(s); --verbose shows them)
`

func TestParseRunGroupsCallsUnderSteps(t *testing.T) {
	steps, bad := ParseRun(sample)
	if len(steps) != 2 {
		t.Fatalf("got %d steps, want 2: %+v", len(steps), steps)
	}
	if s := steps[0]; s.N != 1 || s.Of != 5 || s.Title != "Create a customer managed key" || len(s.Calls) != 3 {
		t.Errorf("step 1 = %+v", s)
	}
	if s := steps[1]; s.N != 4 || len(s.Calls) != 2 {
		t.Errorf("step 4 = %+v", s)
	}
	want := []string{"  ok        5ms  kms CreateKey without its CLI line"}
	if !slices.Equal(bad, want) {
		t.Errorf("bad = %q, want %q", bad, want)
	}
	create := steps[0].Calls[1]
	if create.Mark != "ok" || create.Took != "1.2s" || create.Service != "kms" || create.Op != "create-key" ||
		!strings.HasPrefix(create.CLI, "aws kms create-key --description") || !strings.HasSuffix(create.CLI, "TagValue=nextwork") ||
		create.Result != "arn:aws:kms:us-east-1:000000000000:key/1" {
		t.Errorf("create-key call = %+v", create)
	}
	if c := steps[0].Calls[2]; c.Mark != "read" || c.Took != "12s" {
		t.Errorf("read call = %+v", c)
	}
	if c := steps[1].Calls[0]; c.Mark != "denied" || c.Op != "scan" || !strings.HasPrefix(c.Result, "AccessDeniedException") {
		t.Errorf("denied call = %+v", c)
	}
	if n := len(AllCalls(steps)); n != 5 {
		t.Errorf("AllCalls: %d calls, want 5", n)
	}
}

func TestParseRunCallsBeforeAnyHeader(t *testing.T) {
	steps, bad := ParseRun("  ok        4ms  aws iam delete-user --user-name u  → user deleted\n")
	if len(bad) != 0 || len(steps) != 1 || steps[0].N != 0 || len(steps[0].Calls) != 1 {
		t.Fatalf("steps %+v bad %q", steps, bad)
	}
}

func TestCallMutating(t *testing.T) {
	for op, want := range map[string]bool{
		"describe-key": false, "get-key-policy": false, "list-access-keys": false, "scan": false, "query": false,
		"get-caller-identity": false, "put-item": true, "create-access-key": true, "delete-access-key": true,
		"put-key-policy": true, "schedule-key-deletion": true, "some-new-op": true,
	} {
		if got := (Call{Op: op}).Mutating(); got != want {
			t.Errorf("%s: Mutating() = %v, want %v", op, got, want)
		}
	}
}

func TestLabDirsEnvIsolates(t *testing.T) {
	t.Setenv("AWS_PROFILE", "someone")
	t.Setenv("NO_COLOR", "1")
	t.Setenv("XDG_CONFIG_HOME", "/elsewhere")
	d, err := NewLabDirs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	env := d.Env("AWS_REGION=eu-west-1")
	for _, kv := range env {
		if strings.HasPrefix(kv, "AWS_PROFILE=") || strings.HasPrefix(kv, "NO_COLOR=") || strings.HasPrefix(kv, "XDG_CONFIG_HOME=") {
			t.Errorf("env keeps %s", kv)
		}
	}
	for _, want := range []string{"HOME=" + d.Home, "XDG_DATA_HOME=" + d.Data, "XDG_STATE_HOME=" + d.State, "AWS_REGION=eu-west-1"} {
		if !slices.Contains(env, want) {
			t.Errorf("env lacks %s", want)
		}
	}
	for _, p := range []string{d.Home, d.Data, d.State} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v %v", p, fi, err)
		}
	}
	if d.ProgressDir() != filepath.Join(d.State, "kmslab", "progress") || d.SandboxDir() != filepath.Join(d.Data, "kmslab", "sandbox") {
		t.Errorf("dirs %q %q", d.ProgressDir(), d.SandboxDir())
	}
}

func TestRunLabReportsExitCodeAndOutput(t *testing.T) {
	bin := fake(t, `echo "out $HOME"; echo err >&2; exit 3`)
	d, err := NewLabDirs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := RunLab(ctx, bin, d.Env(), "run")
	if err != nil {
		t.Fatal(err)
	}
	if r.Code != 3 || r.Stdout != "out "+d.Home+"\n" || r.Stderr != "err\n" {
		t.Errorf("RunLab = %+v", r)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	r, err = RunLab(short, fake(t, "exec sleep 5"), d.Env())
	if err == nil || r.Code != -1 {
		t.Errorf("a command past its deadline: code %d, err %v; want -1 and an error", r.Code, err)
	}
}
