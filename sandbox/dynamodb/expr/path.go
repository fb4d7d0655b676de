package expr

import (
	"strconv"
	"strings"

	"github.com/kmslab/kmslab/sandbox/dynamodb/attr"
)

// Step is one element of a document path: a map key or a list index.
type Step struct {
	Name    string
	Index   int
	IsIndex bool
}

// Path is a document path such as a.b[2].c.
type Path []Step

// String prints the path as DynamoDB does in messages: [a, b, [2], c].
func (p Path) String() string {
	parts := make([]string, len(p))
	for i, s := range p {
		if s.IsIndex {
			parts[i] = "[" + strconv.Itoa(s.Index) + "]"
		} else {
			parts[i] = s.Name
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Top is the top-level attribute the path starts at.
func (p Path) Top() string { return p[0].Name }

// Get returns the value at the path, or nil.
func (p Path) Get(item attr.Item) *attr.Value {
	v := item[p[0].Name]
	for _, s := range p[1:] {
		if v == nil {
			return nil
		}
		switch {
		case s.IsIndex && v.Kind == attr.L:
			if s.Index >= len(v.L) {
				return nil
			}
			v = v.L[s.Index]
		case !s.IsIndex && v.Kind == attr.M:
			v = v.M[s.Name]
		default:
			return nil
		}
	}
	return v
}

// overlaps reports whether one path is a prefix of the other.
func overlaps(a, b Path) bool {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// conflicts reports paths that reach one attribute as both a map and a list (a.b and a[0]).
func conflicts(a, b Path) bool {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] == b[i] {
			continue
		}
		return a[i].IsIndex != b[i].IsIndex
	}
	return false
}

var errInvalidPath = &Error{Message: "The document path provided in the update expression is invalid for update"}

// set stores v at the path; the parent must exist with the right type. An index past the
// end of a list appends.
func (p Path) set(item attr.Item, v *attr.Value) error {
	if len(p) == 1 {
		item[p[0].Name] = v
		return nil
	}
	parent := p[:len(p)-1].Get(item)
	last := p[len(p)-1]
	switch {
	case parent == nil:
		return errInvalidPath
	case last.IsIndex && parent.Kind == attr.L:
		if last.Index >= len(parent.L) {
			parent.L = append(parent.L, v)
		} else {
			parent.L[last.Index] = v
		}
	case !last.IsIndex && parent.Kind == attr.M:
		parent.M[last.Name] = v
	default:
		return errInvalidPath
	}
	return nil
}

// remove deletes the value at the path; a missing one is not an error.
func (p Path) remove(item attr.Item) {
	if len(p) == 1 {
		delete(item, p[0].Name)
		return
	}
	parent := p[:len(p)-1].Get(item)
	last := p[len(p)-1]
	switch {
	case parent == nil:
	case last.IsIndex && parent.Kind == attr.L:
		if last.Index < len(parent.L) {
			parent.L = append(parent.L[:last.Index], parent.L[last.Index+1:]...)
		}
	case !last.IsIndex && parent.Kind == attr.M:
		delete(parent.M, last.Name)
	}
}
