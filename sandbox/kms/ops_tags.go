package kms

import "github.com/kmslab/kmslab/sandbox/api"

type tagResourceInput struct {
	KeyId *string
	Tags  []tagInput
}

func tTagResource(s *Service, r *api.Request, in *tagResourceInput) ([]api.Target, error) {
	if in.Tags == nil {
		return nil, errNull("tags")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	k, err := s.lookupKey(r, in.KeyId, "keyId", resolveOpts{noAlias: true})
	if err != nil {
		return nil, err
	}
	return []api.Target{s.keyTarget(r, "kms:TagResource", k)}, nil
}

func hTagResource(s *Service, r *api.Request, in *tagResourceInput) (any, error) {
	_, err := s.writeKey(r, *in.KeyId, resolveOpts{noAlias: true}, func(k *key) error {
		if err := k.checkNotPending(); err != nil {
			return err
		}
		if k.rec.Tags == nil {
			k.rec.Tags = map[string]string{}
		}
		for _, t := range in.Tags {
			k.rec.Tags[*t.TagKey] = *t.TagValue
		}
		return nil
	})
	return nil, err
}

type untagResourceInput struct {
	KeyId   *string
	TagKeys []string
}

func tUntagResource(s *Service, r *api.Request, in *untagResourceInput) ([]api.Target, error) {
	if in.TagKeys == nil {
		return nil, errNull("tagKeys")
	}
	for _, tk := range in.TagKeys {
		if err := checkLen(&tk, "tagKeys.member", 1, 128); err != nil {
			return nil, err
		}
	}
	k, err := s.lookupKey(r, in.KeyId, "keyId", resolveOpts{noAlias: true})
	if err != nil {
		return nil, err
	}
	return []api.Target{s.keyTarget(r, "kms:UntagResource", k)}, nil
}

func hUntagResource(s *Service, r *api.Request, in *untagResourceInput) (any, error) {
	_, err := s.writeKey(r, *in.KeyId, resolveOpts{noAlias: true}, func(k *key) error {
		if err := k.checkNotPending(); err != nil {
			return err
		}
		for _, tk := range in.TagKeys {
			delete(k.rec.Tags, tk)
		}
		return nil
	})
	return nil, err
}

type listTagsOutput struct {
	NextMarker string `json:"NextMarker,omitempty"`
	Tags       []tag  `json:"Tags"`
	Truncated  bool   `json:"Truncated"`
}

func tListResourceTags(s *Service, r *api.Request, in *listInput) ([]api.Target, error) {
	if _, err := limitOf(in.Limit, 50, 50); err != nil {
		return nil, err
	}
	if err := checkLen(in.Marker, "marker", 1, 1024); err != nil {
		return nil, err
	}
	k, err := s.lookupKey(r, in.KeyId, "keyId", resolveOpts{noAlias: true})
	if err != nil {
		return nil, err
	}
	return []api.Target{s.keyTarget(r, "kms:ListResourceTags", k)}, nil
}

func hListResourceTags(s *Service, r *api.Request, in *listInput) (any, error) {
	k, err := s.resolve(regionOf(r), *in.KeyId, nowOf(r), resolveOpts{noAlias: true})
	if err != nil {
		return nil, err
	}
	limit, _ := limitOf(in.Limit, 50, 50)
	tags, next, more := page(tagList(k.rec.Tags), func(t tag) string { return *t.TagKey }, in.marker(), limit)
	return listTagsOutput{Tags: tags, NextMarker: next, Truncated: more}, nil
}
