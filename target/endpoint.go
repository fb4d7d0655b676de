package target

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/kmslab/kmslab/internal/sdkhttp"
	"github.com/kmslab/kmslab/sandbox/datadir"
)

const defaultLocalStackURL = "http://localhost:4566"

const (
	localstackReason = "LocalStack's DynamoDB never asks KMS, so key policies do not govern reads: the lab's denial cannot happen there."
	acceptsAnyReason = "It accepts any credentials, so it cannot enforce a key policy."
)

// openEndpoint opens a target behind a URL and finds out what answers there.
func openEndpoint(ctx context.Context, o Options, want Kind) (*Target, error) {
	raw, from := o.Endpoint, "--endpoint"
	if raw == "" && want == LocalStack {
		raw, from = o.getenv("AWS_ENDPOINT_URL"), "AWS_ENDPOINT_URL"
	}
	if raw == "" {
		raw, from = defaultLocalStackURL, "endpoint"
	}
	base, err := parseEndpoint(raw, from)
	if err != nil {
		return nil, err
	}
	creds, profileRegion, err := o.endpointCredentials(ctx)
	if err != nil {
		return nil, err
	}
	region, err := o.region(profileRegion)
	if err != nil {
		return nil, err
	}
	d, err := detect(ctx, o, base, region, want)
	if err != nil {
		return nil, err
	}
	t := &Target{
		Kind: d.kind, Endpoint: base, Region: region, Profile: o.Profile,
		Enforces: d.enforces, EnforcementReason: d.reason,
	}
	switch d.kind {
	case Sandbox:
		t.Label = "sandbox at " + base
		// A kmslab sandbox started from our data directory left its admin's keys there.
		if rec, dir, ok := o.recordFor(base); ok {
			t.DataDir = dir
			if creds == nil {
				creds = credentials.NewStaticCredentialsProvider(rec.AccessKeyID, rec.SecretAccessKey, "")
			}
		}
	case LocalStack:
		t.Label = "LocalStack at " + base
	default:
		t.Label = "emulator at " + base
	}
	if creds == nil {
		// The usual placeholder pair; LocalStack and moto take any keys.
		creds = credentials.NewStaticCredentialsProvider("test", "test", "")
	}
	t.Admin = localConfig(base, region, creds, o)
	t.setConfigFor()
	return t, nil
}

// parseEndpoint checks raw is an http(s) base URL with a host and returns it as
// scheme://host[:port]. from names where it came from, for the message.
func parseEndpoint(raw, from string) (string, error) {
	want := "an http(s) URL with a host, like http://localhost:4566"
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", usagef("%s %s is not %s", from, shownURL(raw), want)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Hostname() == "" {
		return "", usagef("%s %s is not %s", from, shownURL(raw), want)
	}
	if u.User != nil {
		return "", usagef("%s %s must not carry a user or password: keys come from the environment or --profile", from, shownURL(raw))
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", usagef("%s %s has a bad port; want %s", from, shownURL(raw), want)
		}
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", usagef("%s %s has a path or query; want a base URL, like http://localhost:4566", from, shownURL(raw))
	}
	return u.Scheme + "://" + u.Host, nil
}

// shownURL is raw fit for a message: a password in it is never repeated.
func shownURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return strconv.Quote(u.Redacted())
	}
	if strings.Contains(raw, "@") {
		return "(not shown: it looks like it holds a password)"
	}
	return strconv.Quote(raw)
}

// endpointCredentials returns the keys for an endpoint target: the profile's, else the
// environment's, else nil (decided once we know what answers). profileRegion is the
// region the profile names, if any.
func (o Options) endpointCredentials(ctx context.Context) (creds aws.CredentialsProvider, profileRegion string, err error) {
	if o.Profile != "" {
		cfg, err := loadAWSConfig(ctx, o, false)
		if err != nil {
			return nil, "", err
		}
		return cfg.Credentials, cfg.Region, nil
	}
	id, secret := o.getenv("AWS_ACCESS_KEY_ID"), o.getenv("AWS_SECRET_ACCESS_KEY")
	switch {
	case id != "" && secret != "":
		return credentials.NewStaticCredentialsProvider(id, secret, o.getenv("AWS_SESSION_TOKEN")), "", nil
	case id != "":
		return nil, "", usagef("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, or neither")
	case secret != "":
		return nil, "", usagef("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both, or neither")
	}
	return nil, "", nil
}

