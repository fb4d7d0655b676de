package dynamodb

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
	"github.com/kmslab/kmslab/sandbox/store"
)

// RawItem returns one item's bytes exactly as stored (ciphertext) and the KMS key ARN of
// its table ("" for the AWS owned key): the teaching hook that shows encryption at rest.
// key is the item's primary key in DynamoDB JSON. Finding the item needs the table key:
// the one cached by the last data-plane call, else a customer managed key is opened as the
// account root (the sandbox admin's view).
func (s *Service) RawItem(region, table string, key map[string]json.RawMessage) (stored []byte, keyARN string, err error) {
	t := s.lookup(region, table)
	if t == nil {
		return nil, "", tableNotFound()
	}
	k := attr.Item{}
	for name, raw := range key {
		var w attr.Wire
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, "", serialization("The key could not be read as DynamoDB JSON")
		}
		v, err := attr.FromWire(&w)
		if err != nil {
			return nil, "", fromAttr(err)
		}
		k[name] = v
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.deleted {
		return nil, "", tableNotFound()
	}
	c := t.cachedCrypto()
	if c == nil {
		root := api.Principal{AccountID: s.account, ARN: "arn:aws:iam::" + s.account + ":root", UserName: "root"}
		if c, err = s.crypto(context.Background(), root, t); err != nil {
			return nil, "", err
		}
	}
	pk, err := t.keyParam(k)
	if err != nil {
		return nil, "", err
	}
	skey := c.storageKey(pk.hash, pk.full)
	err = s.st.View(func(tx *store.Tx) error {
		if b := itemsBucket(tx, &t.meta); b != nil {
			stored = bytes.Clone(b.Get(skey))
		}
		return nil
	})
	if err != nil {
		return nil, "", internalError()
	}
	if stored == nil {
		return nil, "", notFound("Requested item not found")
	}
	return stored, t.meta.SSE.KeyARN, nil
}
