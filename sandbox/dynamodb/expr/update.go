package expr

import (
	"sort"
	"strings"

	"github.com/truora/minidyn/interpreter/language"

	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
)

// UpdateExpr is a compiled UpdateExpression.
type UpdateExpr struct {
	sets    []setAction
	removes []Path
	adds    []setOp
	deletes []setOp
}

type setAction struct {
	path Path
	val  valueExpr
}

type setOp struct {
	path Path
	v    *attr.Value
}

// valueExpr is the right-hand side of a SET action.
type valueExpr interface {
	eval(old attr.Item) (*attr.Value, error)
}

type constExpr struct{ v *attr.Value }
type pathExpr struct{ path Path }
type arithExpr struct {
	sub  bool
	l, r valueExpr
}
type ifNotExistsExpr struct {
	path Path
	def  valueExpr
}
type listAppendExpr struct{ a, b valueExpr }

var (
	errMissingAttr = &Error{Message: "The provided expression refers to an attribute that does not exist in the item"}
	errBadOperand  = &Error{Message: "An operand in the update expression has an incorrect data type"}
)

func (e *constExpr) eval(attr.Item) (*attr.Value, error) { return e.v, nil }

func (e *pathExpr) eval(old attr.Item) (*attr.Value, error) {
	if v := e.path.Get(old); v != nil {
		return v, nil
	}
	return nil, errMissingAttr
}

func (e *arithExpr) eval(old attr.Item) (*attr.Value, error) {
	l, err := e.l.eval(old)
	if err != nil {
		return nil, err
	}
	r, err := e.r.eval(old)
	if err != nil {
		return nil, err
	}
	if l.Kind != attr.N || r.Kind != attr.N {
		return nil, errBadOperand
	}
	s, err := attr.AddNumbers(l.Str, r.Str, e.sub)
	if err != nil {
		return nil, &Error{Message: err.Error()}
	}
	return attr.Num(s), nil
}

func (e *ifNotExistsExpr) eval(old attr.Item) (*attr.Value, error) {
	if v := e.path.Get(old); v != nil {
		return v, nil
	}
	return e.def.eval(old)
}

func (e *listAppendExpr) eval(old attr.Item) (*attr.Value, error) {
	a, err := e.a.eval(old)
	if err != nil {
		return nil, err
	}
	b, err := e.b.eval(old)
	if err != nil {
		return nil, err
	}
	if a.Kind != attr.L || b.Kind != attr.L {
		return nil, errBadOperand
	}
	l := make([]*attr.Value, 0, len(a.L)+len(b.L))
	l = append(append(l, a.L...), b.L...)
	return &attr.Value{Kind: attr.L, L: l}, nil
}

// ParseUpdate compiles an UpdateExpression.
func ParseUpdate(src string, p *Params) (*UpdateExpr, error) {
	if err := checkLength(Update, src); err != nil {
		return nil, err
	}
	c := newCompiler(Update, src, p)
	root, _, _, _ := updateTree(src)
	err := c.checkParse(func(s string) ([]string, bool, bool) {
		_, errs, mismatch, panicked := updateTree(s)
		return errs, mismatch, panicked
	})
	if err != nil {
		return nil, err
	}
	ue, ok := root.(*language.UpdateExpression)
	if !ok || len(ue.Expressions) == 0 {
		return nil, c.syntaxEnd()
	}
	u := &UpdateExpr{}
	var all []Path
	for _, x := range ue.Expressions {
		act := x.(*language.ActionExpression) // treeTokens checked the type
		path, err := c.updatePath(act.Left)
		if err != nil {
			return nil, err
		}
		switch act.Token.Type {
		case language.SET:
			v, err := c.valueExpr(act.Right)
			if err != nil {
				return nil, err
			}
			u.sets = append(u.sets, setAction{path: path, val: v})
		case language.REMOVE:
			u.removes = append(u.removes, path)
		default:
			op := string(act.Token.Type)
			o, err := c.operand(act.Right)
			if err != nil {
				return nil, err
			}
			v, ok := o.(*valueOp)
			if !ok {
				return nil, c.syntaxAt(language.IDENT, "")
			}
			okKind := v.v.Kind.IsSet() || (op == "ADD" && v.v.Kind == attr.N)
			if !okKind {
				return nil, invalidf(Update, "Incorrect operand type for operator or function; operator: %s, operand type: %s", op, longKind(v.v.Kind))
			}
			if op == "ADD" {
				u.adds = append(u.adds, setOp{path, v.v})
			} else {
				u.deletes = append(u.deletes, setOp{path, v.v})
			}
		}
		all = append(all, path)
	}
	if err := checkOverlaps(Update, all); err != nil {
		return nil, err
	}
	return u, nil
}

