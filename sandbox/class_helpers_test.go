package sandbox_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"

	"github.com/kmslab/kmslab/internal/sdkhttp"
	"github.com/kmslab/kmslab/sandbox"
)

// startClass serves a class of n students on 127.0.0.1 from dir.
func startClass(t *testing.T, dir string, n int) *sandbox.Class {
	t.Helper()
	c, err := sandbox.OpenClass(sandbox.ClassOptions{DataDir: dir, Students: n})
	if err != nil {
		t.Fatalf("open class: %v", err)
	}
	if _, err := c.Listen("127.0.0.1:0"); err != nil {
		_ = c.Close()
		t.Fatalf("serve class: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// adminConfig is student i's (0-based) admin config.
func adminConfig(c *sandbox.Class, i int) aws.Config {
	id, secret := c.Accounts()[i].Admin()
	return keyConfig(c.URL(), id, secret)
}

func keyConfig(url, id, secret string) aws.Config {
	return aws.Config{
		Region:           sandbox.DefaultRegion,
		Credentials:      credentials.NewStaticCredentialsProvider(id, secret, ""),
		BaseEndpoint:     aws.String(url),
		RetryMaxAttempts: 1,
		HTTPClient:       sdkhttp.New(nil),
	}
}

// wantCode fails unless err is an API error with one of the codes.
func wantCode(t *testing.T, what string, err error, codes ...string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Errorf("%s: want %v, got %v", what, codes, err)
		return
	}
	for _, c := range codes {
		if ae.ErrorCode() == c {
			return
		}
	}
	t.Errorf("%s: got %s (%s), want %v", what, ae.ErrorCode(), ae.ErrorMessage(), codes)
}

func wantMessage(t *testing.T, what string, err error, msg string) {
	t.Helper()
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorMessage() != msg {
		t.Errorf("%s:\n got  %s\n want %s", what, ae.ErrorMessage(), msg)
	}
}
