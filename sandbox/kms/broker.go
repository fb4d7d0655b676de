package kms

import (
	"context"
	"crypto/rand"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/kmslab/kmslab/sandbox/api"
)

// DynamoDB's grant: what it may do with the key on the table's behalf (DDB-DG usage notes).
var dynamoGrantOps = []string{"DescribeKey", "GenerateDataKey", "Decrypt", "Encrypt", "ReEncryptFrom", "ReEncryptTo", "RetireGrant"}

func dynamoPrincipal(region string) string { return "dynamodb." + region + ".amazonaws.com" }

// viaDynamo is the request context of a KMS call DynamoDB makes for the caller.
func (s *Service) viaDynamo(region string, caller api.Principal, encCtx map[string]string) map[string][]string {
	m := make(map[string][]string, 3+len(encCtx))
	m["kms:ViaService"] = []string{dynamoPrincipal(region)}
	m["kms:CallerAccount"] = []string{callerAccount(caller, s.account)}
	for k, v := range encCtx {
		m["kms:EncryptionContext:"+k] = []string{v}
	}
	return m
}

// authorize asks the authorizer as the caller; a denial passes through as the authorizer
// worded it (an *api.Error AccessDeniedException).
func (s *Service) authorize(ctx context.Context, caller api.Principal, t api.Target) error {
	if s.authz == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	err := s.authz.Authorize(ctx, caller, t)
	if err == nil {
		return nil
	}
	var ae *api.Error
	if errors.As(err, &ae) {
		return ae
	}
	return kmsErr("AccessDeniedException", err.Error())
}

func brokerRegion(region string) string {
	if region == "" {
		return "us-east-1"
	}
	return region
}

// CreateTableKey checks the caller may use the key for DynamoDB, records DynamoDB's grant
// and returns a fresh 256-bit table key wrapped under the key, bound to encCtx.
func (s *Service) CreateTableKey(ctx context.Context, caller api.Principal, region, keyRef string, encCtx map[string]string) (string, []byte, error) {
	region = brokerRegion(region)
	now := s.now()
	if keyRef == "" {
		return "", nil, errBadKeyID(keyRef)
	}
	k, err := s.resolve(region, keyRef, now, resolveOpts{})
	if err != nil {
		return "", nil, err
	}
	if k.rec.KeySpec != symmetric || k.rec.KeyUsage != "ENCRYPT_DECRYPT" {
		return "", nil, kmsErr("ValidationException", "EncryptionContext is supported only when creating a grant for a symmetric encryption KMS key.")
	}
	if err := k.checkUsable(); err != nil {
		return "", nil, err
	}
	inEffect := s.policyInEffect(k, now)
	describe := api.Target{Action: "kms:DescribeKey", Resource: k.rec.ARN, ResourcePolicy: inEffect, KeyPolicy: true, Context: s.viaDynamo(region, caller, encCtx)}
	if err := s.authorize(ctx, caller, describe); err != nil {
		return "", nil, err
	}
	grantCtx := s.viaDynamo(region, caller, encCtx)
	grantCtx["kms:GrantIsForAWSResource"] = []string{"true"}
	grantCtx["kms:GrantOperations"] = slices.Clone(dynamoGrantOps)
	grantCtx["kms:GranteePrincipal"] = []string{dynamoPrincipal(region)}
	grant := api.Target{Action: "kms:CreateGrant", Resource: k.rec.ARN, ResourcePolicy: inEffect, KeyPolicy: true, Context: grantCtx}
	if err := s.authorize(ctx, caller, grant); err != nil {
		return "", nil, err
	}
	g := grantRecord{
		Grantee: dynamoPrincipal(region), Retiring: dynamoPrincipal(region),
		Operations: slices.Clone(dynamoGrantOps), CtxSubset: maps.Clone(encCtx),
		Issuer: "arn:aws:iam::" + s.account + ":root", Created: now, ForResource: true,
	}
	nk, err := s.writeKeyAt(region, now, k.rec.ID, resolveOpts{}, func(k *key) error {
		if err := k.checkUsable(); err != nil {
			return err
		}
		_, _, err := k.addGrant(g)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	tableKey := make([]byte, 32)
	if _, err := rand.Read(tableKey); err != nil {
		return "", nil, errInternal()
	}
	wrapped, err := nk.seal(tableKey, encCtx)
	if err != nil {
		return "", nil, errInternal()
	}
	return nk.rec.ARN, wrapped, nil
}

// brokerKey finds the live key named by a key ARN, from memory only.
func (s *Service) brokerKey(region, keyARN string, now time.Time) (*key, error) {
	i := strings.LastIndex(keyARN, ":key/")
	if i < 0 || !strings.HasPrefix(keyARN, "arn:") {
		return nil, errBadKeyID(keyARN)
	}
	if want := "arn:aws:kms:" + region + ":"; !strings.HasPrefix(keyARN, want) {
		if parts := strings.SplitN(keyARN, ":", 5); len(parts) == 5 && parts[3] != region {
			return nil, errNotFound("Invalid arn %s", parts[3])
		}
		return nil, errKeyMissing(keyARN)
	}
	k := s.getKey(region, keyARN[i+len(":key/"):], now)
	if k == nil || k.rec.ARN != keyARN {
		return nil, errKeyMissing(keyARN)
	}
	return k, nil
}

// OpenTableKey unwraps a table key as the caller (kms:Decrypt via DynamoDB). It runs on every
// DynamoDB data-plane call, so it reads only the in-memory key.
func (s *Service) OpenTableKey(ctx context.Context, caller api.Principal, region, keyARN string, wrapped []byte, encCtx map[string]string) ([]byte, error) {
	region = brokerRegion(region)
	now := s.now()
	k, err := s.brokerKey(region, keyARN, now)
	if err != nil {
		return nil, err
	}
	if err := k.checkUsable(); err != nil {
		return nil, err
	}
	t := api.Target{Action: "kms:Decrypt", Resource: k.rec.ARN, ResourcePolicy: s.policyInEffect(k, now), KeyPolicy: true, Context: s.viaDynamo(region, caller, encCtx)}
	if err := s.authorize(ctx, caller, t); err != nil {
		return nil, err
	}
	pt, _, err := k.open(wrapped, encCtx)
	return pt, err
}

// ReleaseTableKey retires DynamoDB's grant for the table; a missing key or grant is fine.
func (s *Service) ReleaseTableKey(ctx context.Context, region, keyARN string, encCtx map[string]string) error {
	region = brokerRegion(region)
	now := s.now()
	k, err := s.brokerKey(region, keyARN, now)
	if err != nil {
		return nil
	}
	principal := dynamoPrincipal(region)
	match := func(g grantRecord) bool {
		return g.ForResource && g.Grantee == principal && maps.Equal(g.CtxSubset, encCtx)
	}
	if !slices.ContainsFunc(k.rec.Grants, match) {
		return nil
	}
	_, err = s.writeKeyAt(region, now, k.rec.ID, resolveOpts{}, func(k *key) error {
		k.dropGrant(match)
		return nil
	})
	var ae *api.Error
	if errors.As(err, &ae) && ae.Code == "NotFoundException" {
		return nil
	}
	return err
}
