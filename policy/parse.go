package policy

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Policy language versions. Policy variables (${aws:username}) work only in Version2012.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Policy is a parsed policy document. It is never changed after Parse, so one value may be
// shared by concurrent evaluations and cached by its source bytes.
type Policy struct {
	Version    string
	ID         string
	Statements []Statement
}

// Statement is one policy statement. The string slices hold the elements as written; nil
// means the element is absent.
type Statement struct {
	Sid          string
	Effect       string // "Allow" or "Deny"
	Principal    *PrincipalSet
	NotPrincipal *PrincipalSet
	Action       []string
	NotAction    []string
	Resource     []string
	NotResource  []string
	Conditions   []Condition

	actions   patternList // compiled Action or NotAction, lower-cased
	resources patternList // compiled Resource or NotResource
	deny      bool
}

// PrincipalSet is a Principal or NotPrincipal element.
type PrincipalSet struct {
	Any           bool // written as the bare string "*"
	AWS           []string
	Service       []string
	Federated     []string
	CanonicalUser []string
}

// Condition is one operator/key pair of a Condition block; Values are normalised to strings
// (true → "true", 10 → "10").
type Condition struct {
	Operator string // as written: "ForAnyValue:StringLikeIfExists"
	Key      string // as written: "kms:ViaService"
	Values   []string

	op       opKind
	neg      bool
	ifExists bool
	set      setMode
	lkey     string // lower-cased key for case-insensitive lookup
	vars     bool   // some value holds a policy variable
}

// ParseError is a policy document that could not be parsed; Message is AWS-style text.
type ParseError struct{ Message string }

func (e *ParseError) Error() string { return e.Message }

func perr(format string, args ...any) *ParseError {
	return &ParseError{Message: fmt.Sprintf(format, args...)}
}

var errSyntax = &ParseError{Message: "Syntax errors in policy."}

var (
	topKeys  = []string{"Version", "Id", "Statement"}
	stmtKeys = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
		"Resource", "NotResource", "Condition"}
	principalKeys = []string{"AWS", "Service", "Federated", "CanonicalUser"}
)

