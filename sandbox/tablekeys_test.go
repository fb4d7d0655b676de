package sandbox

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kmslab/kmslab/sandbox/api"
)

// countingBroker answers OpenTableKey from a fixed result and counts the calls.
type countingBroker struct {
	api.KeyBroker
	calls    int
	released int
	err      error
}

func (b *countingBroker) OpenTableKey(context.Context, api.Principal, string, string, []byte, map[string]string) ([]byte, error) {
	b.calls++
	if b.err != nil {
		return nil, b.err
	}
	return []byte("0123456789abcdef0123456789abcdef"), nil
}

func (b *countingBroker) ReleaseTableKey(context.Context, string, string, map[string]string) error {
	b.released++
	return nil
}

func TestTableKeyCacheIsPerCallerAndTable(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := &countingBroker{}
	c := newTableKeyCache(b, time.Minute, func() time.Time { return now })
	ctx := context.Background()
	alice := api.Principal{ARN: "arn:aws:iam::000000000000:user/alice", UserID: "AIDA1"}
	bob := api.Principal{ARN: "arn:aws:iam::000000000000:user/bob", UserID: "AIDA2"}
	aliceAgain := api.Principal{ARN: alice.ARN, UserID: "AIDA3"} // deleted and re-created
	t1 := map[string]string{"aws:dynamodb:tableName": "t1"}
	t2 := map[string]string{"aws:dynamodb:tableName": "t2"}
	open := func(p api.Principal, enc map[string]string, wrapped string) {
		t.Helper()
		got, err := c.OpenTableKey(ctx, p, "us-east-1", "arn:k", []byte(wrapped), enc)
		if err != nil || len(got) != 32 {
			t.Fatalf("OpenTableKey: %q %v", got, err)
		}
		got[0] = 'X' // the caller's copy: the cache must not share it
	}
	open(alice, t1, "w1")
	open(alice, t1, "w1")
	if b.calls != 1 {
		t.Fatalf("%d KMS calls for one caller and table, want 1", b.calls)
	}
	open(bob, t1, "w1")
	open(aliceAgain, t1, "w1")
	open(alice, t2, "w2")
	open(alice, t1, "w1-recreated")
	if b.calls != 5 {
		t.Fatalf("%d KMS calls, want 5 (one per caller, table and table key)", b.calls)
	}
	if got, _ := c.OpenTableKey(ctx, alice, "us-east-1", "arn:k", []byte("w1"), t1); got[0] != '0' {
		t.Fatal("a caller's change to the key reached the cache")
	}

	// A deleted table's entries go; others stay.
	if err := c.ReleaseTableKey(ctx, "us-east-1", "arn:k", t1); err != nil || b.released != 1 {
		t.Fatalf("ReleaseTableKey: %v, %d", err, b.released)
	}
	calls := b.calls
	open(alice, t2, "w2")
	open(alice, t1, "w1")
	if b.calls != calls+1 {
		t.Fatalf("after the release: %d KMS calls, want %d", b.calls, calls+1)
	}

	// A failure is not cached and removes an expired entry.
	now = now.Add(time.Minute)
	b.err = &api.Error{Code: "AccessDeniedException"}
	for range 2 {
		if _, err := c.OpenTableKey(ctx, alice, "us-east-1", "arn:k", []byte("w1"), t1); err != b.err {
			t.Fatalf("want the broker's error, got %v", err)
		}
	}
	if b.calls != calls+3 {
		t.Fatalf("a denial was cached: %d calls, want %d", b.calls, calls+3)
	}
}

func TestTableKeyCacheIsBounded(t *testing.T) {
	now := time.Now()
	b := &countingBroker{}
	c := newTableKeyCache(b, time.Minute, func() time.Time { return now })
	for i := range maxTableKeys + 10 {
		p := api.Principal{ARN: "u", UserID: fmt.Sprint(i)}
		if _, err := c.OpenTableKey(context.Background(), p, "r", "k", []byte("w"), nil); err != nil {
			t.Fatal(err)
		}
		if len(c.entries) > maxTableKeys {
			t.Fatalf("%d entries, bound %d", len(c.entries), maxTableKeys)
		}
	}
}
