package kms

import (
	"time"

	"github.com/kmslab/kmslab/sandbox/api"
)

type enableRotationInput struct {
	KeyId                *string
	RotationPeriodInDays *int64
}

func tEnableKeyRotation(s *Service, r *api.Request, in *enableRotationInput) ([]api.Target, error) {
	if d := in.RotationPeriodInDays; d != nil {
		if *d < 90 {
			return nil, errConstraint(*d, "rotationPeriodInDays", "Member must have value greater than or equal to 90")
		}
		if *d > 2560 {
			return nil, errConstraint(*d, "rotationPeriodInDays", "Member must have value less than or equal to 2560")
		}
	}
	k, err := s.lookupKey(r, in.KeyId, "keyId", resolveOpts{})
	if err != nil {
		return nil, err
	}
	return []api.Target{s.keyTarget(r, "kms:EnableKeyRotation", k)}, nil
}

func hEnableKeyRotation(s *Service, r *api.Request, in *enableRotationInput) (any, error) {
	days := int32(365)
	if in.RotationPeriodInDays != nil {
		days = int32(*in.RotationPeriodInDays)
	}
	next := nowOf(r).Add(time.Duration(days) * 24 * time.Hour)
	_, err := s.writeKey(r, *in.KeyId, resolveOpts{}, func(k *key) error {
		if err := k.checkUsable(); err != nil {
			return err
		}
		k.rec.Rotation.Enabled = true
		k.rec.Rotation.PeriodDays = days
		k.rec.Rotation.Next = &next
		return nil
	})
	return nil, err
}

var (
	tDisableKeyRotation   = stateTargets("kms:DisableKeyRotation")
	tGetKeyRotationStatus = stateTargets("kms:GetKeyRotationStatus")
	tRotateKeyOnDemand    = stateTargets("kms:RotateKeyOnDemand")
)

func hDisableKeyRotation(s *Service, r *api.Request, in *keyIDInput) (any, error) {
	_, err := s.writeKey(r, *in.KeyId, resolveOpts{}, func(k *key) error {
		if err := k.checkUsable(); err != nil {
			return err
		}
		k.rec.Rotation.Enabled = false
		k.rec.Rotation.Next = nil
		return nil
	})
	return nil, err
}

type rotationStatusOutput struct {
	KeyId                     string     `json:"KeyId"`
	KeyRotationEnabled        bool       `json:"KeyRotationEnabled"`
	NextRotationDate          *api.Epoch `json:"NextRotationDate,omitempty"`
	OnDemandRotationStartDate *api.Epoch `json:"OnDemandRotationStartDate,omitempty"`
	RotationPeriodInDays      *int32     `json:"RotationPeriodInDays,omitempty"`
}

func hGetKeyRotationStatus(s *Service, r *api.Request, in *keyIDInput) (any, error) {
	k, err := s.resolve(regionOf(r), *in.KeyId, nowOf(r), resolveOpts{})
	if err != nil {
		return nil, err
	}
	if err := k.checkNotPending(); err != nil {
		return nil, err
	}
	rot := k.rec.Rotation
	out := rotationStatusOutput{KeyId: k.rec.ARN, KeyRotationEnabled: rot.Enabled}
	if rot.Enabled {
		d := rot.PeriodDays
		out.RotationPeriodInDays = &d
		if rot.Next != nil {
			out.NextRotationDate = api.EpochPtr(*rot.Next)
		}
	}
	if rot.OnDemand != nil {
		out.OnDemandRotationStartDate = api.EpochPtr(*rot.OnDemand)
	}
	return out, nil
}

type rotateOutput struct {
	KeyId string `json:"KeyId"`
}

// hRotateKeyOnDemand adds a new material version; blobs made under older ones still open.
func hRotateKeyOnDemand(s *Service, r *api.Request, in *keyIDInput) (any, error) {
	now := nowOf(r)
	m, err := newMaterial(now)
	if err != nil {
		return nil, errInternal()
	}
	a, err := newAEAD(m.Secret)
	if err != nil {
		return nil, errInternal()
	}
	k, err := s.writeKey(r, *in.KeyId, resolveOpts{}, func(k *key) error {
		if err := k.checkUsable(); err != nil {
			return err
		}
		k.rec.Materials = append(k.rec.Materials, m)
		k.aeads = append(k.aeads, a)
		k.rec.Rotation.OnDemand = &now
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rotateOutput{KeyId: k.rec.ARN}, nil
}
