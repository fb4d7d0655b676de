package kms

import (
	"strings"

	"github.com/kmslab/kmslab/sandbox/api"
)

const aliasPattern = "^[a-zA-Z0-9:/_-]+$"

func aliasCharOK(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ':' || c == '/' || c == '_' || c == '-'
}

// checkAliasName applies the model constraints, then KMS's prefix rules.
func checkAliasName(name *string) error {
	if name == nil {
		return errNull("aliasName")
	}
	if err := checkLen(name, "aliasName", 1, 256); err != nil {
		return err
	}
	for _, c := range *name {
		if !aliasCharOK(c) {
			return errConstraint(*name, "aliasName", "Member must satisfy regular expression pattern: "+aliasPattern)
		}
	}
	if !strings.HasPrefix(*name, "alias/") {
		return errValidation(`Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`)
	}
	if strings.HasPrefix(*name, "alias/aws/") {
		// UNCONFIRMED on AWS: emulators agree on NotAuthorizedException with no message.
		return kmsErr("NotAuthorizedException", "")
	}
	return nil
}

type aliasInput struct {
	AliasName   *string
	TargetKeyId *string
}

func (s *Service) aliasTarget(r *api.Request, action, name string) api.Target {
	return api.Target{Action: action, Resource: s.aliasARN(regionOf(r), name)}
}

func tCreateAlias(s *Service, r *api.Request, in *aliasInput) ([]api.Target, error) {
	if err := checkAliasName(in.AliasName); err != nil {
		return nil, err
	}
	k, err := s.lookupKey(r, in.TargetKeyId, "targetKeyId", resolveOpts{})
	if err != nil {
		return nil, err
	}
	// AWS checks the alias (IAM policy) and the key (key policy).
	return []api.Target{s.aliasTarget(r, "kms:CreateAlias", *in.AliasName), s.keyTarget(r, "kms:CreateAlias", k)}, nil
}

func hCreateAlias(s *Service, r *api.Request, in *aliasInput) (any, error) {
	reg, now := regionOf(r), nowOf(r)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.purgeExpired(reg, now); err != nil {
		return nil, err
	}
	if a, _ := s.getAlias(reg, *in.AliasName, now); a != nil {
		// UNCONFIRMED status: the model says 409, KMS errors otherwise come as 400.
		return nil, kmsErr("AlreadyExistsException", "An alias with the name "+s.aliasARN(reg, *in.AliasName)+" already exists")
	}
	k, err := s.resolve(reg, *in.TargetKeyId, now, resolveOpts{})
	if err != nil {
		return nil, err
	}
	if err := k.checkNotPending(); err != nil {
		return nil, err
	}
	a := &aliasRecord{Name: *in.AliasName, Target: k.rec.ID, Created: now, Updated: now}
	return nil, s.commit(reg, change{putAliases: []*aliasRecord{a}})
}

func tUpdateAlias(s *Service, r *api.Request, in *aliasInput) ([]api.Target, error) {
	if err := checkAliasName(in.AliasName); err != nil {
		return nil, err
	}
	nk, err := s.lookupKey(r, in.TargetKeyId, "targetKeyId", resolveOpts{})
	if err != nil {
		return nil, err
	}
	reg := regionOf(r)
	_, old := s.getAlias(reg, *in.AliasName, nowOf(r))
	if old == nil {
		return nil, errAliasMissing(s.aliasARN(reg, *in.AliasName))
	}
	return []api.Target{
		s.aliasTarget(r, "kms:UpdateAlias", *in.AliasName),
		s.keyTarget(r, "kms:UpdateAlias", old),
		s.keyTarget(r, "kms:UpdateAlias", nk),
	}, nil
}

