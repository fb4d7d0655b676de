package iam

import (
	"fmt"
	"strings"
	"time"

	"github.com/kmslab/kmslab/policy"
	"github.com/kmslab/kmslab/sandbox/api"
)

// AdminUser is the user Bootstrap creates.
const AdminUser = "admin"

// AdministratorAccessARN is the AWS managed policy attached to the admin.
const AdministratorAccessARN = "arn:aws:iam::aws:policy/AdministratorAccess"

// Bootstrap makes sure the sandbox has its admin. On first start it creates user "admin"
// (path /) with AdministratorAccess and one access key, and reports created. Later it returns
// the admin's first active key and its secret (the sandbox keeps secrets in its 0600 store,
// as AWS does). If the admin has no active key left, it makes one usable again: a new key
// when the quota allows, else the oldest key is reactivated.
func (s *Service) Bootstrap(now time.Time) (created bool, keyID, secret string, err error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	r := &api.Request{Now: now}
	if now.IsZero() {
		r.Now = time.Now()
	}
	u := s.lookup(AdminUser)
	if u == nil {
		next := s.newUser(AdminUser, "/", nil, r)
		next.Attached = []string{AdministratorAccessARN}
		k := s.newKey(r)
		next.Keys = []accessKey{k}
		if err := s.commit(nil, next); err != nil {
			return false, "", "", fmt.Errorf("iam: bootstrap admin: %w", err)
		}
		return true, k.ID, k.Secret, nil
	}
	for _, k := range u.Keys {
		if k.Active {
			return false, k.ID, k.Secret, nil
		}
	}
	next := u.clone()
	var k accessKey
	if len(next.Keys) < maxKeysPerUser {
		k = s.newKey(r)
		next.Keys = append(next.Keys, k)
	} else {
		next.Keys[0].Active = true
		k = next.Keys[0]
	}
	if err := s.commit(u, next); err != nil {
		return false, "", "", fmt.Errorf("iam: bootstrap admin key: %w", err)
	}
	return false, k.ID, k.Secret, nil
}

// Authenticate resolves an access key id to its secret and principal. It reads memory
// only. active is false for an inactive key; found is false for an unknown or deleted key.
func (s *Service) Authenticate(accessKeyID string) (secret string, p api.Principal, active bool, found bool) {
	s.mu.RLock()
	e := s.keys[accessKeyID]
	s.mu.RUnlock()
	if e == nil {
		return "", api.Principal{}, false, false
	}
	return e.secret, e.principal, e.active, true
}

// userFor finds the user a principal names: by ARN, then by name.
func (s *Service) userFor(p api.Principal) *user {
	s.mu.RLock()
	u := s.byARN[p.ARN]
	s.mu.RUnlock()
	if u == nil && p.UserName != "" {
		u = s.lookup(p.UserName)
	}
	return u
}

// IdentityPolicies returns the user's attached managed and inline policies, parsed. The
// result is cached per version of the user and shared: callers must not modify it. A
// principal that is not a user of this sandbox has none.
func (s *Service) IdentityPolicies(p api.Principal) ([]policy.NamedPolicy, error) {
	u := s.userFor(p)
	if u == nil {
		return nil, nil
	}
	c := u.cache
	c.once.Do(func() { c.list, c.err = s.parseUserPolicies(u) })
	return c.list, c.err
}

func (s *Service) parseUserPolicies(u *user) ([]policy.NamedPolicy, error) {
	out := make([]policy.NamedPolicy, 0, len(u.Attached)+len(u.Inline))
	for _, arn := range u.Attached {
		m := s.managed[arn]
		if m == nil {
			continue // cannot happen: only known policies attach
		}
		parsed, err := m.Parsed()
		if err != nil {
			return nil, fmt.Errorf("iam: managed policy %s: %w", m.Name, err)
		}
		out = append(out, policy.NamedPolicy{Name: m.Name, Policy: parsed})
	}
	for _, in := range u.Inline {
		parsed, err := policy.Parse([]byte(in.Document))
		if err != nil {
			return nil, fmt.Errorf("iam: inline policy %s of %s: %w", in.Name, u.Name, err)
		}
		out = append(out, policy.NamedPolicy{Name: in.Name, Policy: parsed})
	}
	return out, nil
}

// PrincipalExists reports whether a principal named in a policy exists: "*", this account
// (its root ARN or bare id), or a user of this sandbox by ARN or unique id (AIDA…). The
// unique id of a deleted user is accepted too: GetKeyPolicy shows it in place of the
// user's ARN, and a student who puts that policy back must not be refused (UNCONFIRMED on
// AWS; TestUnconfirmed_DeletedUserIDInKeyPolicy).
func (s *Service) PrincipalExists(principal string) bool {
	switch principal {
	case "*", s.account, "arn:aws:iam::" + s.account + ":root":
		return true
	}
	if strings.HasPrefix(principal, "AIDA") {
		s.mu.RLock()
		defer s.mu.RUnlock()
		return s.idTaken(principal)
	}
	if !strings.HasPrefix(principal, "arn:aws:iam::"+s.account+":user/") {
		return false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.byARN[principal] != nil {
		return true
	}
	// User names ignore case.
	return s.byLowerARN[strings.ToLower(principal)] != nil
}

// UniqueIDFor returns the unique id (AIDA…) of the user with that ARN.
func (s *Service) UniqueIDFor(userARN string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.byARN[userARN]
	if u == nil {
		u = s.byLowerARN[strings.ToLower(userARN)]
	}
	if u == nil {
		return "", false
	}
	return u.ID, true
}

// AccountID is the sandbox account IAM serves.
func (s *Service) AccountID() string { return s.account }
