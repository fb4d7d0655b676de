package policy

import (
	"strconv"
	"strings"
)

// Message is the denial text as AWS words it:
// "User: <arn> is not authorized to perform: <action> on resource: <resource> because no
// identity-based policy allows the <action> action", or "... with an explicit deny in a(n)
// <type> policy". " on resource: <resource>" is left out when req.Resource is empty. Empty
// when allowed.
func (d Decision) Message(req Request) string {
	if d.Effect == Allow {
		return ""
	}
	typ := d.PolicyType
	if typ == "" {
		typ = identityBased
	}
	var b strings.Builder
	b.Grow(128 + len(req.Principal.ARN) + 2*len(req.Action) + len(req.Resource))
	b.WriteString("User: ")
	b.WriteString(req.Principal.ARN)
	b.WriteString(" is not authorized to perform: ")
	b.WriteString(req.Action)
	if req.Resource != "" {
		b.WriteString(" on resource: ")
		b.WriteString(req.Resource)
	}
	if d.Effect == ExplicitDeny {
		b.WriteString(" with an explicit deny in ")
		b.WriteString(article(typ))
		b.WriteByte(' ')
		b.WriteString(typ)
		b.WriteString(" policy")
		return b.String()
	}
	b.WriteString(" because no ")
	b.WriteString(typ)
	b.WriteString(" policy allows the ")
	b.WriteString(req.Action)
	b.WriteString(" action")
	return b.String()
}

func article(word string) string {
	if word != "" && strings.IndexByte("aeiouAEIOU", word[0]) >= 0 {
		return "an"
	}
	return "a"
}

// label names a statement for a student: `statement "Sid"`, or `statement #2` without a Sid.
func label(p *Policy, st int) string {
	if sid := p.Statements[st].Sid; sid != "" {
		return "statement " + strconv.Quote(sid)
	}
	return "statement #" + strconv.Itoa(st+1)
}

func hitPolicy(in *Input, h hit) *Policy {
	if h.pol < 0 {
		return in.Resource
	}
	return in.Identity[h.pol].Policy
}

func reasonDeny(req *Request, in *Input, h hit) string {
	where := "in the key policy"
	if h.pol >= 0 {
		where = "in the user's policy " + in.Identity[h.pol].Name
	} else if in.ResourceKind != KeyPolicy {
		where = "in the resource policy"
	}
	return upper(label(hitPolicy(in, h), h.st)) + " " + where + " explicitly denies " + req.Action +
		". An explicit deny overrides any allow."
}

// reason explains an Allow or an implicit deny in one or two sentences.
func reason(req *Request, in *Input, t *tally, d *Decision) string {
	act := req.Action
	res := resourceName(in)
	// The account a root statement would have to name: the caller's.
	acct := req.Principal.AccountID
	if acct == "" {
		acct = in.ResourceAccount
	}
	idNames := policyNames(in)
	switch {
	case d.Effect == Allow && len(t.resDirect) > 0 && !t.crossAccount:
		s := "The " + res + " allows " + act + " for this user directly (" + hitLabel(in, t.resDirect[0]) + ")"
		if in.ResourceKind == KeyPolicy {
			return s + ", so no IAM policy is needed."
		}
		return s + "."
	case d.Effect == Allow && len(t.resAccount) > 0:
		return "The " + res + " lets IAM policies in account " + acct + " grant access (" +
			hitLabel(in, t.resAccount[0]) + "), and the user's policy " + in.Identity[t.idAllow[0].pol].Name +
			" allows " + act + "."
	case d.Effect == Allow && len(t.resDirect) > 0:
		return "The " + res + " allows " + act + " for this user (" + hitLabel(in, t.resDirect[0]) +
			"), and the user's policy " + in.Identity[t.idAllow[0].pol].Name +
			" allows it too, as access from another account needs both."
	case d.Effect == Allow:
		h := t.idAllow[0]
		return "The user's policy " + in.Identity[h.pol].Name + " allows " + act + " (" + hitLabel(in, h) + ")."
	case len(t.resAccount) > 0:
		s := "The " + res + " lets IAM policies in account " + acct + " grant access (" + hitLabel(in, t.resAccount[0]) + "), "
		if idNames == "" {
			return s + "but the user has no IAM policies, so nothing allows " + act + "."
		}
		return s + "but none of the user's policies (" + idNames + ") allows " + act + "."
	case len(t.resDirect) > 0:
		return "The " + res + " allows " + act + " for this user (" + hitLabel(in, t.resDirect[0]) +
			"), but the user is in another account, so one of the user's own policies must allow it too, and none does."
	case in.ResourceKind == KeyPolicy:
		s := "No statement in the key policy allows " + act + " for this user or lets IAM policies in account " +
			acct + " grant it, so no IAM policy can allow it."
		if t.resCondFail.pol != -2 {
			s += " " + upper(hitLabel(in, t.resCondFail)) + " would, but its conditions do not hold for this request."
		} else if len(t.idAllow) > 0 {
			s += " The user's policy " + in.Identity[t.idAllow[0].pol].Name + " allows " + act +
				", but for a KMS key that is not enough."
		}
		return s
	case t.hasRes:
		if idNames == "" {
			return "The resource policy does not allow " + act + " for this user, and the user has no IAM policies."
		}
		return "Neither the resource policy nor the user's policies (" + idNames + ") allow " + act + "."
	case idNames == "":
		return "The user has no IAM policies, so nothing allows " + act + "."
	}
	s := "None of the user's policies (" + idNames + ") allows " + act + onResource(req) + "."
	if h := t.idCondFail; h.pol >= 0 {
		s += " " + upper(hitLabel(in, h)) + " in " + in.Identity[h.pol].Name + " would, but its conditions do not hold for this request."
	}
	return s
}

func hitLabel(in *Input, h hit) string { return label(hitPolicy(in, h), h.st) }

func onResource(req *Request) string {
	if req.Resource == "" || req.Resource == "*" {
		return ""
	}
	return " on " + req.Resource
}

// policyNames lists the identity policies by name: "A, B".
func policyNames(in *Input) string {
	var b strings.Builder
	for _, p := range in.Identity {
		if p.Policy == nil {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Name)
	}
	return b.String()
}

func upper(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-('a'-'A')) + s[1:]
}
