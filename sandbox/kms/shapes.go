package kms

import (
	"maps"
	"slices"

	"github.com/kmslab/kmslab/sandbox/api"
)

// Wire shapes, with AWS's member names.

type keyMetadata struct {
	AWSAccountId                string     `json:"AWSAccountId"`
	Arn                         string     `json:"Arn"`
	CreationDate                api.Epoch  `json:"CreationDate"`
	CurrentKeyMaterialId        string     `json:"CurrentKeyMaterialId,omitempty"`
	CustomerMasterKeySpec       string     `json:"CustomerMasterKeySpec"`
	DeletionDate                *api.Epoch `json:"DeletionDate,omitempty"`
	Description                 string     `json:"Description"`
	Enabled                     bool       `json:"Enabled"`
	EncryptionAlgorithms        []string   `json:"EncryptionAlgorithms"`
	KeyId                       string     `json:"KeyId"`
	KeyManager                  string     `json:"KeyManager"`
	KeySpec                     string     `json:"KeySpec"`
	KeyState                    string     `json:"KeyState"`
	KeyUsage                    string     `json:"KeyUsage"`
	MultiRegion                 bool       `json:"MultiRegion"`
	Origin                      string     `json:"Origin"`
	PendingDeletionWindowInDays *int32     `json:"PendingDeletionWindowInDays,omitempty"`
}

func (k *key) metadata() keyMetadata {
	m := keyMetadata{
		AWSAccountId:          k.rec.Account,
		Arn:                   k.rec.ARN,
		CreationDate:          api.Epoch(k.rec.Created),
		CustomerMasterKeySpec: k.rec.KeySpec,
		Description:           k.rec.Description,
		Enabled:               k.rec.State == stateEnabled,
		EncryptionAlgorithms:  []string{"SYMMETRIC_DEFAULT"},
		KeyId:                 k.rec.ID,
		KeyManager:            managerCustomer,
		KeySpec:               k.rec.KeySpec,
		KeyState:              k.rec.State,
		KeyUsage:              k.rec.KeyUsage,
		Origin:                "AWS_KMS",
	}
	if k.rec.Manager != "" {
		m.KeyManager = k.rec.Manager
	}
	if n := len(k.rec.Materials); n > 0 {
		m.CurrentKeyMaterialId = k.rec.Materials[n-1].ID
	}
	if k.rec.State == statePending && k.rec.Deletion != nil {
		m.DeletionDate = api.EpochPtr(*k.rec.Deletion)
		d := k.rec.PendingDays
		m.PendingDeletionWindowInDays = &d
	}
	return m
}

type keyMetadataOutput struct {
	KeyMetadata keyMetadata `json:"KeyMetadata"`
}

type tag struct {
	TagKey   *string `json:"TagKey"`
	TagValue *string `json:"TagValue"`
}

func tagList(m map[string]string) []tag {
	out := make([]tag, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		kk, v := k, m[k]
		out = append(out, tag{TagKey: &kk, TagValue: &v})
	}
	return out
}

type grantConstraints struct {
	EncryptionContextEquals map[string]string `json:"EncryptionContextEquals,omitempty"`
	EncryptionContextSubset map[string]string `json:"EncryptionContextSubset,omitempty"`
}

type grantListEntry struct {
	Constraints       *grantConstraints `json:"Constraints,omitempty"`
	CreationDate      api.Epoch         `json:"CreationDate"`
	GrantId           string            `json:"GrantId"`
	GranteePrincipal  string            `json:"GranteePrincipal"`
	IssuingAccount    string            `json:"IssuingAccount"`
	KeyId             string            `json:"KeyId"`
	Name              string            `json:"Name,omitempty"`
	Operations        []string          `json:"Operations"`
	RetiringPrincipal string            `json:"RetiringPrincipal,omitempty"`
}

func grantEntry(k *key, g grantRecord) grantListEntry {
	e := grantListEntry{
		CreationDate:      api.Epoch(g.Created),
		GrantId:           g.ID,
		GranteePrincipal:  g.Grantee,
		IssuingAccount:    g.Issuer,
		KeyId:             k.rec.ARN,
		Name:              g.Name,
		Operations:        g.Operations,
		RetiringPrincipal: g.Retiring,
	}
	if len(g.CtxSubset) > 0 || len(g.CtxEquals) > 0 {
		e.Constraints = &grantConstraints{EncryptionContextEquals: g.CtxEquals, EncryptionContextSubset: g.CtxSubset}
	}
	return e
}

// page cuts one page from items sorted by id: it starts at marker (an id this service
// handed out) and returns the id of the next item as NextMarker.
func page[T any](items []T, id func(T) string, marker string, limit int) (out []T, next string, truncated bool) {
	start := 0
	if marker != "" {
		start = len(items)
		for i, it := range items {
			if id(it) >= marker {
				start = i
				break
			}
		}
	}
	end := min(start+limit, len(items))
	if end < len(items) {
		return items[start:end], id(items[end]), true
	}
	return items[start:end], "", false
}

// limitOf validates an optional Limit member.
func limitOf(l *int64, max, def int) (int, error) {
	if l == nil {
		return def, nil
	}
	if *l < 1 {
		return 0, errConstraint(*l, "limit", "Member must have value greater than or equal to 1")
	}
	if *l > int64(max) {
		return 0, errConstraint(*l, "limit", "Member must have value less than or equal to "+itoa(max))
	}
	return int(*l), nil
}
