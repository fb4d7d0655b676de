package iam

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/store"
)

// deletedPath holds one record per deleted user, keyed by its unique id: the ids of users
// that existed stay known (a policy may name them), and are never handed out again.
var deletedPath = []string{bucketName, "deleted"}

// deletedUser remembers a deleted user. Pending means the deletion hooks have not all
// succeeded yet: they run again at start-up (OnUserDeleted) and before the next CreateUser.
type deletedUser struct {
	ID      string    `json:"id"`
	ARN     string    `json:"arn"`
	Deleted time.Time `json:"deleted"`
	Pending bool      `json:"pending,omitempty"`
}

// DeletionHook learns that the IAM user userARN, whose unique id was uniqueID, is gone.
// It must be idempotent: after a crash it is called again for the same user.
type DeletionHook func(userARN, uniqueID string) error

// OnUserDeleted registers a hook called after each DeleteUser is durable, before DeleteUser
// returns and before any other IAM change (KMS rewrites key policies that name the user).
// It first replays the deletions whose hooks had not all run (a crash in between), so
// register every hook before serving. The error is the first replay that failed.
func (s *Service) OnUserDeleted(fn DeletionHook) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.hooks = append(s.hooks, fn)
	return s.settlePending()
}

// loadDeleted reads the deleted users; tx is load's.
func (s *Service) loadDeleted(tx *store.Tx) error {
	return store.ForEachJSON(tx, deletedPath, func(key string, raw []byte) error {
		d := &deletedUser{}
		if err := json.Unmarshal(raw, d); err != nil {
			return fmt.Errorf("iam: corrupt deleted-user record %q: %w", key, err)
		}
		s.deleted[d.ID] = d
		return nil
	})
}

// removeUser deletes u and records it as deleted in one transaction, then runs the hooks.
// A failed hook leaves the deletion pending; it is retried later and does not undo it.
// Callers hold wmu.
func (s *Service) removeUser(u *user, at time.Time) error {
	d := &deletedUser{ID: u.ID, ARN: u.ARN, Deleted: at, Pending: len(s.hooks) > 0}
	err := s.st.Update(func(tx *store.Tx) error {
		if err := store.Delete(tx, usersPath, strings.ToLower(u.Name)); err != nil {
			return err
		}
		return store.PutJSON(tx, deletedPath, d.ID, d)
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.index(u, nil)
	s.deleted[d.ID] = d
	s.mu.Unlock()
	_ = s.settle(d)
	return nil
}

// settle runs the hooks for a pending deletion and then records it as done. Callers hold wmu.
func (s *Service) settle(d *deletedUser) error {
	if !d.Pending {
		return nil
	}
	for _, fn := range s.hooks {
		if err := fn(d.ARN, d.ID); err != nil {
			return err
		}
	}
	done := *d
	done.Pending = false
	if err := s.st.Update(func(tx *store.Tx) error { return store.PutJSON(tx, deletedPath, done.ID, &done) }); err != nil {
		return err
	}
	s.mu.Lock()
	s.deleted[done.ID] = &done
	s.mu.Unlock()
	return nil
}

// settlePending settles every pending deletion, oldest first. Callers hold wmu.
func (s *Service) settlePending() error {
	s.mu.RLock()
	var pending []*deletedUser
	for _, d := range s.deleted {
		if d.Pending {
			pending = append(pending, d)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(pending, func(a, b *deletedUser) int { return a.Deleted.Compare(b.Deleted) })
	for _, d := range pending {
		if err := s.settle(d); err != nil {
			return err
		}
	}
	return nil
}

// serviceFailure is IAM's internal error (HTTP 500).
func serviceFailure() *api.Error {
	e := iamErr("ServiceFailure", http.StatusInternalServerError, "The request processing has failed because of an unknown error, exception or failure.")
	e.Receiver = true
	return e
}
