package kms

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"maps"
	"slices"
	"strings"

	"github.com/kmslab/kmslab/sandbox/api"
)

type grantConstraintsInput struct {
	EncryptionContextEquals map[string]string
	EncryptionContextSubset map[string]string
}

type createGrantInput struct {
	KeyId             *string
	GranteePrincipal  *string
	RetiringPrincipal *string
	Operations        []string
	Constraints       *grantConstraintsInput
	Name              *string
	GrantTokens       []string
	DryRun            *bool
}

type createGrantOutput struct {
	GrantId    string `json:"GrantId"`
	GrantToken string `json:"GrantToken"`
}

func tCreateGrant(s *Service, r *api.Request, in *createGrantInput) ([]api.Target, error) {
	if in.GranteePrincipal == nil {
		return nil, errNull("granteePrincipal")
	}
	if len(in.Operations) == 0 {
		return nil, errNull("operations")
	}
	for _, e := range []error{
		checkLen(in.GranteePrincipal, "granteePrincipal", 1, 256),
		checkLen(in.RetiringPrincipal, "retiringPrincipal", 1, 256),
		checkLen(in.Name, "name", 1, 256),
	} {
		if e != nil {
			return nil, e
		}
	}
	if in.Name != nil {
		for _, c := range *in.Name {
			if !aliasCharOK(c) {
				return nil, errConstraint(*in.Name, "name", "Member must satisfy regular expression pattern: "+aliasPattern)
			}
		}
	}
	for _, op := range in.Operations {
		if err := checkEnum(&op, "operations.member", grantOperations); err != nil {
			return nil, err
		}
	}
	if c := in.Constraints; c != nil && len(c.EncryptionContextEquals) > 0 && len(c.EncryptionContextSubset) > 0 {
		return nil, errValidation("Grant constraints may contain EncryptionContextEquals or EncryptionContextSubset, not both.")
	}
	k, err := s.lookupKey(r, in.KeyId, "keyId", resolveOpts{noAlias: true})
	if err != nil {
		return nil, err
	}
	t := s.keyTarget(r, "kms:CreateGrant", k)
	t.Context["kms:GrantOperations"] = slices.Clone(in.Operations)
	t.Context["kms:GranteePrincipal"] = []string{*in.GranteePrincipal}
	if in.RetiringPrincipal != nil {
		t.Context["kms:RetiringPrincipal"] = []string{*in.RetiringPrincipal}
	}
	return []api.Target{t}, nil
}

func hCreateGrant(s *Service, r *api.Request, in *createGrantInput) (any, error) {
	g := grantRecord{
		Grantee:    *in.GranteePrincipal,
		Operations: slices.Clone(in.Operations),
		Issuer:     "arn:aws:iam::" + s.account + ":root",
		Created:    nowOf(r),
	}
	if in.RetiringPrincipal != nil {
		g.Retiring = *in.RetiringPrincipal
	}
	if in.Name != nil {
		g.Name = *in.Name
	}
	if c := in.Constraints; c != nil {
		g.CtxEquals, g.CtxSubset = maps.Clone(c.EncryptionContextEquals), maps.Clone(c.EncryptionContextSubset)
	}
	var id, token string
	_, err := s.writeKey(r, *in.KeyId, resolveOpts{noAlias: true}, func(k *key) error {
		if err := k.checkUsable(); err != nil {
			return err
		}
		if isTrue(in.DryRun) {
			return errDryRun()
		}
		var err error
		id, token, err = k.addGrant(g)
		return err
	})
	if err != nil {
		return nil, err
	}
	return createGrantOutput{GrantId: id, GrantToken: token}, nil
}

