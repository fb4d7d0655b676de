package dynamodb

import (
	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
	"github.com/kmslab/kmslab/sandbox/dynamodb/expr"
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
		next    attr.Item
		newSize int
	)
	old, oldSize, err := s.conditionalWrite(t, c, skey, true, in.expr.cond, in.OnConditionFailure, func(old attr.Item) ([]byte, error) {
		var err error
		if next, newSize, err = t.applyUpdate(old, in.key, upd); err != nil {
			return nil, err
		}
		return c.seal(t.meta.ARN, skey, next.AppendJSON(nil), newSize), nil
	})
	if err != nil {
		return nil, err
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
