package conformance

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kmslab/kmslab/conformance/sandboxproc"
	"github.com/kmslab/kmslab/sandbox/datadir"
)

// TestLabCLISandboxLifecycle is the acceptance as a new user meets it on the
// built-in sandbox: run the lab, check it, run it again, clean up (dry run, then for real)
// and check again; every output is plain, and no secret is printed or kept.
func TestLabCLISandboxLifecycle(t *testing.T) {
	t.Parallel()
	u := newLabUser(t)

	first := u.expect(0, "run", "--all", "--yes")
	steps, bad := sandboxproc.ParseRun(first.Stdout)
	if want := []string{"1/5", "2/5", "3/5", "4/5", "5/5"}; !slices.Equal(stepHeaders(steps), want) {
		t.Errorf("run --all headers %v, want %v", stepHeaders(steps), want)
	}
	if len(bad) > 0 {
		t.Errorf("call lines without an AWS CLI command:\n%s", strings.Join(bad, "\n"))
	}

	rep := u.check(0)
	expectStatuses(t, rep, "done", nil)
	if rep.Target != "sandbox" || rep.Prefix != "nextwork" || rep.Region != "us-east-1" || len(rep.Account) != 12 || !rep.Complete {
		t.Errorf("check --json: target %q account %q region %q prefix %q complete %v", rep.Target, rep.Account, rep.Region, rep.Prefix, rep.Complete)
	}
	keyARN, userARN := labARNs(t, rep)
	deny := rep.step("deny-user").Evidence["errorMessage"]
	if missing := containsAll(deny, "kms:Decrypt", userARN, keyARN); len(missing) > 0 {
		t.Errorf("deny-user evidence.errorMessage lacks %q: %q", missing, deny)
	}
	expectPrivateState(t, u.dirs, "")

	// Again: everything exists, so only the items are written again (and the test user's
	// access key is replaced: its secret was never kept, by design).
	again := u.expect(0, "run", "--all", "--yes")
	expectRerunReadsOnly(t, first.Stdout, again.Stdout)
	rep = u.check(0)
	expectStatuses(t, rep, "done", nil)
	if k, _ := labARNs(t, rep); k != keyARN {
		t.Errorf("after a second run the lab's key is %s, want still %s", k, keyARN)
	}

	dry := u.expect(0, "cleanup", "--dry-run")
	keyID := keyARN[strings.LastIndex(keyARN, "/")+1:]
	if missing := containsAll(dry.Stdout,
		"aws iam delete-access-key --user-name nextwork-kms-user",
		"aws iam detach-user-policy --user-name nextwork-kms-user",
		"aws iam delete-user --user-name nextwork-kms-user",
		"aws dynamodb delete-table --table-name nextwork-kms-table",
		"aws kms delete-alias --alias-name alias/nextwork-kms-key",
		"aws kms schedule-key-deletion --key-id "+keyID+" --pending-window-in-days 7"); len(missing) > 0 {
		t.Errorf("cleanup --dry-run does not list %q:\n%s", missing, dry.Stdout)
	}
	for _, c := range callsOf(dry.Stdout) {
		if c.Mutating() {
			t.Errorf("cleanup --dry-run made a change: %s", c.CLI)
		}
	}
	rep = u.check(0)
	expectStatuses(t, rep, "done", nil)

	clean := u.expect(0, "cleanup", "--yes")
	for _, op := range []string{"delete-user", "delete-table", "delete-alias", "schedule-key-deletion"} {
		if !slices.ContainsFunc(callsOf(clean.Stdout), func(c sandboxproc.Call) bool { return c.Op == op && c.Mark == "ok" }) {
			t.Errorf("cleanup --yes shows no successful %s:\n%s", op, clean.Stdout)
		}
	}
	rep = u.check(1)
	expectStatuses(t, rep, "not-done", nil)
	if rep.Complete {
		t.Error("check --json after cleanup: complete is true")
	}

	secret := adminSecret(t, u.dirs.SandboxDir())
	for i, r := range u.results {
		expectCleanText(t, fmt.Sprintf("command %d (kmslab %s)", i+1, strings.Join(r.Args, " ")), r.Output(), secret)
	}
	expectPrivateState(t, u.dirs, secret)
}

