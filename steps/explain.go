package steps

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kmslab/kmslab/policy"
	"github.com/kmslab/kmslab/target"
)

// explainStep names the events Explain, ViewAs and Peek emit: they belong to no step.
const explainStep = "explain"

// Explanation walks KMS's decision on kms:Decrypt for the test user on the lab key, over the
// live policies; it works on every target (on one that does not enforce, it is what AWS would decide).
type Explanation struct {
	User, UserARN, KeyARN, Action string
	Identity                      []PolicyFinding
	KeyPolicy                     []StatementFinding
	// RootDelegates: the root statement hands the question to IAM.
	RootDelegates bool
	Decision      string // "allow" | "implicit deny" | "explicit deny"
	Message       string // AWS's wording; "" when allowed
	Reason        string
	Enforced      bool // false: the target does not enforce; say "AWS would decide"
}

// PolicyFinding is one IAM policy of the user. KMSActions are the kms:* actions its Allow
// statements list, as written.
type PolicyFinding struct {
	Name         string
	KMSActions   []string
	AllowsAction bool
}

// StatementFinding is one key-policy statement. Matches: it covers this request (principal,
// action, resource and conditions), whether or not it decides it alone.
type StatementFinding struct {
	Sid, Effect         string
	Principals, Actions []string
	NamesUser, IsRoot   bool
	Matches             bool
}

// Decision words.
const (
	DecisionAllow        = "allow"
	DecisionImplicitDeny = "implicit deny"
	DecisionExplicitDeny = "explicit deny"
)

// ErrNothingToExplain: the key or the user does not exist yet.
var ErrNothingToExplain = errors.New("nothing to explain yet")

// Explain reads the user's policies and the key policy and evaluates kms:Decrypt with the
// project's evaluator, statement by statement.
func (l *Lab) Explain(ctx context.Context) (*Explanation, error) {
	f, v, err := l.readDenyFacts(ctx, explainStep)
	if err != nil {
		return nil, err
	}
	if v != nil {
		return nil, errors.Join(ErrNothingToExplain, errors.New(v.Detail))
	}
	e := &Explanation{User: l.User, UserARN: f.u.arn, KeyARN: aws.ToString(f.md.Arn), Action: f.req.Action,
		Enforced: l.T.Enforces == target.Enforces}
	for _, np := range f.identity {
		d := policy.Evaluate(f.req, policy.Input{Identity: []policy.NamedPolicy{np}})
		e.Identity = append(e.Identity, PolicyFinding{Name: np.Name, KMSActions: kmsActions(np.Policy), AllowsAction: d.Allowed()})
	}
	kp, err := policy.Parse([]byte(f.keyDoc))
	if err != nil {
		return nil, err
	}
	for i := range kp.Statements {
		sf := l.statementFinding(kp, i, f.req)
		if sf.IsRoot && sf.Matches && sf.Effect == "Allow" {
			e.RootDelegates = true
		}
		e.KeyPolicy = append(e.KeyPolicy, sf)
	}
	d, err := decide(f.req, f.identity, f.keyDoc, l.T.Account)
	if err != nil {
		return nil, err
	}
	switch d.Effect {
	case policy.Allow:
		e.Decision = DecisionAllow
	case policy.ExplicitDeny:
		e.Decision = DecisionExplicitDeny
	default:
		e.Decision = DecisionImplicitDeny
	}
	e.Message, e.Reason = d.Message(f.req), d.Reason
	return e, nil
}

// statementFinding evaluates one statement on its own as the whole key policy: if it
// allows, denies, or delegates to the account, it matched the request.
func (l *Lab) statementFinding(kp *policy.Policy, i int, req policy.Request) StatementFinding {
	st := &kp.Statements[i]
	sf := StatementFinding{Sid: st.Sid, Effect: st.Effect}
	for _, ps := range []*policy.PrincipalSet{st.Principal, st.NotPrincipal} {
		if ps == nil {
			continue
		}
		not := ""
		if ps == st.NotPrincipal {
			not = "not "
		}
		if ps.Any {
			sf.Principals = append(sf.Principals, not+"*")
		}
		for _, a := range ps.AWS {
			sf.Principals = append(sf.Principals, not+a)
			if ps == st.Principal && l.isAccount(a) {
				sf.IsRoot = true
			}
		}
		for _, s := range ps.Service {
			sf.Principals = append(sf.Principals, not+"service "+s)
		}
	}
	sf.Actions = append(sf.Actions, st.Action...)
	for _, a := range st.NotAction {
		sf.Actions = append(sf.Actions, "not "+a)
	}
	sf.NamesUser = st.NamesPrincipal(req.Principal.ARN) || (st.Principal != nil && contains(st.Principal.AWS, req.Principal.UserID))
	alone := &policy.Policy{Version: kp.Version, Statements: kp.Statements[i : i+1]}
	d := policy.Evaluate(req, policy.Input{Resource: alone, ResourceKind: policy.KeyPolicy, ResourceAccount: l.T.Account})
	sf.Matches = d.Effect != policy.ImplicitDeny || len(d.Matched) > 0
	return sf
}

