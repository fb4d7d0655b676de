package target

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/kmslab/kmslab/sandbox/sandboxtest"
)

func open(t *testing.T, o Options) *Target {
	t.Helper()
	if o.Getenv == nil {
		o.Getenv = envOf(nil)
	}
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	tg, err := Open(context.Background(), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = tg.Close() })
	return tg
}

func wantTarget(t *testing.T, tg *Target, kind Kind, enf Enforcement) {
	t.Helper()
	if tg.Kind != kind || tg.Enforces != enf {
		t.Fatalf("got %s/%s, want %s/%s (%s)", tg.Kind, tg.Enforces, kind, enf, tg.EnforcementReason)
	}
	if tg.EnforcementReason == "" || tg.Label == "" {
		t.Fatalf("no reason or label: %+v", tg)
	}
}

func TestLocalStackByHealth(t *testing.T) {
	t.Parallel()
	f := newFake(t, &fake{health: map[string]int{"/_localstack/health": 200}})
	tg := open(t, Options{Endpoint: f.URL})
	wantTarget(t, tg, LocalStack, DoesNotEnforce)
	if !strings.Contains(tg.EnforcementReason, "KMS") || tg.Label != "LocalStack at "+f.URL {
		t.Fatalf("reason %q, label %q", tg.EnforcementReason, tg.Label)
	}
	if tg.Account != fakeAccount || !strings.HasSuffix(tg.CallerARN, ":user/student") {
		t.Fatalf("identity %s %s", tg.Account, tg.CallerARN)
	}
	keys, regions := f.seen()
	if len(keys) != 1 || keys[0] != "test" || regions[0] != "us-east-1" {
		t.Fatalf("want one call signed by test in us-east-1, got %v %v", keys, regions)
	}
}

func TestLocalStackByHeader(t *testing.T) {
	t.Parallel()
	f := newFake(t, &fake{header: "2026.3.1"})
	wantTarget(t, open(t, Options{Endpoint: f.URL}), LocalStack, DoesNotEnforce)
}

func TestLocalStackByHeaderOnAWSCalls(t *testing.T) {
	t.Parallel()
	// Health checks look like nothing known; the probe's answer gives it away.
	f := newFake(t, &fake{header: "true", headerPOST: true})
	wantTarget(t, open(t, Options{Endpoint: f.URL}), LocalStack, DoesNotEnforce)
}

func TestEmulatorThatAcceptsAnyKeys(t *testing.T) {
	t.Parallel()
	f := newFake(t, &fake{})
	tg := open(t, Options{Endpoint: f.URL})
	wantTarget(t, tg, Emulator, DoesNotEnforce)
	if !strings.Contains(tg.EnforcementReason, "accepts any credentials") {
		t.Fatalf("reason %q", tg.EnforcementReason)
	}
	keys, _ := f.seen()
	if len(keys) != 2 || !strings.HasPrefix(keys[0], "AKIA") || len(keys[0]) != 20 || keys[1] != "test" {
		t.Fatalf("want a made-up probe key then test, got %v", keys)
	}
}

func TestEmulatorThatChecksKeys(t *testing.T) {
	t.Parallel()
	const good = "AKIAGOODKEY000000001"
	f := newFake(t, &fake{answer: func(k string) string {
		if k == good {
			return ""
		}
		return "InvalidClientTokenId"
	}})
	tg := open(t, Options{Endpoint: f.URL, Getenv: envOf(map[string]string{
		"AWS_ACCESS_KEY_ID": good, "AWS_SECRET_ACCESS_KEY": "s3cret-never-shown",
	})})
	wantTarget(t, tg, Emulator, EnforcementUnknown)
	if tg.Account != fakeAccount || tg.KeyID != "AKIA…0001" {
		t.Fatalf("account %s key %s", tg.Account, tg.KeyID)
	}
}

func TestSandboxBehindEndpoint(t *testing.T) {
	t.Parallel()
	env := sandboxtest.Start(t)
	tg := open(t, Options{Kind: LocalStack, Endpoint: env.URL, Getenv: envOf(map[string]string{
		"AWS_ACCESS_KEY_ID": env.AdminKeyID, "AWS_SECRET_ACCESS_KEY": env.AdminSecret,
	})})
	wantTarget(t, tg, Sandbox, Enforces)
	if tg.Account != env.AccountID || tg.InProcess || tg.Endpoint != env.URL {
		t.Fatalf("got %+v", tg)
	}
	if _, err := kms.NewFromConfig(tg.Admin).ListKeys(context.Background(), &kms.ListKeysInput{}); err != nil {
		t.Fatalf("admin call: %v", err)
	}
	// ConfigFor signs as someone else: the sandbox does not know this key.
	_, err := kms.NewFromConfig(tg.ConfigFor("AKIAUNKNOWN000000000", "x")).ListKeys(context.Background(), &kms.ListKeysInput{})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnrecognizedClientException" {
		t.Fatalf("want UnrecognizedClientException for an unknown key, got %v", err)
	}
}