// addGrant records g on the key and returns its id and token. A named grant that repeats
// an existing one returns the existing grant, as KMS does for retries.
func (k *key) addGrant(g grantRecord) (id, token string, err error) {
	if g.Name != "" {
		for _, old := range k.rec.Grants {
			if old.Name == g.Name && sameGrant(old, g) {
				return old.ID, old.Token, nil
			}
		}
	}
	idb := make([]byte, 32)
	tok := make([]byte, 48)
	if _, err := rand.Read(idb); err != nil {
		return "", "", errInternal()
	}
	if _, err := rand.Read(tok); err != nil {
		return "", "", errInternal()
	}
	g.ID = hex.EncodeToString(idb)
	g.Token = base64.RawURLEncoding.EncodeToString(tok)
	k.rec.Grants = append(k.rec.Grants, g)
	return g.ID, g.Token, nil
}

func sameGrant(a, b grantRecord) bool {
	return a.Grantee == b.Grantee && a.Retiring == b.Retiring && slices.Equal(a.Operations, b.Operations) &&
		maps.Equal(a.CtxEquals, b.CtxEquals) && maps.Equal(a.CtxSubset, b.CtxSubset)
}

type listGrantsInput struct {
	KeyId            *string
	GrantId          *string
	GranteePrincipal *string
	Limit            *int64
	Marker           *string
}

type listGrantsOutput struct {
	Grants     []grantListEntry `json:"Grants"`
	NextMarker string           `json:"NextMarker,omitempty"`
	Truncated  bool             `json:"Truncated"`
}

func tListGrants(s *Service, r *api.Request, in *listGrantsInput) ([]api.Target, error) {
	if _, err := limitOf(in.Limit, 100, 50); err != nil {
		return nil, err
	}
	k, err := s.lookupKey(r, in.KeyId, "keyId", resolveOpts{noAlias: true})
	if err != nil {
		return nil, err
	}
	return []api.Target{s.keyTarget(r, "kms:ListGrants", k)}, nil
}

func hListGrants(s *Service, r *api.Request, in *listGrantsInput) (any, error) {
	k, err := s.resolve(regionOf(r), *in.KeyId, nowOf(r), resolveOpts{noAlias: true})
	if err != nil {
		return nil, err
	}
	var items []grantListEntry
	for _, g := range k.rec.Grants {
		if in.GrantId != nil && g.ID != *in.GrantId || in.GranteePrincipal != nil && g.Grantee != *in.GranteePrincipal {
			continue
		}
		items = append(items, grantEntry(k, g))
	}
	return grantPage(items, in.Limit, in.Marker), nil
}

func grantPage(items []grantListEntry, l *int64, m *string) listGrantsOutput {
	slices.SortFunc(items, func(a, b grantListEntry) int { return strings.Compare(a.GrantId, b.GrantId) })
	limit, _ := limitOf(l, 100, 50)
	marker := ""
	if m != nil {
		marker = *m
	}
	out, next, more := page(items, func(e grantListEntry) string { return e.GrantId }, marker, limit)
	if out == nil {
		out = []grantListEntry{}
	}
	return listGrantsOutput{Grants: out, NextMarker: next, Truncated: more}
}

type grantIDInput struct {
	KeyId      *string
	GrantId    *string
	GrantToken *string
	DryRun     *bool
}

func errGrantMissing(id string) error { return errNotFound("Grant ID %s not found", id) }

func tRevokeGrant(s *Service, r *api.Request, in *grantIDInput) ([]api.Target, error) {
	if in.GrantId == nil {
		return nil, errNull("grantId")
	}
	if err := checkLen(in.GrantId, "grantId", 1, 128); err != nil {
		return nil, err
	}
	k, err := s.lookupKey(r, in.KeyId, "keyId", resolveOpts{noAlias: true})
	if err != nil {
		return nil, err
	}
	return []api.Target{s.keyTarget(r, "kms:RevokeGrant", k)}, nil
}

func hRevokeGrant(s *Service, r *api.Request, in *grantIDInput) (any, error) {
	_, err := s.writeKey(r, *in.KeyId, resolveOpts{noAlias: true}, func(k *key) error {
		if !k.dropGrant(func(g grantRecord) bool { return g.ID == *in.GrantId }) {
			return errGrantMissing(*in.GrantId)
		}
		if isTrue(in.DryRun) {
			return errDryRun()
		}
		return nil
	})
	return nil, err
}