// Parse parses a policy document (JSON). Single values and arrays are accepted wherever AWS
// accepts both. A statement without Action or Resource is accepted (it matches nothing), as
// KMS accepts it; ValidateIdentity adds IAM's stricter rules.
func Parse(doc []byte) (*Policy, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil || top == nil {
		return nil, errSyntax
	}
	if err := unknownKeys(top, topKeys); err != nil {
		return nil, err
	}
	p := &Policy{}
	if raw, ok := top["Version"]; ok {
		if json.Unmarshal(raw, &p.Version) != nil || (p.Version != Version2012 && p.Version != Version2008) {
			return nil, perr("The policy failed legacy parsing")
		}
	}
	if raw, ok := top["Id"]; ok {
		if !isJSONString(raw) || json.Unmarshal(raw, &p.ID) != nil {
			return nil, errSyntax
		}
	}
	raw, ok := top["Statement"]
	if !ok || isNull(raw) {
		return nil, perr("Missing required field Statement")
	}
	var list []json.RawMessage
	switch raw[0] {
	case '[':
		if json.Unmarshal(raw, &list) != nil {
			return nil, errSyntax
		}
	case '{':
		list = []json.RawMessage{raw}
	default:
		return nil, errSyntax
	}
	vars := p.Version == Version2012
	p.Statements = make([]Statement, len(list))
	for i, r := range list {
		if err := parseStatement(r, vars, &p.Statements[i]); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func parseStatement(raw json.RawMessage, vars bool, s *Statement) error {
	var m map[string]json.RawMessage
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		return errSyntax
	}
	if err := unknownKeys(m, stmtKeys); err != nil {
		return err
	}
	if r, ok := m["Sid"]; ok {
		if !isJSONString(r) || json.Unmarshal(r, &s.Sid) != nil {
			return errSyntax
		}
	}
	r, ok := m["Effect"]
	if !ok {
		return perr("Missing required field Effect")
	}
	if !isJSONString(r) || json.Unmarshal(r, &s.Effect) != nil || (s.Effect != "Allow" && s.Effect != "Deny") {
		return perr("Invalid effect: %s", strings.Trim(string(r), `"`))
	}
	s.deny = s.Effect == "Deny"

	var err error
	if s.Principal, s.NotPrincipal, err = parsePrincipals(m); err != nil {
		return err
	}
	if s.Action, s.NotAction, err = pairOfLists(m, "Action", "NotAction"); err != nil {
		return err
	}
	for _, a := range append(s.Action[:len(s.Action):len(s.Action)], s.NotAction...) {
		if a != "*" && !hasVendor(a) {
			return perr("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
		}
	}
	if s.Resource, s.NotResource, err = pairOfLists(m, "Resource", "NotResource"); err != nil {
		return err
	}
	for _, res := range append(s.Resource[:len(s.Resource):len(s.Resource)], s.NotResource...) {
		if res != "*" && !strings.HasPrefix(res, "arn:") && !strings.HasPrefix(res, "${") {
			return perr("Resource %s must be in ARN format or \"*\".", res)
		}
	}
	s.actions = compileList(s.Action, s.NotAction, true, false)
	s.resources = compileList(s.Resource, s.NotResource, false, vars)
	if r, ok := m["Condition"]; ok {
		if s.Conditions, err = parseConditions(r, vars); err != nil {
			return err
		}
	}
	return nil
}

// pairOfLists reads an element and its Not form; at most one may be present.
func pairOfLists(m map[string]json.RawMessage, name, notName string) (pos, neg []string, err error) {
	r1, ok1 := m[name]
	r2, ok2 := m[notName]
	if ok1 && ok2 {
		return nil, nil, perr("Statement cannot contain both %s and %s", name, notName)
	}
	if ok1 {
		if pos, ok1 = stringList(r1); !ok1 {
			return nil, nil, errSyntax
		}
	}
	if ok2 {
		if neg, ok2 = stringList(r2); !ok2 {
			return nil, nil, errSyntax
		}
	}
	return pos, neg, nil
}

func parsePrincipals(m map[string]json.RawMessage) (p, np *PrincipalSet, err error) {
	r1, ok1 := m["Principal"]
	r2, ok2 := m["NotPrincipal"]
	if ok1 && ok2 {
		return nil, nil, perr("Statement cannot contain both Principal and NotPrincipal")
	}
	if ok1 {
		p, err = parsePrincipalSet(r1)
	}
	if ok2 {
		np, err = parsePrincipalSet(r2)
	}
	return p, np, err
}

func parsePrincipalSet(raw json.RawMessage) (*PrincipalSet, error) {
	if isJSONString(raw) {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, errSyntax
		}
		if s != "*" {
			return nil, perr("Invalid principal in policy: %s", s)
		}
		return &PrincipalSet{Any: true}, nil
	}
	var m map[string]json.RawMessage
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		return nil, errSyntax
	}
	if len(m) == 0 {
		return nil, perr("Policy contains a statement with no principal.")
	}
	for k := range m {
		if !contains(principalKeys, k) {
			return nil, perr("Invalid principal in policy: \"%s\"", k)
		}
	}
	ps := &PrincipalSet{}
	for _, k := range principalKeys {
		r, ok := m[k]
		if !ok {
			continue
		}
		vals, ok := stringList(r)
		if !ok || len(vals) == 0 {
			return nil, perr("Invalid principal in policy: \"%s\":%s", k, string(r))
		}
		for _, v := range vals {
			if v == "" || (k == "AWS" && !validAWSPrincipal(v)) {
				return nil, perr("Invalid principal in policy: \"%s\":\"%s\"", k, v)
			}
		}
		switch k {
		case "AWS":
			ps.AWS = vals
		case "Service":
			ps.Service = vals
		case "Federated":
			ps.Federated = vals
		case "CanonicalUser":
			ps.CanonicalUser = vals
		}
	}
	return ps, nil
}