// isAccount: the principal names the lab's account, bare or as its root ARN.
func (l *Lab) isAccount(p string) bool {
	return p == l.T.Account || (strings.HasPrefix(p, "arn:") && strings.HasSuffix(p, ":iam::"+l.T.Account+":root"))
}

// kmsActions lists the KMS actions (and wildcards covering them) that a policy's Allow
// statements name, in order, without duplicates.
func kmsActions(p *policy.Policy) []string {
	var out []string
	if p == nil {
		return nil
	}
	for _, st := range p.Statements {
		if st.Effect != "Allow" {
			continue
		}
		for _, a := range st.Action {
			la := strings.ToLower(a)
			if (strings.HasPrefix(la, "kms:") || la == "*") && !contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// textWidth keeps Text inside an 80-column terminal with a margin.
const textWidth = 78

// Text renders the explanation as plain text, every line at most 78 characters.
func (e *Explanation) Text() string {
	var b strings.Builder
	put := func(indent int, s string) {
		for _, line := range wrapText(s, textWidth-indent) {
			b.WriteString(strings.Repeat(" ", indent) + line + "\n")
		}
	}
	put(0, "Why "+e.User+" can or cannot read the table")
	put(0, "When "+e.User+" reads the table, DynamoDB asks KMS for "+e.Action+" on your key as that user. KMS decides it for:")
	put(2, "the user")
	put(4, e.UserARN)
	put(2, "your key")
	put(4, e.KeyARN)
	b.WriteString("\n")

	put(0, "1. The user's IAM policies (what they allow of KMS)")
	if len(e.Identity) == 0 {
		put(3, "none: the user has no IAM policies")
	}
	for _, p := range e.Identity {
		acts := "no KMS actions"
		if len(p.KMSActions) > 0 {
			acts = strings.Join(p.KMSActions, ", ")
		}
		verdict := "does not allow " + e.Action
		if p.AllowsAction {
			verdict = "allows " + e.Action
		}
		put(3, p.Name)
		put(6, "KMS actions it allows: "+acts)
		put(6, "→ "+verdict)
	}
	b.WriteString("\n")

	put(0, "2. The key policy (it must allow, itself or by handing the question to IAM)")
	for i, s := range e.KeyPolicy {
		name := s.Sid
		if name == "" {
			name = "statement #" + itoa(i+1)
		} else {
			name = `"` + name + `"`
		}
		put(3, name+": "+s.Effect)
		put(6, "principal "+strings.Join(s.Principals, ", "))
		put(6, "actions "+strings.Join(s.Actions, ", "))
		var notes []string
		if s.IsRoot {
			notes = append(notes, "names the account: IAM policies decide")
		}
		if s.NamesUser {
			notes = append(notes, "names "+e.User)
		}
		if s.Matches {
			notes = append(notes, "covers this request")
		} else {
			notes = append(notes, "does not cover this request")
		}
		put(6, "→ "+strings.Join(notes, "; "))
	}
	if e.RootDelegates {
		put(3, "The root statement hands the question to IAM: an IAM policy of the user would have to allow "+e.Action+".")
	} else {
		put(3, "No statement hands the question to IAM, so only a statement naming the user can allow "+e.Action+".")
	}
	b.WriteString("\n")

	put(0, "3. The result: "+e.Decision)
	put(3, e.Reason)
	if e.Message != "" {
		who := "AWS says:"
		if !e.Enforced {
			who = "This target does not show KMS's decision on reads; on AWS, KMS would say:"
		}
		put(3, who)
		put(3, e.Message)
	} else if !e.Enforced {
		put(3, "This target does not show KMS's decision on reads; this is what AWS would decide.")
	}
	return b.String()
}

// wrapText breaks s into lines of at most width characters at spaces; a word longer than a
// line (an ARN) is broken after a ':' or '/' where it can be, else cut.
func wrapText(s string, width int) []string {
	if width < 20 {
		width = 20
	}
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		for len([]rune(w)) > width {
			if line != "" {
				lines, line = append(lines, line), ""
			}
			head, rest := splitWord(w, width)
			lines = append(lines, head)
			w = rest
		}
		switch {
		case line == "":
			line = w
		case len([]rune(line))+1+len([]rune(w)) <= width:
			line += " " + w
		default:
			lines, line = append(lines, line), w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// splitWord cuts a long word after the last ':' or '/' that fits, else at width.
func splitWord(w string, width int) (string, string) {
	r := []rune(w)
	cut := width
	for i := width - 1; i > width/2; i-- {
		if r[i] == ':' || r[i] == '/' {
			cut = i + 1
			break
		}
	}
	return string(r[:cut]), string(r[cut:])
}
