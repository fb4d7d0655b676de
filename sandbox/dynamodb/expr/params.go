package expr

import (
	"sort"
	"strings"

	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
)

// Params are a request's ExpressionAttributeNames and ExpressionAttributeValues; they record
// which placeholders the expressions used, for DynamoDB's "unused" check.
type Params struct {
	Names  map[string]string
	Values map[string]*attr.Value

	usedNames  map[string]bool
	usedValues map[string]bool
}

// NewParams validates the placeholder maps as DynamoDB does. hasExpr says whether the
// request carries any expression at all.
func NewParams(names map[string]string, values map[string]*attr.Wire, hasExpr bool) (*Params, error) {
	if names != nil && !hasExpr {
		return nil, errorf("ExpressionAttributeNames can only be specified when using expressions")
	}
	if values != nil && !hasExpr {
		return nil, errorf("ExpressionAttributeValues can only be specified when using expressions")
	}
	if names != nil && len(names) == 0 {
		return nil, errorf("ExpressionAttributeNames must not be empty")
	}
	if values != nil && len(values) == 0 {
		return nil, errorf("ExpressionAttributeValues must not be empty")
	}
	p := &Params{Names: names, Values: map[string]*attr.Value{}, usedNames: map[string]bool{}, usedValues: map[string]bool{}}
	for _, k := range sortedKeys(names) {
		if !validPlaceholder(k, '#') {
			return nil, errorf("ExpressionAttributeNames contains invalid key: Syntax error; key: %q", k)
		}
		if names[k] == "" {
			return nil, errorf("ExpressionAttributeNames contains invalid value: Empty attribute name for key %s", k)
		}
	}
	vkeys := make([]string, 0, len(values))
	for k := range values {
		vkeys = append(vkeys, k)
	}
	sort.Strings(vkeys)
	for _, k := range vkeys {
		if !validPlaceholder(k, ':') {
			return nil, errorf("ExpressionAttributeValues contains invalid key: Syntax error; key: %q", k)
		}
		v, err := attr.FromWire(values[k])
		if err != nil {
			return nil, errorf("ExpressionAttributeValues contains invalid value: %s for key %s", err.Error(), k)
		}
		p.Values[k] = v
	}
	return p, nil
}

func validPlaceholder(k string, lead byte) bool {
	if len(k) < 2 || k[0] != lead {
		return false
	}
	for i := 1; i < len(k); i++ {
		if !isWordByte(k[i]) {
			return false
		}
	}
	return true
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// name resolves #placeholder as used in an expression of kind k.
func (p *Params) name(k Kind, ph string) (string, error) {
	if p != nil {
		if n, ok := p.Names[ph]; ok {
			p.usedNames[ph] = true
			return n, nil
		}
	}
	return "", invalidf(k, "An expression attribute name used in the document path is not defined; attribute name: %s", ph)
}

// value resolves :placeholder as used in an expression of kind k.
func (p *Params) value(k Kind, ph string) (*attr.Value, error) {
	if p != nil {
		if v, ok := p.Values[ph]; ok {
			p.usedValues[ph] = true
			return v, nil
		}
	}
	return nil, invalidf(k, "An expression attribute value used in expression is not defined; attribute value: %s", ph)
}

// CheckUnused fails when a supplied placeholder was used by no expression.
func (p *Params) CheckUnused() error {
	if p == nil {
		return nil
	}
	var names, values []string
	for _, k := range sortedKeys(p.Names) {
		if !p.usedNames[k] {
			names = append(names, k)
		}
	}
	for k := range p.Values {
		if !p.usedValues[k] {
			values = append(values, k)
		}
	}
	sort.Strings(values)
	if len(names) > 0 {
		return errorf("Value provided in ExpressionAttributeNames unused in expressions: keys: {%s}", strings.Join(names, ", "))
	}
	if len(values) > 0 {
		return errorf("Value provided in ExpressionAttributeValues unused in expressions: keys: {%s}", strings.Join(values, ", "))
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