// expectRerunReadsOnly checks a second `run --all` on a finished lab: every call line names
// its AWS CLI command, and the only changes are put-item on the lab's table and the test
// user's access key swapped for a new one (the old key deleted is the one the first run made).
func expectRerunReadsOnly(t *testing.T, firstOut, againOut string) {
	t.Helper()
	steps, bad := sandboxproc.ParseRun(againOut)
	if len(bad) > 0 {
		t.Errorf("call lines without an AWS CLI command:\n%s", strings.Join(bad, "\n"))
	}
	calls := sandboxproc.AllCalls(steps)
	if len(calls) == 0 {
		t.Fatalf("the second run printed no call:\n%s", againOut)
	}
	madeKey := ""
	for _, c := range callsOf(firstOut) {
		if c.Op == "create-access-key" {
			madeKey = c.Result // "access key AKIA…WXYZ created; secret ****"
		}
	}
	deletes, creates := 0, 0
	for _, c := range calls {
		if c.Mark != "ok" && c.Mark != "read" {
			t.Errorf("second run: %s %s → %s", c.Mark, c.CLI, c.Result)
		}
		if !c.Mutating() {
			continue
		}
		switch {
		case c.Op == "put-item" && strings.HasPrefix(c.CLI, "aws dynamodb put-item --table-name nextwork-kms-table "):
		case c.Op == "delete-access-key" && strings.HasPrefix(c.CLI, "aws iam delete-access-key --user-name nextwork-kms-user "):
			deletes++
			id := c.CLI[strings.LastIndex(c.CLI, " ")+1:]
			if len(id) < 4 || !strings.Contains(madeKey, "…"+id[len(id)-4:]+" ") {
				t.Errorf("second run deletes access key %s, not the one the first run made (%q)", id, madeKey)
			}
		case c.Op == "create-access-key" && c.CLI == "aws iam create-access-key --user-name nextwork-kms-user":
			creates++
		default:
			t.Errorf("second run changed something: %s", c.CLI)
		}
	}
	if deletes > 1 || creates > 1 {
		t.Errorf("second run: %d access keys deleted and %d made, want at most one each", deletes, creates)
	}
}

func callsOf(out string) []sandboxproc.Call {
	steps, _ := sandboxproc.ParseRun(out)
	return sandboxproc.AllCalls(steps)
}

// TestLabCLIJoinsRunningSandbox: while `kmslab sandbox` holds a data directory, `run` and
// `check` on that directory work through it, and what they make is in its state.
func TestLabCLIJoinsRunningSandbox(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	p := startSandbox(t, dataDir)
	u := newLabUser(t)

	run := u.expect(0, "run", "--all", "--yes", "--data-dir", dataDir)
	if want := fmt.Sprintf("shared with pid %d", p.PID()); !strings.Contains(run.Stdout, want) {
		t.Errorf("run through a running sandbox: header does not say %q:\n%s", want, lastLines(run.Stdout, 60))
	}
	rep := u.check(0, "--data-dir", dataDir)
	expectStatuses(t, rep, "done", nil)
	if rep.Endpoint != p.Exports.EndpointURL {
		t.Errorf("check --json endpoint %q, want the running sandbox's %q", rep.Endpoint, p.Exports.EndpointURL)
	}
	keyARN, _ := labARNs(t, rep)

	// The running sandbox (not a second copy of the state) has the table, with the lab's key.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ddb := dynamodb.NewFromConfig(p.Exports.Admin(nil))
	desc, err := ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("nextwork-kms-table")})
	if err != nil {
		t.Fatalf("DescribeTable on the running sandbox: %v", err)
	}
	if sse := desc.Table.SSEDescription; sse == nil || aws.ToString(sse.KMSMasterKeyArn) != keyARN {
		t.Errorf("the running sandbox's table SSE = %+v, want key %s", sse, keyARN)
	}
	scan, err := ddb.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("nextwork-kms-table")})
	if err != nil || scan.Count < 1 {
		t.Errorf("Scan on the running sandbox: %v items, %v", scan, err)
	}
	if cli := firstCLI(); cli != "" {
		cmd := exec.CommandContext(ctx, cli, "--endpoint-url", p.Exports.EndpointURL, "dynamodb", "describe-table",
			"--table-name", "nextwork-kms-table", "--query", "Table.SSEDescription.KMSMasterKeyArn", "--output", "text")
		cmd.Env = clientEnv(t, p.Exports)
		out, err := cmd.CombinedOutput()
		if got := strings.TrimSpace(string(out)); err != nil || got != keyARN {
			t.Errorf("%s dynamodb describe-table with the sandbox's exports: %v %q, want %s", cli, err, got, keyARN)
		}
	}

	select {
	case <-p.Done():
		t.Fatalf("kmslab sandbox exited while the lab ran through it:\n%s", lastLines(p.Stderr(), 30))
	default:
	}
	if ep, err := datadir.ReadEndpoint(dataDir); err != nil || ep.PID != p.PID() {
		t.Errorf("endpoint record after the run: %+v, %v; want pid %d", ep.PID, err, p.PID())
	}
	// The run read the admin's secret from the sandbox's record; it must not repeat it.
	for i, r := range u.results {
		expectCleanText(t, fmt.Sprintf("command %d (kmslab %s)", i+1, strings.Join(r.Args, " ")), r.Output(), p.Exports.SecretAccessKey)
	}
	expectPrivateState(t, u.dirs, p.Exports.SecretAccessKey)
}

// firstCLI is an AWS CLI on the machine, "" when there is none.
func firstCLI() string {
	for _, p := range []string{"/usr/bin/aws", "aws"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return ""
}
