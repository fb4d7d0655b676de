package expr

import (
	"sort"
	"strings"

	"github.com/truora/minidyn/interpreter/language"

	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
)

// Proj is a compiled ProjectionExpression.
type Proj struct{ paths []Path }

// ParseProjection compiles a ProjectionExpression.
func ParseProjection(src string, p *Params) (*Proj, error) {
	if err := checkLength(Projection, src); err != nil {
		return nil, err
	}
	c := newCompiler(Projection, src, p)
	exprs, _, _, _ := projectionTree(src)
	err := c.checkParse(func(s string) ([]string, bool, bool) {
		_, errs, mismatch, panicked := projectionTree(s)
		return errs, mismatch, panicked
	})
	if err != nil {
		return nil, err
	}
	pr := &Proj{}
	for _, e := range exprs {
		if _, isCall := e.(*language.CallExpression); !isCall {
			if id, ok := e.(*language.Identifier); ok && strings.HasPrefix(id.Value, ":") {
				return nil, c.syntaxAt(language.IDENT, id.Value)
			}
		}
		path, err := c.path(e)
		if err != nil {
			return nil, err
		}
		pr.paths = append(pr.paths, path)
	}
	if err := checkOverlaps(Projection, pr.paths); err != nil {
		return nil, err
	}
	return pr, nil
}

func projectionTree(src string) (exprs []language.Expression, errs []string, mismatch, panicked bool) {
	panicked = guard(func() {
		parser := language.NewParser(language.NewLexer(src))
		exprs = parser.ParseProjectionExpression()
		errs = parser.Errors()
	})
	if !panicked && len(errs) == 0 {
		n, balanced := countNonParen(lex(src))
		mismatch = len(exprs) == 0 || !balanced || listTokens(exprs) != n
	}
	return exprs, errs, mismatch, panicked
}

// Apply returns the projected copy of item.
func (pr *Proj) Apply(item attr.Item) attr.Item {
	if pr == nil {
		return item
	}
	return ProjectPaths(item, pr.paths)
}

// projNode collects projected values into the shape of the item.
type projNode struct {
	leaf *attr.Value
	keys map[string]*projNode
	idx  map[int]*projNode
}

// ProjectPaths copies the values at the given (non-overlapping) paths into a new item.
// Selected list elements keep their order and close up, as DynamoDB returns them.
func ProjectPaths(item attr.Item, paths []Path) attr.Item {
	root := &projNode{keys: map[string]*projNode{}}
	for _, p := range paths {
		v := p.Get(item)
		if v == nil {
			continue
		}
		n := root
		for _, s := range p {
			var next *projNode
			if s.IsIndex {
				if n.idx == nil {
					n.idx = map[int]*projNode{}
				}
				if next = n.idx[s.Index]; next == nil {
					next = &projNode{}
					n.idx[s.Index] = next
				}
			} else {
				if n.keys == nil {
					n.keys = map[string]*projNode{}
				}
				if next = n.keys[s.Name]; next == nil {
					next = &projNode{}
					n.keys[s.Name] = next
				}
			}
			n = next
		}
		n.leaf = v
	}
	out := attr.Item{}
	for k, n := range root.keys {
		out[k] = n.build()
	}
	return out
}

func (n *projNode) build() *attr.Value {
	if n.leaf != nil {
		return n.leaf.Clone()
	}
	if n.idx != nil {
		idx := make([]int, 0, len(n.idx))
		for i := range n.idx {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		l := make([]*attr.Value, len(idx))
		for j, i := range idx {
			l[j] = n.idx[i].build()
		}
		return &attr.Value{Kind: attr.L, L: l}
	}
	m := make(map[string]*attr.Value, len(n.keys))
	for k, c := range n.keys {
		m[k] = c.build()
	}
	return &attr.Value{Kind: attr.M, M: m}
}

// NewProj projects the given paths (AttributesToGet: top-level names).
func NewProj(paths []Path) *Proj { return &Proj{paths: paths} }
