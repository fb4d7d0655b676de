package policy

import (
	"strconv"
	"strings"
	"time"
)

// evalCtx is one request being evaluated; it answers condition-key lookups.
type evalCtx struct {
	req    *Request
	now    time.Time
	nowSet bool
}

var (
	typeUser        = []string{"User"}
	typeAccount     = []string{"Account"}
	typeAssumedRole = []string{"AssumedRole"}
	typeFederated   = []string{"FederatedUser"}
)

// lookup finds a condition key (lower-cased) in the request context, then among the global
// keys derived from the principal. Keys present in Context win, so a caller may pin
// aws:CurrentTime.
func (c *evalCtx) lookup(lkey string) ([]string, bool) {
	if v, ok := c.req.Context[lkey]; ok {
		return v, true
	}
	for k, v := range c.req.Context {
		if equalFoldLower(k, lkey) {
			return v, true
		}
	}
	p := &c.req.Principal
	switch lkey {
	case "aws:principalarn":
		return one(p.ARN)
	case "aws:principalaccount":
		return one(p.AccountID)
	case "aws:username":
		return one(p.UserName)
	case "aws:userid":
		return one(p.UserID)
	case "aws:principaltype":
		switch {
		case p.ARN == "":
			return nil, false
		case strings.HasSuffix(p.ARN, ":root"):
			return typeAccount, true
		case strings.Contains(p.ARN, ":assumed-role/"):
			return typeAssumedRole, true
		case strings.Contains(p.ARN, ":federated-user/"):
			return typeFederated, true
		}
		return typeUser, true
	case "aws:currenttime":
		return []string{c.time().UTC().Format("2006-01-02T15:04:05Z")}, true
	case "aws:epochtime":
		return []string{strconv.FormatInt(c.time().Unix(), 10)}, true
	}
	return nil, false
}

func (c *evalCtx) time() time.Time {
	if !c.nowSet {
		c.now, c.nowSet = time.Now(), true
	}
	return c.now
}

func one(v string) ([]string, bool) {
	if v == "" {
		return nil, false
	}
	return []string{v}, true
}

// applies reports whether action, resource and conditions match (the principal aside).
// condFailed is set when only the conditions kept an Allow statement out, so a reason can
// point at it.
func (s *Statement) applies(c *evalCtx) (ok, condFailed bool) {
	if !s.actions.matches(c, c.req.Action, true) || !s.resources.matches(c, c.req.Resource, false) {
		return false, false
	}
	if !s.conditionsHold(c) {
		return false, !s.deny
	}
	return true, false
}

// hit names a matched statement: pol is the identity policy index, or -1 for the resource.
type hit struct {
	pol, st int
	pm      principalMatch
}

// tally is what one pass over all policies found.
type tally struct {
	idDeny, idAllow      []hit
	resDeny, resDirect   []hit
	resAccount           []hit
	crossAccount, hasRes bool
	// First Allow statements that matched but for their conditions (pol -2 when none).
	idCondFail, resCondFail hit
}

// Evaluate decides a request: an explicit Deny anywhere wins; otherwise the rules of
// in.ResourceKind decide (for KeyPolicy the key policy must allow, directly or by delegating
// to the caller's account plus an identity-policy allow).
func Evaluate(req Request, in Input) Decision {
	c := evalCtx{req: &req}
	t := tally{idCondFail: hit{pol: -2}, resCondFail: hit{pol: -2}}
	var buf [8]hit
	t.idDeny, t.idAllow, t.resDeny, t.resDirect, t.resAccount = buf[:0:2], buf[2:2:4], buf[4:4:5], buf[5:5:6], buf[6:6:8]

	for i := range in.Identity {
		p := in.Identity[i].Policy
		if p == nil {
			continue
		}
		for j := range p.Statements {
			s := &p.Statements[j]
			ok, condFailed := s.applies(&c)
			if condFailed && t.idCondFail.pol == -2 {
				t.idCondFail = hit{i, j, pmDirect}
			}
			if !ok {
				continue
			}
			if s.deny {
				t.idDeny = append(t.idDeny, hit{i, j, pmDirect})
			} else {
				t.idAllow = append(t.idAllow, hit{i, j, pmDirect})
			}
		}
	}
	t.hasRes = in.Resource != nil && in.ResourceKind != NoResourcePolicy
	if t.hasRes {
		for j := range in.Resource.Statements {
			s := &in.Resource.Statements[j]
			pm := s.principalKind(&req.Principal)
			if pm == pmNone {
				continue
			}
			h := hit{-1, j, pm}
			ok, condFailed := s.applies(&c)
			if condFailed && t.resCondFail.pol == -2 {
				t.resCondFail = h
			}
			if !ok {
				continue
			}
			switch {
			case s.deny:
				t.resDeny = append(t.resDeny, h)
			case pm == pmDirect:
				t.resDirect = append(t.resDirect, h)
			default:
				t.resAccount = append(t.resAccount, h)
			}
		}
	}
	acct := req.Principal.AccountID
	t.crossAccount = in.ResourceAccount != "" && acct != "" && in.ResourceAccount != acct
	return decide(&req, &in, &t)
}