// recordFor finds the record of a sandbox serving base from our data directory.
func (o Options) recordFor(base string) (datadir.Endpoint, string, bool) {
	dir, err := o.dataDir()
	if err != nil {
		return datadir.Endpoint{}, "", false
	}
	rec, err := datadir.ReadEndpoint(dir)
	if err != nil || strings.TrimSuffix(rec.URL, "/") != base {
		return datadir.Endpoint{}, "", false
	}
	return rec, dir, true
}

type detection struct {
	kind     Kind
	enforces Enforcement
	reason   string
}

// detect tells a kmslab sandbox, LocalStack and other emulators apart by what they answer.
func detect(ctx context.Context, o Options, base, region string, want Kind) (detection, error) {
	c := o.httpClient()
	localstack := detection{LocalStack, DoesNotEnforce, localstackReason}
	res, err := probeGet(ctx, c, base, sandboxHealthPath)
	if err != nil {
		return detection{}, nothingAnswers(ctx, base, want, err)
	}
	if res.localstack {
		return localstack, nil
	}
	if _, ok := sandboxHealth(res.body); ok && res.status == http.StatusOK {
		return detection{Sandbox, Enforces, sandboxReason}, nil
	}
	res, err = probeGet(ctx, c, base, localstackHealthPath)
	if err != nil {
		return detection{}, nothingAnswers(ctx, base, want, err)
	}
	if res.localstack || res.status == http.StatusOK {
		return localstack, nil
	}
	return probeCredentials(ctx, o, base, region, want)
}

func nothingAnswers(ctx context.Context, base string, want Kind, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	fix := "start LocalStack or pass --endpoint"
	if want == Sandbox {
		fix = "start `kmslab sandbox` or pass --endpoint"
	}
	return &Problem{Code: "NO_ENDPOINT", What: "nothing answers at " + base, Fix: fix, Err: err}
}

// authRejections are the codes of an endpoint that checks who signed the request.
var authRejections = map[string]bool{
	"InvalidClientTokenId":        true,
	"UnrecognizedClientException": true,
	"InvalidAccessKeyId":          true,
	"SignatureDoesNotMatch":       true,
	"InvalidSignatureException":   true,
	"AuthFailure":                 true,
}

// probeCredentials signs sts:GetCallerIdentity with made-up keys: an emulator that accepts
// them does not know who calls, so it cannot apply a key policy to anyone.
func probeCredentials(ctx context.Context, o Options, base, region string, want Kind) (detection, error) {
	var next aws.HTTPClient
	if o.HTTPClient != nil {
		next = o.HTTPClient
	}
	spy := &headerSpy{next: sdkhttp.New(next)}
	cfg := localConfig(base, region, credentials.NewStaticCredentialsProvider(madeUpKeys()), o)
	cfg.HTTPClient = spy
	cfg.Retryer = labRetryer(2, localMaxBackoff)
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	_, err := sts.NewFromConfig(cfg).GetCallerIdentity(pctx, &sts.GetCallerIdentityInput{})
	if spy.seen.Load() {
		return detection{LocalStack, DoesNotEnforce, localstackReason}, nil
	}
	if err == nil {
		return detection{Emulator, DoesNotEnforce, acceptsAnyReason}, nil
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return detection{}, nothingAnswers(ctx, base, want, err)
	}
	if authRejections[apiErr.ErrorCode()] {
		return detection{Emulator, EnforcementUnknown, fmt.Sprintf(
			"It rejects unknown credentials (%s), so it checks who calls; whether its DynamoDB asks KMS on reads shows only when the lab tries.",
			apiErr.ErrorCode())}, nil
	}
	return detection{Emulator, EnforcementUnknown, fmt.Sprintf(
		"It answered sts:GetCallerIdentity with %s, so whether it checks credentials and key policies is not known until the lab tries.",
		apiErr.ErrorCode())}, nil
}

// madeUpKeys is a fresh key pair no one has: AKIA + 16, and 40 characters of secret.
func madeUpKeys() (id, secret, session string) {
	return "AKIA" + rand.Text()[:16], (rand.Text() + rand.Text())[:40], ""
}

// headerSpy notes whether any answer carried LocalStack's header.
type headerSpy struct {
	next aws.HTTPClient
	seen atomic.Bool
}

func (s *headerSpy) Do(r *http.Request) (*http.Response, error) {
	res, err := s.next.Do(r)
	if res != nil && hasLocalStackHeader(res.Header) {
		s.seen.Store(true)
	}
	return res, err
}
