package kms

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/google/uuid"
	"github.com/kmslab/kmslab/sandbox/api"
)

type createKeyInput struct {
	BypassPolicyLockoutSafetyCheck bool
	CustomKeyStoreId               *string
	CustomerMasterKeySpec          *string
	Description                    *string
	KeySpec                        *string
	KeyUsage                       *string
	MultiRegion                    *bool
	Origin                         *string
	Policy                         *string
	Tags                           []tagInput
	XksKeyId                       *string
}

func tCreateKey(s *Service, r *api.Request, in *createKeyInput) ([]api.Target, error) {
	for _, c := range []error{
		checkEnum(in.KeySpec, "keySpec", keySpecs),
		checkEnum(in.CustomerMasterKeySpec, "customerMasterKeySpec", keySpecs),
		checkEnum(in.KeyUsage, "keyUsage", keyUsages),
		checkEnum(in.Origin, "origin", origins),
		checkLen(in.Description, "description", 0, 8192),
		checkLen(in.Policy, "policy", 1, 131072),
		checkTags(in.Tags),
	} {
		if c != nil {
			return nil, c
		}
	}
	if in.KeySpec != nil && in.CustomerMasterKeySpec != nil {
		return nil, errValidation("You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.")
	}
	spec := "SYMMETRIC_DEFAULT"
	if in.KeySpec != nil {
		spec = *in.KeySpec
	} else if in.CustomerMasterKeySpec != nil {
		spec = *in.CustomerMasterKeySpec
	}
	usage := "ENCRYPT_DECRYPT"
	if in.KeyUsage != nil {
		usage = *in.KeyUsage
	}
	// The sandbox keeps real material only for symmetric encryption keys; other key types
	// are refused rather than faked.
	if spec != "SYMMETRIC_DEFAULT" {
		return nil, errUnsupported("The sandbox supports only KeySpec SYMMETRIC_DEFAULT; " + spec + " keys are not available here.")
	}
	if usage != "ENCRYPT_DECRYPT" {
		return nil, errValidation("KeyUsage %s is not compatible with KeySpec SYMMETRIC_DEFAULT", usage)
	}
	if in.Origin != nil && *in.Origin != "AWS_KMS" {
		return nil, errUnsupported("The sandbox supports only Origin AWS_KMS; " + *in.Origin + " is not available here.")
	}
	if in.MultiRegion != nil && *in.MultiRegion {
		return nil, errUnsupported("The sandbox does not support multi-Region keys.")
	}
	if in.CustomKeyStoreId != nil || in.XksKeyId != nil {
		return nil, errUnsupported("The sandbox does not support custom key stores.")
	}
	ts := []api.Target{starTarget("kms:CreateKey")}
	if len(in.Tags) > 0 {
		// Tagging at creation also needs kms:TagResource in an IAM policy.
		ts = append(ts, starTarget("kms:TagResource"))
	}
	return ts, nil
}

func hCreateKey(s *Service, r *api.Request, in *createKeyInput) (any, error) {
	reg, now := regionOf(r), nowOf(r)
	id := uuid.NewString()
	arn := s.keyARN(reg, id)
	text := defaultPolicy(s.account)
	if in.Policy != nil {
		if err := s.checkPolicy(r.Ctx, r.Caller, arn, *in.Policy, in.BypassPolicyLockoutSafetyCheck); err != nil {
			return nil, err
		}
		text = *in.Policy
	}
	m, err := newMaterial(now)
	if err != nil {
		return nil, errInternal()
	}
	rec := keyRecord{
		ID: id, ARN: arn, Account: s.account,
		KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT",
		State: stateEnabled, Created: now, Policy: text,
		Materials: []material{m},
	}
	if in.Description != nil {
		rec.Description = *in.Description
	}
	if len(in.Tags) > 0 {
		rec.Tags = map[string]string{}
		for _, t := range in.Tags {
			rec.Tags[*t.TagKey] = *t.TagValue
		}
	}
	k, err := newKey(rec)
	if err != nil {
		return nil, errInternal()
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if in.Policy != nil {
		if err := s.recheckPrincipals(text); err != nil {
			return nil, err
		}
	}
	if err := s.purgeExpired(reg, now); err != nil {
		return nil, err
	}
	if err := s.commit(reg, change{putKeys: []*key{k}}); err != nil {
		return nil, err
	}
	return keyMetadataOutput{KeyMetadata: k.metadata()}, nil
}

// newMaterial makes a fresh 256-bit backing key and its public id.
func newMaterial(now time.Time) (material, error) {
	secret := make([]byte, 32)
	idb := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return material{}, err
	}
	if _, err := rand.Read(idb); err != nil {
		return material{}, err
	}
	return material{ID: hex.EncodeToString(idb), Secret: secret, Created: now}, nil
}

