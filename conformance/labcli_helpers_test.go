package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kmslab/kmslab/conformance/sandboxproc"
)

// labCmdTimeout bounds one kmslab lab command; the slowest (a whole run against a sandbox
// that adds 300 ms to every call) takes about 15 s.
const labCmdTimeout = 90 * time.Second

// labStepIDs are the lab's steps in their order, as `check --json` must list them.
var labStepIDs = []string{"create-key", "encrypt-table", "add-items", "deny-user", "grant-access"}

// labUser is one new user of kmslab: a private HOME and XDG homes, no AWS_ settings from
// the machine, and every command's result kept for the hygiene checks.
type labUser struct {
	t    *testing.T
	bin  string
	dirs sandboxproc.LabDirs
	// env is added to every command's environment.
	env     []string
	results []sandboxproc.LabResult
}

func newLabUser(t *testing.T, env ...string) *labUser {
	t.Helper()
	dirs, err := sandboxproc.NewLabDirs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &labUser{t: t, bin: kmslabBin(t), dirs: dirs, env: env}
}

// run runs `kmslab args...` to the end; a command that cannot start or outlives
// labCmdTimeout fails the test.
func (u *labUser) run(args ...string) sandboxproc.LabResult {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), labCmdTimeout)
	defer cancel()
	r, err := sandboxproc.RunLab(ctx, u.bin, u.dirs.Env(u.env...), args...)
	u.results = append(u.results, r)
	if err != nil {
		u.t.Fatalf("kmslab %s: %v\n%s", strings.Join(args, " "), err, lastLines(r.Output(), 40))
	}
	return r
}

// expect runs the command and fails the test, showing its output, when the exit code is not want.
func (u *labUser) expect(want int, args ...string) sandboxproc.LabResult {
	u.t.Helper()
	r := u.run(args...)
	if r.Code != want {
		u.t.Errorf("kmslab %s: exit %d, want %d; output:\n%s", strings.Join(args, " "), r.Code, want, lastLines(r.Output(), 60))
	}
	return r
}

// check runs `kmslab check --json args...`, expects exit code want and parses the one JSON
// object it prints.
func (u *labUser) check(want int, args ...string) checkReport {
	u.t.Helper()
	r := u.expect(want, append([]string{"check", "--json"}, args...)...)
	rep, err := parseCheckReport(r.Stdout)
	if err != nil {
		u.t.Fatalf("kmslab check --json: %v; stdout:\n%s\nstderr:\n%s", err, r.Stdout, r.Stderr)
	}
	return rep
}

// checkReport is what `kmslab check --json` prints, as a grader reads it.
type checkReport struct {
	Target   string        `json:"target"`
	Account  string        `json:"account"`
	Region   string        `json:"region"`
	Prefix   string        `json:"prefix"`
	Endpoint string        `json:"endpoint"`
	Enforces string        `json:"enforcesKeyPolicies"`
	Complete bool          `json:"complete"`
	Steps    []checkedStep `json:"steps"`
}

type checkedStep struct {
	ID       string            `json:"id"`
	Title    string            `json:"title"`
	Status   string            `json:"status"`
	Cause    string            `json:"cause"`
	Detail   string            `json:"detail"`
	Evidence map[string]string `json:"evidence"`
}

var (
	reportFields = []string{"target", "account", "region", "prefix", "complete", "steps"}
	stepFields   = []string{"id", "title", "status", "cause", "detail", "evidence"}
)

// parseCheckReport reads exactly one JSON object with every field a grader relies on.
func parseCheckReport(stdout string) (checkReport, error) {
	var rep checkReport
	dec := json.NewDecoder(strings.NewReader(stdout))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return rep, fmt.Errorf("not JSON: %w", err)
	}
	if rest := strings.TrimSpace(stdout[dec.InputOffset():]); rest != "" {
		return rep, fmt.Errorf("more after the JSON object: %.80q", rest)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return rep, fmt.Errorf("not one JSON object: %w", err)
	}
	if missing := missingKeys(top, reportFields); len(missing) > 0 {
		return rep, fmt.Errorf("the report lacks %v", missing)
	}
	var steps []map[string]json.RawMessage
	if err := json.Unmarshal(top["steps"], &steps); err != nil {
		return rep, fmt.Errorf("steps is not a list of objects: %w", err)
	}
	for i, s := range steps {
		if missing := missingKeys(s, stepFields); len(missing) > 0 {
			return rep, fmt.Errorf("step %d lacks %v", i+1, missing)
		}
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		return rep, err
	}
	return rep, nil
}

func missingKeys(m map[string]json.RawMessage, keys []string) []string {
	var missing []string
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			missing = append(missing, k)
		}
	}
	return missing
}

func (r checkReport) ids() []string {
	var ids []string
	for _, s := range r.Steps {
		ids = append(ids, s.ID)
	}
	return ids
}

func (r checkReport) step(id string) checkedStep {
	for _, s := range r.Steps {
		if s.ID == id {
			return s
		}
	}
	return checkedStep{}
}

// expectStatuses checks the step ids, their order and each status (want maps id to
// status; ids not in want must be wantOthers).
func expectStatuses(t *testing.T, rep checkReport, wantOthers string, want map[string]string) {
	t.Helper()
	if !slices.Equal(rep.ids(), labStepIDs) {
		t.Fatalf("check --json steps %v, want %v", rep.ids(), labStepIDs)
	}
	for _, s := range rep.Steps {
		w, ok := want[s.ID]
		if !ok {
			w = wantOthers
		}
		if s.Status != w {
			t.Errorf("step %s: status %q [%s] %q, want %q", s.ID, s.Status, s.Cause, s.Detail, w)
		}
		if s.Title == "" || s.Detail == "" {
			t.Errorf("step %s: empty title or detail: %+v", s.ID, s)
		}
	}
}

var keyARNRE = regexp.MustCompile(`^arn:aws:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]{36}$`)

// labARNs are the key ARN the report names and the test user's ARN built from the account
// and prefix (not read from the report, so the report is checked against it).
func labARNs(t *testing.T, rep checkReport) (keyARN, userARN string) {
	t.Helper()
	keyARN = rep.step("create-key").Evidence["keyArn"]
	if !keyARNRE.MatchString(keyARN) || !strings.Contains(keyARN, ":"+rep.Region+":"+rep.Account+":") {
		t.Fatalf("create-key evidence keyArn %q is not a key ARN in %s/%s", keyARN, rep.Region, rep.Account)
	}
	return keyARN, "arn:aws:iam::" + rep.Account + ":user/" + rep.Prefix + "-kms-user"
}

// containsAll reports the needles that s lacks.
func containsAll(s string, needles ...string) []string {
	var missing []string
	for _, n := range needles {
		if !strings.Contains(s, n) {
			missing = append(missing, n)
		}
	}
	return missing
}

// stepHeaders are the "Step n/5" headers of a run, in order.
func stepHeaders(steps []sandboxproc.StepCalls) []string {
	var hs []string
	for _, s := range steps {
		hs = append(hs, fmt.Sprintf("%d/%d", s.N, s.Of))
	}
	return hs
}

var escapeByte = []byte{0x1b}

func hasEscape(s string) bool { return bytes.Contains([]byte(s), escapeByte) }
