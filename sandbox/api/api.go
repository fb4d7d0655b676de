// Package api is the contract between the sandbox gateway and its services:
// who is calling, what they asked, and the AWS-shaped errors they get back.
package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Protocol is the wire protocol a service speaks.
type Protocol int

const (
	// JSON10 is awsJson1_0 (DynamoDB).
	JSON10 Protocol = iota
	// JSON11 is awsJson1_1 (KMS).
	JSON11
	// Query is awsQuery with XML responses (IAM, STS).
	Query
)

// Principal is an authenticated caller.
type Principal struct {
	AccountID   string // 12 digits
	ARN         string // arn:aws:iam::<acct>:user/<name>
	UserID      string // AIDA…
	UserName    string
	AccessKeyID string
}

// Request is one decoded call handed to a service.
type Request struct {
	Ctx       context.Context
	Service   string // "kms", "dynamodb", "iam", "sts"
	Operation string // e.g. "CreateKey"
	Region    string
	Caller    Principal
	RequestID string
	Now       time.Time

	// Body is the raw JSON body (JSON protocols).
	Body []byte
	// Form holds the decoded parameters (Query protocol), Action and Version included.
	Form url.Values

	// Input lets a service keep what it decoded in Targets for Handle to reuse.
	Input any
}

// Target names one resource an operation touches and what governs access to it.
type Target struct {
	Action   string // "kms:Decrypt"
	Resource string // ARN, or "*"
	// ResourcePolicy is a resource-based policy (a KMS key policy); nil when none.
	ResourcePolicy []byte
	// KeyPolicy marks ResourcePolicy as a KMS key policy: the key policy must allow,
	// directly or through the account-root statement plus an identity allow.
	KeyPolicy bool
	// Context holds condition keys beyond the global ones (aws:username, aws:PrincipalArn…),
	// for example kms:ViaService or kms:EncryptionContext:aws:dynamodb:tableName.
	Context map[string][]string
}

// Service is one emulated AWS service behind the gateway.
type Service interface {
	// Name is the SigV4 signing name ("kms", "dynamodb", "iam", "sts").
	Name() string
	// Protocol is the wire protocol the service speaks.
	Protocol() Protocol
	// Targets decodes and validates the request and names the resources it touches, so the
	// gateway can authorize before anything changes. It must not change state. An unknown
	// operation returns an UnknownOperation error; an empty slice means no authorization is
	// needed (sts:GetCallerIdentity).
	Targets(r *Request) ([]Target, error)
	// Handle performs the operation. The result is marshalled with encoding/json (JSON
	// protocols) or encoding/xml inside <OpResult> (Query); nil means an empty result.
	Handle(r *Request) (any, error)
}

// Authorizer evaluates policy for a caller; services use it for checks made on the
// caller's behalf inside an operation (DynamoDB asking KMS as the caller).
type Authorizer interface {
	Authorize(ctx context.Context, caller Principal, t Target) error
}

// Error is an AWS-shaped error. Code is the short code ("NotFoundException"); Type, when set,
// is the full JSON __type ("com.amazonaws.dynamodb.v20120810#ResourceNotFoundException").
type Error struct {
	Code    string
	Type    string
	Message string
	Status  int
	// Receiver marks a server-side fault (Query's <Type>Receiver</Type>).
	Receiver bool
	// MessageKey is the JSON key for the message: "message" (KMS) or "Message" (DynamoDB).
	MessageKey string
	// Header, when set, is added to the response (e.g. Retry-After).
	Header http.Header
	// Extra holds more members of a JSON error body, each encoded with encoding/json
	// (DynamoDB's ConditionalCheckFailedException carries "Item"). Query errors ignore it.
	Extra map[string]any
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf builds an Error with status 400.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

// WithStatus returns a copy with another HTTP status.
func (e *Error) WithStatus(status int) *Error { c := *e; c.Status = status; return &c }

// WithType returns a copy carrying a namespaced JSON __type.
func (e *Error) WithType(t string) *Error { c := *e; c.Type = t; return &c }

// Unknown is the error for an operation a service does not implement.
func Unknown(service, op string) *Error {
	return &Error{Code: "UnknownOperationException", Message: fmt.Sprintf("Unknown operation %s for service %s", op, service), Status: http.StatusBadRequest}
}

// Epoch is a timestamp that encodes as JSON epoch seconds with milliseconds, as AWS JSON protocols do.
type Epoch time.Time

// MarshalJSON writes seconds since the epoch.
func (t Epoch) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	return []byte(fmt.Sprintf("%.3f", float64(tt.UnixMilli())/1000)), nil
}

// UnmarshalJSON reads seconds since the epoch.
func (t *Epoch) UnmarshalJSON(b []byte) error {
	var f float64
	if _, err := fmt.Sscan(string(b), &f); err != nil {
		return err
	}
	*t = Epoch(time.UnixMilli(int64(f * 1000)).UTC())
	return nil
}

// EpochPtr returns a pointer to an Epoch, for optional fields.
func EpochPtr(t time.Time) *Epoch { e := Epoch(t); return &e }

// DefaultAccountID is the sandbox account.
const DefaultAccountID = "000000000000"
