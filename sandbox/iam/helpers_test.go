package iam

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/store"
)

const testAccount = "000000000000"

var testNow = time.Date(2026, 11, 22, 17, 52, 0, 0, time.UTC)

// env is a service on a real store in a temp dir.
type env struct {
	t   *testing.T
	dir string
	st  *store.Store
	s   *Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir()}
	e.open()
	return e
}

func (e *env) open() {
	e.t.Helper()
	st, err := store.Open(e.dir)
	if err != nil {
		e.t.Fatal(err)
	}
	s, err := New(st, testAccount)
	if err != nil {
		_ = st.Close()
		e.t.Fatal(err)
	}
	e.st, e.s = st, s
	e.t.Cleanup(func() { _ = st.Close() })
}

// reopen closes the store and loads the service again from disk.
func (e *env) reopen() {
	e.t.Helper()
	if err := e.st.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

// admin is the caller used unless a test says otherwise.
func (e *env) admin() api.Principal {
	e.t.Helper()
	if u := e.s.lookup(AdminUser); u != nil {
		return u.principal("")
	}
	if _, _, _, err := e.s.Bootstrap(testNow); err != nil {
		e.t.Fatal(err)
	}
	return e.s.lookup(AdminUser).principal("")
}

// form builds url.Values from key, value pairs.
func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func (e *env) request(caller api.Principal, op string, kv ...string) *api.Request {
	f := form(kv...)
	f.Set("Action", op)
	f.Set("Version", Version)
	return &api.Request{Ctx: context.Background(), Service: "iam", Operation: op, Region: "us-east-1",
		Caller: caller, RequestID: "req-1", Now: testNow, Form: f}
}

// callAs runs Targets then Handle, as the gateway does (authorization always allows here).
func (e *env) callAs(caller api.Principal, op string, kv ...string) (any, []api.Target, error) {
	r := e.request(caller, op, kv...)
	targets, err := e.s.Targets(r)
	if err != nil {
		return nil, nil, err
	}
	res, err := e.s.Handle(r)
	return res, targets, err
}

func (e *env) call(op string, kv ...string) (any, error) {
	res, _, err := e.callAs(e.admin(), op, kv...)
	return res, err
}

// must calls and fails the test on error.
func (e *env) must(op string, kv ...string) any {
	e.t.Helper()
	res, err := e.call(op, kv...)
	if err != nil {
		e.t.Fatalf("%s %v: %v", op, kv, err)
	}
	return res
}

// apiErr asserts err is an *api.Error with code, status and (when not empty) message.
func apiErr(t *testing.T, err error, code string, status int, msg string) {
	t.Helper()
	var ae *api.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v (%T), want *api.Error %s", err, err, code)
	}
	if ae.Code != code || ae.Status != status || (msg != "" && ae.Message != msg) {
		t.Fatalf("error = %s %d %q, want %s %d %q", ae.Code, ae.Status, ae.Message, code, status, msg)
	}
	if ae.Receiver {
		t.Fatalf("error %s marked Receiver, want Sender", code)
	}
}
