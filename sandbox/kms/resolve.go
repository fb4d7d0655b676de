package kms

import (
	"strings"
	"time"

	"github.com/google/uuid"
)

func (s *Service) keyARN(regionName, id string) string {
	return "arn:aws:kms:" + regionName + ":" + s.account + ":key/" + id
}

// aliasARN takes the full alias name ("alias/x").
func (s *Service) aliasARN(regionName, name string) string {
	return "arn:aws:kms:" + regionName + ":" + s.account + ":" + name
}

// validKeyID accepts the key id forms KMS issues: a UUID, or mrk- and 32 hex digits.
func validKeyID(id string) bool {
	if rest, ok := strings.CutPrefix(id, "mrk-"); ok {
		if len(rest) != 32 {
			return false
		}
		for _, c := range rest {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
		return true
	}
	if len(id) != 36 {
		return false
	}
	_, err := uuid.Parse(id)
	return err == nil
}

// resolveOpts says which reference forms an operation takes.
type resolveOpts struct {
	noAlias bool // the member takes a key id or key ARN only
}

// resolve finds the live key a reference names: key id, key ARN, alias name or alias ARN.
// Errors carry AWS's NotFoundException texts.
func (s *Service) resolve(regionName, ref string, now time.Time, o resolveOpts) (*key, error) {
	if rest, ok := strings.CutPrefix(ref, "arn:"); ok {
		return s.resolveARN(regionName, ref, rest, now, o)
	}
	if strings.HasPrefix(ref, "alias/") {
		if o.noAlias {
			return nil, errBadKeyID(ref)
		}
		_, k := s.getAlias(regionName, ref, now)
		if k == nil {
			return nil, errAliasMissing(s.aliasARN(regionName, ref))
		}
		return k, nil
	}
	if !validKeyID(ref) {
		return nil, errBadKeyID(ref)
	}
	k := s.getKey(regionName, ref, now)
	if k == nil {
		return nil, errKeyMissing(s.keyARN(regionName, ref))
	}
	return k, nil
}

func (s *Service) resolveARN(regionName, ref, rest string, now time.Time, o resolveOpts) (*key, error) {
	// rest = <partition>:kms:<region>:<account>:<resource>
	parts := strings.SplitN(rest, ":", 5)
	if len(parts) != 5 || parts[1] != "kms" || parts[0] == "" {
		return nil, errBadKeyID(ref)
	}
	if parts[2] != regionName {
		return nil, errNotFound("Invalid arn %s", parts[2])
	}
	res := parts[4]
	switch {
	case strings.HasPrefix(res, "key/"):
		id := res[len("key/"):]
		if !validKeyID(id) {
			return nil, errBadKeyID(ref)
		}
		if parts[3] != s.account {
			return nil, errKeyMissing(ref)
		}
		k := s.getKey(regionName, id, now)
		if k == nil {
			return nil, errKeyMissing(ref)
		}
		return k, nil
	case strings.HasPrefix(res, "alias/") && !o.noAlias:
		if parts[3] != s.account {
			return nil, errAliasMissing(ref)
		}
		_, k := s.getAlias(regionName, res, now)
		if k == nil {
			return nil, errAliasMissing(ref)
		}
		return k, nil
	}
	return nil, errBadKeyID(ref)
}
