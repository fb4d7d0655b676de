package sandbox

import (
	"strings"
	"time"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/gateway"
	"github.com/kmslab/kmslab/sandbox/iam"
)

// youngKeys hides access keys younger than delay from authentication, as AWS does for
// the first seconds of a new key: the gateway then answers UnrecognizedClientException
// (JSON) or InvalidClientTokenId (Query), exactly as for a key that does not exist.
type youngKeys struct {
	*iam.Service
	delay  time.Duration
	exempt string // the admin's bootstrap key: the sandbox hands it out ready to use
	now    func() time.Time
}

var _ gateway.Identities = (*youngKeys)(nil)

func (y *youngKeys) Authenticate(accessKeyID string) (string, api.Principal, bool, bool) {
	secret, p, active, found := y.Service.Authenticate(accessKeyID)
	if found && accessKeyID != y.exempt {
		if created, ok := y.KeyCreated(accessKeyID); ok && y.now().Sub(created) < y.delay {
			return "", api.Principal{}, false, false
		}
	}
	return secret, p, active, found
}

// youngUsers makes users younger than delay invisible to KMS, which then refuses a key
// policy naming them (MalformedPolicyDocumentException, invalid principals).
type youngUsers struct {
	iam   *iam.Service
	delay time.Duration
	// exempt is the bootstrap admin's ARN: on AWS the student's own identity is long known.
	exempt string
	now    func() time.Time
}

var _ api.Directory = (*youngUsers)(nil)

func (y *youngUsers) PrincipalExists(principal string) bool {
	if !y.iam.PrincipalExists(principal) {
		return false
	}
	if strings.EqualFold(principal, y.exempt) {
		return true
	}
	created, ok := y.iam.UserCreated(principal)
	return !ok || y.now().Sub(created) >= y.delay
}
