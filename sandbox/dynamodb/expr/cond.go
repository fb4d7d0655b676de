package expr

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
)

// operand is a path, a :value or size(path).
type operand interface {
	resolve(item attr.Item) *attr.Value
}

type pathOp struct{ path Path }
type valueOp struct {
	v    *attr.Value
	name string
}
type sizeOp struct{ path Path }

func (o *pathOp) resolve(item attr.Item) *attr.Value  { return o.path.Get(item) }
func (o *valueOp) resolve(item attr.Item) *attr.Value { return o.v }

// resolve gives size() of the value at the path; nil (no value) for types without a size.
func (o *sizeOp) resolve(item attr.Item) *attr.Value {
	v := o.path.Get(item)
	if v == nil {
		return nil
	}
	n := 0
	switch v.Kind {
	case attr.S:
		n = utf8.RuneCountInString(v.Str)
	case attr.B:
		n = len(v.Bin)
	case attr.SS, attr.NS:
		n = len(v.Strs)
	case attr.BS:
		n = len(v.Bins)
	case attr.M:
		n = len(v.M)
	case attr.L:
		n = len(v.L)
	default:
		return nil
	}
	return attr.Num(strconv.Itoa(n))
}

// condNode is a compiled condition.
type condNode interface{ eval(item attr.Item) bool }

type andNode struct{ l, r condNode }
type orNode struct{ l, r condNode }
type notNode struct{ c condNode }
type cmpNode struct {
	op   string
	l, r operand
}
type betweenNode struct{ v, lo, hi operand }
type inNode struct {
	v    operand
	list []operand
}
type funcNode struct {
	name string
	path Path
	arg  operand
}

func (n *andNode) eval(it attr.Item) bool { return n.l.eval(it) && n.r.eval(it) }
func (n *orNode) eval(it attr.Item) bool  { return n.l.eval(it) || n.r.eval(it) }
func (n *notNode) eval(it attr.Item) bool { return !n.c.eval(it) }

// eval compares as DynamoDB does: values of different types are unequal and unordered; an
// attribute that is not there equals nothing.
func (n *cmpNode) eval(it attr.Item) bool {
	l, r := n.l.resolve(it), n.r.resolve(it)
	switch n.op {
	case "=":
		return l != nil && r != nil && attr.Equal(l, r)
	case "<>":
		return l == nil || r == nil || !attr.Equal(l, r)
	}
	c, ok := attr.Compare(l, r)
	if !ok {
		return false
	}
	switch n.op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	default:
		return c >= 0
	}
}

func (n *betweenNode) eval(it attr.Item) bool {
	v, lo, hi := n.v.resolve(it), n.lo.resolve(it), n.hi.resolve(it)
	a, ok1 := attr.Compare(lo, v)
	b, ok2 := attr.Compare(v, hi)
	return ok1 && ok2 && a <= 0 && b <= 0
}

func (n *inNode) eval(it attr.Item) bool {
	v := n.v.resolve(it)
	if v == nil {
		return false
	}
	for _, o := range n.list {
		if x := o.resolve(it); x != nil && attr.Equal(v, x) {
			return true
		}
	}
	return false
}

func (n *funcNode) eval(it attr.Item) bool {
	v := n.path.Get(it)
	switch n.name {
	case "attribute_exists":
		return v != nil
	case "attribute_not_exists":
		return v == nil
	case "attribute_type":
		return v != nil && v.Kind.String() == n.arg.resolve(it).Str
	case "begins_with":
		x := n.arg.resolve(it)
		switch {
		case v == nil || x == nil:
			return false
		case v.Kind == attr.S && x.Kind == attr.S:
			return strings.HasPrefix(v.Str, x.Str)
		case v.Kind == attr.B && x.Kind == attr.B:
			return bytes.HasPrefix(v.Bin, x.Bin)
		}
		return false
	default: // contains
		return contains(v, n.arg.resolve(it))
	}
}

func contains(v, x *attr.Value) bool {
	if v == nil || x == nil {
		return false
	}
	switch {
	case v.Kind == attr.S && x.Kind == attr.S:
		return strings.Contains(v.Str, x.Str)
	case v.Kind == attr.B && x.Kind == attr.B:
		return bytes.Contains(v.Bin, x.Bin)
	case v.Kind == attr.SS && x.Kind == attr.S:
		for _, s := range v.Strs {
			if s == x.Str {
				return true
			}
		}
	case v.Kind == attr.NS && x.Kind == attr.N:
		for _, s := range v.Strs {
			if attr.CompareNumbers(s, x.Str) == 0 {
				return true
			}
		}
	case v.Kind == attr.BS && x.Kind == attr.B:
		for _, b := range v.Bins {
			if bytes.Equal(b, x.Bin) {
				return true
			}
		}
	case v.Kind == attr.L:
		for _, e := range v.L {
			if attr.Equal(e, x) {
				return true
			}
		}
	}
	return false
}

// Cond is a compiled condition or filter expression.
type Cond struct{ root condNode }

// ParseCond compiles a ConditionExpression or FilterExpression (k says which, for messages).
func ParseCond(k Kind, src string, p *Params) (*Cond, error) {
	n, err := parseCondition(k, src, p)
	if err != nil {
		return nil, err
	}
	return &Cond{root: n}, nil
}

// Match evaluates the condition against an item (nil or empty for an item that is not there).
func (c *Cond) Match(item attr.Item) bool {
	if c == nil {
		return true
	}
	if item == nil {
		item = attr.Item{}
	}
	return c.root.eval(item)
}

// TopLevel lists the top-level attributes the condition reads.
func (c *Cond) TopLevel() []string {
	var names []string
	opNames := func(o operand) {
		switch x := o.(type) {
		case *pathOp:
			names = append(names, x.path.Top())
		case *sizeOp:
			names = append(names, x.path.Top())
		}
	}
	var walk func(n condNode)
	walk = func(n condNode) {
		switch x := n.(type) {
		case *andNode:
			walk(x.l)
			walk(x.r)
		case *orNode:
			walk(x.l)
			walk(x.r)
		case *notNode:
			walk(x.c)
		case *cmpNode:
			opNames(x.l)
			opNames(x.r)
		case *betweenNode:
			opNames(x.v)
			opNames(x.lo)
			opNames(x.hi)
		case *inNode:
			opNames(x.v)
			for _, o := range x.list {
				opNames(o)
			}
		case *funcNode:
			names = append(names, x.path.Top())
			if x.arg != nil {
				opNames(x.arg)
			}
		}
	}
	walk(c.root)
	return names
}
