package iam

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/kmslab/kmslab/policy"
	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/store"
)

// Store layout: bucket "iam", nested bucket "users", one JSON record per user keyed by the
// lower-cased user name (names are unique regardless of case). A record holds everything
// about the user, so every change is one atomic put.
const bucketName = "iam"

var usersPath = []string{bucketName, "users"}

type tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

type inlinePolicy struct {
	Name     string `json:"name"`
	Document string `json:"doc"` // as the caller sent it
}

type accessKey struct {
	ID      string    `json:"id"`
	Secret  string    `json:"secret"`
	Active  bool      `json:"active"`
	Created time.Time `json:"created"` // whole seconds, as IAM reports it

	born time.Time // the exact creation time, known only to the process that made the key
}

// createdAt is the most exact creation time known: the sandbox's realistic mode times
// delays of a second or less from it.
func (k accessKey) createdAt() time.Time {
	if !k.born.IsZero() {
		return k.born
	}
	return k.Created
}

func (k accessKey) status() string {
	if k.Active {
		return "Active"
	}
	return "Inactive"
}

// user is one IAM user. Values are never changed once published: a change builds a new
// user (clone), persists it, then swaps it in, so readers need no lock after lookup.
type user struct {
	Name     string         `json:"name"`
	Path     string         `json:"path"`
	ID       string         `json:"id"`
	ARN      string         `json:"arn"`
	Created  time.Time      `json:"created"`
	Tags     []tag          `json:"tags,omitempty"`
	Attached []string       `json:"attached,omitempty"` // managed policy ARNs, in attach order
	Inline   []inlinePolicy `json:"inline,omitempty"`   // in name order
	Keys     []accessKey    `json:"keys,omitempty"`     // in creation order

	born  time.Time    // the exact creation time, known only to the process that made the user
	cache *policyCache // parsed identity policies of this version of the user
}

// policyCache holds the parsed policies of one user version; a changed user gets a new one.
type policyCache struct {
	once sync.Once
	list []policy.NamedPolicy
	err  error
}

func (u *user) clone() *user {
	c := &user{
		Name: u.Name, Path: u.Path, ID: u.ID, ARN: u.ARN, Created: u.Created,
		Tags:     append([]tag(nil), u.Tags...),
		Attached: append([]string(nil), u.Attached...),
		Inline:   append([]inlinePolicy(nil), u.Inline...),
		Keys:     append([]accessKey(nil), u.Keys...),
		born:     u.born,
		cache:    &policyCache{},
	}
	return c
}

func (u *user) principal(keyID string) api.Principal {
	return api.Principal{AccountID: accountOf(u.ARN), ARN: u.ARN, UserID: u.ID, UserName: u.Name, AccessKeyID: keyID}
}

func (u *user) key(id string) int {
	for i, k := range u.Keys {
		if k.ID == id {
			return i
		}
	}
	return -1
}

func (u *user) attached(arn string) bool {
	for _, a := range u.Attached {
		if a == arn {
			return true
		}
	}
	return false
}

func (u *user) inline(name string) int {
	for i, p := range u.Inline {
		if strings.EqualFold(p.Name, name) {
			return i
		}
	}
	return -1
}

// accountOf takes the account id out of an IAM ARN.
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}

// keyEntry is the authentication view of one access key, ready to return without allocating.
type keyEntry struct {
	secret    string
	active    bool
	principal api.Principal
	created   time.Time
}

// userARN builds arn:aws:iam::<acct>:user<path><name>.
func (s *Service) userARN(path, name string) string {
	if path == "" {
		path = "/"
	}
	return "arn:aws:iam::" + s.account + ":user" + path + name
}

// load reads every user from the store and builds the indexes.
func (s *Service) load() error {
	return s.st.View(func(tx *store.Tx) error {
		err := store.ForEachJSON(tx, usersPath, func(key string, raw []byte) error {
			u := &user{}
			if err := json.Unmarshal(raw, u); err != nil {
				return fmt.Errorf("iam: corrupt user record %q: %w", key, err)
			}
			u.cache = &policyCache{}
			s.index(nil, u)
			return nil
		})
		if err != nil {
			return err
		}
		return s.loadDeleted(tx)
	})
}

// save makes a change durable: next replaces the record of old (nil next deletes it).
func (s *Service) save(old, next *user) error {
	return s.st.Update(func(tx *store.Tx) error {
		if next == nil {
			return store.Delete(tx, usersPath, strings.ToLower(old.Name))
		}
		return store.PutJSON(tx, usersPath, strings.ToLower(next.Name), next)
	})
}

// commit persists a change and then makes it visible. It is the one place where a change
// becomes visible to authentication and authorization, so a propagation delay (IAM's
// eventual consistency) can be added here later.
func (s *Service) commit(old, next *user) error {
	if err := s.save(old, next); err != nil {
		return err
	}
	s.mu.Lock()
	s.index(old, next)
	s.mu.Unlock()
	return nil
}

// index swaps old for next in every in-memory index. Callers hold s.mu (or own s alone).
func (s *Service) index(old, next *user) {
	if old != nil {
		delete(s.users, strings.ToLower(old.Name))
		delete(s.byARN, old.ARN)
		delete(s.byLowerARN, strings.ToLower(old.ARN))
		for _, k := range old.Keys {
			delete(s.keys, k.ID)
		}
	}
	if next != nil {
		s.users[strings.ToLower(next.Name)] = next
		s.byARN[next.ARN] = next
		s.byLowerARN[strings.ToLower(next.ARN)] = next
		for _, k := range next.Keys {
			s.keys[k.ID] = &keyEntry{secret: k.Secret, active: k.Active, principal: next.principal(k.ID), created: k.createdAt()}
		}
	}
}

// lookup finds a user by name, ignoring case.
func (s *Service) lookup(name string) *user {
	s.mu.RLock()
	u := s.users[strings.ToLower(name)]
	s.mu.RUnlock()
	return u
}

// snapshot returns every user (unordered).
func (s *Service) snapshot() []*user {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*user, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, u)
	}
	return out
}
