package dynamodb

import (
	"encoding/json"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
	"github.com/kmslab/kmslab/sandbox/dynamodb/expr"
	"github.com/kmslab/kmslab/sandbox/store"
)

type putItemInput struct {
	TableName           string                `json:"TableName"`
	Item                map[string]*attr.Wire `json:"Item"`
	ConditionExpression *string               `json:"ConditionExpression"`
	ReturnValues        string                `json:"ReturnValues"`
	OnConditionFailure  string                `json:"ReturnValuesOnConditionCheckFailure"`
	exprParams
	name string
	item attr.Item
	expr compiled
}

type keyInput struct {
	TableName string                `json:"TableName"`
	Key       map[string]*attr.Wire `json:"Key"`
	name      string
	key       attr.Item
}

type getItemInput struct {
	keyInput
	ProjectionExpression *string `json:"ProjectionExpression"`
	ConsistentRead       bool    `json:"ConsistentRead"`
	exprParams
	expr compiled
}

type deleteItemInput struct {
	keyInput
	ConditionExpression *string `json:"ConditionExpression"`
	ReturnValues        string  `json:"ReturnValues"`
	OnConditionFailure  string  `json:"ReturnValuesOnConditionCheckFailure"`
	exprParams
	expr compiled
}

type updateItemInput struct {
	keyInput
	UpdateExpression    *string `json:"UpdateExpression"`
	ConditionExpression *string `json:"ConditionExpression"`
	ReturnValues        string  `json:"ReturnValues"`
	OnConditionFailure  string  `json:"ReturnValuesOnConditionCheckFailure"`
	exprParams
	expr compiled
}

// itemOutput is the result of the single-item writes.
type itemOutput struct {
	Attributes       attr.Item `json:"Attributes,omitempty"`
	ConsumedCapacity *capacity `json:"ConsumedCapacity,omitempty"`
}

func init() {
	register("PutItem", validatePut, tableResource(func(in *putItemInput) string { return in.name }), (*Service).putItem)
	register("GetItem", validateGet, tableResource(func(in *getItemInput) string { return in.name }), (*Service).getItem)
	register("DeleteItem", validateDelete, tableResource(func(in *deleteItemInput) string { return in.name }), (*Service).deleteItem)
	register("UpdateItem", validateUpdate, tableResource(func(in *updateItemInput) string { return in.name }), (*Service).updateItem)
}

// checkOnConditionFailure validates ReturnValuesOnConditionCheckFailure.
func checkOnConditionFailure(v string) error {
	if v == "" || v == "NONE" || v == "ALL_OLD" {
		return nil
	}
	var c constraint
	c.add(v, "returnValuesOnConditionCheckFailure", "Member must satisfy enum value set: [ALL_OLD, NONE]")
	return c.err()
}

func validatePut(_ *Service, _ *api.Request, in *putItemInput) (err error) {
	var c constraint
	in.name = checkTableName(&c, in.TableName, "tableName")
	if in.Item == nil {
		c.add(nil, "item", "Member must not be null")
	}
	if err := c.err(); err != nil {
		return err
	}
	if err := checkReturnValues(in.ReturnValues, "ALL_OLD"); err != nil {
		return err
	}
	if err := checkOnConditionFailure(in.OnConditionFailure); err != nil {
		return err
	}
	if in.item, err = wireItem(in.Item); err != nil {
		return err
	}
	if in.expr, err = in.compile(exprSources{condition: in.ConditionExpression}); err != nil {
		return err
	}
	return in.unused()
}

func (in *keyInput) validateKey() (err error) {
	var c constraint
	in.name = checkTableName(&c, in.TableName, "tableName")
	if in.Key == nil {
		c.add(nil, "key", "Member must not be null")
	}
	if err := c.err(); err != nil {
		return err
	}
	in.key, err = wireItem(in.Key)
	return err
}

func validateGet(_ *Service, _ *api.Request, in *getItemInput) (err error) {
	if err := in.validateKey(); err != nil {
		return err
	}
	if in.expr, err = in.compile(exprSources{projection: in.ProjectionExpression}); err != nil {
		return err
	}
	return in.unused()
}

func validateDelete(_ *Service, _ *api.Request, in *deleteItemInput) (err error) {
	if err := in.validateKey(); err != nil {
		return err
	}
	if err := checkReturnValues(in.ReturnValues, "ALL_OLD"); err != nil {
		return err
	}
	if err := checkOnConditionFailure(in.OnConditionFailure); err != nil {
		return err
	}
	if in.expr, err = in.compile(exprSources{condition: in.ConditionExpression}); err != nil {
		return err
	}
	return in.unused()
}

func validateUpdate(_ *Service, _ *api.Request, in *updateItemInput) (err error) {
	if err := in.validateKey(); err != nil {
		return err
	}
	if err := checkReturnValues(in.ReturnValues, "ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"); err != nil {
		return err
	}
	if err := checkOnConditionFailure(in.OnConditionFailure); err != nil {
		return err
	}
	if in.expr, err = in.compile(exprSources{condition: in.ConditionExpression, update: in.UpdateExpression}); err != nil {
		return err
	}
	return in.unused()
}

// readItem decrypts and decodes the item at skey in b; nil when it is not there.
func readItem(b *bucket, t *table, c *tableCrypto, skey []byte) (attr.Item, int, error) {
	raw := b.Get(skey)
	if raw == nil {
		return nil, 0, nil
	}
	plain, err := c.open(t.meta.ARN, skey, raw)
	if err != nil {
		return nil, 0, internalError()
	}
	it, err := attr.DecodeItem(plain)
	if err != nil {
		return nil, 0, internalError()
	}
	return it, storedSize(raw), nil
}