func decide(req *Request, in *Input, t *tally) Decision {
	var d Decision
	if len(t.idDeny)+len(t.resDeny) > 0 {
		d.Effect = ExplicitDeny
		d.PolicyType = identityBased
		if len(t.idDeny) == 0 {
			d.PolicyType = resourceBased
		}
		d.Matched = matches(in, t.idDeny, t.resDeny)
		if len(t.idDeny) > 0 {
			d.Reason = reasonDeny(req, in, t.idDeny[0])
		} else {
			d.Reason = reasonDeny(req, in, t.resDeny[0])
		}
		return d
	}
	idAllows := len(t.idAllow) > 0
	resDirect, resAccount := len(t.resDirect) > 0, len(t.resAccount) > 0
	switch {
	case in.ResourceKind == KeyPolicy || (t.hasRes && t.crossAccount):
		// The resource policy must allow. A direct grant suffices in the same account;
		// delegation to the account (or any grant across accounts) also needs IAM.
		switch {
		case resDirect && !t.crossAccount:
			d.Effect, d.Matched = Allow, matches(in, t.resDirect)
		case (resAccount || resDirect) && idAllows:
			d.Effect, d.Matched = Allow, matches(in, t.resAccount, t.resDirect, t.idAllow)
		case resAccount || resDirect:
			d.PolicyType, d.Matched = identityBased, matches(in, t.resAccount, t.resDirect)
		default:
			d.PolicyType, d.Matched = resourceBased, matches(in, t.idAllow)
		}
	case t.hasRes:
		switch {
		case resDirect:
			d.Effect, d.Matched = Allow, matches(in, t.resDirect)
		case idAllows:
			d.Effect, d.Matched = Allow, matches(in, t.idAllow)
		default:
			d.PolicyType, d.Matched = identityBased, matches(in, t.resAccount)
		}
	default:
		if idAllows {
			d.Effect, d.Matched = Allow, matches(in, t.idAllow)
		} else {
			d.PolicyType = identityBased
		}
	}
	d.Reason = reason(req, in, t, &d)
	return d
}

// matches turns hits into Match values, in order.
func matches(in *Input, groups ...[]hit) []Match {
	n := 0
	for _, g := range groups {
		n += len(g)
	}
	if n == 0 {
		return nil
	}
	out := make([]Match, 0, n)
	for _, g := range groups {
		for _, h := range g {
			out = append(out, toMatch(in, h))
		}
	}
	return out
}

func toMatch(in *Input, h hit) Match {
	if h.pol < 0 {
		s := &in.Resource.Statements[h.st]
		return Match{Policy: resourceName(in), Sid: s.Sid, Effect: s.Effect}
	}
	s := &in.Identity[h.pol].Policy.Statements[h.st]
	return Match{Policy: in.Identity[h.pol].Name, Sid: s.Sid, Effect: s.Effect}
}

func resourceName(in *Input) string {
	if in.ResourceKind == KeyPolicy {
		return "key policy"
	}
	return "resource policy"
}

const (
	identityBased = "identity-based"
	resourceBased = "resource-based"
)
