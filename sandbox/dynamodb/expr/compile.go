package expr

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/truora/minidyn/interpreter/language"

	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
)

// compiler turns a minidyn parse tree into this package's nodes, checking it as DynamoDB
// does and resolving placeholders.
type compiler struct {
	kind   Kind
	src    string
	toks   []token
	params *Params
}

func newCompiler(k Kind, src string, p *Params) *compiler {
	return &compiler{kind: k, src: src, toks: lex(src), params: p}
}

// syntaxAt reports a syntax error at the first token of type typ (end of input if none).
func (c *compiler) syntaxAt(typ language.TokenType, lit string) error {
	for i, t := range c.toks {
		if t.typ == typ && (lit == "" || t.lit == lit) {
			return syntaxError(c.kind, c.src, c.toks, i)
		}
	}
	return syntaxError(c.kind, c.src, c.toks, len(c.toks))
}

func (c *compiler) syntaxEnd() error {
	return syntaxError(c.kind, c.src, c.toks, len(c.toks))
}

// parseFunc runs minidyn's parser over src; mismatch reports a tree that does not account
// for every token.
type parseFunc func(src string) (errs []string, mismatch, panicked bool)

// MaxExpression is DynamoDB's limit on an expression's length in bytes.
const MaxExpression = 4096

// checkParse rejects what minidyn parsed with errors or only in part, pointing at the
// offending token: the first prefix of the input that fails on a real token (not on its
// end) ends at it.
func (c *compiler) checkParse(parse parseFunc) error {
	errs, mismatch, panicked := parse(c.src)
	if len(errs) == 0 && !mismatch && !panicked {
		return nil
	}
	if !panicked && !mismatch && !tokenErrors(errs) {
		return syntaxError(c.kind, c.src, c.toks, len(c.toks)) // it only ended too soon
	}
	// Binary search for the shortest failing prefix: a prefix that fails on a token keeps
	// failing as it grows.
	fails := func(i int) bool {
		perrs, pmis, ppanic := parse(c.src[:c.toks[i].end])
		return ppanic || pmis || tokenErrors(perrs)
	}
	lo, hi := 0, len(c.toks)
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return syntaxError(c.kind, c.src, c.toks, lo)
}

// tokenErrors reports parser errors caused by a real token rather than the end of input.
func tokenErrors(errs []string) bool {
	for _, m := range errs {
		if !strings.Contains(m, "EOF") {
			return true
		}
	}
	return false
}

func checkLength(k Kind, src string) error {
	if strings.TrimSpace(src) == "" {
		return invalidf(k, "The expression can not be empty;")
	}
	if len(src) > MaxExpression {
		return invalidf(k, "Expression size has exceeded the maximum allowed size; expression size: %d", len(src))
	}
	return nil
}

// guard runs fn, turning a panic inside minidyn into a flag.
func guard(fn func()) (panicked bool) {
	defer func() {
		if recover() != nil {
			panicked = true
		}
	}()
	fn()
	return false
}

// conditionTree parses a condition-shaped expression with minidyn.
func conditionTree(src string) (root language.Expression, errs []string, mismatch, panicked bool) {
	panicked = guard(func() {
		parser := language.NewParser(language.NewLexer(src))
		tree := parser.ParseConditionalExpression()
		errs = parser.Errors()
		if tree != nil {
			root = tree.Expression
		}
	})
	if !panicked && len(errs) == 0 {
		n, balanced := countNonParen(lex(src))
		mismatch = root == nil || !balanced || treeTokens(root) != n
	}
	return root, errs, mismatch, panicked
}

// parseCondition parses a condition-shaped expression (condition, filter, key condition).
func parseCondition(k Kind, src string, p *Params) (condNode, error) {
	if err := checkLength(k, src); err != nil {
		return nil, err
	}
	c := newCompiler(k, src, p)
	root, _, _, _ := conditionTree(src)
	err := c.checkParse(func(s string) ([]string, bool, bool) {
		_, errs, mismatch, panicked := conditionTree(s)
		return errs, mismatch, panicked
	})
	if err != nil {
		return nil, err
	}
	return c.cond(root)
}

