package dynamodb

import (
	"encoding/json"
	"math"

	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
	"github.com/kmslab/kmslab/sandbox/dynamodb/expr"
)

// exprParams is the placeholder part of every expression-taking input.
type exprParams struct {
	ExpressionAttributeNames    map[string]string     `json:"ExpressionAttributeNames"`
	ExpressionAttributeValues   map[string]*attr.Wire `json:"ExpressionAttributeValues"`
	ReturnConsumedCapacity      string                `json:"ReturnConsumedCapacity"`
	ReturnItemCollectionMetrics string                `json:"ReturnItemCollectionMetrics"`

	// Legacy (pre-expression) parameters: only AttributesToGet is supported.
	Expected            json.RawMessage `json:"Expected"`
	ConditionalOperator json.RawMessage `json:"ConditionalOperator"`
	AttributeUpdates    json.RawMessage `json:"AttributeUpdates"`
	KeyConditions       json.RawMessage `json:"KeyConditions"`
	QueryFilter         json.RawMessage `json:"QueryFilter"`
	ScanFilter          json.RawMessage `json:"ScanFilter"`
	AttributesToGet     []string        `json:"AttributesToGet"`

	params *expr.Params
}

// legacy refuses the old condition parameters, which the sandbox does not emulate.
func (p *exprParams) legacy() error {
	for _, l := range []struct {
		raw  json.RawMessage
		name string
	}{{p.Expected, "Expected"}, {p.ConditionalOperator, "ConditionalOperator"}, {p.AttributeUpdates, "AttributeUpdates"},
		{p.KeyConditions, "KeyConditions"}, {p.QueryFilter, "QueryFilter"}, {p.ScanFilter, "ScanFilter"}} {
		if len(l.raw) > 0 && string(l.raw) != "null" {
			return validation("The kmslab sandbox does not support the legacy parameter %s; use expressions (ConditionExpression, UpdateExpression, KeyConditionExpression, FilterExpression) instead", l.name)
		}
	}
	return nil
}

// compile builds the placeholders and compiles the expressions given; nil strings are
// absent expressions. It ends with DynamoDB's unused-placeholder check.
type compiled struct {
	cond, filter *expr.Cond
	proj         *expr.Proj
	update       *expr.UpdateExpr
}

type exprSources struct {
	condition, filter, projection, update *string
	keyCondition                          *string // compiled later; counts as an expression
	condKind                              expr.Kind
}

func (p *exprParams) compile(src exprSources) (compiled, error) {
	var out compiled
	if err := p.legacy(); err != nil {
		return out, err
	}
	if err := checkCapacityEnums(p.ReturnConsumedCapacity, p.ReturnItemCollectionMetrics); err != nil {
		return out, err
	}
	has := src.condition != nil || src.filter != nil || src.projection != nil || src.update != nil || src.keyCondition != nil
	params, err := expr.NewParams(p.ExpressionAttributeNames, p.ExpressionAttributeValues, has)
	if err != nil {
		return out, fromAttr(err)
	}
	p.params = params
	if src.projection != nil && p.AttributesToGet != nil {
		return out, validation("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}")
	}
	if src.update != nil {
		if out.update, err = expr.ParseUpdate(*src.update, params); err != nil {
			return out, fromAttr(err)
		}
	}
	if src.condition != nil {
		kind := src.condKind
		if kind == "" {
			kind = expr.Condition
		}
		if out.cond, err = expr.ParseCond(kind, *src.condition, params); err != nil {
			return out, fromAttr(err)
		}
	}
	if src.filter != nil {
		if out.filter, err = expr.ParseCond(expr.Filter, *src.filter, params); err != nil {
			return out, fromAttr(err)
		}
	}
	if src.projection != nil {
		if out.proj, err = expr.ParseProjection(*src.projection, params); err != nil {
			return out, fromAttr(err)
		}
	}
	if p.AttributesToGet != nil {
		if len(p.AttributesToGet) == 0 {
			var c constraint
			c.add("[]", "attributesToGet", "Member must have length greater than or equal to 1")
			return out, c.err()
		}
		var paths []expr.Path
		for _, a := range p.AttributesToGet {
			paths = append(paths, expr.Path{{Name: a}})
		}
		out.proj = expr.NewProj(paths)
	}
	return out, nil
}

// unused runs DynamoDB's check for placeholders no expression used; call it after every
// expression of the request (the key condition included) is compiled.
func (p *exprParams) unused() error {
	if err := p.params.CheckUnused(); err != nil {
		return fromAttr(err)
	}
	return nil
}

func checkCapacityEnums(rcc, ricm string) error {
	var c constraint
	if rcc != "" && rcc != "INDEXES" && rcc != "TOTAL" && rcc != "NONE" {
		c.add(rcc, "returnConsumedCapacity", "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]")
	}
	if ricm != "" && ricm != "SIZE" && ricm != "NONE" {
		c.add(ricm, "returnItemCollectionMetrics", "Member must satisfy enum value set: [SIZE, NONE]")
	}
	return c.err()
}

// checkReturnValues validates ReturnValues; allowed lists what the operation accepts.
func checkReturnValues(rv string, allowed ...string) error {
	switch rv {
	case "", "NONE":
		return nil
	case "ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW":
		for _, a := range allowed {
			if a == rv {
				return nil
			}
		}
		return validation("Return values set to invalid value")
	}
	var c constraint
	c.add(rv, "returnValues", "Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]")
	return c.err()
}

// capacity is ConsumedCapacity.
type capacity struct {
	TableName     string    `json:"TableName"`
	CapacityUnits float64   `json:"CapacityUnits"`
	Table         *capUnits `json:"Table,omitempty"`
}

type capUnits struct {
	CapacityUnits float64 `json:"CapacityUnits"`
}

// consumed reports capacity when asked: writes cost a unit per KB, reads a unit per 4 KB
// (half for eventually consistent reads).
func consumed(mode, table string, units float64) *capacity {
	if mode != "TOTAL" && mode != "INDEXES" {
		return nil
	}
	c := &capacity{TableName: table, CapacityUnits: units}
	if mode == "INDEXES" {
		c.Table = &capUnits{CapacityUnits: units}
	}
	return c
}

func writeUnits(size int) float64 { return math.Max(1, math.Ceil(float64(size)/1024)) }

func readUnits(size int, consistent bool) float64 {
	u := math.Max(1, math.Ceil(float64(size)/4096))
	if !consistent {
		u /= 2
	}
	return u
}

// wireItem converts a wire item, mapping attr errors to DynamoDB's.
func wireItem(m map[string]*attr.Wire) (attr.Item, error) {
	it, err := attr.ItemFromWire(m)
	if err != nil {
		return nil, fromAttr(err)
	}
	return it, nil
}