// updateTree parses an update expression with minidyn. A clause keyword with no action
// ("SET") counts as incomplete, failing at the end of input.
func updateTree(src string) (root language.Expression, errs []string, mismatch, panicked bool) {
	panicked = guard(func() {
		parser := language.NewUpdateParser(language.NewLexer(src))
		stmt := parser.ParseUpdateExpression()
		errs = parser.Errors()
		if stmt != nil {
			root = stmt.Expression
		}
	})
	if !panicked && len(errs) == 0 {
		if ue, ok := root.(*language.UpdateExpression); ok && len(ue.Expressions) == 0 {
			return root, []string{"no action before EOF"}, false, false
		}
		n, balanced := countNonParen(lex(src))
		mismatch = root == nil || !balanced || treeTokens(root) != n
	}
	return root, errs, mismatch, panicked
}

// updatePath compiles the target of an action, which must be a document path.
func (c *compiler) updatePath(e language.Expression) (Path, error) {
	if id, ok := e.(*language.Identifier); ok && strings.HasPrefix(id.Value, ":") {
		return nil, c.syntaxAt(language.IDENT, id.Value)
	}
	return c.path(e)
}

func (c *compiler) valueExpr(e language.Expression) (valueExpr, error) {
	switch n := e.(type) {
	case *language.InfixExpression:
		if n.Operator != "+" && n.Operator != "-" {
			return nil, c.syntaxAt(n.Token.Type, n.Token.Literal)
		}
		l, err := c.valueExpr(n.Left)
		if err != nil {
			return nil, err
		}
		r, err := c.valueExpr(n.Right)
		if err != nil {
			return nil, err
		}
		for _, side := range []valueExpr{l, r} {
			if k, ok := side.(*constExpr); ok && k.v.Kind != attr.N {
				return nil, invalidf(Update, "Incorrect operand type for operator or function; operator or function: %s, operand type: %s", n.Operator, k.v.Kind)
			}
		}
		return &arithExpr{sub: n.Operator == "-", l: l, r: r}, nil
	case *language.CallExpression:
		name, err := c.funcName(n)
		if err != nil {
			return nil, err
		}
		switch name {
		case "if_not_exists", "list_append":
		case "attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains", "size":
			return nil, invalidf(Update, "The function is not allowed in an update expression; function: %s", name)
		default:
			return nil, invalidf(Update, "Invalid function name; function: %s", name)
		}
		if len(n.Arguments) != 2 {
			return nil, invalidf(Update, "Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", name, len(n.Arguments))
		}
		a, err := c.valueExpr(n.Arguments[0])
		if err != nil {
			return nil, err
		}
		b, err := c.valueExpr(n.Arguments[1])
		if err != nil {
			return nil, err
		}
		if name == "if_not_exists" {
			p, ok := a.(*pathExpr)
			if !ok {
				return nil, invalidf(Update, "Operator or function requires a document path; operator or function: if_not_exists")
			}
			return &ifNotExistsExpr{path: p.path, def: b}, nil
		}
		for _, side := range []valueExpr{a, b} {
			if k, ok := side.(*constExpr); ok && k.v.Kind != attr.L {
				return nil, invalidf(Update, "Incorrect operand type for operator or function; operator or function: list_append, operand type: %s", k.v.Kind)
			}
		}
		return &listAppendExpr{a: a, b: b}, nil
	case *language.Identifier:
		if strings.HasPrefix(n.Value, ":") {
			o, err := c.operand(n)
			if err != nil {
				return nil, err
			}
			return &constExpr{v: o.(*valueOp).v}, nil
		}
	}
	p, err := c.path(e)
	if err != nil {
		return nil, err
	}
	return &pathExpr{path: p}, nil
}

func longKind(k attr.Kind) string {
	switch k {
	case attr.S:
		return "STRING"
	case attr.N:
		return "NUMBER"
	case attr.B:
		return "BINARY"
	case attr.BOOL:
		return "BOOLEAN"
	case attr.M:
		return "MAP"
	case attr.L:
		return "LIST"
	}
	return k.String()
}

