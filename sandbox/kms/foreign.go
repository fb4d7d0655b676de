package kms

import (
	"strings"
	"time"

	"github.com/kmslab/kmslab/sandbox/api"
)

// SetOtherAccounts tells this account about the other accounts served beside it (a
// classroom): exists reports whether a key ARN names a key in one of them. Call it before
// serving. Without it every other account's key is simply not found.
func (s *Service) SetOtherAccounts(exists func(region, keyARN string) bool) { s.others = exists }

// HasKey reports whether keyARN names a key of this account in region.
func (s *Service) HasKey(region, keyARN string) bool {
	now := time.Now()
	if s.clock != nil {
		now = s.clock()
	}
	_, err := s.resolve(region, keyARN, now, resolveOpts{noAlias: true})
	return err == nil
}

// deniedElsewhere is AWS's answer to a key ARN of another account that exists there: no
// key policy of that account lets this caller in (the classroom never shares keys), so the
// call is denied rather than "not found".
func (s *Service) deniedElsewhere(r *api.Request, ref string) error {
	if s.others == nil || !strings.HasPrefix(ref, "arn:") || !strings.Contains(ref, ":key/") {
		return nil
	}
	parts := strings.SplitN(ref, ":", 6)
	if len(parts) != 6 || parts[4] == s.account || !s.others(regionOf(r), ref) {
		return nil
	}
	action := "kms:" + r.Operation
	return kmsErr("AccessDeniedException", "User: "+r.Caller.ARN+" is not authorized to perform: "+action+
		" on resource: "+ref+" because no resource-based policy allows the "+action+" action")
}
