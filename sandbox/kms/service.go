// Package kms is the sandbox's AWS KMS (awsJson1_1, X-Amz-Target: TrentService.<Op>).
// It keeps symmetric keys with real AES-256-GCM material in the store, evaluates nothing
// itself (the gateway authorizes the Targets it names, against the key policy), and serves
// DynamoDB as an api.KeyBroker.
package kms

import (
	"bytes"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/store"
)

// Service is the KMS service. It is safe for concurrent use.
type Service struct {
	st      *store.Store
	account string
	authz   api.Authorizer
	dir     api.Directory

	// wmu serializes writers so each reads the state it changes; mu guards the maps,
	// held only briefly, so readers (OpenTableKey) never wait for a disk commit.
	wmu     sync.Mutex
	mu      sync.RWMutex
	regions map[string]*region

	ops   map[string]operation
	lag   policyLag        // key-policy propagation (realistic mode); off by default
	clock func() time.Time // nil: time.Now
	// others reports keys of the other accounts of a classroom; nil outside one.
	others func(region, keyARN string) bool
}

var (
	_ api.Service   = (*Service)(nil)
	_ api.KeyBroker = (*Service)(nil)
)

// New loads the KMS state from st. authz is used for the key-policy lockout check and for
// KeyBroker calls made as the caller; dir tells whether principals named in a key policy exist.
func New(st *store.Store, accountID string, authz api.Authorizer, dir api.Directory) (*Service, error) {
	if st == nil {
		return nil, errors.New("kms: nil store")
	}
	if accountID == "" {
		accountID = api.DefaultAccountID
	}
	s := &Service{st: st, account: accountID, authz: authz, dir: dir, regions: map[string]*region{}}
	s.ops = s.operations()
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// Name is the SigV4 signing name.
func (s *Service) Name() string { return "kms" }

// Protocol is awsJson1_1.
func (s *Service) Protocol() api.Protocol { return api.JSON11 }

// operation is one KMS action: targets decodes, validates and names what to authorize;
// handle performs it.
type operation struct {
	targets func(s *Service, r *api.Request) ([]api.Target, error)
	handle  func(s *Service, r *api.Request) (any, error)
}

// define ties an input type to its two halves. Handle reuses the input Targets decoded;
// when called alone it decodes and validates first.
func define[I any](t func(*Service, *api.Request, *I) ([]api.Target, error), h func(*Service, *api.Request, *I) (any, error)) operation {
	return operation{
		targets: func(s *Service, r *api.Request) ([]api.Target, error) {
			in := new(I)
			if err := decode(r.Body, in); err != nil {
				return nil, err
			}
			ts, err := t(s, r, in)
			if err != nil {
				return nil, err
			}
			r.Input = in
			return ts, nil
		},
		handle: func(s *Service, r *api.Request) (any, error) {
			in, ok := r.Input.(*I)
			if !ok {
				in = new(I)
				if err := decode(r.Body, in); err != nil {
					return nil, err
				}
				if _, err := t(s, r, in); err != nil {
					return nil, err
				}
			}
			return h(s, r, in)
		},
	}
}

func decode(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errBadBody()
	}
	return nil
}

// Targets decodes and validates the request and names the key (with its policy) or "*".
func (s *Service) Targets(r *api.Request) ([]api.Target, error) {
	op, ok := s.ops[r.Operation]
	if !ok {
		return nil, api.Unknown("kms", r.Operation)
	}
	return op.targets(s, r)
}

// Handle performs the operation.
func (s *Service) Handle(r *api.Request) (any, error) {
	op, ok := s.ops[r.Operation]
	if !ok {
		return nil, api.Unknown("kms", r.Operation)
	}
	return op.handle(s, r)
}

