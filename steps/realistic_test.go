package steps_test

// The AWS path, proven offline: the aws target (normal credential chain) pointed through
// AWS_ENDPOINT_URL at the realistic sandbox, which delays new access keys, new principals
// and key-policy changes and caches table keys the way AWS does, at ten times real speed.
// These tests set the process environment, so none is parallel.

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmslab/kmslab/sandbox"
	"github.com/kmslab/kmslab/sandbox/sandboxtest"
	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

// timed records events with the time they came.
type timed struct {
	mu sync.Mutex
	ev []steps.Event
	at []time.Time
}

func (r *timed) emit(e steps.Event) {
	r.mu.Lock()
	r.ev, r.at = append(r.ev, e), append(r.at, time.Now())
	r.mu.Unlock()
}

// waits returns the notes of the Waiting events of a step.
func (r *timed) waits(step string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.ev {
		if e.Phase == steps.Waiting && e.Step == step {
			out = append(out, e.Note)
		}
	}
	return out
}

// awsTargetOnRealisticSandbox opens the aws target as a student's environment would set it.
func awsTargetOnRealisticSandbox(t *testing.T, r sandbox.Realism) *target.Target {
	t.Helper()
	env := sandboxtest.Start(t, func(o *sandbox.Options) { o.Realism = r })
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ENDPOINT_URL", env.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", env.AdminKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", env.AdminSecret)
	t.Setenv("AWS_REGION", "us-east-1")
	tg, err := target.Open(context.Background(), target.Options{Kind: target.AWS})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tg.Close() })
	if tg.Kind != target.AWS || !tg.NeedsConfirmation() {
		t.Fatalf("target %+v", tg)
	}
	return tg
}

// TestLabOnRealisticSandbox runs the whole lab, the revoke and the grant again at 10×
// speed: no step may fail, each wait must say what it waits for, the grant's first read must
// come soon after KMS applies the policy, and the revoke must end only when reads stop.
func TestLabOnRealisticSandbox(t *testing.T) {
	const scale = 10
	// The principal delay is raised (3 s at this scale) so it outlasts the access-key wait
	// and the grant meets it, as a fast student on AWS can.
	r := sandbox.Realism{Enabled: true, Scale: scale, Principal: 30 * time.Second}
	eff := r.Effective()
	tg := awsTargetOnRealisticSandbox(t, r)
	rec := &timed{}
	l, err := steps.New(tg, steps.Options{Emit: rec.emit, PollStart: 50 * time.Millisecond, PollMax: 250 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, s := range steps.All() {
		v, err := s.Run(ctx, l)
		if err != nil {
			t.Fatalf("%s: %v", s.ID, err)
		}
		if v.Status != steps.Done {
			t.Fatalf("%s: %s [%s] %s", s.ID, v.Status, v.Cause, v.Detail)
		}
	}
	mustWait := func(step, about string) {
		t.Helper()
		for _, n := range rec.waits(step) {
			if strings.Contains(n, about) {
				return
			}
		}
		t.Errorf("%s: no wait about %q; waits: %q", step, about, rec.waits(step))
	}
	mustWait(steps.DenyUser, "AWS takes a few seconds to recognise a new access key")
	mustWait(steps.GrantAccess, "a brand-new IAM user can take a few seconds to be visible to KMS")
	mustWait(steps.GrantAccess, "a key-policy change takes a few seconds")

	// The first read that works comes within a poll or two of the policy taking effect.
	var put, firstRead time.Time
	rec.mu.Lock()
	for i, e := range rec.ev {
		if e.Step != steps.GrantAccess || e.Phase != steps.CallEnd {
			continue
		}
		if e.Operation == "PutKeyPolicy" && !e.Failed() && e.Result == "key policy updated" {
			put = rec.at[i]
		}
		if e.Operation == "Scan" && !e.Failed() && !put.IsZero() && firstRead.IsZero() {
			firstRead = rec.at[i]
		}
	}
	rec.mu.Unlock()
	if put.IsZero() || firstRead.IsZero() {
		t.Fatal("no PutKeyPolicy followed by a successful read in the grant step")
	}
	if lag := firstRead.Sub(put); lag < eff.KeyPolicy || lag > eff.KeyPolicy+time.Second {
		t.Errorf("first read %v after the policy change; KMS applies it after %v", lag, eff.KeyPolicy)
	}

	// Revoke: the user keeps reading from DynamoDB's cached table key, then is denied.
	t0 := time.Now()
	if err := step(t, steps.GrantAccess).Undo(ctx, l); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	took := time.Since(t0)
	served := 0
	for _, n := range rec.waits(steps.GrantAccess) {
		if strings.Contains(n, "reads to stop") {
			served++
		}
	}
	if served == 0 || took > eff.TableKeyCache+2*time.Second {
		t.Errorf("revoke took %v with %d waits on served reads; the cache lasts %v", took, served, eff.TableKeyCache)
	}
	wantCheck(t, l, steps.GrantAccess, steps.NotDone, "GRANT_MISSING")
	wantCheck(t, l, steps.DenyUser, steps.Done, "")
	mustRun(t, l, steps.GrantAccess)
}
