package kms

import (
	"slices"

	"github.com/kmslab/kmslab/policy"
)

// UserDeleted rewrites every key policy (every region, keys pending deletion included) that
// names the deleted IAM user userARN, putting the user's unique id (AIDA…) in its place, as
// AWS shows it after the user is gone. A new user given the same name then has another
// unique id, so the policy no longer grants it anything. The rest of each policy is kept
// byte for byte. It is idempotent; each region's changes are durable when it returns nil.
func (s *Service) UserDeleted(userARN, uniqueID string) error {
	s.mu.RLock()
	regions := make([]string, 0, len(s.regions))
	for name := range s.regions {
		regions = append(regions, name)
	}
	s.mu.RUnlock()
	slices.Sort(regions)
	for _, reg := range regions {
		if err := s.replacePrincipal(reg, userARN, uniqueID); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) replacePrincipal(reg, old, replacement string) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	now := s.now()
	var c change
	for _, k := range s.liveKeys(reg, now) {
		doc, changed, err := policy.ReplacePrincipal(k.policy, old, replacement)
		if err != nil || !changed {
			// A stored policy always parsed when it was written; one that does not now
			// names nobody the evaluator would match either.
			continue
		}
		nk := k.edit()
		nk.setPolicy(string(doc))
		c.putKeys = append(c.putKeys, nk)
	}
	return s.commit(reg, c)
}