func (s *Service) operations() map[string]operation {
	return map[string]operation{
		"CreateKey":                       define(tCreateKey, hCreateKey),
		"DescribeKey":                     define(tDescribeKey, hDescribeKey),
		"ListKeys":                        define(tListKeys, hListKeys),
		"EnableKey":                       define(tEnableKey, hEnableKey),
		"DisableKey":                      define(tDisableKey, hDisableKey),
		"ScheduleKeyDeletion":             define(tScheduleKeyDeletion, hScheduleKeyDeletion),
		"CancelKeyDeletion":               define(tCancelKeyDeletion, hCancelKeyDeletion),
		"EnableKeyRotation":               define(tEnableKeyRotation, hEnableKeyRotation),
		"DisableKeyRotation":              define(tDisableKeyRotation, hDisableKeyRotation),
		"GetKeyRotationStatus":            define(tGetKeyRotationStatus, hGetKeyRotationStatus),
		"RotateKeyOnDemand":               define(tRotateKeyOnDemand, hRotateKeyOnDemand),
		"CreateAlias":                     define(tCreateAlias, hCreateAlias),
		"UpdateAlias":                     define(tUpdateAlias, hUpdateAlias),
		"DeleteAlias":                     define(tDeleteAlias, hDeleteAlias),
		"ListAliases":                     define(tListAliases, hListAliases),
		"GetKeyPolicy":                    define(tGetKeyPolicy, hGetKeyPolicy),
		"PutKeyPolicy":                    define(tPutKeyPolicy, hPutKeyPolicy),
		"ListKeyPolicies":                 define(tListKeyPolicies, hListKeyPolicies),
		"Encrypt":                         define(tEncrypt, hEncrypt),
		"Decrypt":                         define(tDecrypt, hDecrypt),
		"ReEncrypt":                       define(tReEncrypt, hReEncrypt),
		"GenerateDataKey":                 define(tGenerateDataKey, hGenerateDataKey),
		"GenerateDataKeyWithoutPlaintext": define(tGenerateDataKeyWithoutPlaintext, hGenerateDataKeyWithoutPlaintext),
		"TagResource":                     define(tTagResource, hTagResource),
		"UntagResource":                   define(tUntagResource, hUntagResource),
		"ListResourceTags":                define(tListResourceTags, hListResourceTags),
		"CreateGrant":                     define(tCreateGrant, hCreateGrant),
		"ListGrants":                      define(tListGrants, hListGrants),
		"RevokeGrant":                     define(tRevokeGrant, hRevokeGrant),
		"RetireGrant":                     define(tRetireGrant, hRetireGrant),
		"ListRetirableGrants":             define(tListRetirableGrants, hListRetirableGrants),
	}
}

// regionOf is the request's region; unit tests may leave it empty.
func regionOf(r *api.Request) string {
	if r.Region == "" {
		return "us-east-1"
	}
	return r.Region
}

func nowOf(r *api.Request) time.Time {
	if r.Now.IsZero() {
		return time.Now().UTC()
	}
	return r.Now.UTC()
}

// keyTarget names a key for authorization: its ARN, governed by its key policy.
func (s *Service) keyTarget(r *api.Request, action string, k *key) api.Target {
	return api.Target{
		Action:         action,
		Resource:       k.rec.ARN,
		ResourcePolicy: s.policyInEffect(k, nowOf(r)),
		KeyPolicy:      true,
		Context:        map[string][]string{"kms:CallerAccount": {callerAccount(r.Caller, s.account)}},
	}
}

// starTarget is an identity-policy-only action (CreateKey, ListKeys, ListAliases).
func starTarget(action string) api.Target { return api.Target{Action: action, Resource: "*"} }

func callerAccount(p api.Principal, fallback string) string {
	if p.AccountID != "" {
		return p.AccountID
	}
	return fallback
}

// lookupKey resolves a required KeyId member for Targets.
func (s *Service) lookupKey(r *api.Request, ref *string, member string, o resolveOpts) (*key, error) {
	if ref == nil {
		return nil, errNull(member)
	}
	if *ref == "" || len(*ref) > 2048 {
		return nil, errConstraint(*ref, member, "Member must have length between 1 and 2048")
	}
	k, err := s.resolve(regionOf(r), *ref, nowOf(r), o)
	if err != nil {
		if denied := s.deniedElsewhere(r, *ref); denied != nil {
			return nil, denied
		}
	}
	return k, err
}

// writeKey runs fn on a fresh copy of the key a write operation names, under the writer
// lock, and commits the result. It re-resolves the key so changes since Targets count.
func (s *Service) writeKey(r *api.Request, ref string, o resolveOpts, fn func(k *key) error) (*key, error) {
	return s.writeKeyAt(regionOf(r), nowOf(r), ref, o, fn)
}

func (s *Service) writeKeyAt(reg string, now time.Time, ref string, o resolveOpts, fn func(k *key) error) (*key, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.purgeExpired(reg, now); err != nil {
		return nil, err
	}
	cur, err := s.resolve(reg, ref, now, o)
	if err != nil {
		return nil, err
	}
	k := cur.edit()
	if err := fn(k); err != nil {
		return nil, err
	}
	if err := s.commit(reg, change{putKeys: []*key{k}}); err != nil {
		return nil, err
	}
	return k, nil
}