func TestSandboxBehindEndpointUsesItsRecord(t *testing.T) {
	t.Parallel()
	env := sandboxtest.Start(t)
	// No keys in the environment: the record in the data directory supplies the admin's.
	tg := open(t, Options{Endpoint: env.URL, DataDir: env.DataDir})
	wantTarget(t, tg, Sandbox, Enforces)
	if tg.DataDir != env.DataDir || tg.Account != env.AccountID {
		t.Fatalf("got %+v", tg)
	}
	// Without the record the placeholder keys are tried, and the sandbox refuses them.
	_, err := Open(context.Background(), Options{Endpoint: env.URL, DataDir: t.TempDir(), Getenv: envOf(nil)})
	var p *Problem
	if !errors.As(err, &p) || p.Code != "UNKNOWN_KEY" {
		t.Fatalf("want UNKNOWN_KEY, got %v", err)
	}
}

func TestEndpointFromEnvironment(t *testing.T) {
	t.Parallel()
	f := newFake(t, &fake{health: map[string]int{"/_localstack/health": 200}})
	tg := open(t, Options{Kind: LocalStack, Getenv: envOf(map[string]string{"AWS_ENDPOINT_URL": f.URL + "/"})})
	if tg.Endpoint != f.URL || tg.Kind != LocalStack {
		t.Fatalf("endpoint %q kind %s", tg.Endpoint, tg.Kind)
	}
}

func TestEnvironmentKeysAndRegion(t *testing.T) {
	t.Parallel()
	f := newFake(t, &fake{health: map[string]int{"/_localstack/health": 200}})
	tg := open(t, Options{Endpoint: f.URL, Getenv: envOf(map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEY123456", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_DEFAULT_REGION": "eu-west-1",
	})})
	keys, regions := f.seen()
	if tg.Region != "eu-west-1" || keys[0] != "AKIAEXAMPLEKEY123456" || regions[0] != "eu-west-1" {
		t.Fatalf("region %s, signed %v %v", tg.Region, keys, regions)
	}
	// --region beats the environment.
	tg = open(t, Options{Endpoint: f.URL, Region: "ap-southeast-2", Getenv: envOf(map[string]string{"AWS_REGION": "eu-west-1"})})
	if _, regions = f.seen(); tg.Region != "ap-southeast-2" || regions[len(regions)-1] != "ap-southeast-2" {
		t.Fatalf("region %s, signed in %v", tg.Region, regions)
	}
}

func TestNothingAnswers(t *testing.T) {
	t.Parallel()
	url := deadURL(t)
	_, err := Open(context.Background(), Options{Endpoint: url, Getenv: envOf(nil)})
	var p *Problem
	if !errors.As(err, &p) || p.Code != "NO_ENDPOINT" || errors.Is(err, ErrUsage) {
		t.Fatalf("want NO_ENDPOINT, got %v", err)
	}
	if want := "nothing answers at " + url + ": start LocalStack or pass --endpoint"; err.Error() != want {
		t.Fatalf("got %q, want %q", err, want)
	}
}