// checkOverlaps refuses two paths where one contains the other, or that disagree on
// whether a step is a map key or a list index.
func checkOverlaps(k Kind, paths []Path) error {
	for i := range paths {
		for j := i + 1; j < len(paths); j++ {
			if overlaps(paths[i], paths[j]) {
				return invalidf(k, "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", paths[i], paths[j])
			}
			if conflicts(paths[i], paths[j]) {
				return invalidf(k, "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", paths[i], paths[j])
			}
		}
	}
	return nil
}

// Paths lists the document paths the update writes, in expression order.
func (u *UpdateExpr) Paths() []Path {
	var ps []Path
	for _, s := range u.sets {
		ps = append(ps, s.path)
	}
	ps = append(ps, u.removes...)
	for _, a := range u.adds {
		ps = append(ps, a.path)
	}
	for _, d := range u.deletes {
		ps = append(ps, d.path)
	}
	return ps
}

// TopLevel lists the top-level attributes the update writes.
func (u *UpdateExpr) TopLevel() []string {
	seen := map[string]bool{}
	var names []string
	for _, p := range u.Paths() {
		if !seen[p.Top()] {
			seen[p.Top()] = true
			names = append(names, p.Top())
		}
	}
	return names
}

// Apply returns the updated copy of old (nil when the item does not exist yet). Every
// operand is read from old, as DynamoDB evaluates all actions against the item as it was.
func (u *UpdateExpr) Apply(old attr.Item) (attr.Item, error) {
	if old == nil {
		old = attr.Item{}
	}
	vals := make([]*attr.Value, len(u.sets))
	for i, s := range u.sets {
		v, err := s.val.eval(old)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	item := old.Clone()
	for i, s := range u.sets {
		if err := s.path.set(item, vals[i].Clone()); err != nil {
			return nil, err
		}
	}
	for _, a := range u.adds {
		if err := add(item, a); err != nil {
			return nil, err
		}
	}
	for _, d := range u.deletes {
		if err := del(item, d); err != nil {
			return nil, err
		}
	}
	// Later list elements first, so each index still means what it meant in old.
	removes := append([]Path(nil), u.removes...)
	sort.SliceStable(removes, func(i, j int) bool {
		a, b := removes[i], removes[j]
		if len(a) != len(b) || !a[len(a)-1].IsIndex || !b[len(b)-1].IsIndex {
			return false
		}
		return a[len(a)-1].Index > b[len(b)-1].Index
	})
	for _, p := range removes {
		p.remove(item)
	}
	return item, nil
}

func add(item attr.Item, a setOp) error {
	cur := a.path.Get(item)
	switch {
	case cur == nil:
		return a.path.set(item, a.v.Clone())
	case cur.Kind == attr.N && a.v.Kind == attr.N:
		s, err := attr.AddNumbers(cur.Str, a.v.Str, false)
		if err != nil {
			return &Error{Message: err.Error()}
		}
		return a.path.set(item, attr.Num(s))
	case cur.Kind == a.v.Kind && cur.Kind.IsSet():
		n := cur.Clone()
		for i := range a.v.Strs {
			if !member(n, a.v, i) {
				n.Strs = append(n.Strs, a.v.Strs[i])
			}
		}
		for i := range a.v.Bins {
			if !member(n, a.v, i) {
				n.Bins = append(n.Bins, a.v.Bins[i])
			}
		}
		return a.path.set(item, n)
	}
	return errBadOperand
}

func del(item attr.Item, d setOp) error {
	cur := d.path.Get(item)
	switch {
	case cur == nil:
		return nil
	case cur.Kind != d.v.Kind:
		return errBadOperand
	}
	n := &attr.Value{Kind: cur.Kind}
	for i := range cur.Strs {
		if !member(d.v, cur, i) {
			n.Strs = append(n.Strs, cur.Strs[i])
		}
	}
	for i := range cur.Bins {
		if !member(d.v, cur, i) {
			n.Bins = append(n.Bins, cur.Bins[i])
		}
	}
	if len(n.Strs) == 0 && len(n.Bins) == 0 {
		d.path.remove(item)
		return nil
	}
	return d.path.set(item, n)
}

// member reports whether element i of from is in set.
func member(set, from *attr.Value, i int) bool {
	switch from.Kind {
	case attr.SS:
		for _, s := range set.Strs {
			if s == from.Strs[i] {
				return true
			}
		}
	case attr.NS:
		for _, s := range set.Strs {
			if attr.CompareNumbers(s, from.Strs[i]) == 0 {
				return true
			}
		}
	case attr.BS:
		for _, b := range set.Bins {
			if string(b) == string(from.Bins[i]) {
				return true
			}
		}
	}
	return false
}
