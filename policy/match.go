package policy

import (
	"strings"
	"unicode/utf8"
)

// patternKind lets the common shapes skip the general wildcard matcher.
type patternKind uint8

const (
	patExact  patternKind = iota // no wildcard
	patPrefix                    // one trailing '*': "kms:Describe*"
	patAny                       // "*"
	patGlob                      // anything else with '*' or '?'
)

type pattern struct {
	text   string // lower-cased for actions
	kind   patternKind
	hasVar bool // holds ${…}; substituted per request
}

// patternList is a compiled Action/NotAction or Resource/NotResource element.
type patternList struct {
	present bool // the element (or its Not form) was written
	not     bool // NotAction / NotResource
	pats    []pattern
}

func compileList(pos, neg []string, fold, vars bool) patternList {
	l := patternList{present: pos != nil || neg != nil, not: neg != nil}
	src := pos
	if l.not {
		src = neg
	}
	l.pats = make([]pattern, len(src))
	for i, s := range src {
		if fold {
			s = asciiLower(s)
		}
		l.pats[i] = compilePattern(s, vars && strings.Contains(s, "${"))
	}
	return l
}

func compilePattern(s string, hasVar bool) pattern {
	p := pattern{text: s, hasVar: hasVar, kind: patGlob}
	switch i := strings.IndexAny(s, "*?"); {
	case hasVar:
	case s == "*":
		p.kind = patAny
	case i < 0:
		p.kind = patExact
	case i == len(s)-1 && s[i] == '*':
		p.kind, p.text = patPrefix, s[:i]
	}
	return p
}

// matches reports whether the element covers value (Not forms inverted). An absent element
// matches nothing, which is how AWS treats a statement without Action or Resource.
func (l *patternList) matches(c *evalCtx, value string, fold bool) bool {
	if !l.present {
		return false
	}
	hit := false
	for i := range l.pats {
		if l.pats[i].match(c, value, fold) {
			hit = true
			break
		}
	}
	return hit != l.not
}

func (p *pattern) match(c *evalCtx, s string, fold bool) bool {
	switch p.kind {
	case patAny:
		return true
	case patExact:
		return len(s) == len(p.text) && equalLower(s, p.text, fold)
	case patPrefix:
		return len(s) >= len(p.text) && equalLower(s[:len(p.text)], p.text, fold)
	}
	if p.hasVar {
		pat, ok := c.substitute(p.text, true)
		return ok && glob(pat, s, fold, true)
	}
	return glob(p.text, s, fold, false)
}

// equalLower compares s with an already lower-cased pattern, folding s when asked.
func equalLower(s, lower string, fold bool) bool {
	if !fold {
		return s == lower
	}
	for i := 0; i < len(s); i++ {
		if lowerByte(s[i]) != lower[i] {
			return false
		}
	}
	return true
}

