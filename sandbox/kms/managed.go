package kms

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kmslab/kmslab/policy"
	"github.com/kmslab/kmslab/sandbox/api"
)

// managedKeySpec is what KMS gives the AWS managed key of one AWS service.
type managedKeySpec struct {
	// description is DescribeKey's Description.
	description string
	// policy is the key policy for the account and region.
	policy func(account, region string) []byte
}

// managedKeys lists the services whose AWS managed key the sandbox can create: those it emulates.
var managedKeys = map[string]managedKeySpec{
	// UNCONFIRMED: the Description AWS gives aws/dynamodb (TestUnconfirmed_ManagedKeyDescription).
	"dynamodb": {
		description: "Default key that protects my DynamoDB data when no other key is defined",
		policy:      func(account, region string) []byte { return policy.DynamoDBManagedKeyPolicy(account, region) },
	},
}

// managedAliasPrefix starts the names AWS reserves for its managed keys.
const managedAliasPrefix = "alias/aws/"

// predefinedService returns the service of a predefined AWS alias the sandbox knows
// ("alias/aws/dynamodb" → "dynamodb").
func predefinedService(alias string) (string, bool) {
	svc, ok := strings.CutPrefix(alias, managedAliasPrefix)
	if !ok {
		return "", false
	}
	_, known := managedKeys[svc]
	return svc, known
}

// AWSManagedKey returns the ARN of the AWS managed key aws/<service> in region, creating it
// on first use: one key per account and region, with its alias, made durable together.
// It is idempotent and safe for concurrent use; it needs no permission (AWS services make
// the key for the account; using it is then checked against its key policy).
func (s *Service) AWSManagedKey(_ context.Context, region, service string) (string, error) {
	region = brokerRegion(region)
	spec, ok := managedKeys[service]
	if !ok {
		return "", errNotFound("Alias %s is not found.", s.aliasARN(region, managedAliasPrefix+service))
	}
	alias := managedAliasPrefix + service
	now := s.now()
	if _, k := s.getAlias(region, alias, now); k != nil {
		return k.rec.ARN, nil
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.purgeExpired(region, now); err != nil {
		return "", err
	}
	if _, k := s.getAlias(region, alias, now); k != nil {
		return k.rec.ARN, nil // made while we waited for the lock
	}
	m, err := newMaterial(now)
	if err != nil {
		return "", errInternal()
	}
	id := uuid.NewString()
	next := now.Add(365 * 24 * time.Hour)
	rec := keyRecord{
		ID: id, ARN: s.keyARN(region, id), Account: s.account, Description: spec.description,
		KeySpec: symmetric, KeyUsage: "ENCRYPT_DECRYPT", State: stateEnabled, Created: now,
		Policy: string(spec.policy(s.account, region)), Manager: managerAWS,
		// AWS rotates its managed keys every year; nobody can turn that off.
		Rotation:  rotationRecord{Enabled: true, PeriodDays: 365, Next: &next},
		Materials: []material{m},
	}
	k, err := newKey(rec)
	if err != nil {
		return "", errInternal()
	}
	a := &aliasRecord{Name: alias, Target: id, Created: now, Updated: now}
	if err := s.commit(region, change{putKeys: []*key{k}, putAliases: []*aliasRecord{a}}); err != nil {
		return "", err
	}
	return k.rec.ARN, nil
}

// predefinedAlias reports whether ref names a predefined AWS alias of this account and
// region (by name or alias ARN) whose service the sandbox knows.
func (s *Service) predefinedAlias(r *api.Request, keyID *string) (string, bool) {
	if keyID == nil {
		return "", false
	}
	ref := *keyID
	if rest, ok := strings.CutPrefix(ref, "arn:aws:kms:"+regionOf(r)+":"+s.account+":"); ok {
		ref = rest
	}
	return predefinedService(ref)
}

// predefinedTarget authorizes an action on the AWS managed key of svc before it exists:
// the resource is the alias, governed by the key policy the key will be created with.
func (s *Service) predefinedTarget(r *api.Request, action, svc string) api.Target {
	reg := regionOf(r)
	return api.Target{
		Action:         action,
		Resource:       s.aliasARN(reg, managedAliasPrefix+svc),
		ResourcePolicy: managedKeys[svc].policy(s.account, reg),
		KeyPolicy:      true,
		Context:        map[string][]string{"kms:CallerAccount": {callerAccount(r.Caller, s.account)}},
	}
}
