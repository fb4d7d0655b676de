package kms

import (
	"fmt"
	"testing"
	"time"
)

func lagKey(arn, doc string) *key {
	k := &key{}
	k.rec.ARN = arn
	k.setPolicy(doc)
	return k
}

func TestPolicyInEffectFollowsChangesInTurn(t *testing.T) {
	s := &Service{}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	k := lagKey("arn:k", "A")
	if got := string(s.policyInEffect(k, t0)); got != "A" {
		t.Fatalf("no delay: %s", got)
	}
	s.SetPolicyPropagation(time.Second)
	s.notePolicyChange(k.rec.ARN, []byte("A"), []byte("B"), t0)
	k.setPolicy("B")
	s.notePolicyChange(k.rec.ARN, []byte("B"), []byte("C"), t0.Add(400*time.Millisecond))
	k.setPolicy("C")
	for _, c := range []struct {
		at   time.Duration
		want string
	}{{0, "A"}, {999 * time.Millisecond, "A"}, {time.Second, "B"}, {1399 * time.Millisecond, "B"}, {1400 * time.Millisecond, "C"}, {time.Hour, "C"}} {
		if got := string(s.policyInEffect(k, t0.Add(c.at))); got != c.want {
			t.Errorf("at %s: %s, want %s", c.at, got, c.want)
		}
	}
	if len(s.lag.keys) != 0 {
		t.Fatalf("arrived changes are kept: %v", s.lag.keys)
	}

	// Putting the same policy again is no change.
	s.notePolicyChange(k.rec.ARN, []byte("C"), []byte("C"), t0)
	if len(s.lag.keys) != 0 {
		t.Fatal("an identical policy was recorded as a change")
	}
}

func TestPolicyInEffectForgetsWhatTheStoreDoesNotHold(t *testing.T) {
	s := &Service{}
	s.SetPolicyPropagation(time.Second)
	t0 := time.Now()
	k := lagKey("arn:k", "A")
	// A change recorded but never committed: the stored policy is still A.
	s.notePolicyChange(k.rec.ARN, []byte("A"), []byte("B"), t0)
	if got := string(s.policyInEffect(k, t0)); got != "A" {
		t.Fatalf("got %s", got)
	}
	if len(s.lag.keys) != 0 {
		t.Fatal("the failed change is still recorded")
	}
	// A policy rewritten by another path (a deleted user) is in effect at once.
	s.notePolicyChange(k.rec.ARN, []byte("A"), []byte("B"), t0)
	k.setPolicy("B-rewritten")
	if got := string(s.policyInEffect(k, t0)); got != "B-rewritten" {
		t.Fatalf("got %s", got)
	}
}

func TestPolicyChangesPerKeyAreBounded(t *testing.T) {
	s := &Service{}
	s.SetPolicyPropagation(time.Minute)
	t0 := time.Now()
	k := lagKey("arn:k", "p0")
	for i := 1; i <= 3*maxPending; i++ {
		s.notePolicyChange(k.rec.ARN, []byte(fmt.Sprint("p", i-1)), []byte(fmt.Sprint("p", i)), t0)
		k.setPolicy(fmt.Sprint("p", i))
	}
	l := s.lag.keys[k.rec.ARN]
	if len(l.changes) != maxPending {
		t.Fatalf("%d changes kept, want %d", len(l.changes), maxPending)
	}
	if want := fmt.Sprint("p", 2*maxPending); string(s.policyInEffect(k, t0)) != want {
		t.Fatalf("in effect %s, want %s (the oldest kept change's predecessor)", s.policyInEffect(k, t0), want)
	}
}