// glob matches s against a pattern with '*' (any run) and '?' (one character). With fold the
// pattern is already lower case and s is folded; with esc a backslash makes the next pattern
// byte literal (used only for patterns built by variable substitution).
func glob(pat, s string, fold, esc bool) bool {
	px, sx := 0, 0
	starP, starS := -1, 0
	for sx < len(s) {
		if px < len(pat) {
			switch c := pat[px]; {
			case c == '*':
				starP, starS = px, sx
				px++
				continue
			case c == '?':
				_, n := utf8.DecodeRuneInString(s[sx:])
				px, sx = px+1, sx+n
				continue
			default:
				w := 1
				if esc && c == '\\' && px+1 < len(pat) {
					c, w = pat[px+1], 2
				}
				sc := s[sx]
				if fold {
					sc = lowerByte(sc)
				}
				if c == sc {
					px, sx = px+w, sx+1
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		px, sx = starP+1, starS
	}
	for px < len(pat) && pat[px] == '*' {
		px++
	}
	return px == len(pat)
}

// arnMatch compares an ARN with a pattern component by component (ArnLike/ArnEquals): the
// first five colon-separated parts are matched separately, the resource part holds the rest.
// Escaping (esc) never applies to ':', so splitting on it is safe for substituted patterns.
func arnMatch(pat, s string, esc bool) bool {
	for i := 0; i < 5; i++ {
		pi := strings.IndexByte(pat, ':')
		si := strings.IndexByte(s, ':')
		if pi < 0 || si < 0 {
			return false
		}
		if !glob(pat[:pi], s[:si], false, esc) {
			return false
		}
		pat, s = pat[pi+1:], s[si+1:]
	}
	return glob(pat, s, false, esc)
}

// principalMatch says how a Principal element covers the caller.
type principalMatch uint8

const (
	pmNone    principalMatch = iota
	pmAccount                // names the caller's account (root ARN or bare id): delegation to IAM
	pmDirect                 // names the caller itself, its unique id, or everyone ("*")
)

func (ps *PrincipalSet) match(p *Principal) principalMatch {
	if ps.Any {
		return pmDirect
	}
	best := pmNone
	for _, a := range ps.AWS {
		switch {
		case a == "*", a == p.ARN && a != "", a == p.UserID && a != "":
			return pmDirect
		case isAccountPrincipal(a, p.AccountID):
			best = pmAccount
		}
	}
	// Service, Federated and CanonicalUser principals never name an IAM user.
	return best
}

// principalKind is how the statement's Principal/NotPrincipal covers the caller.
func (s *Statement) principalKind(p *Principal) principalMatch {
	switch {
	case s.Principal != nil:
		return s.Principal.match(p)
	case s.NotPrincipal != nil:
		// Everyone except those named: only a direct naming excludes the caller.
		if s.NotPrincipal.match(p) == pmDirect {
			return pmNone
		}
		return pmDirect
	}
	return pmNone
}

// isAccountPrincipal reports whether a is acct or arn:<partition>:iam::<acct>:root.
func isAccountPrincipal(a, acct string) bool {
	if acct == "" {
		return false
	}
	if a == acct {
		return true
	}
	rest, ok := strings.CutPrefix(a, "arn:")
	if !ok {
		return false
	}
	i := strings.IndexByte(rest, ':')
	if i < 0 {
		return false
	}
	if rest, ok = strings.CutPrefix(rest[i+1:], "iam::"); !ok {
		return false
	}
	if rest, ok = strings.CutPrefix(rest, acct); !ok {
		return false
	}
	return rest == ":root"
}

// substitute replaces ${key}, ${key, 'default'}, ${*}, ${?} and ${$}. With forGlob the
// result is a pattern for glob(…, esc=true): substituted text is escaped so that it matches
// literally, while '*' and '?' written in the policy stay wildcards. It fails when a key has
// no single value and no default: such a statement element then matches nothing, as on AWS.
func (c *evalCtx) substitute(s string, forGlob bool) (string, bool) {
	var b strings.Builder
	b.Grow(len(s) + 16)
	writeLit := func(t string, escapeWild bool) {
		for i := 0; i < len(t); i++ {
			ch := t[i]
			if forGlob && (ch == '\\' || (escapeWild && (ch == '*' || ch == '?'))) {
				b.WriteByte('\\')
			}
			b.WriteByte(ch)
		}
	}
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			writeLit(s, false)
			return b.String(), true
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			writeLit(s, false)
			return b.String(), true
		}
		writeLit(s[:i], false)
		inner := strings.TrimSpace(s[i+2 : i+j])
		s = s[i+j+1:]
		switch inner {
		case "*", "?", "$":
			writeLit(inner, true)
			continue
		}
		key, def, hasDef := strings.Cut(inner, ",")
		vals, ok := c.lookup(asciiLower(strings.TrimSpace(key)))
		switch {
		case ok && len(vals) == 1:
			writeLit(vals[0], true)
		case hasDef:
			writeLit(strings.Trim(strings.TrimSpace(def), "'"), true)
		default:
			return "", false
		}
	}
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// asciiLower lower-cases ASCII letters only, so byte offsets never move.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lowerByte(b[j])
			}
			return string(b)
		}
	}
	return s
}

// equalFoldLower compares s, folded, with an already lower-cased key.
func equalFoldLower(s, lower string) bool {
	return len(s) == len(lower) && equalLower(s, lower, true)
}