// conditionalWrite is the transaction behind PutItem, DeleteItem and UpdateItem: read the
// stored item (when readOld or a condition needs it), check the condition against it, then
// store what next returns for it — sealed bytes, or nil to delete. It returns the old item.
// onFailure is ReturnValuesOnConditionCheckFailure: with ALL_OLD a failed condition's error
// carries the stored item.
func (s *Service) conditionalWrite(t *table, c *tableCrypto, skey []byte, readOld bool, cond *expr.Cond, onFailure string, next func(old attr.Item) ([]byte, error)) (attr.Item, int, error) {
	readOld = readOld || cond != nil
	var (
		old          attr.Item
		oldSize      int
		failed, gone bool
		opErr        error
	)
	err := s.st.Update(func(tx *store.Tx) error {
		old, oldSize, failed, gone, opErr = nil, 0, false, false, nil
		b := itemsBucket(tx, &t.meta)
		if b == nil {
			gone = true
			return nil
		}
		if readOld {
			if old, oldSize, opErr = readItem(b, t, c, skey); opErr != nil {
				return nil
			}
		}
		if cond != nil && !cond.Match(old) {
			failed = true
			return nil
		}
		var sealed []byte
		if sealed, opErr = next(old); opErr != nil {
			return nil
		}
		if sealed == nil {
			if old == nil && readOld {
				return nil
			}
			return b.Delete(skey)
		}
		return b.Put(skey, sealed)
	})
	switch {
	case err != nil:
		return nil, 0, err
	case gone:
		return nil, 0, tableNotFound()
	case opErr != nil:
		return nil, 0, opErr
	case failed && onFailure == "ALL_OLD":
		return nil, 0, conditionFailedWith(old)
	case failed:
		return nil, 0, conditionFailed()
	}
	return old, oldSize, nil
}

func (s *Service) putItem(r *api.Request, in *putItemInput) (any, error) {
	t, c, done, err := s.openTable(r, in.name)
	if err != nil {
		return nil, err
	}
	defer done()
	pk, err := t.itemKey(in.item)
	if err != nil {
		return nil, err
	}
	size := attr.ItemSize(in.item)
	if size > maxItemSize {
		return nil, validation("Item size has exceeded the maximum allowed size")
	}
	skey := c.storageKey(pk.hash, pk.full)
	sealed := c.seal(t.meta.ARN, skey, in.item.AppendJSON(nil), size)
	needOld := in.expr.cond != nil || in.ReturnValues == "ALL_OLD"
	old, oldSize, err := s.conditionalWrite(t, c, skey, needOld, in.expr.cond, in.OnConditionFailure, func(attr.Item) ([]byte, error) { return sealed, nil })
	if err != nil {
		return nil, err
	}
	out := &itemOutput{ConsumedCapacity: consumed(in.ReturnConsumedCapacity, in.name, writeUnits(max(size, oldSize)))}
	if in.ReturnValues == "ALL_OLD" && old != nil {
		out.Attributes = old
	}
	return out, nil
}

// getItemOutput returns the stored JSON as is when nothing is projected: no re-encoding.
type getItemOutput struct {
	Item             json.RawMessage `json:"Item,omitempty"`
	ConsumedCapacity *capacity       `json:"ConsumedCapacity,omitempty"`
}

func (s *Service) getItem(r *api.Request, in *getItemInput) (any, error) {
	t, c, done, err := s.openTable(r, in.name)
	if err != nil {
		return nil, err
	}
	defer done()
	pk, err := t.keyParam(in.key)
	if err != nil {
		return nil, err
	}
	skey := c.storageKey(pk.hash, pk.full)
	var plain []byte
	var size int
	gone := false
	err = s.st.View(func(tx *store.Tx) error {
		b := itemsBucket(tx, &t.meta)
		if b == nil {
			gone = true
			return nil
		}
		raw := b.Get(skey)
		if raw == nil {
			return nil
		}
		size = storedSize(raw)
		var oerr error
		plain, oerr = c.open(t.meta.ARN, skey, raw)
		return oerr
	})
	switch {
	case err != nil:
		return nil, internalError()
	case gone:
		return nil, tableNotFound()
	}
	out := &getItemOutput{ConsumedCapacity: consumed(in.ReturnConsumedCapacity, in.name, readUnits(size, in.ConsistentRead))}
	if plain == nil {
		return out, nil
	}
	if in.expr.proj == nil {
		out.Item = plain
		return out, nil
	}
	it, err := attr.DecodeItem(plain)
	if err != nil {
		return nil, internalError()
	}
	out.Item = in.expr.proj.Apply(it).AppendJSON(nil)
	return out, nil
}

func (s *Service) deleteItem(r *api.Request, in *deleteItemInput) (any, error) {
	t, c, done, err := s.openTable(r, in.name)
	if err != nil {
		return nil, err
	}
	defer done()
	pk, err := t.keyParam(in.key)
	if err != nil {
		return nil, err
	}
	skey := c.storageKey(pk.hash, pk.full)
	old, oldSize, err := s.conditionalWrite(t, c, skey, true, in.expr.cond, in.OnConditionFailure, func(attr.Item) ([]byte, error) { return nil, nil })
	if err != nil {
		return nil, err
	}
	out := &itemOutput{ConsumedCapacity: consumed(in.ReturnConsumedCapacity, in.name, writeUnits(oldSize))}
	if in.ReturnValues == "ALL_OLD" && old != nil {
		out.Attributes = old
	}
	return out, nil
}