func hUpdateAlias(s *Service, r *api.Request, in *aliasInput) (any, error) {
	reg, now := regionOf(r), nowOf(r)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.purgeExpired(reg, now); err != nil {
		return nil, err
	}
	a, _ := s.getAlias(reg, *in.AliasName, now)
	if a == nil {
		return nil, errAliasMissing(s.aliasARN(reg, *in.AliasName))
	}
	k, err := s.resolve(reg, *in.TargetKeyId, now, resolveOpts{})
	if err != nil {
		return nil, err
	}
	if err := k.checkNotPending(); err != nil {
		return nil, err
	}
	na := *a
	na.Target, na.Updated = k.rec.ID, now
	return nil, s.commit(reg, change{putAliases: []*aliasRecord{&na}})
}

type deleteAliasInput struct {
	AliasName *string
}

func tDeleteAlias(s *Service, r *api.Request, in *deleteAliasInput) ([]api.Target, error) {
	if err := checkAliasName(in.AliasName); err != nil {
		return nil, err
	}
	reg := regionOf(r)
	_, k := s.getAlias(reg, *in.AliasName, nowOf(r))
	if k == nil {
		return nil, errAliasMissing(s.aliasARN(reg, *in.AliasName))
	}
	return []api.Target{s.aliasTarget(r, "kms:DeleteAlias", *in.AliasName), s.keyTarget(r, "kms:DeleteAlias", k)}, nil
}

func hDeleteAlias(s *Service, r *api.Request, in *deleteAliasInput) (any, error) {
	reg, now := regionOf(r), nowOf(r)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.purgeExpired(reg, now); err != nil {
		return nil, err
	}
	if a, _ := s.getAlias(reg, *in.AliasName, now); a == nil {
		return nil, errAliasMissing(s.aliasARN(reg, *in.AliasName))
	}
	return nil, s.commit(reg, change{delAliases: []string{*in.AliasName}})
}

type aliasListEntry struct {
	AliasArn        string    `json:"AliasArn"`
	AliasName       string    `json:"AliasName"`
	CreationDate    api.Epoch `json:"CreationDate"`
	LastUpdatedDate api.Epoch `json:"LastUpdatedDate"`
	TargetKeyId     string    `json:"TargetKeyId"`
}

type listAliasesOutput struct {
	Aliases    []aliasListEntry `json:"Aliases"`
	NextMarker string           `json:"NextMarker,omitempty"`
	Truncated  bool             `json:"Truncated"`
}

func tListAliases(s *Service, r *api.Request, in *listInput) ([]api.Target, error) {
	if _, err := limitOf(in.Limit, 100, 50); err != nil {
		return nil, err
	}
	if err := checkLen(in.Marker, "marker", 1, 1024); err != nil {
		return nil, err
	}
	if in.KeyId != nil {
		if _, err := s.lookupKey(r, in.KeyId, "keyId", resolveOpts{noAlias: true}); err != nil {
			return nil, err
		}
	}
	return []api.Target{starTarget("kms:ListAliases")}, nil
}

func hListAliases(s *Service, r *api.Request, in *listInput) (any, error) {
	reg, now := regionOf(r), nowOf(r)
	limit, _ := limitOf(in.Limit, 100, 50)
	all := s.liveAliases(reg, now)
	if in.KeyId != nil {
		k, err := s.resolve(reg, *in.KeyId, now, resolveOpts{noAlias: true})
		if err != nil {
			return nil, err
		}
		kept := all[:0]
		for _, a := range all {
			if a.Target == k.rec.ID {
				kept = append(kept, a)
			}
		}
		all = kept
	}
	items, next, more := page(all, func(a *aliasRecord) string { return a.Name }, in.marker(), limit)
	out := listAliasesOutput{Aliases: make([]aliasListEntry, 0, len(items)), NextMarker: next, Truncated: more}
	for _, a := range items {
		out.Aliases = append(out.Aliases, aliasListEntry{
			AliasArn: s.aliasARN(reg, a.Name), AliasName: a.Name, TargetKeyId: a.Target,
			CreationDate: api.Epoch(a.Created), LastUpdatedDate: api.Epoch(a.Updated),
		})
	}
	return out, nil
}
