package target

// These tests set the process environment (config.LoadDefaultConfig reads it, not
// Options.Getenv), so none of them is parallel.

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmslab/kmslab/sandbox/sandboxtest"
)

// isolateAWS clears every AWS_* variable and points the shared files and HOME at empty
// temporary ones, so the real home and the instance metadata service are never used.
// It returns the config and credentials file paths.
func isolateAWS(t *testing.T) (configFile, credsFile string) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	configFile, credsFile = filepath.Join(home, "config"), filepath.Join(home, "credentials")
	for _, f := range []string{configFile, credsFile} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", configFile)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", credsFile)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return configFile, credsFile
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestAWSWithoutRegion(t *testing.T) {
	isolateAWS(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEY000001")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	_, err := Open(context.Background(), Options{Kind: AWS, Getenv: envOf(nil)})
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "--region") || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Fatalf("want a usage error about the region, got %v", err)
	}
}

func TestAWSMissingProfile(t *testing.T) {
	isolateAWS(t)
	_, err := Open(context.Background(), Options{Profile: "nosuchprofile", Region: "us-east-1", Getenv: envOf(nil)})
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), `"nosuchprofile"`) {
		t.Fatalf("want an error naming the profile, got %v", err)
	}
}

func TestAWSThroughEndpointURL(t *testing.T) {
	env := sandboxtest.Start(t)
	isolateAWS(t)
	t.Setenv("AWS_ENDPOINT_URL", env.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", env.AdminKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", env.AdminSecret)
	t.Setenv("AWS_REGION", "us-east-1")
	tg := open(t, Options{Kind: AWS})
	wantTarget(t, tg, AWS, Enforces)
	if tg.Label != "AWS" || tg.Endpoint != env.URL || tg.Account != env.AccountID || !tg.NeedsConfirmation() {
		t.Fatalf("got %+v", tg)
	}
	if tg.Admin.Retryer().MaxAttempts() != awsMaxAttempts {
		t.Fatalf("max attempts %d", tg.Admin.Retryer().MaxAttempts())
	}
	if _, err := kms.NewFromConfig(tg.Admin).CreateKey(context.Background(), &kms.CreateKeyInput{}); err != nil {
		t.Fatalf("admin call: %v", err)
	}
	// The test user's config goes to the same place.
	_, err := kms.NewFromConfig(tg.ConfigFor(env.AdminKeyID, env.AdminSecret)).ListKeys(context.Background(), &kms.ListKeysInput{})
	if err != nil {
		t.Fatalf("ConfigFor call: %v", err)
	}
}

func TestAWSProfile(t *testing.T) {
	env := sandboxtest.Start(t)
	configFile, credsFile := isolateAWS(t)
	write(t, configFile, "[profile lab]\nregion = eu-west-1\n")
	write(t, credsFile, "[lab]\naws_access_key_id = "+env.AdminKeyID+"\naws_secret_access_key = "+env.AdminSecret+"\n")
	t.Setenv("AWS_ENDPOINT_URL", env.URL)
	// A profile and no --target means AWS.
	tg := open(t, Options{Profile: "lab"})
	if tg.Kind != AWS || tg.Region != "eu-west-1" || tg.Profile != "lab" || tg.Account != env.AccountID {
		t.Fatalf("got %+v", tg)
	}
}

func TestProfileKeysOnAnEndpoint(t *testing.T) {
	configFile, credsFile := isolateAWS(t)
	write(t, configFile, "[profile ls]\nregion = ca-central-1\n")
	write(t, credsFile, "[ls]\naws_access_key_id = AKIAPROFILEKEY000001\naws_secret_access_key = x\n")
	f := newFake(t, &fake{health: map[string]int{"/_localstack/health": 200}})
	tg := open(t, Options{Endpoint: f.URL, Profile: "ls", Getenv: envOf(map[string]string{"AWS_ACCESS_KEY_ID": "AKIAENVKEY0000000001", "AWS_SECRET_ACCESS_KEY": "y"})})
	keys, regions := f.seen()
	if tg.Kind != LocalStack || keys[0] != "AKIAPROFILEKEY000001" || regions[0] != "ca-central-1" {
		t.Fatalf("kind %s, signed %v in %v", tg.Kind, keys, regions)
	}
}

