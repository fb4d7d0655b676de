package iam

import (
	"errors"
	"sync"
	"testing"

	"github.com/kmslab/kmslab/sandbox/api"
)

// hookLog records deletion hook calls and fails while fail is set.
type hookLog struct {
	mu    sync.Mutex
	calls [][2]string
	fail  bool
}

func (h *hookLog) hook(arn, id string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, [2]string{arn, id})
	if h.fail {
		return errors.New("kms is down")
	}
	return nil
}

func (h *hookLog) taken() [][2]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.calls
	h.calls = nil
	return out
}

func TestDeletedUserIDsStayKnown(t *testing.T) {
	e := newEnv(t)
	var log hookLog
	if err := e.s.OnUserDeleted(log.hook); err != nil {
		t.Fatal(err)
	}
	e.must("CreateUser", "UserName", "alice")
	u := e.s.lookup("alice")
	arn, id := u.ARN, u.ID
	e.must("DeleteUser", "UserName", "alice")
	if got := log.taken(); len(got) != 1 || got[0] != [2]string{arn, id} {
		t.Fatalf("hook calls %v", got)
	}
	for _, p := range []string{id, arn} {
		want := p == id // the id of a user that existed is still a valid principal; the ARN is not
		if e.s.PrincipalExists(p) != want {
			t.Fatalf("PrincipalExists(%s) = %v", p, !want)
		}
	}
	// A new alice is another principal: a new unique id, never an old one.
	e.must("CreateUser", "UserName", "alice")
	if nu := e.s.lookup("alice"); nu.ID == id || !e.s.PrincipalExists(nu.ID) || !e.s.PrincipalExists(arn) {
		t.Fatalf("new alice %s (old %s)", nu.ID, id)
	}
	e.s.mu.Lock()
	taken := e.s.idTaken(id)
	e.s.mu.Unlock()
	if !taken {
		t.Fatal("a deleted user's id could be handed out again")
	}
	// Durable, and settled: no replay at the next start.
	e.reopen()
	var again hookLog
	if err := e.s.OnUserDeleted(again.hook); err != nil {
		t.Fatal(err)
	}
	if got := again.taken(); len(got) != 0 || !e.s.PrincipalExists(id) {
		t.Fatalf("after reopen: replayed %v, id known %v", got, e.s.PrincipalExists(id))
	}
}

// TestDeletionHookRetried: a hook that fails leaves the deletion pending; the user stays
// deleted, CreateUser retries the hook first (and refuses while it fails), and a restart
// replays it when the hook is registered.
func TestDeletionHookRetried(t *testing.T) {
	e := newEnv(t)
	log := &hookLog{fail: true}
	if err := e.s.OnUserDeleted(log.hook); err != nil {
		t.Fatal(err)
	}
	e.must("CreateUser", "UserName", "bob")
	u := e.s.lookup("bob")
	e.must("DeleteUser", "UserName", "bob")
	if e.s.lookup("bob") != nil || len(log.taken()) != 1 {
		t.Fatal("bob not deleted, or the hook not called")
	}
	_, err := e.call("CreateUser", "UserName", "bob")
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Code != "ServiceFailure" || ae.Status != 500 || !ae.Receiver {
		t.Fatalf("CreateUser while a deletion is pending: %v", err)
	}
	if got := log.taken(); len(got) != 1 || got[0] != [2]string{u.ARN, u.ID} {
		t.Fatalf("retry calls %v", got)
	}
	// Crash and restart: the pending deletion is replayed to the hook registered.
	e.reopen()
	ok := &hookLog{}
	if err := e.s.OnUserDeleted(ok.hook); err != nil {
		t.Fatal(err)
	}
	if got := ok.taken(); len(got) != 1 || got[0] != [2]string{u.ARN, u.ID} {
		t.Fatalf("replay %v", got)
	}
	e.must("CreateUser", "UserName", "bob")
	if got := ok.taken(); len(got) != 0 {
		t.Fatalf("settled deletion replayed: %v", got)
	}
	// A failing replay is reported.
	ok.fail = true
	e.must("DeleteUser", "UserName", "bob")
	ok.taken()
	e.reopen()
	if err := e.s.OnUserDeleted((&hookLog{fail: true}).hook); err == nil {
		t.Fatal("failed replay not reported")
	}
}
