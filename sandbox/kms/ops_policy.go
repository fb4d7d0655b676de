package kms

import "github.com/kmslab/kmslab/sandbox/api"

// checkPolicyName allows only "default", the one key policy a key has.
// UNCONFIRMED: the error AWS gives for another name; NotFoundException is the emulators' choice.
func checkPolicyName(name *string) error {
	if name == nil {
		return nil
	}
	if err := checkLen(name, "policyName", 1, 128); err != nil {
		return err
	}
	if *name != "default" {
		return errNotFound("No such policy exists")
	}
	return nil
}

type getKeyPolicyInput struct {
	KeyId      *string
	PolicyName *string
}

type getKeyPolicyOutput struct {
	Policy     string `json:"Policy"`
	PolicyName string `json:"PolicyName"`
}

func tGetKeyPolicy(s *Service, r *api.Request, in *getKeyPolicyInput) ([]api.Target, error) {
	k, err := s.lookupKey(r, in.KeyId, "keyId", resolveOpts{})
	if err != nil {
		return nil, err
	}
	if err := checkPolicyName(in.PolicyName); err != nil {
		return nil, err
	}
	return []api.Target{s.keyTarget(r, "kms:GetKeyPolicy", k)}, nil
}

func hGetKeyPolicy(s *Service, r *api.Request, in *getKeyPolicyInput) (any, error) {
	k, err := s.resolve(regionOf(r), *in.KeyId, nowOf(r), resolveOpts{})
	if err != nil {
		return nil, err
	}
	return getKeyPolicyOutput{Policy: k.rec.Policy, PolicyName: "default"}, nil
}

type putKeyPolicyInput struct {
	KeyId                          *string
	Policy                         *string
	PolicyName                     *string
	BypassPolicyLockoutSafetyCheck bool
}

func tPutKeyPolicy(s *Service, r *api.Request, in *putKeyPolicyInput) ([]api.Target, error) {
	if in.Policy == nil {
		return nil, errNull("policy")
	}
	if err := checkLen(in.Policy, "policy", 1, 131072); err != nil {
		return nil, err
	}
	k, err := s.lookupKey(r, in.KeyId, "keyId", resolveOpts{})
	if err != nil {
		return nil, err
	}
	if err := checkPolicyName(in.PolicyName); err != nil {
		return nil, err
	}
	return []api.Target{s.keyTarget(r, "kms:PutKeyPolicy", k)}, nil
}

func hPutKeyPolicy(s *Service, r *api.Request, in *putKeyPolicyInput) (any, error) {
	k, err := s.resolve(regionOf(r), *in.KeyId, nowOf(r), resolveOpts{})
	if err != nil {
		return nil, err
	}
	// Validate outside the writer lock: it may ask the authorizer.
	if err := s.checkPolicy(r.Ctx, r.Caller, k.rec.ARN, *in.Policy, in.BypassPolicyLockoutSafetyCheck); err != nil {
		return nil, err
	}
	_, err = s.writeKey(r, k.rec.ID, resolveOpts{}, func(k *key) error {
		if err := s.recheckPrincipals(*in.Policy); err != nil {
			return err
		}
		old := k.policy
		k.setPolicy(*in.Policy)
		s.notePolicyChange(k.rec.ARN, old, k.policy, nowOf(r))
		return nil
	})
	return nil, err
}

type listPoliciesOutput struct {
	PolicyNames []string `json:"PolicyNames"`
	Truncated   bool     `json:"Truncated"`
}

func tListKeyPolicies(s *Service, r *api.Request, in *listInput) ([]api.Target, error) {
	if _, err := limitOf(in.Limit, 1000, 100); err != nil {
		return nil, err
	}
	k, err := s.lookupKey(r, in.KeyId, "keyId", resolveOpts{})
	if err != nil {
		return nil, err
	}
	return []api.Target{s.keyTarget(r, "kms:ListKeyPolicies", k)}, nil
}

func hListKeyPolicies(s *Service, r *api.Request, in *listInput) (any, error) {
	if _, err := s.resolve(regionOf(r), *in.KeyId, nowOf(r), resolveOpts{}); err != nil {
		return nil, err
	}
	return listPoliciesOutput{PolicyNames: []string{"default"}}, nil
}
