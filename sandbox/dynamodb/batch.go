package dynamodb

import (
	"sort"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
	"github.com/kmslab/kmslab/sandbox/store"
)

const (
	maxBatchGet   = 100
	maxBatchWrite = 25
)

type keysAndAttributes struct {
	Keys                 []map[string]*attr.Wire `json:"Keys"`
	ProjectionExpression *string                 `json:"ProjectionExpression"`
	ConsistentRead       bool                    `json:"ConsistentRead"`
	exprParams
	keys []attr.Item
	expr compiled
}

type batchGetInput struct {
	RequestItems           map[string]*keysAndAttributes `json:"RequestItems"`
	ReturnConsumedCapacity string                        `json:"ReturnConsumedCapacity"`
	names                  map[string]string             // request key → table name
	order                  []string                      // request keys, sorted
}

type writeRequest struct {
	PutRequest *struct {
		Item map[string]*attr.Wire `json:"Item"`
	} `json:"PutRequest"`
	DeleteRequest *struct {
		Key map[string]*attr.Wire `json:"Key"`
	} `json:"DeleteRequest"`
	item attr.Item // put
	key  attr.Item // delete
}

type batchWriteInput struct {
	RequestItems                map[string][]*writeRequest `json:"RequestItems"`
	ReturnConsumedCapacity      string                     `json:"ReturnConsumedCapacity"`
	ReturnItemCollectionMetrics string                     `json:"ReturnItemCollectionMetrics"`
	names                       map[string]string
	order                       []string
}

func init() {
	register("BatchGetItem", validateBatchGet, func(s *Service, r *api.Request, in *batchGetInput) []string {
		var arns []string
		for _, k := range in.order {
			arns = append(arns, s.tableARN(r.Region, in.names[k]))
		}
		return arns
	}, (*Service).batchGet)
	register("BatchWriteItem", validateBatchWrite, func(s *Service, r *api.Request, in *batchWriteInput) []string {
		var arns []string
		for _, k := range in.order {
			arns = append(arns, s.tableARN(r.Region, in.names[k]))
		}
		return arns
	}, (*Service).batchWrite)
}

func checkRequestItems(c *constraint, n int, isNil bool) {
	switch {
	case isNil:
		c.add(nil, "requestItems", "Member must not be null")
	case n == 0:
		c.add("{}", "requestItems", "Member must have length greater than or equal to 1")
	}
}

