package expr

import (
	"strings"

	"github.com/truora/minidyn/interpreter/language"
)

// token is one lexer token with its place in the source.
type token struct {
	typ        language.TokenType
	lit        string
	start, end int
}

// lex runs minidyn's lexer and finds where each token sits in src.
func lex(src string) []token {
	l := language.NewLexer(src)
	var toks []token
	pos := 0
	for i := 0; i <= len(src)+1; i++ { // a token per byte at most; the bound guards the loop
		t := l.NextToken()
		if t.Type == language.EOF {
			break
		}
		start, end := pos, 0
		if at := strings.Index(src[pos:], t.Literal); at >= 0 && t.Literal != "" {
			start, end = pos+at, pos+at+len(t.Literal)
		} else {
			// minidyn spells a stray byte as a rune (0xfc → "ü"); it is one byte in src.
			for start < len(src) && (src[start] == ' ' || src[start] == '\t' || src[start] == '\n' || src[start] == '\r') {
				start++
			}
			end = min(start+1, len(src))
		}
		if start > len(src) {
			start = len(src)
		}
		end = min(max(end, start), len(src))
		toks = append(toks, token{typ: t.Type, lit: src[start:end], start: start, end: end})
		pos = end
	}
	return toks
}

// syntaxError words DynamoDB's syntax error for the token at index i of toks (len(toks)
// means end of input): `Syntax error; token: "x", near: "a x b"`.
func syntaxError(k Kind, src string, toks []token, i int) *Error {
	lit := "<EOF>"
	from, to := len(src), len(src)
	if i < len(toks) {
		lit = toks[i].lit
		from, to = toks[i].start, toks[i].end
	}
	if i > 0 && i-1 < len(toks) {
		from = toks[i-1].start
	}
	if i+1 < len(toks) {
		to = toks[i+1].end
	}
	near := strings.TrimSpace(src[from:to])
	return invalidf(k, "Syntax error; token: %q, near: %q", lit, near)
}

// countNonParen counts tokens other than parentheses: the parse tree must account for all
// of them, or minidyn skipped some (it keeps only the last of several juxtaposed terms).
func countNonParen(toks []token) (n int, balanced bool) {
	depth := 0
	balanced = true
	for _, t := range toks {
		switch t.typ {
		case language.LPAREN:
			depth++
		case language.RPAREN:
			depth--
			if depth < 0 {
				balanced = false
			}
		default:
			n++
		}
	}
	return n, balanced && depth == 0
}

// treeTokens counts the non-parenthesis tokens a parse tree stands for; -1 for a broken tree.
func treeTokens(n language.Expression) int {
	switch e := n.(type) {
	case *language.Identifier:
		if e == nil {
			return -1
		}
		return 1
	case *language.InfixExpression:
		if e == nil {
			return -1
		}
		return sum(1, treeTokens(e.Left), treeTokens(e.Right))
	case *language.PrefixExpression:
		if e == nil {
			return -1
		}
		return sum(1, treeTokens(e.Right))
	case *language.CallExpression:
		if e == nil || e.Arguments == nil {
			return -1
		}
		return sum(treeTokens(e.Function), listTokens(e.Arguments))
	case *language.IndexExpression:
		if e == nil {
			return -1
		}
		extra := 2 // "." and the key
		if e.Token.Type == language.LBRACKET {
			extra = 3 // "[", the index, "]"
		}
		return sum(extra, treeTokens(e.Left))
	case *language.BetweenExpression:
		if e == nil {
			return -1
		}
		return sum(2, treeTokens(e.Left), treeTokens(e.Range[0]), treeTokens(e.Range[1]))
	case *language.InExpression:
		if e == nil || e.Range == nil {
			return -1
		}
		return sum(1, treeTokens(e.Left), listTokens(e.Range))
	case *language.UpdateExpression:
		if e == nil {
			return -1
		}
		clauses := map[string]int{}
		total := 0
		for _, a := range e.Expressions {
			act, ok := a.(*language.ActionExpression)
			if !ok || act == nil {
				return -1
			}
			clauses[string(act.Token.Type)]++
			n := treeTokens(act.Left)
			switch act.Token.Type {
			case language.SET:
				n = sum(n, 1, treeTokens(act.Right))
			case language.ADD, language.DELETE:
				n = sum(n, treeTokens(act.Right))
			}
			if n < 0 {
				return -1
			}
			total += n
		}
		for _, c := range clauses {
			total += 1 + (c - 1) // the keyword and the commas between its actions
		}
		return total
	}
	return -1
}

func listTokens(l []language.Expression) int {
	n := 0
	for i, e := range l {
		if i > 0 {
			n++
		}
		n = sum(n, treeTokens(e))
	}
	return n
}

func sum(ns ...int) int {
	t := 0
	for _, n := range ns {
		if n < 0 {
			return -1
		}
		t += n
	}
	return t
}
