package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kmslab/kmslab/internal/textwrap"
	"github.com/kmslab/kmslab/policy"
	"github.com/kmslab/kmslab/target"
)

// explainStep names the events Explain, ViewAs and Peek emit: they belong to no step.
const explainStep = "explain"

// Explanation walks AWS's decision on one request over the live policies: by default
// kms:Decrypt for the test user on the lab key, or the request behind an AccessDenied
// (ExplainDenial). It works on every target (on one that does not enforce, it is what AWS
// would decide).
type Explanation struct {
	// Scope says which policies take part; the zero value is the lab's own case.
	Scope                         Scope
	User, UserARN, KeyARN, Action string
	// Resource is the request's resource: the key's ARN, or "*" when a denial named none.
	Resource string
	// Denial is the AWS message explained ("" for the lab's own check); DeniedBy is the
	// policy type it names ("identity-based", "service control policy"…).
	Denial, DeniedBy string
	Identity         []PolicyFinding
	KeyPolicy        []StatementFinding
	// RootDelegates: the root statement hands the question to IAM.
	RootDelegates bool
	Decision      string // "allow" | "implicit deny" | "explicit deny"
	Message       string // AWS's wording; "" when allowed
	Reason        string
	Enforced      bool // false: the target does not enforce; say "AWS would decide"
}

// PolicyFinding is one IAM policy of the user. KMSActions are the kms:* actions its Allow
// statements list, as written; Actions the same for the request's service.
type PolicyFinding struct {
	Name         string
	KMSActions   []string
	Actions      []string
	AllowsAction bool
	DeniesAction bool
	// Statements are the policy's statements that cover the request, Allow or Deny.
	Statements []StatementFinding
}