func validateBatchGet(_ *Service, _ *api.Request, in *batchGetInput) (err error) {
	var c constraint
	checkRequestItems(&c, len(in.RequestItems), in.RequestItems == nil)
	in.names = map[string]string{}
	total := 0
	for k, ka := range in.RequestItems {
		in.names[k] = checkTableName(&c, k, "requestItems.member.key")
		in.order = append(in.order, k)
		if ka == nil || len(ka.Keys) == 0 {
			c.add("[]", "requestItems."+k+".member.keys", "Member must have length greater than or equal to 1")
			continue
		}
		total += len(ka.Keys)
	}
	sort.Strings(in.order)
	if err := c.err(); err != nil {
		return err
	}
	if total > maxBatchGet {
		return validation("Too many items requested for the BatchGetItem call")
	}
	if err := checkCapacityEnums(in.ReturnConsumedCapacity, ""); err != nil {
		return err
	}
	for _, k := range in.order {
		ka := in.RequestItems[k]
		seen := map[string]bool{}
		for _, w := range ka.Keys {
			key, err := wireItem(w)
			if err != nil {
				return err
			}
			sig := string(key.AppendJSON(nil))
			if seen[sig] {
				return validation("Provided list of item keys contains duplicates")
			}
			seen[sig] = true
			ka.keys = append(ka.keys, key)
		}
		if ka.expr, err = ka.compile(exprSources{projection: ka.ProjectionExpression}); err != nil {
			return err
		}
		if err := ka.unused(); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) batchGet(r *api.Request, in *batchGetInput) (any, error) {
	responses := map[string][]attr.Item{}
	var caps []*capacity
	for _, k := range in.order {
		name, ka := in.names[k], in.RequestItems[k]
		items, size, err := s.batchGetTable(r, name, ka)
		if err != nil {
			return nil, err
		}
		responses[k] = items
		if cp := consumed(in.ReturnConsumedCapacity, name, readUnits(size, ka.ConsistentRead)); cp != nil {
			caps = append(caps, cp)
		}
	}
	out := map[string]any{"Responses": responses, "UnprocessedKeys": map[string]any{}}
	if caps != nil {
		out["ConsumedCapacity"] = caps
	}
	return out, nil
}

func (s *Service) batchGetTable(r *api.Request, name string, ka *keysAndAttributes) ([]attr.Item, int, error) {
	t, c, done, err := s.openTable(r, name)
	if err != nil {
		return nil, 0, err
	}
	defer done()
	skeys := make([][]byte, len(ka.keys))
	for i, key := range ka.keys {
		pk, err := t.keyParam(key)
		if err != nil {
			return nil, 0, err
		}
		skeys[i] = c.storageKey(pk.hash, pk.full)
	}
	items := []attr.Item{}
	size := 0
	var readErr error
	err = s.st.View(func(tx *store.Tx) error {
		b := itemsBucket(tx, &t.meta)
		if b == nil {
			readErr = tableNotFound()
			return nil
		}
		for _, sk := range skeys {
			it, n, err := readItem(b, t, c, sk)
			if err != nil {
				readErr = err
				return nil
			}
			if it != nil {
				items = append(items, ka.expr.proj.Apply(it))
				size += n
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, internalError()
	}
	if readErr != nil {
		return nil, 0, readErr
	}
	return items, size, nil
}

func validateBatchWrite(_ *Service, _ *api.Request, in *batchWriteInput) (err error) {
	var c constraint
	checkRequestItems(&c, len(in.RequestItems), in.RequestItems == nil)
	in.names = map[string]string{}
	total := 0
	tables := map[string]bool{}
	for k, reqs := range in.RequestItems {
		in.names[k] = checkTableName(&c, k, "requestItems.member.key")
		if tables[in.names[k]] {
			// The same table by name and by ARN: one entry per table, as for its keys.
			return validation("Provided list of item keys contains duplicates")
		}
		tables[in.names[k]] = true
		in.order = append(in.order, k)
		if len(reqs) == 0 {
			c.add("[]", "requestItems."+k+".member", "Member must have length greater than or equal to 1")
		}
		total += len(reqs)
	}
	sort.Strings(in.order)
	if err := c.err(); err != nil {
		return err
	}
	if total > maxBatchWrite {
		return validation("Too many items requested for the BatchWriteItem call")
	}
	if err := checkCapacityEnums(in.ReturnConsumedCapacity, in.ReturnItemCollectionMetrics); err != nil {
		return err
	}
	for _, k := range in.order {
		for _, w := range in.RequestItems[k] {
			switch {
			case w == nil || (w.PutRequest == nil) == (w.DeleteRequest == nil):
				return validation("Supplied WriteRequest must contain exactly one of PutRequest or DeleteRequest")
			case w.PutRequest != nil:
				if w.PutRequest.Item == nil {
					return validation("1 validation error detected: Value null at 'requestItems.%s.member.putRequest.item' failed to satisfy constraint: Member must not be null", k)
				}
				if w.item, err = wireItem(w.PutRequest.Item); err != nil {
					return err
				}
			default:
				if w.DeleteRequest.Key == nil {
					return validation("1 validation error detected: Value null at 'requestItems.%s.member.deleteRequest.key' failed to satisfy constraint: Member must not be null", k)
				}
				if w.key, err = wireItem(w.DeleteRequest.Key); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// pendingWrite is one prepared write: sealed is nil for a delete.
type pendingWrite struct {
	t      *table
	skey   []byte
	sealed []byte
}

func (s *Service) batchWrite(r *api.Request, in *batchWriteInput) (any, error) {
	var writes []pendingWrite
	var caps []*capacity
	// Every table is opened (and its key checked as the caller) before anything is written.
	for _, k := range in.order {
		name := in.names[k]
		t, c, done, err := s.openTable(r, name)
		if err != nil {
			return nil, err
		}
		defer done()
		seen := map[string]bool{}
		units := 0.0
		for _, w := range in.RequestItems[k] {
			var pw pendingWrite
			pw.t = t
			if w.item != nil {
				pk, err := t.itemKey(w.item)
				if err != nil {
					return nil, err
				}
				size := attr.ItemSize(w.item)
				if size > maxItemSize {
					return nil, validation("Item size has exceeded the maximum allowed size")
				}
				pw.skey = c.storageKey(pk.hash, pk.full)
				pw.sealed = c.seal(t.meta.ARN, pw.skey, w.item.AppendJSON(nil), size)
				units += writeUnits(size)
			} else {
				pk, err := t.keyParam(w.key)
				if err != nil {
					return nil, err
				}
				pw.skey = c.storageKey(pk.hash, pk.full)
				units++
			}
			if seen[string(pw.skey)] {
				return nil, validation("Provided list of item keys contains duplicates")
			}
			seen[string(pw.skey)] = true
			writes = append(writes, pw)
		}
		if cp := consumed(in.ReturnConsumedCapacity, name, units); cp != nil {
			caps = append(caps, cp)
		}
	}
	gone := false
	err := s.st.Update(func(tx *store.Tx) error {
		gone = false
		for _, w := range writes {
			b := itemsBucket(tx, &w.t.meta)
			if b == nil {
				gone = true
				return nil
			}
		}
		for _, w := range writes {
			b := itemsBucket(tx, &w.t.meta)
			var err error
			if w.sealed == nil {
				err = b.Delete(w.skey)
			} else {
				err = b.Put(w.skey, w.sealed)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, err
	case gone:
		return nil, tableNotFound()
	}
	out := map[string]any{"UnprocessedItems": map[string]any{}}
	if caps != nil {
		out["ConsumedCapacity"] = caps
	}
	return out, nil
}
