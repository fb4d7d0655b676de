package policy

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// opKind is a condition operator with its negation, set prefix and IfExists removed.
type opKind uint8

const (
	opStringEquals opKind = iota
	opStringEqualsIC
	opStringLike
	opNumEq
	opNumLT
	opNumLE
	opNumGT
	opNumGE
	opDateEq
	opDateLT
	opDateLE
	opDateGT
	opDateGE
	opBool
	opBinary
	opIP
	opArn
	opNull
)

// setMode is the ForAnyValue:/ForAllValues: prefix.
type setMode uint8

const (
	setNone setMode = iota
	setAny
	setAll
)

type opInfo struct {
	op  opKind
	neg bool
}

var operators = map[string]opInfo{
	"stringequals":              {opStringEquals, false},
	"stringnotequals":           {opStringEquals, true},
	"stringequalsignorecase":    {opStringEqualsIC, false},
	"stringnotequalsignorecase": {opStringEqualsIC, true},
	"stringlike":                {opStringLike, false},
	"stringnotlike":             {opStringLike, true},
	"numericequals":             {opNumEq, false},
	"numericnotequals":          {opNumEq, true},
	"numericlessthan":           {opNumLT, false},
	"numericlessthanequals":     {opNumLE, false},
	"numericgreaterthan":        {opNumGT, false},
	"numericgreaterthanequals":  {opNumGE, false},
	"dateequals":                {opDateEq, false},
	"datenotequals":             {opDateEq, true},
	"datelessthan":              {opDateLT, false},
	"datelessthanequals":        {opDateLE, false},
	"dategreaterthan":           {opDateGT, false},
	"dategreaterthanequals":     {opDateGE, false},
	"bool":                      {opBool, false},
	"binaryequals":              {opBinary, false},
	"ipaddress":                 {opIP, false},
	"notipaddress":              {opIP, true},
	"arnequals":                 {opArn, false},
	"arnlike":                   {opArn, false},
	"arnnotequals":              {opArn, true},
	"arnnotlike":                {opArn, true},
	"null":                      {opNull, false},
}

// parseOperator splits "ForAllValues:StringNotLikeIfExists" into its parts. Operator names
// are matched without regard to case.
func parseOperator(name string) (Condition, bool) {
	var c Condition
	rest := asciiLower(name)
	if r, ok := strings.CutPrefix(rest, "foranyvalue:"); ok {
		rest, c.set = r, setAny
	} else if r, ok := strings.CutPrefix(rest, "forallvalues:"); ok {
		rest, c.set = r, setAll
	}
	if r, ok := strings.CutSuffix(rest, "ifexists"); ok {
		rest, c.ifExists = r, true
	}
	info, ok := operators[rest]
	if !ok || (info.op == opNull && c.ifExists) {
		return c, false
	}
	c.op, c.neg = info.op, info.neg
	return c, true
}

// eval decides one operator/key pair. Values under one key are OR'ed; the caller ANDs pairs.
func (cd *Condition) eval(c *evalCtx) bool {
	vals, ok := c.lookup(cd.lkey)
	present := ok && len(vals) > 0
	if cd.op == opNull {
		for _, v := range cd.Values {
			if isTrue(v) != present {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case cd.ifExists, cd.set == setAll:
			return true
		case cd.set == setAny:
			return false
		}
		// A negated operator holds when the key is absent (StringNotEquals, NotIpAddress…).
		return cd.neg
	}
	switch cd.set {
	case setAny:
		for _, v := range vals {
			if cd.matchOne(c, v) != cd.neg {
				return true
			}
		}
		return false
	case setAll:
		for _, v := range vals {
			if cd.matchOne(c, v) == cd.neg {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		if cd.matchOne(c, v) {
			return !cd.neg
		}
	}
	return cd.neg
}

// matchOne reports whether one request value matches any policy value (before negation).
func (cd *Condition) matchOne(c *evalCtx, v string) bool {
	for _, pv := range cd.Values {
		if cd.vars && strings.Contains(pv, "${") {
			asPattern := cd.op == opStringLike || cd.op == opArn
			s, ok := c.substitute(pv, asPattern)
			if !ok {
				continue
			}
			if asPattern {
				if cd.op == opStringLike && glob(s, v, false, true) || cd.op == opArn && arnMatch(s, v, true) {
					return true
				}
				continue
			}
			pv = s
		}
		if compare(cd.op, pv, v) {
			return true
		}
	}
	return false
}

// compare applies a base operator to a policy value pv and a request value v.
func compare(op opKind, pv, v string) bool {
	switch op {
	case opStringEquals, opBinary:
		return pv == v
	case opStringEqualsIC:
		return strings.EqualFold(pv, v)
	case opStringLike:
		return glob(pv, v, false, false)
	case opBool:
		return strings.EqualFold(pv, v)
	case opArn:
		return arnMatch(pv, v, false)
	case opIP:
		return ipMatch(pv, v)
	case opNumEq, opNumLT, opNumLE, opNumGT, opNumGE:
		a, err1 := strconv.ParseFloat(v, 64)
		b, err2 := strconv.ParseFloat(pv, 64)
		return err1 == nil && err2 == nil && ordered(op-opNumEq, cmpFloat(a, b))
	case opDateEq, opDateLT, opDateLE, opDateGT, opDateGE:
		a, ok1 := parseDate(v)
		b, ok2 := parseDate(pv)
		return ok1 && ok2 && ordered(op-opDateEq, a.Compare(b))
	}
	return false
}

// ordered maps a comparison result to Eq, LT, LE, GT, GE (rel 0–4, request value first).
func ordered(rel opKind, cmp int) bool {
	switch rel {
	case 0:
		return cmp == 0
	case 1:
		return cmp < 0
	case 2:
		return cmp <= 0
	case 3:
		return cmp > 0
	case 4:
		return cmp >= 0
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	}
	return math.MaxInt // NaN compares with nothing
}

// parseDate accepts ISO 8601 forms AWS uses and epoch seconds.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00",
		"2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) &&
		math.Abs(f) < 1e15 {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)), true
	}
	return time.Time{}, false
}

// ipMatch checks an address against a CIDR block or a single address.
func ipMatch(block, addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	if p, err := netip.ParsePrefix(block); err == nil {
		return p.Masked().Contains(a)
	}
	b, err := netip.ParseAddr(block)
	return err == nil && b.Unmap() == a
}

func isTrue(s string) bool { return strings.EqualFold(s, "true") }

// conditionsHold ANDs every operator/key pair of a statement.
func (s *Statement) conditionsHold(c *evalCtx) bool {
	for i := range s.Conditions {
		if !s.Conditions[i].eval(c) {
			return false
		}
	}
	return true
}