type keyIDInput struct {
	KeyId       *string
	GrantTokens []string
}

func tDescribeKey(s *Service, r *api.Request, in *keyIDInput) ([]api.Target, error) {
	k, err := s.lookupKey(r, in.KeyId, "keyId", resolveOpts{})
	if err != nil {
		if svc, ok := s.predefinedAlias(r, in.KeyId); ok {
			// The AWS managed key does not exist yet; Handle creates it. Authorize against
			// the key policy it will have.
			return []api.Target{s.predefinedTarget(r, "kms:DescribeKey", svc)}, nil
		}
		return nil, err
	}
	return []api.Target{s.keyTarget(r, "kms:DescribeKey", k)}, nil
}

// hDescribeKey describes a key. Given a predefined AWS alias with no key yet
// (alias/aws/dynamodb), it creates the AWS managed key first, as the DescribeKey doc says.
func hDescribeKey(s *Service, r *api.Request, in *keyIDInput) (any, error) {
	k, err := s.resolve(regionOf(r), *in.KeyId, nowOf(r), resolveOpts{})
	if err != nil {
		svc, ok := s.predefinedAlias(r, in.KeyId)
		if !ok {
			return nil, err
		}
		if _, err := s.AWSManagedKey(r.Ctx, regionOf(r), svc); err != nil {
			return nil, err
		}
		if k, err = s.resolve(regionOf(r), *in.KeyId, nowOf(r), resolveOpts{}); err != nil {
			return nil, err
		}
	}
	return keyMetadataOutput{KeyMetadata: k.metadata()}, nil
}

type listInput struct {
	KeyId  *string
	Limit  *int64
	Marker *string
}

func (in *listInput) marker() string {
	if in.Marker == nil {
		return ""
	}
	return *in.Marker
}

type keyListEntry struct {
	KeyArn string `json:"KeyArn"`
	KeyId  string `json:"KeyId"`
}

type listKeysOutput struct {
	Keys       []keyListEntry `json:"Keys"`
	NextMarker string         `json:"NextMarker,omitempty"`
	Truncated  bool           `json:"Truncated"`
}

func tListKeys(s *Service, r *api.Request, in *listInput) ([]api.Target, error) {
	if _, err := limitOf(in.Limit, 1000, 100); err != nil {
		return nil, err
	}
	if err := checkLen(in.Marker, "marker", 1, 1024); err != nil {
		return nil, err
	}
	return []api.Target{starTarget("kms:ListKeys")}, nil
}

func hListKeys(s *Service, r *api.Request, in *listInput) (any, error) {
	limit, _ := limitOf(in.Limit, 1000, 100)
	keys, next, more := page(s.liveKeys(regionOf(r), nowOf(r)), func(k *key) string { return k.rec.ID }, in.marker(), limit)
	out := listKeysOutput{Keys: make([]keyListEntry, 0, len(keys)), NextMarker: next, Truncated: more}
	for _, k := range keys {
		out.Keys = append(out.Keys, keyListEntry{KeyArn: k.rec.ARN, KeyId: k.rec.ID})
	}
	return out, nil
}