func TestIdentityProblems(t *testing.T) {
	t.Parallel()
	const key, secret = "AKIAEXAMPLEKEY999999", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	for code, want := range map[string]string{
		"ExpiredToken":          "EXPIRED_CREDENTIALS",
		"InvalidClientTokenId":  "UNKNOWN_KEY",
		"SignatureDoesNotMatch": "WRONG_SECRET",
		"SomethingElse":         "IDENTITY",
	} {
		f := newFake(t, &fake{answer: func(k string) string {
			if k == key {
				return code
			}
			return ""
		}})
		_, err := Open(context.Background(), Options{Endpoint: f.URL, Getenv: envOf(map[string]string{
			"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
		})})
		var p *Problem
		if !errors.As(err, &p) || p.Code != want {
			t.Fatalf("%s: want %s, got %v", code, want, err)
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), key) {
			t.Fatalf("%s: the message shows a key: %v", code, err)
		}
		if want != "IDENTITY" && !strings.Contains(err.Error(), "AKIA…9999") {
			t.Fatalf("%s: the message does not name the masked key: %v", code, err)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for name, o := range map[string]Options{
		"ftp":           {Endpoint: "ftp://example.com"},
		"no scheme":     {Endpoint: "localhost:4566"},
		"no host":       {Endpoint: "http://"},
		"password":      {Endpoint: "http://user:hunter2@localhost:4566"},
		"port":          {Endpoint: "http://localhost:99999"},
		"path":          {Endpoint: "http://localhost:4566/api"},
		"kind":          {Kind: "gcp"},
		"emulator":      {Kind: Emulator, Endpoint: "http://localhost:4566"},
		"region":        {Region: "Mars"},
		"env region":    {Endpoint: "http://localhost:4566", Getenv: envOf(map[string]string{"AWS_REGION": "nowhere"})},
		"half keys":     {Endpoint: "http://localhost:4566", Getenv: envOf(map[string]string{"AWS_ACCESS_KEY_ID": "AKIAX"})},
		"env bad url":   {Kind: LocalStack, Getenv: envOf(map[string]string{"AWS_ENDPOINT_URL": "not a url"})},
		"sandbox+prof":  {Kind: Sandbox, Profile: "dev"},
		"aws+bad url":   {Kind: AWS, Endpoint: "localhost"},
		"aws bad regio": {Kind: AWS, Region: "us_east_1"},
	} {
		if o.Getenv == nil {
			o.Getenv = envOf(nil)
		}
		o.DataDir = t.TempDir()
		tg, err := Open(context.Background(), o)
		if err == nil {
			_ = tg.Close()
			t.Fatalf("%s: opened", name)
		}
		if !errors.Is(err, ErrUsage) {
			t.Fatalf("%s: want ErrUsage, got %v", name, err)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("%s: the message shows the password: %v", name, err)
		}
	}
}

func TestParseKind(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Kind{"": "", "sandbox": Sandbox, " LocalStack ": LocalStack, "AWS": AWS} {
		if got, err := ParseKind(in); err != nil || got != want {
			t.Fatalf("ParseKind(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"emulator", "moto", "gcp"} {
		if _, err := ParseKind(in); !errors.Is(err, ErrUsage) {
			t.Fatalf("ParseKind(%q): want ErrUsage, got %v", in, err)
		}
	}
}

func TestMaskKeyID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"AKIAIOSFODNN7EXAMPLE": "AKIA…MPLE",
		"test":                 "test",
		"":                     "",
	} {
		if got := MaskKeyID(in); got != want {
			t.Fatalf("MaskKeyID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLabRetries(t *testing.T) {
	t.Parallel()
	f := newFake(t, &fake{health: map[string]int{"/_localstack/health": 200}})
	tg := open(t, Options{Endpoint: f.URL})
	r := tg.Admin.Retryer()
	if r.MaxAttempts() != localMaxAttempts {
		t.Fatalf("max attempts %d", r.MaxAttempts())
	}
	throttled := &smithy.GenericAPIError{Code: "ThrottlingException"}
	// The SDK's token bucket (500 tokens, 5 a retry) would refuse the 101st retry.
	for i := range 300 {
		if _, err := r.GetRetryToken(context.Background(), throttled); err != nil {
			t.Fatalf("retry %d refused: %v", i, err)
		}
	}
	for attempt := 1; attempt <= 10; attempt++ {
		d, err := r.RetryDelay(attempt, throttled)
		if err != nil || d > localMaxBackoff {
			t.Fatalf("attempt %d: delay %v, %v", attempt, d, err)
		}
	}
}

func TestConfigForKeepsTheRest(t *testing.T) {
	t.Parallel()
	f := newFake(t, &fake{health: map[string]int{"/_localstack/health": 200}})
	client := &http.Client{}
	tg := open(t, Options{Endpoint: f.URL, Region: "eu-central-1", HTTPClient: client})
	c := tg.ConfigFor("AKIAUSER", "usersecret")
	creds, err := c.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "AKIAUSER" || creds.SecretAccessKey != "usersecret" {
		t.Fatalf("creds %v %v", creds.AccessKeyID, err)
	}
	if *c.BaseEndpoint != f.URL || c.Region != "eu-central-1" || c.HTTPClient != tg.Admin.HTTPClient || c.Retryer().MaxAttempts() != localMaxAttempts {
		t.Fatalf("config changed: %+v", c)
	}
	admin, _ := tg.Admin.Credentials.Retrieve(context.Background())
	if admin.AccessKeyID != "test" {
		t.Fatalf("ConfigFor changed the admin's keys to %s", admin.AccessKeyID)
	}
}
