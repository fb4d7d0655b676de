package kms

import (
	"crypto/aes"
	"crypto/cipher"
	"maps"
	"slices"
	"time"
)

// Key managers as DescribeKey names them.
const (
	managerCustomer = "CUSTOMER"
	managerAWS      = "AWS"
)

// Key states as AWS names them.
const (
	stateEnabled  = "Enabled"
	stateDisabled = "Disabled"
	statePending  = "PendingDeletion"
)

// keyRecord is what the store keeps for one key. Materials are the key's "HSM" secret:
// they live only in the 0600 data directory.
type keyRecord struct {
	ID          string            `json:"id"`
	ARN         string            `json:"arn"`
	Account     string            `json:"account"`
	Description string            `json:"description"`
	KeySpec     string            `json:"keySpec"`
	KeyUsage    string            `json:"keyUsage"`
	State       string            `json:"state"`
	Created     time.Time         `json:"created"`
	Deletion    *time.Time        `json:"deletion,omitempty"`
	PendingDays int32             `json:"pendingDays,omitempty"`
	Policy      string            `json:"policy"`
	Tags        map[string]string `json:"tags,omitempty"`
	Rotation    rotationRecord    `json:"rotation"`
	Materials   []material        `json:"materials"`
	Grants      []grantRecord     `json:"grants,omitempty"`
	// Manager is "AWS" for an AWS managed key (aws/<service>); empty means CUSTOMER.
	Manager string `json:"manager,omitempty"`
}

type rotationRecord struct {
	Enabled    bool       `json:"enabled"`
	PeriodDays int32      `json:"periodDays,omitempty"`
	Next       *time.Time `json:"next,omitempty"`
	OnDemand   *time.Time `json:"onDemand,omitempty"`
}

// material is one version of the key's backing secret; the last one encrypts.
type material struct {
	ID      string    `json:"id"` // 64 hex digits, reported as KeyMaterialId
	Secret  []byte    `json:"secret"`
	Created time.Time `json:"created"`
}

type grantRecord struct {
	ID          string            `json:"id"`
	Token       string            `json:"token"`
	Name        string            `json:"name,omitempty"`
	Grantee     string            `json:"grantee"`
	Retiring    string            `json:"retiring,omitempty"`
	Operations  []string          `json:"operations"`
	CtxSubset   map[string]string `json:"ctxSubset,omitempty"`
	CtxEquals   map[string]string `json:"ctxEquals,omitempty"`
	Issuer      string            `json:"issuer"`
	Created     time.Time         `json:"created"`
	ForResource bool              `json:"forResource,omitempty"` // made by DynamoDB via KeyBroker
}

type aliasRecord struct {
	Name    string    `json:"name"` // "alias/…"
	Target  string    `json:"target"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// key is a published, immutable in-memory key: readers may keep the pointer after
// unlocking; writers publish a changed copy (see edit).
type key struct {
	rec    keyRecord
	policy []byte        // rec.Policy as bytes, handed to the authorizer
	aeads  []cipher.AEAD // one per material, same index
}

func newKey(rec keyRecord) (*key, error) {
	k := &key{rec: rec, policy: []byte(rec.Policy)}
	for _, m := range rec.Materials {
		a, err := newAEAD(m.Secret)
		if err != nil {
			return nil, err
		}
		k.aeads = append(k.aeads, a)
	}
	return k, nil
}

func newAEAD(secret []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(secret)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// edit returns a deep copy to change and publish; the original stays valid for readers.
func (k *key) edit() *key {
	c := &key{rec: k.rec, aeads: slices.Clone(k.aeads)}
	c.rec.Tags = maps.Clone(k.rec.Tags)
	c.rec.Materials = slices.Clone(k.rec.Materials)
	c.rec.Grants = slices.Clone(k.rec.Grants)
	c.policy = k.policy
	return c
}

// setPolicy replaces the policy text, kept byte for byte as given.
func (k *key) setPolicy(p string) {
	k.rec.Policy = p
	k.policy = []byte(p)
}

// expired reports whether the pending-deletion window has passed: the key is gone.
func (k *key) expired(now time.Time) bool {
	return k.rec.State == statePending && k.rec.Deletion != nil && !now.Before(*k.rec.Deletion)
}

// current is the index of the material that encrypts.
func (k *key) current() int { return len(k.rec.Materials) - 1 }

// checkUsable is the key-state rule for cryptographic operations and grants.
func (k *key) checkUsable() error {
	switch k.rec.State {
	case stateDisabled:
		return errDisabled(k.rec.ARN)
	case statePending:
		return errPending(k.rec.ARN)
	}
	return nil
}

// checkNotPending is the rule for operations that work on a disabled key but not a pending one.
func (k *key) checkNotPending() error {
	if k.rec.State == statePending {
		return errPending(k.rec.ARN)
	}
	return nil
}