func (c *compiler) cond(e language.Expression) (condNode, error) {
	switch n := e.(type) {
	case *language.InfixExpression:
		switch n.Operator {
		case "AND", "OR":
			l, err := c.cond(n.Left)
			if err != nil {
				return nil, err
			}
			r, err := c.cond(n.Right)
			if err != nil {
				return nil, err
			}
			if n.Operator == "AND" {
				return &andNode{l, r}, nil
			}
			return &orNode{l, r}, nil
		case "=", "<>", "<", "<=", ">", ">=":
			l, err := c.operand(n.Left)
			if err != nil {
				return nil, err
			}
			r, err := c.operand(n.Right)
			if err != nil {
				return nil, err
			}
			if n.Operator != "=" && n.Operator != "<>" {
				if err := c.orderable(n.Operator, l, r); err != nil {
					return nil, err
				}
			}
			return &cmpNode{op: n.Operator, l: l, r: r}, nil
		}
		return nil, c.syntaxAt(n.Token.Type, n.Token.Literal)
	case *language.PrefixExpression:
		r, err := c.cond(n.Right)
		if err != nil {
			return nil, err
		}
		return &notNode{r}, nil
	case *language.BetweenExpression:
		ops := make([]operand, 3)
		for i, x := range []language.Expression{n.Left, n.Range[0], n.Range[1]} {
			op, err := c.operand(x)
			if err != nil {
				return nil, err
			}
			ops[i] = op
		}
		if err := c.orderable("BETWEEN", ops...); err != nil {
			return nil, err
		}
		lo, lok := ops[1].(*valueOp)
		hi, hok := ops[2].(*valueOp)
		if lok && hok {
			if cmp, ok := attr.Compare(lo.v, hi.v); ok && cmp > 0 {
				return nil, invalidf(c.kind, "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {%s}, upper bound operand: AttributeValue: {%s}", showValue(lo.v), showValue(hi.v))
			}
		}
		return &betweenNode{v: ops[0], lo: ops[1], hi: ops[2]}, nil
	case *language.InExpression:
		v, err := c.operand(n.Left)
		if err != nil {
			return nil, err
		}
		if len(n.Range) == 0 {
			return nil, c.syntaxAt(language.RPAREN, "")
		}
		if len(n.Range) > 100 {
			return nil, invalidf(c.kind, "The IN operator is provided with too many operands; number of operands: %d", len(n.Range))
		}
		list := make([]operand, len(n.Range))
		for i, x := range n.Range {
			if list[i], err = c.operand(x); err != nil {
				return nil, err
			}
		}
		return &inNode{v: v, list: list}, nil
	case *language.CallExpression:
		return c.function(n)
	}
	return nil, c.syntaxEnd()
}