// StatementFinding is one key-policy statement. Matches: it covers this request (principal,
// action, resource and conditions), whether or not it decides it alone.
type StatementFinding struct {
	Sid, Effect         string
	Principals, Actions []string
	NamesUser, IsRoot   bool
	Matches             bool
	// Index is the statement's place in its policy, from 1 (for one without a Sid).
	Index int
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
// project's evaluator, statement by statement. When the lab has met another AccessDenied
// since its own denial, Explain walks that one instead (see ExplainDenial).
func (l *Lab) Explain(ctx context.Context) (*Explanation, error) {
	if msg := l.denialToExplain(); msg != "" {
		e, err := l.ExplainDenial(ctx, msg)
		// A denial kmslab cannot walk (a role, another account, a user since deleted)
		// leaves the lab's own case to explain.
		if !errors.Is(err, ErrCannotExplain) && !errors.Is(err, ErrNothingToExplain) {
			return e, err
		}
	}
	return l.explainLabKey(ctx, "kms:Decrypt", true)
}

// explainLabKey walks a KMS action of the test user on the lab key. viaDynamoDB keeps the
// context DynamoDB's calls carry; kms:Decrypt always has it (that is how the lab reads).
func (l *Lab) explainLabKey(ctx context.Context, action string, viaDynamoDB bool) (*Explanation, error) {
	f, v, err := l.readDenyFacts(ctx, explainStep)
	if err != nil {
		return nil, err
	}
	if v != nil {
		return nil, errors.Join(ErrNothingToExplain, errors.New(v.Detail))
	}
	req := f.req
	if action != req.Action {
		req.Action = action
		if !viaDynamoDB {
			req.Context = map[string][]string{"kms:CallerAccount": {l.T.Account}}
		}
	}
	keyARN := aws.ToString(f.md.Arn)
	e := &Explanation{User: l.User, UserARN: f.u.arn, KeyARN: keyARN, Resource: keyARN, Action: action,
		Enforced: l.T.Enforces == target.Enforces}
	kp, err := policy.Parse([]byte(f.keyDoc))
	if err != nil {
		return nil, fmt.Errorf("read the key policy: %w", err)
	}
	l.evaluateInto(e, req, f.identity, kp)
	return e, nil
}

// evaluateInto fills the findings and the decision; kp nil means no resource policy.
func (l *Lab) evaluateInto(e *Explanation, req policy.Request, identity []policy.NamedPolicy, kp *policy.Policy) policy.Decision {
	for _, np := range identity {
		e.Identity = append(e.Identity, policyFinding(np, req))
	}
	in := policy.Input{Identity: identity}
	if kp != nil {
		for i := range kp.Statements {
			sf := l.statementFinding(kp, i, req)
			if sf.IsRoot && sf.Matches && sf.Effect == "Allow" {
				e.RootDelegates = true
			}
			e.KeyPolicy = append(e.KeyPolicy, sf)
		}
		in.Resource, in.ResourceKind, in.ResourceAccount = kp, policy.KeyPolicy, l.T.Account
	}
	d := policy.Evaluate(req, in)
	switch d.Effect {
	case policy.Allow:
		e.Decision = DecisionAllow
	case policy.ExplicitDeny:
		e.Decision = DecisionExplicitDeny
	default:
		e.Decision = DecisionImplicitDeny
	}
	e.Message, e.Reason = d.Message(req), d.Reason
	return d
}

// policyFinding judges one identity policy alone, and each of its statements alone.
func policyFinding(np policy.NamedPolicy, req policy.Request) PolicyFinding {
	d := policy.Evaluate(req, policy.Input{Identity: []policy.NamedPolicy{np}})
	pf := PolicyFinding{Name: np.Name, KMSActions: kmsActions(np.Policy), Actions: serviceActions(np.Policy, serviceOf(req.Action)),
		AllowsAction: d.Allowed(), DeniesAction: d.Effect == policy.ExplicitDeny}
	if np.Policy == nil {
		return pf
	}
	for i := range np.Policy.Statements {
		st := &np.Policy.Statements[i]
		alone := &policy.Policy{Version: np.Policy.Version, Statements: np.Policy.Statements[i : i+1]}
		if policy.Evaluate(req, policy.Input{Identity: []policy.NamedPolicy{{Name: np.Name, Policy: alone}}}).Effect == policy.ImplicitDeny {
			continue
		}
		sf := StatementFinding{Sid: st.Sid, Effect: st.Effect, Matches: true, Index: i + 1}
		sf.Actions = append(sf.Actions, st.Action...)
		for _, a := range st.NotAction {
			sf.Actions = append(sf.Actions, "not "+a)
		}
		pf.Statements = append(pf.Statements, sf)
	}
	return pf
}

// statementFinding evaluates one statement on its own as the whole key policy: if it
// allows, denies, or delegates to the account, it matched the request.
func (l *Lab) statementFinding(kp *policy.Policy, i int, req policy.Request) StatementFinding {
	st := &kp.Statements[i]
	sf := StatementFinding{Sid: st.Sid, Effect: st.Effect, Index: i + 1}
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
func kmsActions(p *policy.Policy) []string { return serviceActions(p, "kms") }

// serviceActions is kmsActions for any service prefix.
func serviceActions(p *policy.Policy, svc string) []string {
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
			if (strings.HasPrefix(la, svc+":") || la == "*") && !contains(out, a) {
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
	svc := serviceName(e.Action)
	// With a key policy KMS has the last word; otherwise IAM's policies decide alone.
	decider := "AWS"
	if e.Scope == ScopeKey {
		decider = "KMS"
	}
	switch e.Scope {
	case ScopeLabKey:
		put(0, "Why "+e.User+" can or cannot read the table")
		put(0, "When "+e.User+" reads the table, DynamoDB asks KMS for "+e.Action+" on your key as that user. KMS decides it for:")
	default:
		if e.Denial != "" {
			put(0, "Why "+e.User+" was denied "+e.Action)
			put(0, "AWS refused "+e.Action+" to "+e.User+". "+decider+" decides it for:")
		} else {
			put(0, "Whether "+e.User+" may use "+e.Action)
			put(0, decider+" decides it for:")
		}
	}
	put(2, "the user")
	put(4, e.UserARN)
	switch {
	case e.Scope == ScopeLabKey:
		put(2, "your key")
		put(4, e.KeyARN)
	case e.Scope == ScopeKey:
		put(2, "the key")
		put(4, e.KeyARN)
	case e.Resource == "" || e.Resource == "*":
		put(2, "the resource")
		put(4, "none named (\"*\")")
	default:
		put(2, "the resource")
		put(4, e.Resource)
	}
	b.WriteString("\n")

	put(0, "1. The user's IAM policies (what they allow of "+svc+")")
	if len(e.Identity) == 0 {
		put(3, "none: the user has no IAM policies")
	}
	for _, p := range e.Identity {
		acts := p.Actions
		if len(acts) == 0 && serviceOf(e.Action) == "kms" {
			acts = p.KMSActions
		}
		list := "no " + svc + " actions"
		if len(acts) > 0 {
			list = strings.Join(acts, ", ")
		}
		verdict := "does not allow " + e.Action
		switch {
		case p.DeniesAction:
			verdict = "denies " + e.Action + " (explicit deny)"
		case p.AllowsAction:
			verdict = "allows " + e.Action
		}
		put(3, p.Name)
		put(6, svc+" actions it allows: "+list)
		for i, st := range p.Statements {
			// The lab's own view lists a policy's KMS actions; a Deny is worth naming anywhere.
			if e.Scope == ScopeLabKey && st.Effect != "Deny" {
				continue
			}
			put(6, statementName(st, i+1)+" ("+st.Effect+" "+relevantActions(st.Actions, serviceOf(e.Action))+") covers this request")
		}
		put(6, "→ "+verdict)
	}
	b.WriteString("\n")

	if e.Scope == ScopeIdentity {
		put(0, "2. Resource policy")
		put(3, "No resource policy takes part: only the user's IAM policies decide "+e.Action+". An allow in one of them is enough, unless a statement denies it.")
	} else {
		put(0, "2. The key policy (it must allow, itself or by handing the question to IAM)")
		for i, s := range e.KeyPolicy {
			put(3, statementName(s, i+1)+": "+s.Effect)
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
	if e.Denial != "" && e.Decision == DecisionAllow {
		put(3, "Over the policies as they are now, this request would be allowed: they have changed since AWS refused it, or a policy kmslab does not read decided it (a group's policy, a permissions boundary, a service control policy, a session policy).")
	}
	switch e.DeniedBy {
	case "", "identity-based policy", "resource-based policy":
	default:
		put(3, "AWS's message names "+article(e.DeniedBy)+" "+e.DeniedBy+": kmslab does not read those, so what decided may not be shown above.")
	}
	return b.String()
}

// relevantActions lists the actions of svc (and wildcards) a statement names, and counts
// the rest: AWS managed policies list dozens of other services' actions.
func relevantActions(actions []string, svc string) string {
	var keep []string
	for _, a := range actions {
		la := strings.ToLower(strings.TrimPrefix(a, "not "))
		if strings.HasPrefix(la, svc+":") || !strings.Contains(la, ":") {
			keep = append(keep, a)
		}
	}
	out := strings.Join(keep, ", ")
	switch n := len(actions) - len(keep); {
	case n == 1 && out == "":
		out = "1 action of another service"
	case n == 1:
		out += " and 1 other action"
	case n > 1 && out == "":
		out = itoa(n) + " actions of other services"
	case n > 1:
		out += " and " + itoa(n) + " other actions"
	}
	return out
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// statementName is `"Sid"`, or `statement #n` for a statement without one.
// pos is the place in the list shown, used when Index is unset.
func statementName(s StatementFinding, pos int) string {
	if s.Sid != "" {
		return `"` + s.Sid + `"`
	}
	if s.Index > 0 {
		pos = s.Index
	}
	return "statement #" + itoa(pos)
}

// wrapText wraps for the explanation; lines never get narrower than 20.
func wrapText(s string, width int) []string { return textwrap.Lines(s, max(width, 20)) }