// dropGrant removes the grants that match and reports whether any did.
func (k *key) dropGrant(match func(grantRecord) bool) bool {
	n := len(k.rec.Grants)
	k.rec.Grants = slices.DeleteFunc(k.rec.Grants, match)
	return len(k.rec.Grants) != n
}

// findGrant locates a grant for RetireGrant: by token, or by key and grant id.
func (s *Service) findGrant(r *api.Request, in *grantIDInput) (*key, grantRecord, error) {
	if in.GrantToken != nil {
		if err := checkLen(in.GrantToken, "grantToken", 1, 8192); err != nil {
			return nil, grantRecord{}, err
		}
		for _, k := range s.liveKeys(regionOf(r), nowOf(r)) {
			for _, g := range k.rec.Grants {
				if g.Token == *in.GrantToken {
					return k, g, nil
				}
			}
		}
		return nil, grantRecord{}, kmsErr("InvalidGrantTokenException", "The grant token is not valid.")
	}
	if in.KeyId == nil || in.GrantId == nil {
		return nil, grantRecord{}, errValidation("Specify either GrantToken, or both KeyId and GrantId.")
	}
	k, err := s.lookupKey(r, in.KeyId, "keyId", resolveOpts{noAlias: true})
	if err != nil {
		return nil, grantRecord{}, err
	}
	for _, g := range k.rec.Grants {
		if g.ID == *in.GrantId {
			return k, g, nil
		}
	}
	return nil, grantRecord{}, errGrantMissing(*in.GrantId)
}

func tRetireGrant(s *Service, r *api.Request, in *grantIDInput) ([]api.Target, error) {
	k, g, err := s.findGrant(r, in)
	if err != nil {
		return nil, err
	}
	// The grant itself lets its retiring (or grantee) principal retire it.
	if r.Caller.ARN != "" && (r.Caller.ARN == g.Retiring || r.Caller.ARN == g.Grantee) {
		return []api.Target{}, nil
	}
	return []api.Target{s.keyTarget(r, "kms:RetireGrant", k)}, nil
}

func hRetireGrant(s *Service, r *api.Request, in *grantIDInput) (any, error) {
	k, g, err := s.findGrant(r, in)
	if err != nil {
		return nil, err
	}
	_, err = s.writeKey(r, k.rec.ID, resolveOpts{}, func(k *key) error {
		if !k.dropGrant(func(x grantRecord) bool { return x.ID == g.ID }) {
			return errGrantMissing(g.ID)
		}
		if isTrue(in.DryRun) {
			return errDryRun()
		}
		return nil
	})
	return nil, err
}

type listRetirableInput struct {
	RetiringPrincipal *string
	Limit             *int64
	Marker            *string
}

func tListRetirableGrants(s *Service, r *api.Request, in *listRetirableInput) ([]api.Target, error) {
	if in.RetiringPrincipal == nil {
		return nil, errNull("retiringPrincipal")
	}
	if err := checkLen(in.RetiringPrincipal, "retiringPrincipal", 1, 256); err != nil {
		return nil, err
	}
	if _, err := limitOf(in.Limit, 100, 50); err != nil {
		return nil, err
	}
	return []api.Target{starTarget("kms:ListRetirableGrants")}, nil
}

func hListRetirableGrants(s *Service, r *api.Request, in *listRetirableInput) (any, error) {
	var items []grantListEntry
	for _, k := range s.liveKeys(regionOf(r), nowOf(r)) {
		for _, g := range k.rec.Grants {
			if g.Retiring == *in.RetiringPrincipal {
				items = append(items, grantEntry(k, g))
			}
		}
	}
	return grantPage(items, in.Limit, in.Marker), nil
}
