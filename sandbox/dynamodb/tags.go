package dynamodb

import (
	"fmt"
	"strings"

	"github.com/kmslab/kmslab/sandbox/api"
)

type tagResourceInput struct {
	ResourceArn string `json:"ResourceArn"`
	Tags        []tag  `json:"Tags"`
}

type untagResourceInput struct {
	ResourceArn string   `json:"ResourceArn"`
	TagKeys     []string `json:"TagKeys"`
}

type listTagsInput struct {
	ResourceArn string `json:"ResourceArn"`
	NextToken   string `json:"NextToken"`
}

func init() {
	register("TagResource", func(_ *Service, _ *api.Request, in *tagResourceInput) error {
		var c constraint
		checkARN(&c, in.ResourceArn)
		if in.Tags == nil {
			c.add(nil, "tags", "Member must not be null")
		}
		checkTags(&c, in.Tags, "tags")
		return c.err()
	}, func(_ *Service, _ *api.Request, in *tagResourceInput) []string { return []string{in.ResourceArn} }, (*Service).tagResource)
	register("UntagResource", func(_ *Service, _ *api.Request, in *untagResourceInput) error {
		var c constraint
		checkARN(&c, in.ResourceArn)
		if in.TagKeys == nil {
			c.add(nil, "tagKeys", "Member must not be null")
		}
		return c.err()
	}, func(_ *Service, _ *api.Request, in *untagResourceInput) []string { return []string{in.ResourceArn} }, (*Service).untagResource)
	register("ListTagsOfResource", func(_ *Service, _ *api.Request, in *listTagsInput) error {
		var c constraint
		checkARN(&c, in.ResourceArn)
		return c.err()
	}, func(_ *Service, _ *api.Request, in *listTagsInput) []string { return []string{in.ResourceArn} }, (*Service).listTags)
}

func checkARN(c *constraint, arn string) {
	switch {
	case arn == "":
		c.add(nil, "resourceArn", "Member must not be null")
	case len(arn) > 1283:
		c.add(arn, "resourceArn", "Member must have length less than or equal to 1283")
	}
}

func checkTags(c *constraint, tags []tag, at string) {
	for i, t := range tags {
		if len(t.Key) < 1 || len(t.Key) > 128 {
			c.add(t.Key, fmt.Sprintf("%s.%d.member.key", at, i+1), "Member must have length less than or equal to 128")
		}
		if len(t.Value) > 256 {
			c.add(t.Value, fmt.Sprintf("%s.%d.member.value", at, i+1), "Member must have length less than or equal to 256")
		}
	}
}

// tableByARN finds the table an ARN names, with DynamoDB's messages.
func (s *Service) tableByARN(r *api.Request, arn string) (*table, error) {
	prefix := fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/", r.Region, s.account)
	if !strings.HasPrefix(arn, "arn:aws:dynamodb:") || !strings.Contains(arn, ":table/") {
		return nil, validation("Invalid TableArn: Invalid ResourceArn provided as input %s", arn)
	}
	if strings.HasPrefix(arn, prefix) {
		if t := s.lookup(r.Region, strings.TrimPrefix(arn, prefix)); t != nil {
			return t, nil
		}
	}
	return nil, notFound("Requested resource not found: ResourcArn: " + arn + " not found")
}

// changeTags applies fn to a copy of the table's tags and writes it through.
func (s *Service) changeTags(r *api.Request, arn string, fn func([]tag) []tag) error {
	t, err := s.tableByARN(r, arn)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.deleted {
		return notFound("Requested resource not found: ResourcArn: " + arn + " not found")
	}
	m := t.meta
	m.Tags = fn(append([]tag(nil), m.Tags...))
	if len(m.Tags) > 50 {
		return validation("One or more parameter values were invalid: The number of tags exceeds the limit of 50")
	}
	if err := s.saveMeta(m); err != nil {
		return err
	}
	t.setMeta(m)
	return nil
}

func (s *Service) tagResource(r *api.Request, in *tagResourceInput) (any, error) {
	return nil, s.changeTags(r, in.ResourceArn, func(tags []tag) []tag {
		for _, nt := range in.Tags {
			replaced := false
			for i := range tags {
				if tags[i].Key == nt.Key {
					tags[i].Value, replaced = nt.Value, true
				}
			}
			if !replaced {
				tags = append(tags, nt)
			}
		}
		return tags
	})
}

func (s *Service) untagResource(r *api.Request, in *untagResourceInput) (any, error) {
	return nil, s.changeTags(r, in.ResourceArn, func(tags []tag) []tag {
		drop := map[string]bool{}
		for _, k := range in.TagKeys {
			drop[k] = true
		}
		kept := tags[:0]
		for _, t := range tags {
			if !drop[t.Key] {
				kept = append(kept, t)
			}
		}
		return kept
	})
}

func (s *Service) listTags(r *api.Request, in *listTagsInput) (any, error) {
	t, err := s.tableByARN(r, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	t.mu.RLock()
	tags := append([]tag{}, t.meta.Tags...)
	t.mu.RUnlock()
	return map[string]any{"Tags": tags}, nil
}
