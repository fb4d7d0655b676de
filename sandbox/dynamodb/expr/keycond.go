package expr

import (
	"bytes"
	"strings"

	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
)

// KeyCond is an analysed KeyConditionExpression: equality on the partition key and at most
// one condition on the sort key.
type KeyCond struct {
	HashName  string
	HashValue *attr.Value
	RangeName string // "" when the sort key is not constrained
	RangeOp   string // =, <, <=, >, >=, BETWEEN, begins_with
	Range     []*attr.Value
}

// KeySchema names the key attributes a query runs against (table or index) and their types.
type KeySchema struct {
	Hash, Range         string
	HashType, RangeType attr.Kind
}

// ParseKeyCond compiles and checks a KeyConditionExpression against the key schema.
func ParseKeyCond(src string, p *Params, ks KeySchema) (*KeyCond, error) {
	root, err := parseCondition(KeyCondition, src, p)
	if err != nil {
		return nil, err
	}
	var leaves []condNode
	var flatten func(n condNode) error
	flatten = func(n condNode) error {
		switch x := n.(type) {
		case *andNode:
			if err := flatten(x.l); err != nil {
				return err
			}
			return flatten(x.r)
		case *orNode:
			return invalidf(KeyCondition, "Invalid operator used in KeyConditionExpression: OR")
		case *notNode:
			return invalidf(KeyCondition, "Invalid operator used in KeyConditionExpression: NOT")
		case *inNode:
			return invalidf(KeyCondition, "Invalid operator used in KeyConditionExpression: IN")
		case *cmpNode:
			if x.op == "<>" {
				return invalidf(KeyCondition, "Invalid operator used in KeyConditionExpression: <>")
			}
		case *funcNode:
			if x.name != "begins_with" {
				return invalidf(KeyCondition, "Invalid operator used in KeyConditionExpression: %s", x.name)
			}
		}
		leaves = append(leaves, n)
		return nil
	}
	if err := flatten(root); err != nil {
		return nil, err
	}
	kc := &KeyCond{}
	seen := map[string]bool{}
	unsupported := &Error{Message: "Query key condition not supported"}
	for _, n := range leaves {
		name, op, vals, err := keyLeaf(n)
		if err != nil {
			return nil, err
		}
		if name != ks.Hash && (ks.Range == "" || name != ks.Range) {
			return nil, unsupported
		}
		if seen[name] {
			return nil, invalidf(KeyCondition, "KeyConditionExpressions must only contain one condition per key")
		}
		seen[name] = true
		want := ks.HashType
		if name == ks.Hash {
			if op != "=" {
				return nil, unsupported
			}
			kc.HashName, kc.HashValue = name, vals[0]
		} else {
			want = ks.RangeType
			kc.RangeName, kc.RangeOp, kc.Range = name, op, vals
		}
		for _, v := range vals {
			if op == "begins_with" && v.Kind != attr.S && v.Kind != attr.B {
				return nil, invalidf(KeyCondition, "Incorrect operand type for operator or function; operator or function: begins_with, operand type: %s", v.Kind)
			}
			if v.Kind != want {
				return nil, &Error{Message: "One or more parameter values were invalid: Condition parameter type does not match schema type"}
			}
		}
		if op == "begins_with" && want == attr.N {
			return nil, invalidf(KeyCondition, "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")
		}
	}
	if kc.HashValue == nil {
		return nil, errorf("Query condition missed key schema element: %s", ks.Hash)
	}
	return kc, nil
}

// keyLeaf reads "key op :v", ":v op key", "key BETWEEN :a AND :b" or begins_with(key, :v).
func keyLeaf(n condNode) (name, op string, vals []*attr.Value, err error) {
	unsupported := &Error{Message: "Query key condition not supported"}
	top := func(o operand) (string, bool) {
		p, ok := o.(*pathOp)
		if !ok || len(p.path) != 1 {
			return "", false
		}
		return p.path[0].Name, true
	}
	val := func(o operand) (*attr.Value, bool) {
		v, ok := o.(*valueOp)
		if !ok {
			return nil, false
		}
		return v.v, true
	}
	switch x := n.(type) {
	case *cmpNode:
		if name, ok := top(x.l); ok {
			if v, ok := val(x.r); ok {
				return name, x.op, []*attr.Value{v}, nil
			}
		}
		if name, ok := top(x.r); ok {
			if v, ok := val(x.l); ok {
				flip := map[string]string{"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
				return name, flip[x.op], []*attr.Value{v}, nil
			}
		}
	case *betweenNode:
		name, ok := top(x.v)
		lo, ok1 := val(x.lo)
		hi, ok2 := val(x.hi)
		if ok && ok1 && ok2 {
			return name, "BETWEEN", []*attr.Value{lo, hi}, nil
		}
	case *funcNode:
		if len(x.path) == 1 {
			if v, ok := val(x.arg); ok {
				return x.path[0].Name, "begins_with", []*attr.Value{v}, nil
			}
		}
	}
	return "", "", nil, unsupported
}

// MatchRange reports whether a sort-key value meets the sort-key condition.
func (kc *KeyCond) MatchRange(v *attr.Value) bool {
	if kc.RangeName == "" {
		return true
	}
	if v == nil {
		return false
	}
	switch kc.RangeOp {
	case "begins_with":
		if v.Kind == attr.B {
			return bytes.HasPrefix(v.Bin, kc.Range[0].Bin)
		}
		return v.Kind == attr.S && strings.HasPrefix(v.Str, kc.Range[0].Str)
	case "BETWEEN":
		a, ok1 := attr.Compare(kc.Range[0], v)
		b, ok2 := attr.Compare(v, kc.Range[1])
		return ok1 && ok2 && a <= 0 && b <= 0
	}
	c, ok := attr.Compare(v, kc.Range[0])
	if !ok {
		return false
	}
	switch kc.RangeOp {
	case "=":
		return c == 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}