func TestAWSWithoutCredentials(t *testing.T) {
	isolateAWS(t)
	_, err := Open(context.Background(), Options{Kind: AWS, Region: "us-east-1", Getenv: envOf(nil)})
	var p *Problem
	if !errors.As(err, &p) || p.Code != "NO_CREDENTIALS" || !strings.Contains(err.Error(), "aws configure") {
		t.Fatalf("want NO_CREDENTIALS, got %v", err)
	}
}

func TestAWSExpiredSSOSession(t *testing.T) {
	configFile, _ := isolateAWS(t)
	const start = "https://kmslab-test.awsapps.com/start"
	write(t, configFile, "[profile sso]\nsso_start_url = "+start+"\nsso_region = us-east-1\n"+
		"sso_account_id = 111122223333\nsso_role_name = Lab\nregion = us-east-1\n")
	cache, err := ssocreds.StandardCachedTokenFilepath(start)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(cache), 0o700); err != nil {
		t.Fatal(err)
	}
	write(t, cache, `{"accessToken":"old","expiresAt":"2020-01-01T00:00:00Z"}`)
	_, err = Open(context.Background(), Options{Profile: "sso", Getenv: envOf(nil)})
	var p *Problem
	if !errors.As(err, &p) || p.Code != "EXPIRED_CREDENTIALS" || !strings.Contains(err.Error(), "aws sso login --profile sso") {
		t.Fatalf("want EXPIRED_CREDENTIALS with the login command, got %v", err)
	}
}

func TestAWSEndpointThatRefuses(t *testing.T) {
	isolateAWS(t)
	url := deadURL(t)
	t.Setenv("AWS_ENDPOINT_URL", url)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEY000001")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	_, err := Open(context.Background(), Options{Kind: AWS, Region: "us-east-1", Getenv: envOf(nil)})
	var p *Problem
	if !errors.As(err, &p) || p.Code != "REFUSED" || !strings.Contains(err.Error(), url) || !strings.Contains(err.Error(), "AWS_ENDPOINT_URL") {
		t.Fatalf("want REFUSED naming %s, got %v", url, err)
	}
}

// TestAWSAccountAlias: the alias is read on AWS, and one with "prod" in it is flagged; an
// account without ListAccountAliases (here: the sandbox) leaves it unknown.
func TestAWSAccountAlias(t *testing.T) {
	for _, c := range []struct {
		alias string
		prod  bool
	}{{"acme-Prod-main", true}, {"acme-lab", false}} {
		f := newFake(t, &fake{alias: c.alias})
		isolateAWS(t)
		t.Setenv("AWS_ENDPOINT_URL", f.URL)
		t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEY000001")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
		t.Setenv("AWS_REGION", "eu-west-1")
		tg := open(t, Options{Kind: AWS})
		if tg.AccountAlias != c.alias || tg.LooksLikeProduction() != c.prod {
			t.Errorf("alias %q: got %q, production %v", c.alias, tg.AccountAlias, tg.LooksLikeProduction())
		}
	}
	env := sandboxtest.Start(t)
	isolateAWS(t)
	t.Setenv("AWS_ENDPOINT_URL", env.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", env.AdminKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", env.AdminSecret)
	t.Setenv("AWS_REGION", "us-east-1")
	if tg := open(t, Options{Kind: AWS}); tg.AccountAlias != "" || tg.LooksLikeProduction() {
		t.Errorf("sandbox alias %q", tg.AccountAlias)
	}
}

// TestAWSWithCABundle: a custom CA bundle (AWS_CA_BUNDLE, common behind company proxies and
// set on this machine) must still load; the config package adds it only to its own client.
func TestAWSWithCABundle(t *testing.T) {
	bundle := "/etc/ssl/certs/ca-certificates.crt"
	if _, err := os.Stat(bundle); err != nil {
		t.Skip("no system CA bundle at " + bundle)
	}
	env := sandboxtest.Start(t)
	isolateAWS(t)
	t.Setenv("AWS_CA_BUNDLE", bundle)
	t.Setenv("AWS_ENDPOINT_URL", env.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", env.AdminKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", env.AdminSecret)
	t.Setenv("AWS_REGION", "us-east-1")
	tg := open(t, Options{Kind: AWS})
	if _, err := kms.NewFromConfig(tg.Admin).ListKeys(context.Background(), &kms.ListKeysInput{}); err != nil {
		t.Fatalf("call with a CA bundle set: %v", err)
	}
}
