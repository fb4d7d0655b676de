package kms

import (
	"bytes"
	"sync"
	"time"
)

// KMS is eventually consistent: a changed key policy reaches every authorization decision
// only after a while (seconds, in practice). With a propagation delay set, decisions keep
// using the policy in effect before a PutKeyPolicy until the delay has passed, while
// GetKeyPolicy returns the new document at once, as on AWS. The history is in memory only:
// after a restart every key's stored policy is in effect.

// maxPending bounds the changes remembered per key; older ones are taken as arrived.
const maxPending = 16

type policyLag struct {
	delay time.Duration // set before serving, read-only after

	mu   sync.Mutex
	keys map[string]*lagged // key ARN →
}

// lagged is one key's policy changes still on their way.
type lagged struct {
	base    []byte         // the policy in effect before the oldest pending change
	changes []policyChange // oldest first; the last is the stored policy
}

type policyChange struct {
	doc  []byte
	from time.Time // when it takes effect
}

// SetPolicyPropagation makes PutKeyPolicy take effect for authorization only d after it
// succeeds. Call it before serving; 0 (the default) means at once.
func (s *Service) SetPolicyPropagation(d time.Duration) {
	s.lag.delay = d
}

// SetClock sets the clock KMS uses outside requests (DynamoDB's calls, housekeeping), so it
// agrees with the gateway's. Call it before serving; the default is time.Now.
func (s *Service) SetClock(now func() time.Time) {
	s.clock = now
}

// now is the service clock, in UTC.
func (s *Service) now() time.Time {
	if s.clock != nil {
		return s.clock().UTC()
	}
	return time.Now().UTC()
}

// policyInEffect is the key policy authorization uses at now.
func (s *Service) policyInEffect(k *key, now time.Time) []byte {
	if s.lag.delay <= 0 {
		return k.policy
	}
	s.lag.mu.Lock()
	defer s.lag.mu.Unlock()
	l := s.lag.keys[k.rec.ARN]
	if l == nil {
		return k.policy
	}
	if !bytes.Equal(l.changes[len(l.changes)-1].doc, k.policy) {
		// Changed by another path (a deleted user's ARN replaced): that one is immediate.
		delete(s.lag.keys, k.rec.ARN)
		return k.policy
	}
	for len(l.changes) > 0 && !now.Before(l.changes[0].from) {
		l.base, l.changes = l.changes[0].doc, l.changes[1:]
	}
	if len(l.changes) == 0 {
		delete(s.lag.keys, k.rec.ARN)
		return k.policy
	}
	return l.base
}

// notePolicyChange records a PutKeyPolicy from old to next, made at now. It is called under
// the writer lock before the change is committed: if the commit fails, the stored policy
// differs from the recorded one and policyInEffect forgets the record.
func (s *Service) notePolicyChange(keyARN string, old, next []byte, now time.Time) {
	if s.lag.delay <= 0 || bytes.Equal(old, next) {
		return
	}
	s.lag.mu.Lock()
	defer s.lag.mu.Unlock()
	if s.lag.keys == nil {
		s.lag.keys = map[string]*lagged{}
	}
	l := s.lag.keys[keyARN]
	if l == nil || !bytes.Equal(l.changes[len(l.changes)-1].doc, old) {
		l = &lagged{base: old}
		s.lag.keys[keyARN] = l
	}
	l.changes = append(l.changes, policyChange{doc: next, from: now.Add(s.lag.delay)})
	if len(l.changes) > maxPending {
		l.base, l.changes = l.changes[0].doc, l.changes[1:]
	}
}
