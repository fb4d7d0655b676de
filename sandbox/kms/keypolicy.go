package kms

import (
	"context"
	"errors"

	"github.com/kmslab/kmslab/policy"
	"github.com/kmslab/kmslab/sandbox/api"
)

// maxPolicyBytes is KMS's key policy quota (32 KB, cannot be raised).
const maxPolicyBytes = 32768

// defaultPolicy is the policy KMS attaches when CreateKey has no Policy, byte for byte as
// GetKeyPolicy returns it (the policy package owns the format).
func defaultPolicy(account string) string { return string(policy.DefaultKeyPolicy(account)) }

// Messages of MalformedPolicyDocumentException seen from AWS.
const (
	msgInvalidPrincipals = "Policy contains a statement with one or more invalid principals."
	msgNoPrincipal       = "Policy contains a statement with no principal."
	msgLockout           = "The new key policy will not allow you to update the key policy in the future."
	// msgPolicyTooLarge: UNCONFIRMED wording (AWS documents only the error code).
	msgPolicyTooLarge = "Policy exceeds the maximum allowed size of 32768 bytes."
	msgPolicyNotJSON  = "The policy is not valid JSON."
)

// checkPolicy applies CreateKey/PutKeyPolicy's rules to a new key policy: size, syntax,
// principals that exist, and (unless bypassed) that the caller can still change it.
func (s *Service) checkPolicy(ctx context.Context, caller api.Principal, keyARN, text string, bypass bool) error {
	if len(text) > maxPolicyBytes {
		return kmsErr("LimitExceededException", msgPolicyTooLarge)
	}
	noPrincipal, principals, err := inspectPolicy([]byte(text))
	if err != nil {
		var pe *policy.ParseError
		if errors.As(err, &pe) && pe.Message != "" {
			return errMalformedPolicy(pe.Message)
		}
		return errMalformedPolicy(msgPolicyNotJSON)
	}
	if noPrincipal {
		return errMalformedPolicy(msgNoPrincipal)
	}
	if err := s.checkPrincipals(principals); err != nil {
		return err
	}
	if !bypass && s.authz != nil {
		if ctx == nil {
			ctx = context.Background()
		}
		t := api.Target{Action: "kms:PutKeyPolicy", Resource: keyARN, ResourcePolicy: []byte(text), KeyPolicy: true}
		if err := s.authz.Authorize(ctx, caller, t); err != nil {
			// A denial is the lockout; any other failure passes through as it came.
			var ae *api.Error
			if errors.As(err, &ae) && ae.Code != "AccessDeniedException" {
				return ae
			}
			return errMalformedPolicy(msgLockout)
		}
	}
	return nil
}

// inspectPolicy parses a key policy and reads what KMS checks. It guards against a parser
// panic: bad input must never take the sandbox down.
func inspectPolicy(doc []byte) (noPrincipal bool, principals []string, err error) {
	defer func() {
		if recover() != nil {
			noPrincipal, principals, err = false, nil, errors.New("policy parser failed")
		}
	}()
	p, err := policy.Parse(doc)
	if err != nil {
		return false, nil, err
	}
	return p.HasStatementWithoutPrincipal(), p.Principals(), nil
}

// checkPrincipals refuses a policy naming a principal that does not exist.
func (s *Service) checkPrincipals(principals []string) error {
	if s.dir == nil {
		return nil
	}
	for _, pr := range principals {
		if !s.dir.PrincipalExists(pr) {
			return errMalformedPolicy(msgInvalidPrincipals)
		}
	}
	return nil
}

// recheckPrincipals runs the principal check again under the writer lock, just before a
// policy is stored: a user deleted since checkPolicy has had its ARN replaced in the stored
// policies (UserDeleted, which takes the same lock), and must not come back with this one.
func (s *Service) recheckPrincipals(text string) error {
	_, principals, err := inspectPolicy([]byte(text))
	if err != nil {
		return errMalformedPolicy(msgPolicyNotJSON)
	}
	return s.checkPrincipals(principals)
}
