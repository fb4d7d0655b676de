package iam

import (
	"strings"
	"time"
)

// KeyCreated returns when an access key was created, for the sandbox's realistic mode (a
// new key is unknown to AWS for a few seconds). found is false for an unknown key.
func (s *Service) KeyCreated(accessKeyID string) (created time.Time, found bool) {
	s.mu.RLock()
	e := s.keys[accessKeyID]
	s.mu.RUnlock()
	if e == nil {
		return time.Time{}, false
	}
	return e.created, true
}

// UserCreated returns when the live user a policy principal names (user ARN, any case, or
// unique id) was created, for the realistic mode (a new user is invisible to KMS for a few
// seconds). found is false for anything else: the root, "*", a deleted user.
func (s *Service) UserCreated(principal string) (created time.Time, found bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var u *user
	if strings.HasPrefix(principal, "AIDA") {
		for _, c := range s.users {
			if c.ID == principal {
				u = c
				break
			}
		}
	} else {
		u = s.byARN[principal]
		if u == nil {
			u = s.byLowerARN[strings.ToLower(principal)]
		}
	}
	if u == nil {
		return time.Time{}, false
	}
	if !u.born.IsZero() {
		return u.born, true
	}
	return u.Created, true
}
