package steps_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

// openSandbox starts an in-process sandbox on a temporary data directory.
func openSandbox(t *testing.T, o ...func(*target.Options)) *target.Target {
	t.Helper()
	opts := target.Options{Kind: target.Sandbox, DataDir: t.TempDir()}
	for _, f := range o {
		f(&opts)
	}
	tg, err := target.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("open sandbox: %v", err)
	}
	t.Cleanup(func() { _ = tg.Close() })
	return tg
}

// recorder keeps every event a lab emits.
type recorder struct {
	mu     sync.Mutex
	events []steps.Event
}

func (r *recorder) emit(e steps.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) calls(step string, mutatingOnly bool) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		if e.Phase == steps.CallEnd && (step == "" || e.Step == step) && (!mutatingOnly || !readOnly(e.Operation)) {
			out = append(out, e.Service+":"+e.Operation)
		}
	}
	return out
}

func readOnly(op string) bool {
	for _, p := range []string{"Describe", "Get", "List", "Scan"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

func newLab(t *testing.T, tg *target.Target, rec *recorder) *steps.Lab {
	t.Helper()
	o := steps.Options{}
	if rec != nil {
		o.Emit = rec.emit
	}
	l, err := steps.New(tg, o)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func runAll(t *testing.T, l *steps.Lab) []steps.Verdict {
	t.Helper()
	var vs []steps.Verdict
	for _, s := range steps.All() {
		v, err := s.Run(context.Background(), l)
		if err != nil {
			t.Fatalf("run %s: %v", s.ID, err)
		}
		vs = append(vs, v)
	}
	return vs
}

func checkAll(t *testing.T, l *steps.Lab) map[string]steps.Verdict {
	t.Helper()
	out := map[string]steps.Verdict{}
	for _, s := range steps.All() {
		v, err := s.Check(context.Background(), l)
		if err != nil {
			t.Fatalf("check %s: %v", s.ID, err)
		}
		out[s.ID] = v
	}
	return out
}

func TestLabOnSandbox(t *testing.T) {
	tg := openSandbox(t)
	rec := &recorder{}
	l := newLab(t, tg, rec)

	before := checkAll(t, l)
	for id, v := range before {
		if v.Status != steps.NotDone {
			t.Errorf("fresh sandbox: %s is %s (%s), want not-done", id, v.Status, v.Cause)
		}
	}
	vs := runAll(t, l)
	for i, v := range vs {
		if v.Status != steps.Done {
			t.Errorf("run %s: %s %s %s", steps.All()[i].ID, v.Status, v.Cause, v.Detail)
		}
	}
	deny := vs[3]
	if msg := deny.Evidence["errorMessage"]; !strings.Contains(msg, "kms:Decrypt") || !strings.Contains(msg, "user/nextwork-kms-user") || !strings.Contains(msg, deny.Evidence["keyArn"]) {
		t.Errorf("deny evidence does not name kms:Decrypt, the user and the key: %q", msg)
	}
	if deny.Evidence["errorCode"] != "AccessDeniedException" {
		t.Errorf("deny error code %q", deny.Evidence["errorCode"])
	}
	if got := vs[4].Evidence["itemsRead"]; got != "3" {
		t.Errorf("after the grant the user read %q items, want 3", got)
	}

	// A second run changes nothing: no call that writes, except the test user's key (this
	// process still holds it, so not even that).
	n := len(rec.calls("", true))
	again := runAll(t, l)
	for i, v := range again {
		if v.Status != steps.Done {
			t.Errorf("re-run %s: %s %s", steps.All()[i].ID, v.Status, v.Detail)
		}
	}
	var writes []string
	for _, c := range rec.calls("", true)[n:] {
		if c != "dynamodb:PutItem" { // the sample items are written again, unchanged
			writes = append(writes, c)
		}
	}
	if len(writes) > 0 {
		t.Errorf("re-run made changes: %v", writes)
	}

	// A new process (a new Lab, no key in memory) sees the same state.
	fresh := newLab(t, tg, nil)
	for id, v := range checkAll(t, fresh) {
		if v.Status != steps.Done {
			t.Errorf("fresh lab check %s: %s %s %s", id, v.Status, v.Cause, v.Detail)
		}
	}
}
