package gateway

import (
	"context"
	"net/http"
	"sync"

	"github.com/kmslab/kmslab/policy"
	"github.com/kmslab/kmslab/sandbox/api"
)

// Identities is what the gateway needs from IAM.
type Identities interface {
	// Authenticate finds the secret and principal for an access key id.
	Authenticate(accessKeyID string) (secret string, p api.Principal, active bool, found bool)
	// IdentityPolicies returns the caller's parsed identity policies.
	IdentityPolicies(p api.Principal) ([]policy.NamedPolicy, error)
}

// Authorizer evaluates identity and resource policies with the policy package.
type Authorizer struct {
	ids Identities
	// parsed caches resource policies by their text: key policies are read on every
	// KMS and encrypted-table call and change rarely.
	parsed sync.Map // string → *policy.Policy
}

// NewAuthorizer builds an Authorizer over an identity source.
func NewAuthorizer(ids Identities) *Authorizer { return &Authorizer{ids: ids} }

var _ api.Authorizer = (*Authorizer)(nil)

// Authorize returns nil when allowed, or an AccessDeniedException worded as AWS words it.
func (a *Authorizer) Authorize(_ context.Context, caller api.Principal, t api.Target) error {
	d, req, err := a.Decide(caller, t)
	if err != nil {
		return err
	}
	if d.Allowed() {
		return nil
	}
	return &api.Error{Code: "AccessDeniedException", Message: d.Message(req), Status: http.StatusBadRequest}
}

// Decide evaluates a target and returns the full decision, for logs and teaching.
func (a *Authorizer) Decide(caller api.Principal, t api.Target) (policy.Decision, policy.Request, error) {
	req := policy.Request{
		Principal: policy.Principal{ARN: caller.ARN, AccountID: caller.AccountID, UserID: caller.UserID, UserName: caller.UserName},
		Action:    t.Action,
		Resource:  t.Resource,
		Context:   t.Context,
	}
	ident, err := a.ids.IdentityPolicies(caller)
	if err != nil {
		return policy.Decision{}, req, &api.Error{Code: "InternalFailure", Message: "could not load the caller's policies", Status: 500, Receiver: true}
	}
	in := policy.Input{Identity: ident, ResourceAccount: caller.AccountID}
	if t.ResourcePolicy != nil {
		rp, err := a.resourcePolicy(t.ResourcePolicy)
		if err != nil {
			// A stored policy always parsed when it was written; treat a failure as no policy.
			rp = nil
		}
		in.Resource = rp
		in.ResourceKind = policy.ResourcePolicy
		if t.KeyPolicy {
			in.ResourceKind = policy.KeyPolicy
		}
	} else if t.KeyPolicy {
		in.ResourceKind = policy.KeyPolicy
	}
	return policy.Evaluate(req, in), req, nil
}

func (a *Authorizer) resourcePolicy(doc []byte) (*policy.Policy, error) {
	if p, ok := a.parsed.Load(string(doc)); ok {
		return p.(*policy.Policy), nil
	}
	p, err := policy.Parse(doc)
	if err != nil {
		return nil, err
	}
	a.parsed.Store(string(doc), p)
	return p, nil
}