// validAWSPrincipal accepts "*", a 12-digit account id, an ARN, or a unique id (AIDA…).
func validAWSPrincipal(v string) bool {
	if v == "*" || strings.HasPrefix(v, "arn:") {
		return true
	}
	if len(v) == 12 && allDigits(v) {
		return true
	}
	if len(v) < 16 || len(v) > 128 || v[0] != 'A' {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func parseConditions(raw json.RawMessage, vars bool) ([]Condition, error) {
	var ops map[string]json.RawMessage
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &ops) != nil {
		return nil, errSyntax
	}
	var out []Condition
	for opName, body := range ops {
		info, ok := parseOperator(opName)
		if !ok {
			return nil, perr("Invalid Condition type : %s", opName)
		}
		var keys map[string]json.RawMessage
		if len(body) == 0 || body[0] != '{' || json.Unmarshal(body, &keys) != nil {
			return nil, errSyntax
		}
		for key, vraw := range keys {
			if !hasVendor(key) {
				return nil, perr("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
			}
			vals, ok := conditionValues(vraw)
			if !ok {
				return nil, perr("Invalid value for condition key %s", key)
			}
			c := info
			c.Operator, c.Key, c.Values, c.lkey = opName, key, vals, asciiLower(key)
			for _, v := range vals {
				c.vars = c.vars || (vars && strings.Contains(v, "${"))
			}
			out = append(out, c)
		}
	}
	// Map order is random; keep a stable order for printing and tests.
	sort.Slice(out, func(i, j int) bool {
		if out[i].Operator != out[j].Operator {
			return out[i].Operator < out[j].Operator
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// conditionValues reads a scalar or an array of scalars, normalising booleans and numbers.
func conditionValues(raw json.RawMessage) ([]string, bool) {
	if len(raw) > 0 && raw[0] == '[' {
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return nil, false
		}
		out := make([]string, 0, len(items))
		for _, it := range items {
			v, ok := scalar(it)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	}
	v, ok := scalar(raw)
	if !ok {
		return nil, false
	}
	return []string{v}, true
}

func scalar(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 {
		return "", false
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		return s, json.Unmarshal(raw, &s) == nil
	case c == 't' || c == 'f':
		return string(raw), string(raw) == "true" || string(raw) == "false"
	case c == '-' || (c >= '0' && c <= '9'):
		var n json.Number
		return string(raw), json.Unmarshal(raw, &n) == nil
	}
	return "", false
}

// stringList reads a string or an array of strings (null elements are refused).
func stringList(raw json.RawMessage) ([]string, bool) {
	if isJSONString(raw) {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, false
		}
		return []string{s}, true
	}
	var items []json.RawMessage
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		return nil, false
	}
	out := make([]string, len(items))
	for i, it := range items {
		if !isJSONString(it) || json.Unmarshal(it, &out[i]) != nil {
			return nil, false
		}
	}
	return out, true
}

func unknownKeys(m map[string]json.RawMessage, known []string) error {
	var bad []string
	for k := range m {
		if !contains(known, k) {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return perr("Syntax errors in policy. Unknown field %s.", bad[0])
}

func isJSONString(raw json.RawMessage) bool { return len(raw) > 0 && raw[0] == '"' }
func isNull(raw json.RawMessage) bool       { return string(raw) == "null" }

func hasVendor(s string) bool {
	i := strings.IndexByte(s, ':')
	return i > 0 && i < len(s)-1
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Principals lists every AWS principal string the policy names (Principal and NotPrincipal),
// as written ("arn:aws:iam::111122223333:user/x", "111122223333", "*"), without duplicates.
// A bare "Principal": "*" is listed as "*". Service and federated principals are not listed.
func (p *Policy) Principals() []string {
	var out []string
	add := func(v string) {
		if !contains(out, v) {
			out = append(out, v)
		}
	}
	for i := range p.Statements {
		for _, ps := range []*PrincipalSet{p.Statements[i].Principal, p.Statements[i].NotPrincipal} {
			if ps == nil {
				continue
			}
			if ps.Any {
				add("*")
			}
			for _, a := range ps.AWS {
				add(a)
			}
		}
	}
	return out
}

// HasStatementWithoutPrincipal reports whether a statement lacks Principal and NotPrincipal
// (KMS rejects such key policies).
func (p *Policy) HasStatementWithoutPrincipal() bool {
	for i := range p.Statements {
		if p.Statements[i].Principal == nil && p.Statements[i].NotPrincipal == nil {
			return true
		}
	}
	return false
}

// Statement returns the statement with the given Sid, or nil.
func (p *Policy) Statement(sid string) *Statement {
	for i := range p.Statements {
		if p.Statements[i].Sid == sid {
			return &p.Statements[i]
		}
	}
	return nil
}

// NamesPrincipal reports whether the statement's Principal lists principal literally under
// "AWS" (or is "*"). It is a text check for editors and progress checks, not an evaluation.
func (s *Statement) NamesPrincipal(principal string) bool {
	if s.Principal == nil {
		return false
	}
	return s.Principal.Any || contains(s.Principal.AWS, principal) || contains(s.Principal.AWS, "*")
}

// ValidateIdentity applies the rules IAM adds for identity-based policies (CreatePolicy,
// PutUserPolicy): no Principal, every statement names actions and resources, and Sids are
// alphanumeric and unique. The error is a *ParseError with IAM's MalformedPolicyDocument text.
func (p *Policy) ValidateIdentity() error {
	seen := map[string]bool{}
	for i := range p.Statements {
		s := &p.Statements[i]
		if s.Principal != nil || s.NotPrincipal != nil {
			return perr("Policy document should not specify a principal.")
		}
		if s.Action == nil && s.NotAction == nil {
			return perr("Policy statement must contain actions.")
		}
		if s.Resource == nil && s.NotResource == nil {
			return perr("Policy statement must contain resources.")
		}
		for j := 0; j < len(s.Sid); j++ {
			if c := s.Sid[j]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				return perr("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*")
			}
		}
		if s.Sid != "" {
			if seen[s.Sid] {
				return perr("Statement IDs (SID) in a single policy must be unique.")
			}
			seen[s.Sid] = true
		}
	}
	return nil
}
