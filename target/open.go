package target

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"

	"github.com/kmslab/kmslab/sandbox/gateway"
)

// ErrUsage marks errors caused by bad flags or environment (a bad kind, URL or region, no
// region for AWS, an unknown profile): the CLI exits 2 on errors.Is(err, ErrUsage).
var ErrUsage = errors.New("usage")

// usageError wraps ErrUsage without repeating its word in the message.
type usageError struct{ msg string }

func (e *usageError) Error() string        { return e.msg }
func (e *usageError) Is(target error) bool { return target == ErrUsage }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// Options says which target to open. The zero value opens the in-process sandbox in the
// default data directory.
type Options struct {
	Kind       Kind                // "" = AWS if Profile set, LocalStack if Endpoint set, else Sandbox
	Endpoint   string              // --endpoint
	Profile    string              // --profile
	Region     string              // --region
	DataDir    string              // sandbox data dir; "" = datadir.Default()
	Faults     gateway.Faults      // in-process sandbox only (tests)
	Getenv     func(string) string // nil = os.Getenv; tests inject
	HTTPClient *http.Client        // nil = default
}

func (o Options) getenv(k string) string {
	if o.Getenv == nil {
		return os.Getenv(k)
	}
	return o.Getenv(k)
}

// ParseKind reads a --target value. "" means "decide from the other flags". Emulator is
// never asked for: it is what an unknown endpoint turns out to be.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(strings.ToLower(strings.TrimSpace(s))); k {
	case "", Sandbox, LocalStack, AWS:
		return k, nil
	case Emulator:
		return "", usagef("--target emulator is detected, not chosen: use --target localstack --endpoint URL")
	default:
		return "", usagef("unknown target %q: want sandbox, localstack or aws", s)
	}
}

// Open connects to the target o describes, checks who the credentials belong to
// (sts:GetCallerIdentity) and says whether the target enforces key policies. The caller
// must Close the target.
func Open(ctx context.Context, o Options) (*Target, error) {
	kind, err := ParseKind(string(o.Kind))
	if err != nil {
		return nil, err
	}
	if o.Region != "" && !validRegion(o.Region) {
		return nil, usagef("--region %q is not a region name like us-east-1", o.Region)
	}
	if kind == "" {
		// An endpoint is the more specific wish: --profile with --endpoint means "that
		// profile's keys against that emulator", never real AWS.
		switch {
		case o.Endpoint != "":
			kind = LocalStack
		case o.Profile != "":
			kind = AWS
		default:
			kind = Sandbox
		}
	}
	var t *Target
	switch {
	case kind == AWS:
		t, err = openAWS(ctx, o)
	case kind == LocalStack || o.Endpoint != "":
		t, err = openEndpoint(ctx, o, kind)
	default:
		if o.Profile != "" {
			return nil, usagef("--profile does not apply to the built-in sandbox, which has its own admin: drop it, or use --target aws or --endpoint")
		}
		t, err = openSandbox(ctx, o)
	}
	if err != nil {
		return nil, err
	}
	if err := t.identify(ctx); err != nil {
		_ = t.Close()
		return nil, err
	}
	if t.Kind == AWS {
		t.AccountAlias = accountAlias(ctx, t.Admin)
	}
	return t, nil
}

// A region is two letters, words, and a number: us-east-1, us-gov-west-1, ap-southeast-4.
var regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)

func validRegion(r string) bool { return regionRE.MatchString(r) }

// region picks the region for a non-AWS target: the flag, then the environment, then the
// profile's, then us-east-1 (emulators answer in any region).
func (o Options) region(profileRegion string) (string, error) {
	if o.Region != "" {
		return o.Region, nil
	}
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if r := o.getenv(k); r != "" {
			if !validRegion(r) {
				return "", usagef("%s=%q is not a region name like us-east-1", k, r)
			}
			return r, nil
		}
	}
	if profileRegion != "" {
		return profileRegion, nil
	}
	return defaultRegion, nil
}

const defaultRegion = "us-east-1"