// function compiles a boolean function call.
func (c *compiler) function(n *language.CallExpression) (condNode, error) {
	name, err := c.funcName(n)
	if err != nil {
		return nil, err
	}
	want := map[string]int{"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2, "begins_with": 2, "contains": 2}
	count, ok := want[name]
	if !ok {
		return nil, c.misusedFunction(name)
	}
	if len(n.Arguments) != count {
		return nil, invalidf(c.kind, "Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", name, len(n.Arguments))
	}
	args := make([]operand, len(n.Arguments))
	for i, a := range n.Arguments {
		if args[i], err = c.operand(a); err != nil {
			return nil, err
		}
	}
	p, isPath := args[0].(*pathOp)
	if !isPath {
		return nil, invalidf(c.kind, "Operator or function requires a document path; operator or function: %s", name)
	}
	f := &funcNode{name: name, path: p.path}
	if count == 2 {
		f.arg = args[1]
	}
	switch name {
	case "attribute_type":
		v, ok := f.arg.(*valueOp)
		if !ok || v.v.Kind != attr.S || attr.KindOf(v.v.Str) == attr.Invalid {
			shown := "?"
			if ok {
				shown = v.v.Str
				if v.v.Kind != attr.S {
					shown = showValue(v.v)
				}
			}
			return nil, invalidf(c.kind, "Invalid attribute type name found; type: %s, valid types: { B,NULL,SS,BOOL,L,BS,N,NS,S,M }", shown)
		}
	case "begins_with":
		if v, ok := f.arg.(*valueOp); ok && v.v.Kind != attr.S && v.v.Kind != attr.B {
			return nil, invalidf(c.kind, "Incorrect operand type for operator or function; operator or function: begins_with, operand type: %s", v.v.Kind)
		}
	}
	return f, nil
}

func (c *compiler) funcName(n *language.CallExpression) (string, error) {
	id, ok := n.Function.(*language.Identifier)
	if !ok || id == nil {
		return "", c.syntaxAt(language.LPAREN, "")
	}
	return id.Value, nil
}

// misusedFunction words a known function in the wrong place, or an unknown one.
func (c *compiler) misusedFunction(name string) error {
	switch name {
	case "attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains", "size", "if_not_exists", "list_append":
		return invalidf(c.kind, "The function is not allowed to be used this way in an expression; function: %s", name)
	}
	return invalidf(c.kind, "Invalid function name; function: %s", name)
}

// operand compiles a path, a :value or size(path).
func (c *compiler) operand(e language.Expression) (operand, error) {
	switch n := e.(type) {
	case *language.Identifier:
		if strings.HasPrefix(n.Value, ":") {
			if !validPlaceholder(n.Value, ':') {
				return nil, c.syntaxAt(language.IDENT, n.Value)
			}
			v, err := c.params.value(c.kind, n.Value)
			if err != nil {
				return nil, err
			}
			return &valueOp{v: v, name: n.Value}, nil
		}
		p, err := c.path(n)
		if err != nil {
			return nil, err
		}
		return &pathOp{path: p}, nil
	case *language.IndexExpression:
		p, err := c.path(n)
		if err != nil {
			return nil, err
		}
		return &pathOp{path: p}, nil
	case *language.CallExpression:
		name, err := c.funcName(n)
		if err != nil {
			return nil, err
		}
		if name != "size" {
			return nil, c.misusedFunction(name)
		}
		if len(n.Arguments) != 1 {
			return nil, invalidf(c.kind, "Incorrect number of operands for operator or function; operator or function: size, number of operands: %d", len(n.Arguments))
		}
		arg, err := c.operand(n.Arguments[0])
		if err != nil {
			return nil, err
		}
		p, ok := arg.(*pathOp)
		if !ok {
			return nil, invalidf(c.kind, "Operator or function requires a document path; operator or function: size")
		}
		return &sizeOp{path: p.path}, nil
	case *language.InfixExpression:
		return nil, c.syntaxAt(n.Token.Type, n.Token.Literal)
	}
	return nil, c.syntaxEnd()
}

// path compiles a document path, resolving #names and refusing reserved words.
func (c *compiler) path(e language.Expression) (Path, error) {
	switch n := e.(type) {
	case *language.Identifier:
		name, err := c.pathName(n.Value)
		if err != nil {
			return nil, err
		}
		return Path{{Name: name}}, nil
	case *language.IndexExpression:
		left, err := c.path(n.Left)
		if err != nil {
			return nil, err
		}
		id, ok := n.Index.(*language.Identifier)
		if !ok || id == nil {
			return nil, c.syntaxAt(n.Token.Type, "")
		}
		if n.Token.Type == language.LBRACKET {
			i, err := strconv.Atoi(id.Value)
			if err != nil || i < 0 || strings.HasPrefix(id.Value, "+") {
				return nil, c.syntaxAt(id.Token.Type, id.Value)
			}
			return append(left, Step{Index: i, IsIndex: true}), nil
		}
		name, err := c.pathName(id.Value)
		if err != nil {
			return nil, err
		}
		return append(left, Step{Name: name}), nil
	case *language.CallExpression:
		name, err := c.funcName(n)
		if err != nil {
			return nil, err
		}
		return nil, c.misusedFunction(name)
	}
	return nil, c.syntaxEnd()
}

func (c *compiler) pathName(lit string) (string, error) {
	if strings.HasPrefix(lit, "#") {
		if !validPlaceholder(lit, '#') {
			return "", c.syntaxAt(language.IDENT, lit)
		}
		return c.params.name(c.kind, lit)
	}
	if lit == "" || !(lit[0] == '_' || lit[0] >= 'a' && lit[0] <= 'z' || lit[0] >= 'A' && lit[0] <= 'Z') {
		return "", c.syntaxAt(language.IDENT, lit)
	}
	for i := 0; i < len(lit); i++ {
		if !isWordByte(lit[i]) {
			return "", c.syntaxAt(language.IDENT, lit)
		}
	}
	if language.IsReservedWord(strings.ToUpper(lit)) {
		return "", invalidf(c.kind, "Attribute name is a reserved keyword; reserved keyword: %s", lit)
	}
	return lit, nil
}

// orderable checks that value operands of <, <=, >, >= and BETWEEN are S, N or B.
func (c *compiler) orderable(op string, ops ...operand) error {
	for _, o := range ops {
		if v, ok := o.(*valueOp); ok && !v.v.Kind.IsScalarKey() {
			return invalidf(c.kind, "Incorrect operand type for operator or function; operator or function: %s, operand type: %s", op, v.v.Kind)
		}
	}
	return nil
}

// showValue prints a value as DynamoDB does inside messages: {N:5} → "N:5".
func showValue(v *attr.Value) string {
	switch v.Kind {
	case attr.S, attr.N:
		return v.Kind.String() + ":" + v.Str
	case attr.B:
		return fmt.Sprintf("B:%x", v.Bin)
	}
	return v.Kind.String()
}
