// Package policy parses IAM policy documents and evaluates requests against them the way AWS
// does, including KMS's rule that a key policy must allow. It returns the decision and the
// reason, worded as AWS words denials. It is shared by the sandbox and the lab.
package policy

// Effect is the outcome of an evaluation.
type Effect int

const (
	// ImplicitDeny: nothing allowed the request.
	ImplicitDeny Effect = iota
	// Allow: a statement allowed it and none denied it.
	Allow
	// ExplicitDeny: a Deny statement matched.
	ExplicitDeny
)

// Principal is the caller being evaluated.
type Principal struct {
	ARN       string // arn:aws:iam::123456789012:user/alice
	AccountID string
	UserID    string // AIDA…
	UserName  string
}

// Request is one authorization question.
type Request struct {
	Principal Principal
	Action    string // "kms:Decrypt"
	Resource  string // ARN or "*"
	// Context holds request condition keys (kms:ViaService, kms:EncryptionContext:…);
	// Evaluate adds the global ones derived from Principal (aws:PrincipalArn, aws:username,
	// aws:userid, aws:PrincipalAccount, aws:PrincipalType, aws:CurrentTime…). Keys are
	// matched case-insensitively, as AWS does.
	Context map[string][]string
}

// NamedPolicy is an identity policy with the name a reason can cite.
type NamedPolicy struct {
	Name   string // "AmazonDynamoDBFullAccess" or an inline policy name
	Policy *Policy
}

// ResourceKind says how the resource policy combines with identity policies.
type ResourceKind int

const (
	// NoResourcePolicy: only identity policies decide.
	NoResourcePolicy ResourceKind = iota
	// ResourcePolicy: an ordinary resource policy (S3-like): an allow in either suffices.
	ResourcePolicy
	// KeyPolicy: a KMS key policy: it must allow, directly, or through a statement that
	// names the account (root) plus an identity-policy allow.
	KeyPolicy
)

// Input is everything that governs a request.
type Input struct {
	Identity     []NamedPolicy
	Resource     *Policy
	ResourceKind ResourceKind
	// ResourceAccount is the account that owns the resource (the key's account).
	ResourceAccount string
}

// Match records a statement that took part in the decision.
type Match struct {
	Policy string // policy name, or "key policy"
	Sid    string
	Effect string // "Allow" or "Deny"
}

// Decision is the result with everything needed to explain it.
type Decision struct {
	Effect Effect
	// PolicyType is the policy type AWS names in a denial: "identity-based" or
	// "resource-based" (implicit deny), or the type holding the explicit Deny.
	PolicyType string
	// Matched lists the statements that allowed or denied: the Deny statements for an
	// explicit deny; the statements that together allowed for an allow; for an implicit deny,
	// those that matched but were not enough (a key policy's root statement without an IAM
	// allow, or IAM allows that a key policy does not honour).
	Matched []Match
	// Reason is one or two sentences for a student on why, in the tool's own words.
	Reason string
}

// Allowed reports whether the request is allowed.
func (d Decision) Allowed() bool { return d.Effect == Allow }
