package kms

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/store"
)

const testAcct = "111122223333"

// fakeAuthz allows everything except the actions in deny, which it refuses with the
// message given; it records every target it is asked about.
type fakeAuthz struct {
	mu    sync.Mutex
	deny  map[string]string
	calls []api.Target
}

func (f *fakeAuthz) Authorize(_ context.Context, _ api.Principal, t api.Target) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, t)
	if msg, ok := f.deny[t.Action]; ok {
		return &api.Error{Code: "AccessDeniedException", Message: msg, Status: 400}
	}
	return nil
}

func (f *fakeAuthz) denyAction(action, msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deny == nil {
		f.deny = map[string]string{}
	}
	f.deny[action] = msg
}

func (f *fakeAuthz) taken() []api.Target {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.calls
	f.calls = nil
	return out
}

// fakeDir knows the account root and the users listed.
type fakeDir struct{ users map[string]bool }

func (d fakeDir) PrincipalExists(p string) bool {
	return p == "*" || p == testAcct || p == "arn:aws:iam::"+testAcct+":root" || d.users[p]
}

type harness struct {
	t      testing.TB
	dir    string
	st     *store.Store
	s      *Service
	authz  *fakeAuthz
	now    time.Time
	region string
	caller api.Principal
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	h := &harness{
		t: t, dir: t.TempDir(), authz: &fakeAuthz{},
		now:    time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		region: "us-east-1",
		caller: api.Principal{AccountID: testAcct, ARN: "arn:aws:iam::" + testAcct + ":user/admin", UserName: "admin", UserID: "AIDAADMIN"},
	}
	h.open()
	t.Cleanup(func() { _ = h.st.Close() })
	return h
}

func (h *harness) open() {
	h.t.Helper()
	st, err := store.Open(h.dir)
	if err != nil {
		h.t.Fatal(err)
	}
	s, err := New(st, testAcct, h.authz, fakeDir{users: map[string]bool{"arn:aws:iam::" + testAcct + ":user/alice": true, "arn:aws:iam::" + testAcct + ":user/admin": true}})
	if err != nil {
		h.t.Fatal(err)
	}
	h.st, h.s = st, s
}

// reopen closes the store and loads the service again from disk.
func (h *harness) reopen() {
	h.t.Helper()
	if err := h.st.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.open()
}

func (h *harness) request(op string, in any) *api.Request {
	h.t.Helper()
	var body []byte
	switch v := in.(type) {
	case nil:
	case string:
		body = []byte(v)
	case []byte:
		body = v
	default:
		var err error
		if body, err = json.Marshal(v); err != nil {
			h.t.Fatal(err)
		}
	}
	return &api.Request{Ctx: context.Background(), Service: "kms", Operation: op, Region: h.region, Caller: h.caller, Now: h.now, Body: body}
}

// call runs Targets then Handle as the gateway does and returns the result as wire JSON.
func (h *harness) call(op string, in any) (map[string]any, []api.Target, error) {
	h.t.Helper()
	r := h.request(op, in)
	ts, err := h.s.Targets(r)
	if err != nil {
		return nil, nil, err
	}
	out, err := h.s.Handle(r)
	if err != nil {
		return nil, ts, err
	}
	m := map[string]any{}
	if out != nil {
		raw, err := json.Marshal(out)
		if err != nil {
			h.t.Fatalf("%s: marshal result: %v", op, err)
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			h.t.Fatal(err)
		}
	}
	return m, ts, nil
}

func (h *harness) must(op string, in any) map[string]any {
	h.t.Helper()
	m, _, err := h.call(op, in)
	if err != nil {
		h.t.Fatalf("%s: %v", op, err)
	}
	return m
}

// createKey makes a key and returns its id and ARN.
func (h *harness) createKey(in map[string]any) (id, arn string) {
	h.t.Helper()
	if in == nil {
		in = map[string]any{}
	}
	md := h.must("CreateKey", in)["KeyMetadata"].(map[string]any)
	return md["KeyId"].(string), md["Arn"].(string)
}

func wantErr(t *testing.T, err error, code, msg string) *api.Error {
	t.Helper()
	var ae *api.Error
	if !errors.As(err, &ae) {
		t.Fatalf("want %s %q, got %v (%T)", code, msg, err, err)
	}
	if ae.Code != code || ae.Message != msg {
		t.Fatalf("want %s %q, got %s %q", code, msg, ae.Code, ae.Message)
	}
	if ae.Status == 0 {
		t.Fatalf("%s has no HTTP status", code)
	}
	return ae
}

func wantCode(t *testing.T, err error, code string) *api.Error {
	t.Helper()
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Code != code {
		t.Fatalf("want %s, got %v", code, err)
	}
	return ae
}

// blob decodes a base64 member of a wire result.
func blob(t testing.TB, m map[string]any, member string) []byte {
	t.Helper()
	s, ok := m[member].(string)
	if !ok {
		t.Fatalf("no %s in %v", member, m)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
