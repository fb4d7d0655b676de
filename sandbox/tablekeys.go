package sandbox

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/kmslab/kmslab/sandbox/api"
)

// tableKeyCache is DynamoDB's cache of plaintext table keys (DDB-DG encryption.usagenotes):
// once KMS has let a caller decrypt a table's key, DynamoDB reuses it for that caller for
// ttl without asking KMS again. So a revoked grant, a disabled key or one pending deletion
// keeps serving the caller until the entry expires, while a denial is never cached: a new
// grant works as soon as KMS allows it. In memory only, like DynamoDB's own cache.
type tableKeyCache struct {
	api.KeyBroker
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[tableKeyID]tableKeyEntry
}

// maxTableKeys bounds the cache; expired entries go first, then everything.
const maxTableKeys = 4096

type tableKeyID struct {
	region, keyARN, table string
	caller                string // ARN and unique id: a re-created user is someone else
	wrapped               [sha256.Size]byte
}

type tableKeyEntry struct {
	plain []byte
	until time.Time
}

func newTableKeyCache(b api.KeyBroker, ttl time.Duration, now func() time.Time) *tableKeyCache {
	return &tableKeyCache{KeyBroker: b, ttl: ttl, now: now, entries: map[tableKeyID]tableKeyEntry{}}
}

// OpenTableKey answers from the cache while the caller's entry lasts, else asks KMS.
func (c *tableKeyCache) OpenTableKey(ctx context.Context, caller api.Principal, region, keyARN string, wrapped []byte, encCtx map[string]string) ([]byte, error) {
	id := tableKeyID{
		region: region, keyARN: keyARN, table: encCtx["aws:dynamodb:tableName"],
		caller: caller.ARN + "\x00" + caller.UserID, wrapped: sha256.Sum256(wrapped),
	}
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[id]
	c.mu.Unlock()
	if ok && now.Before(e.until) {
		return append([]byte(nil), e.plain...), nil
	}
	plain, err := c.KeyBroker.OpenTableKey(ctx, caller, region, keyARN, wrapped, encCtx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		delete(c.entries, id)
		return nil, err
	}
	if len(c.entries) >= maxTableKeys {
		c.prune(now)
	}
	c.entries[id] = tableKeyEntry{plain: append([]byte(nil), plain...), until: now.Add(c.ttl)}
	return plain, nil
}

// ReleaseTableKey forgets the deleted table's entries, then retires DynamoDB's grant.
func (c *tableKeyCache) ReleaseTableKey(ctx context.Context, region, keyARN string, encCtx map[string]string) error {
	table := encCtx["aws:dynamodb:tableName"]
	c.mu.Lock()
	for id := range c.entries {
		if id.region == region && id.keyARN == keyARN && id.table == table {
			delete(c.entries, id)
		}
	}
	c.mu.Unlock()
	return c.KeyBroker.ReleaseTableKey(ctx, region, keyARN, encCtx)
}

// prune drops expired entries, or all of them when none has expired. c.mu is held.
func (c *tableKeyCache) prune(now time.Time) {
	for id, e := range c.entries {
		if !now.Before(e.until) {
			delete(c.entries, id)
		}
	}
	if len(c.entries) >= maxTableKeys {
		clear(c.entries)
	}
}
