// Package sandboxtest starts a real sandbox on loopback for tests that drive it through
// aws-sdk-go-v2, exactly as a student's tools would.
package sandboxtest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kmslab/kmslab/internal/sdkhttp"
	"github.com/kmslab/kmslab/sandbox"
)

// Env is a running sandbox and admin clients for it.
type Env struct {
	Sandbox     *sandbox.Sandbox
	URL         string
	Region      string
	AccountID   string
	DataDir     string
	AdminKeyID  string
	AdminSecret string
	// Admin is an aws.Config for the admin: static credentials, the sandbox endpoint,
	// us-east-1, no retries (tests see every error as it comes).
	Admin aws.Config

	opts sandbox.Options
}

// Start opens a sandbox on a fresh data directory and serves it on 127.0.0.1.
func Start(t testing.TB, opts ...func(*sandbox.Options)) *Env {
	t.Helper()
	o := sandbox.Options{DataDir: t.TempDir()}
	for _, f := range opts {
		f(&o)
	}
	e := &Env{opts: o, DataDir: o.DataDir}
	e.start(t)
	return e
}

func (e *Env) start(t testing.TB) {
	t.Helper()
	sb, err := sandbox.Open(e.opts)
	if err != nil {
		t.Fatalf("open sandbox: %v", err)
	}
	url, err := sb.Listen("127.0.0.1:0")
	if err != nil {
		_ = sb.Close()
		t.Fatalf("serve sandbox: %v", err)
	}
	e.Sandbox, e.URL = sb, url
	e.Region, e.AccountID = sb.Region(), sb.AccountID()
	e.AdminKeyID, e.AdminSecret = sb.Admin()
	e.Admin = e.Config(e.AdminKeyID, e.AdminSecret)
	t.Cleanup(func() {
		if e.Sandbox == sb {
			_ = sb.Close()
			e.Sandbox = nil
		}
	})
}

// Restart stops the sandbox and opens it again on the same data directory.
func (e *Env) Restart(t testing.TB) {
	t.Helper()
	if e.Sandbox != nil {
		if err := e.Sandbox.Close(); err != nil {
			t.Fatalf("close sandbox: %v", err)
		}
		e.Sandbox = nil
	}
	e.start(t)
}

// Config is an aws.Config for other credentials against this sandbox.
func (e *Env) Config(keyID, secret string) aws.Config {
	return aws.Config{
		Region:           e.Region,
		Credentials:      credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		BaseEndpoint:     aws.String(e.URL),
		RetryMaxAttempts: 1,
		HTTPClient:       sdkhttp.New(nil),
	}
}

// KMS is an admin KMS client.
func (e *Env) KMS() *kms.Client { return kms.NewFromConfig(e.Admin) }

// DynamoDB is an admin DynamoDB client.
func (e *Env) DynamoDB() *dynamodb.Client { return dynamodb.NewFromConfig(e.Admin) }

// IAM is an admin IAM client.
func (e *Env) IAM() *iam.Client { return iam.NewFromConfig(e.Admin) }

// STS is an admin STS client.
func (e *Env) STS() *sts.Client { return sts.NewFromConfig(e.Admin) }
