package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmslab/kmslab/policy"
)

// Scope says which policies an Explanation walks.
type Scope int

const (
	// ScopeLabKey: the test user's use of the lab's key (the lab's own denial).
	ScopeLabKey Scope = iota
	// ScopeKey: a KMS action on a key of the account: the user's IAM policies and that
	// key's policy.
	ScopeKey
	// ScopeIdentity: no resource policy takes part; the user's IAM policies decide.
	ScopeIdentity
)

// ErrCannotExplain: the denial is not one kmslab can walk (not AWS's wording, or not an
// IAM user of the lab's account).
var ErrCannotExplain = errors.New("kmslab cannot explain this denial")

// ExplainDenial walks the evaluation behind an AccessDenied message over the live policies.
// A KMS action of the test user on the lab's key takes the lab's own path (Explain's);
// any other action, resource or IAM user of the account is evaluated over that user's
// policies, with the key's policy when the resource is a KMS key of the account.
func (l *Lab) ExplainDenial(ctx context.Context, msg string) (*Explanation, error) {
	principal, action, resource, ok := ParseDenial(msg)
	if !ok {
		return nil, fmt.Errorf("%w: the message is not in AWS's \"User: … is not authorized to perform: …\" form", ErrCannotExplain)
	}
	name, err := l.accountUserName(principal)
	if err != nil {
		return nil, err
	}
	resource = l.iamResourceARN(resource)
	ciphertext := resource == "" && strings.Contains(msg, ciphertextMarker)
	viaDynamoDB := strings.Contains(msg, "KMS key access denied error")
	isKMS := serviceOf(action) == "kms"

	// The lab's key matters for a KMS action of the test user, or when the message names
	// only "the resource associated with this ciphertext" (in this lab, the table's).
	var lab *kmstypes.KeyMetadata
	if isKMS && (ciphertext || (isKeyARN(resource) && strings.EqualFold(name, l.User))) {
		if lab, err = l.describeAlias(ctx, explainStep, true); err != nil {
			return nil, err
		}
	}
	keyARN := ""
	switch {
	case isKMS && isKeyARN(resource):
		keyARN = resource
	case ciphertext && lab != nil:
		keyARN = aws.ToString(lab.Arn)
	}
	if lab != nil && strings.EqualFold(name, l.User) && sameKey(keyARN, aws.ToString(lab.Arn)) {
		e, err := l.explainLabKey(ctx, action, viaDynamoDB)
		if e != nil {
			e.Denial, e.DeniedBy = msg, denialPolicyType(msg)
		}
		return e, err
	}

	u, err := l.readUserNamed(ctx, explainStep, true, name)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, errors.Join(ErrNothingToExplain, errors.New("there is no IAM user named "+name+" now"))
	}
	identity, err := l.identityPolicies(ctx, explainStep, u)
	if err != nil {
		return nil, err
	}
	req := policy.Request{
		Principal: policy.Principal{ARN: u.arn, AccountID: l.T.Account, UserID: u.id, UserName: u.name},
		Action:    action,
		Resource:  resource,
	}
	if req.Resource == "" {
		req.Resource = "*"
	}
	if isKMS {
		req.Context = map[string][]string{"kms:CallerAccount": {l.T.Account}}
		if viaDynamoDB {
			req.Context["kms:ViaService"] = []string{"dynamodb." + l.T.Region + ".amazonaws.com"}
		}
	}
	e := &Explanation{Scope: ScopeIdentity, User: u.name, UserARN: u.arn, Action: action, Resource: req.Resource,
		Denial: msg, DeniedBy: denialPolicyType(msg), Enforced: true}
	var kp *policy.Policy
	if keyARN != "" {
		if acct := arnAccount(keyARN); acct != l.T.Account {
			return nil, fmt.Errorf("%w: the key %s belongs to account %s, and kmslab reads key policies of account %s only", ErrCannotExplain, keyARN, acct, l.T.Account)
		}
		doc, err := l.keyPolicy(ctx, explainStep, true, keyARN)
		if err != nil {
			return nil, err
		}
		if kp, err = policy.Parse([]byte(doc)); err != nil {
			return nil, fmt.Errorf("read the key policy of %s: %w", keyARN, err)
		}
		e.Scope, e.KeyARN, e.Resource, req.Resource = ScopeKey, keyARN, keyARN, keyARN
	}
	d := l.evaluateInto(e, req, identity, kp)
	if resource == "" && keyARN == "" {
		// AWS leaves " on resource: …" out when the request names none.
		noRes := req
		noRes.Resource = ""
		e.Message = d.Message(noRes)
	}
	return e, nil
}

// denialToExplain is the last recorded denial when Explain should walk it instead of the
// lab's own: it reads as AWS's wording, it is not the lab's kms:Decrypt denial, and it is
// not older than that denial.
func (l *Lab) denialToExplain() string {
	msg := l.LastDenied()
	p, a, r, ok := ParseDenial(msg)
	if !ok {
		return ""
	}
	if lp, la, lr, ok := ParseDenial(l.noted(NoteDenialMessage)); ok && lp == p && la == a && lr == r {
		return ""
	}
	last, err1 := time.Parse(time.RFC3339Nano, l.noted(NoteLastDeniedAt))
	lab, err2 := time.Parse(time.RFC3339, l.noted(NoteDenialAt))
	if err1 == nil && err2 == nil && last.Before(lab) {
		return ""
	}
	return msg
}

// accountUserName is the name of the IAM user an ARN names, when it is a user of the
// lab's account.
func (l *Lab) accountUserName(principal string) (string, error) {
	parts := strings.SplitN(principal, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" || !strings.HasPrefix(parts[5], "user/") {
		return "", fmt.Errorf("%w: %s is not an IAM user; kmslab reads the policies of IAM users only", ErrCannotExplain, principal)
	}
	if parts[4] != l.T.Account {
		return "", fmt.Errorf("%w: %s is a user of account %s, not of this account (%s)", ErrCannotExplain, principal, parts[4], l.T.Account)
	}
	return parts[5][strings.LastIndex(parts[5], "/")+1:], nil
}

// iamResourceARN turns IAM's "user alice" wording into the ARN policies are matched on.
func (l *Lab) iamResourceARN(res string) string {
	kind, name, ok := strings.Cut(res, " ")
	if !ok || name == "" || strings.Contains(name, " ") {
		return res
	}
	switch kind {
	case "user", "role", "group":
		return l.accountARN(kind, name)
	case "policy":
		return name
	}
	return res
}

func isKeyARN(s string) bool {
	parts := strings.SplitN(s, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && parts[2] == "kms" && strings.HasPrefix(parts[5], "key/")
}

func arnAccount(s string) string {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 {
		return ""
	}
	return parts[4]
}

func sameKey(a, b string) bool {
	return a != "" && b != "" && a[strings.LastIndex(a, "/")+1:] == b[strings.LastIndex(b, "/")+1:] && arnAccount(a) == arnAccount(b)
}

// serviceOf is an action's service prefix, lower-cased: "kms" for "kms:Decrypt".
func serviceOf(action string) string {
	svc, _, _ := strings.Cut(action, ":")
	return strings.ToLower(svc)
}

// serviceNames are the display names of the services a lab student meets.
var serviceNames = map[string]string{"kms": "KMS", "dynamodb": "DynamoDB", "iam": "IAM", "sts": "STS", "s3": "S3", "cloudtrail": "CloudTrail"}

func serviceName(action string) string {
	svc := serviceOf(action)
	if n, ok := serviceNames[svc]; ok {
		return n
	}
	return svc
}
