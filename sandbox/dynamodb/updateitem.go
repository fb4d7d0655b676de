package dynamodb

import (
	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
	"github.com/kmslab/kmslab/sandbox/dynamodb/expr"
	"github.com/kmslab/kmslab/sandbox/store"
)

func (s *Service) updateItem(r *api.Request, in *updateItemInput) (any, error) {
	t, c, done, err := s.openTable(r, in.name)
	if err != nil {
		return nil, err
	}
	defer done()
	pk, err := t.keyParam(in.key)
	if err != nil {
		return nil, err
	}
	upd := in.expr.update
	if upd != nil {
		for _, name := range upd.TopLevel() {
			if t.isKeyAttr(name) {
				return nil, invalidParams("Cannot update attribute %s. This attribute is part of the key", name)
			}
		}
	}
	skey := c.storageKey(pk.hash, pk.full)
	var (
		old, next        attr.Item
		oldSize, newSize int
		failed, gone     bool
		opErr            error
	)
	err = s.st.Update(func(tx *store.Tx) error {
		old, next, oldSize, newSize, failed, gone, opErr = nil, nil, 0, 0, false, false, nil
		b := itemsBucket(tx, &t.meta)
		if b == nil {
			gone = true
			return nil
		}
		if old, oldSize, opErr = readItem(b, t, c, skey); opErr != nil {
			return nil
		}
		if in.expr.cond != nil && !in.expr.cond.Match(old) {
			failed = true
			return nil
		}
		next, newSize, opErr = t.applyUpdate(old, in.key, upd)
		if opErr != nil {
			return nil
		}
		return b.Put(skey, c.seal(t.meta.ARN, skey, next.AppendJSON(nil), newSize))
	})
	switch {
	case err != nil:
		return nil, err
	case gone:
		return nil, tableNotFound()
	case opErr != nil:
		return nil, opErr
	case failed:
		return nil, conditionFailed()
	}
	out := &itemOutput{ConsumedCapacity: consumed(in.ReturnConsumedCapacity, in.name, writeUnits(max(oldSize, newSize)))}
	var paths []expr.Path
	if upd != nil {
		paths = upd.Paths()
	}
	switch in.ReturnValues {
	case "ALL_OLD":
		out.Attributes = old
	case "ALL_NEW":
		out.Attributes = next
	case "UPDATED_OLD":
		out.Attributes = expr.ProjectPaths(old, paths)
	case "UPDATED_NEW":
		out.Attributes = expr.ProjectPaths(next, paths)
	}
	if len(out.Attributes) == 0 {
		out.Attributes = nil
	}
	return out, nil
}

// applyUpdate computes the new item: the update applied to the old one (or to a new item
// holding just the key), checked against the schema and the size limit.
func (t *table) applyUpdate(old, key attr.Item, upd *expr.UpdateExpr) (attr.Item, int, error) {
	var next attr.Item
	if upd != nil {
		n, err := upd.Apply(old)
		if err != nil {
			return nil, 0, fromAttr(err)
		}
		next = n
	} else {
		next = old.Clone()
	}
	if next == nil {
		next = attr.Item{}
	}
	for k, v := range key {
		next[k] = v
	}
	if err := t.checkIndexKeys(next); err != nil {
		return nil, 0, err
	}
	size := attr.ItemSize(next)
	if size > maxItemSize {
		return nil, 0, validation("Item size to update has exceeded the maximum allowed size")
	}
	return next, size, nil
}