// stateOp is the shape of EnableKey, DisableKey, EnableKeyRotation…: a key, one action.
func stateTargets(action string) func(*Service, *api.Request, *keyIDInput) ([]api.Target, error) {
	return func(s *Service, r *api.Request, in *keyIDInput) ([]api.Target, error) {
		k, err := s.lookupKey(r, in.KeyId, "keyId", resolveOpts{})
		if err != nil {
			return nil, err
		}
		return []api.Target{s.keyTarget(r, action, k)}, nil
	}
}

var (
	tEnableKey         = stateTargets("kms:EnableKey")
	tDisableKey        = stateTargets("kms:DisableKey")
	tCancelKeyDeletion = stateTargets("kms:CancelKeyDeletion")
)

func hEnableKey(s *Service, r *api.Request, in *keyIDInput) (any, error) {
	_, err := s.writeKey(r, *in.KeyId, resolveOpts{}, func(k *key) error {
		if err := k.checkNotPending(); err != nil {
			return err
		}
		k.rec.State = stateEnabled
		return nil
	})
	return nil, err
}

func hDisableKey(s *Service, r *api.Request, in *keyIDInput) (any, error) {
	_, err := s.writeKey(r, *in.KeyId, resolveOpts{}, func(k *key) error {
		if err := k.checkNotPending(); err != nil {
			return err
		}
		k.rec.State = stateDisabled
		return nil
	})
	return nil, err
}

type scheduleInput struct {
	KeyId               *string
	PendingWindowInDays *int64
}

type scheduleOutput struct {
	DeletionDate        api.Epoch `json:"DeletionDate"`
	KeyId               string    `json:"KeyId"`
	KeyState            string    `json:"KeyState"`
	PendingWindowInDays int32     `json:"PendingWindowInDays"`
}

func tScheduleKeyDeletion(s *Service, r *api.Request, in *scheduleInput) ([]api.Target, error) {
	if d := in.PendingWindowInDays; d != nil && (*d < 7 || *d > 30) {
		return nil, errValidation("PendingWindowInDays must be between 7 and 30")
	}
	k, err := s.lookupKey(r, in.KeyId, "keyId", resolveOpts{})
	if err != nil {
		return nil, err
	}
	return []api.Target{s.keyTarget(r, "kms:ScheduleKeyDeletion", k)}, nil
}

func hScheduleKeyDeletion(s *Service, r *api.Request, in *scheduleInput) (any, error) {
	days := int32(30)
	if in.PendingWindowInDays != nil {
		days = int32(*in.PendingWindowInDays)
	}
	when := nowOf(r).Add(time.Duration(days) * 24 * time.Hour)
	k, err := s.writeKey(r, *in.KeyId, resolveOpts{}, func(k *key) error {
		if err := k.checkNotPending(); err != nil {
			return err
		}
		k.rec.State = statePending
		k.rec.Deletion = &when
		k.rec.PendingDays = days
		return nil
	})
	if err != nil {
		return nil, err
	}
	return scheduleOutput{DeletionDate: api.Epoch(when), KeyId: k.rec.ARN, KeyState: statePending, PendingWindowInDays: days}, nil
}

type cancelOutput struct {
	KeyId string `json:"KeyId"`
}

func hCancelKeyDeletion(s *Service, r *api.Request, in *keyIDInput) (any, error) {
	k, err := s.writeKey(r, *in.KeyId, resolveOpts{}, func(k *key) error {
		if k.rec.State != statePending {
			return errNotPending(k.rec.ARN)
		}
		// AWS leaves a cancelled key Disabled; EnableKey turns it back on.
		k.rec.State = stateDisabled
		k.rec.Deletion = nil
		k.rec.PendingDays = 0
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cancelOutput{KeyId: k.rec.ARN}, nil
}
