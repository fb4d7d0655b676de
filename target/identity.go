package target

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// Problem is a failure told to the student: what went wrong, in one sentence, and how to
// fix it. Err keeps the cause for logs and errors.Is/As; it never holds a secret.
type Problem struct {
	// Code names the problem for programs: NO_CREDENTIALS, EXPIRED_CREDENTIALS,
	// UNKNOWN_KEY, WRONG_SECRET, REFUSED, UNREACHABLE, NO_ENDPOINT, SANDBOX_BUSY,
	// CREDENTIALS, IDENTITY.
	Code string
	What string
	Fix  string
	Err  error
}

func (p *Problem) Error() string {
	if p.Fix == "" {
		return p.What
	}
	return p.What + ": " + p.Fix
}

func (p *Problem) Unwrap() error { return p.Err }

// MaskKeyID shows an access key id as AKIA…WXYZ. Short ids are placeholders such as
// "test" and are shown as they are.
func MaskKeyID(id string) string {
	if len(id) <= 8 {
		return id
	}
	return id[:4] + "…" + id[len(id)-4:]
}

// identify asks who the admin credentials belong to (sts:GetCallerIdentity needs no
// permission, so it fails only for the credentials themselves or the connection).
func (t *Target) identify(ctx context.Context) error {
	if t.Admin.Credentials == nil {
		return t.noCredentials(nil)
	}
	creds, err := t.Admin.Credentials.Retrieve(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return t.credentialProblem(err)
	}
	t.KeyID = MaskKeyID(creds.AccessKeyID)
	client := sts.NewFromConfig(t.Admin, func(o *sts.Options) {
		// A refused connection is retried; keep the waits short so a wrong endpoint is
		// reported in seconds.
		o.Retryer = retry.AddWithMaxBackoffDelay(o.Retryer, time.Second)
	})
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return t.callerProblem(err)
	}
	t.Account, t.CallerARN = aws.ToString(out.Account), aws.ToString(out.Arn)
	return nil
}

// profileName is the profile in use, for the fixes we suggest.
func (t *Target) profileName() string {
	if t.Profile != "" {
		return t.Profile
	}
	if t.Kind == AWS {
		return os.Getenv("AWS_PROFILE")
	}
	return ""
}

func (t *Target) ssoLogin() string {
	if p := t.profileName(); p != "" {
		return "aws sso login --profile " + p
	}
	return "aws sso login"
}

func (t *Target) noCredentials(err error) error {
	return &Problem{
		Code: "NO_CREDENTIALS", What: "no AWS credentials found",
		Fix: "run `aws configure` or `aws sso login`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --profile",
		Err: err,
	}
}

// credentialProblem explains why the credential chain gave no keys.
func (t *Target) credentialProblem(err error) error {
	var sso *ssocreds.InvalidTokenError
	msg := err.Error()
	switch {
	case errors.As(err, &sso) || strings.Contains(msg, "SSO") && (strings.Contains(msg, "expired") || strings.Contains(msg, "refresh")):
		return &Problem{Code: "EXPIRED_CREDENTIALS", What: "your AWS SSO session has expired",
			Fix: "run `" + t.ssoLogin() + "`", Err: err}
	case strings.Contains(msg, "no EC2 IMDS role found"):
		// The chain's last resort is the EC2 instance role: reaching it means nothing else
		// (environment, profile, SSO) had keys.
		return t.noCredentials(err)
	}
	what := "could not load your AWS credentials"
	if p := t.profileName(); p != "" {
		what = fmt.Sprintf("could not load the credentials of profile %q", p)
	}
	return &Problem{Code: "CREDENTIALS", What: what,
		Fix: "check the profile's settings with `aws configure list`", Err: err}
}

// callerProblem explains a failed sts:GetCallerIdentity.
func (t *Target) callerProblem(err error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code := apiErr.ErrorCode()
		switch code {
		case "ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired":
			return &Problem{Code: "EXPIRED_CREDENTIALS",
				What: fmt.Sprintf("the session credentials %s have expired (%s)", t.KeyID, code),
				Fix:  "run `" + t.ssoLogin() + "`, or get new temporary credentials (AWS_SESSION_TOKEN)", Err: err}
		case "InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId":
			fix := "check AWS_ACCESS_KEY_ID or the profile's aws_access_key_id; a deleted or deactivated key needs a new one (`aws configure`)"
			if t.Kind != AWS {
				fix = "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to keys this endpoint knows (`kmslab sandbox` prints the sandbox's)"
			}
			return &Problem{Code: "UNKNOWN_KEY",
				What: fmt.Sprintf("%s does not know the access key %s (%s)", t.Label, t.KeyID, code), Fix: fix, Err: err}
		case "SignatureDoesNotMatch", "InvalidSignatureException":
			return &Problem{Code: "WRONG_SECRET",
				What: fmt.Sprintf("the secret access key does not match the access key %s (%s)", t.KeyID, code),
				Fix:  "check AWS_SECRET_ACCESS_KEY or the profile's aws_secret_access_key, and the computer's clock", Err: err}
		}
		return &Problem{Code: "IDENTITY",
			What: fmt.Sprintf("%s refused sts:GetCallerIdentity: %s: %s", t.Label, code, apiErr.ErrorMessage()), Err: err}
	}
	where := t.Endpoint
	if where == "" {
		where = "AWS STS in " + t.Region
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		fix := "start it, or pass --endpoint"
		if t.Kind == AWS {
			fix = "start it, or unset AWS_ENDPOINT_URL to use AWS itself"
		}
		return &Problem{Code: "REFUSED", What: "nothing answers at " + where + " (connection refused)", Fix: fix, Err: err}
	}
	var netErr net.Error
	var dnsErr *net.DNSError
	if errors.As(err, &netErr) || errors.As(err, &dnsErr) {
		return &Problem{Code: "UNREACHABLE", What: "cannot reach " + where,
			Fix: "check the network connection, a proxy (HTTPS_PROXY) or the endpoint", Err: err}
	}
	return &Problem{Code: "IDENTITY", What: fmt.Sprintf("sts:GetCallerIdentity failed at %s: %v", t.Label, err), Err: err}
}
