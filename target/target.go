// Package target connects the lab to where it runs: the embedded sandbox, LocalStack (or
// another AWS-compatible emulator) or real AWS. It hands the lab an aws.Config for the
// student (the "admin") and builds configs for other credentials (the test user), and it
// says what the target can show: an emulator that does not evaluate key policies cannot
// demonstrate the lab's denial.
package target

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Kind is what sort of endpoint the lab talks to.
type Kind string

const (
	// Sandbox is kmslab's own emulator: started in this process, or a running
	// `kmslab sandbox` found through its data directory or an --endpoint.
	Sandbox Kind = "sandbox"
	// LocalStack is a LocalStack endpoint (found by /_localstack/health or x-localstack).
	LocalStack Kind = "localstack"
	// Emulator is any other AWS-compatible endpoint (moto, …).
	Emulator Kind = "emulator"
	// AWS is the real AWS account of the normal credential chain.
	AWS Kind = "aws"
)

// Enforcement says whether the target decides DynamoDB reads by the KMS key policy, as AWS
// does. Only then can the lab's denial be shown.
type Enforcement int

const (
	// EnforcementUnknown: not known until the lab tries (a generic emulator that checks
	// signatures).
	EnforcementUnknown Enforcement = iota
	// Enforces: AWS and kmslab's sandbox.
	Enforces
	// DoesNotEnforce: LocalStack (every edition) and emulators that accept any credentials.
	DoesNotEnforce
)

// String is the word shown to students and in JSON.
func (e Enforcement) String() string {
	switch e {
	case Enforces:
		return "enforces"
	case DoesNotEnforce:
		return "does-not-enforce"
	default:
		return "unknown"
	}
}

// Target is an opened target. Admin is the student's own identity (on the sandbox, its
// bootstrapped admin).
type Target struct {
	Kind Kind
	// Label describes the target for headers and reports, e.g. "sandbox (offline)",
	// "LocalStack at http://localhost:4566", "AWS".
	Label string
	// Endpoint is the base URL, empty for AWS.
	Endpoint  string
	Region    string
	Account   string
	CallerARN string
	// Profile is the shared-config profile used, if any (AWS).
	Profile string
	// AccountAlias is the account's IAM alias on AWS ("" when it has none or it could not
	// be read); an alias that looks like production makes the lab refuse to change things.
	AccountAlias string
	// Enforces says whether key policies govern DynamoDB reads here, and EnforcementReason
	// says why the tool believes so, in a sentence for the student.
	Enforces          Enforcement
	EnforcementReason string
	// DataDir is the sandbox's data directory (Sandbox only).
	DataDir string
	// InProcess is true when this process serves the sandbox itself.
	InProcess bool
	// KeyID is the admin's access key id, masked (AKIA…WXYZ), for display.
	KeyID string
	// Admin is the configuration for the student's own calls.
	Admin aws.Config

	configFor func(keyID, secret string) aws.Config
	closeFn   func() error
}

// ConfigFor returns a configuration like Admin (same endpoint, region, retries, HTTP
// client) that signs with the given static credentials: the lab's test user.
func (t *Target) ConfigFor(keyID, secret string) aws.Config { return t.configFor(keyID, secret) }

// Close stops what Open started (an in-process sandbox). Safe to call twice.
func (t *Target) Close() error {
	if t.closeFn == nil {
		return nil
	}
	f := t.closeFn
	t.closeFn = nil
	return f()
}

// LooksLikeProduction is true when the account alias has "prod" in it: the lab creates and
// deletes resources, so it refuses there unless the student insists.
func (t *Target) LooksLikeProduction() bool {
	return strings.Contains(strings.ToLower(t.AccountAlias), "prod")
}

// NeedsConfirmation is true where creating resources costs money: real AWS.
func (t *Target) NeedsConfirmation() bool { return t.Kind == AWS }
