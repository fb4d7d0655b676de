package steps

import (
	"strings"
	"time"
)

// Note keys for the most recent access denial any call of the lab met (not only the
// lab's own kms:Decrypt denial).
const (
	NoteLastDeniedMessage = "lastDenied.message"
	NoteLastDeniedAt      = "lastDenied.at"
)

// isDenial says whether an AWS error is an authorization failure worth explaining.
func isDenial(code, msg string) bool {
	return code == "AccessDeniedException" || code == "AccessDenied" || strings.Contains(msg, "is not authorized to perform")
}

// recordDenial keeps msg as the last denial seen. AWS's denial text names ARNs and
// actions, never credentials.
func (l *Lab) recordDenial(msg string) {
	l.mu.Lock()
	l.lastDenied = msg
	l.mu.Unlock()
	l.note(NoteLastDeniedMessage, msg)
	l.note(NoteLastDeniedAt, l.opts.Now().UTC().Format(time.RFC3339Nano))
}

// LastDenied is the message of the most recent access denial the lab met, in this
// process or (through Options.Notes) an earlier one; "" when none.
func (l *Lab) LastDenied() string {
	l.mu.Lock()
	msg := l.lastDenied
	l.mu.Unlock()
	if msg == "" {
		msg = l.noted(NoteLastDeniedMessage)
	}
	return msg
}

// Markers in AWS's denial wording.
const (
	userMarker       = "User: "
	authorizedMarker = " is not authorized to perform: "
	onResourceMarker = " on resource: "
	ciphertextMarker = " on the resource associated with this ciphertext"
	explicitMarker   = " with an explicit deny in "
	becauseMarker    = " because "
	serviceSuffix    = " (Service: "
)

// ParseDenial reads AWS's denial wording: "User: <arn> is not authorized to perform:
// <action> [on resource: <res>] because no <type> policy allows the <action> action" or
// "… with an explicit deny in a(n) <type> policy", also inside DynamoDB's "KMS key access
// denied error: com.amazonaws…AWSKMSException: …" wrapper or an SDK's "api error …:"
// prefix. resource is "" when the message names none (or only "the resource associated
// with this ciphertext"); IAM's "user <name>" form is returned as written.
func ParseDenial(msg string) (principalARN, action, resource string, ok bool) {
	i := strings.Index(msg, userMarker)
	if i < 0 {
		return "", "", "", false
	}
	rest := msg[i+len(userMarker):]
	j := strings.Index(rest, authorizedMarker)
	if j <= 0 {
		return "", "", "", false
	}
	principalARN = strings.TrimSpace(rest[:j])
	rest = rest[j+len(authorizedMarker):]
	end := strings.IndexAny(rest, " \n")
	if end < 0 {
		end = len(rest)
	}
	action = strings.TrimRight(rest[:end], ".,;")
	rest = rest[end:]
	if !strings.HasPrefix(principalARN, "arn:") || strings.ContainsAny(principalARN, " \t\n") ||
		!strings.Contains(action, ":") || strings.HasPrefix(action, ":") || strings.HasSuffix(action, ":") {
		return "", "", "", false
	}
	if strings.HasPrefix(rest, onResourceMarker) {
		rest = rest[len(onResourceMarker):]
		stop := len(rest)
		for _, m := range []string{becauseMarker, explicitMarker, serviceSuffix, "\n"} {
			if k := strings.Index(rest, m); k >= 0 && k < stop {
				stop = k
			}
		}
		resource = strings.TrimRight(strings.TrimSpace(rest[:stop]), ".")
	}
	return principalARN, action, resource, true
}

// denialPolicyType is the kind of policy AWS names in a denial, as it writes it
// ("identity-based policy", "service control policy", "permissions boundary"…); "" when
// it names none.
func denialPolicyType(msg string) string {
	var t string
	if k := strings.Index(msg, explicitMarker); k >= 0 {
		t = msg[k+len(explicitMarker):]
		t = strings.TrimPrefix(strings.TrimPrefix(t, "an "), "a ")
	} else if k := strings.Index(msg, becauseMarker+"no "); k >= 0 {
		t = msg[k+len(becauseMarker+"no "):]
		if e := strings.Index(t, " allows"); e >= 0 {
			t = t[:e]
		}
	}
	for _, stop := range []string{serviceSuffix, "\n", ". "} {
		if e := strings.Index(t, stop); e >= 0 {
			t = t[:e]
		}
	}
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(t), "."))
}
