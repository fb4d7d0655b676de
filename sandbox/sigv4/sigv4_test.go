package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	testKey    = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// signed builds a server-side request signed by the AWS SDK's own signer.
func signed(t testing.TB, body, service, region string, at time.Time, mutate func(*http.Request)) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", bytes.NewReader([]byte(body)))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "TrentService.ListKeys")
	r.Header.Set("User-Agent", "test  agent") // not signed by the SDK
	if mutate != nil {
		mutate(r)
	}
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret},
		r, hex.EncodeToString(sum[:]), service, region, at)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func verify(t *testing.T, r *http.Request, body, secret, service string, now time.Time) error {
	t.Helper()
	a, err := Parse(r)
	if err != nil {
		return err
	}
	return Verify(r, []byte(body), a, secret, service, now)
}

func TestVerifyAcceptsSDKSignature(t *testing.T) {
	now := time.Date(2026, 11, 22, 18, 0, 0, 0, time.UTC)
	for _, region := range []string{"us-east-1", "eu-west-3", "ap-southeast-2"} {
		r := signed(t, `{}`, "kms", region, now, func(r *http.Request) { r.Header.Add("X-Custom", "a   b") })
		if err := verify(t, r, `{}`, testSecret, "kms", now.Add(time.Minute)); err != nil {
			t.Errorf("%s: %v", region, err)
		}
	}
}

func TestVerifyQueryStringAndForm(t *testing.T) {
	now := time.Now().UTC()
	body := "Action=ListUsers&Version=2010-05-08"
	r := httptest.NewRequest(http.MethodPost, "http://localhost/?b=2&a=1%202&c~=x", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret}, r, hex.EncodeToString(sum[:]), "iam", "us-east-1", now); err != nil {
		t.Fatal(err)
	}
	if err := verify(t, r, body, testSecret, "iam", now); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyRejects(t *testing.T) {
	now := time.Date(2026, 11, 22, 18, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		req     func() *http.Request
		body    string
		secret  string
		service string
		now     time.Time
		kind    Kind
		msg     string
	}{
		{"wrong secret", func() *http.Request { return signed(t, `{}`, "kms", "us-east-1", now, nil) }, `{}`, "other", "kms", now, Mismatch, "The request signature we calculated does not match"},
		{"tampered body", func() *http.Request { return signed(t, `{}`, "kms", "us-east-1", now, nil) }, `{"Limit":1}`, testSecret, "kms", now, Mismatch, "does not match"},
		{"tampered signed header", func() *http.Request {
			r := signed(t, `{}`, "kms", "us-east-1", now, nil)
			r.Header.Set("X-Amz-Target", "TrentService.CreateKey")
			return r
		}, `{}`, testSecret, "kms", now, Mismatch, "does not match"},
		{"too old", func() *http.Request { return signed(t, `{}`, "kms", "us-east-1", now, nil) }, `{}`, testSecret, "kms", now.Add(16 * time.Minute), Expired, "Signature expired: 20261122T180000Z is now earlier than 20261122T180100Z (20261122T181600Z - 15 min.)"},
		{"from the future", func() *http.Request { return signed(t, `{}`, "kms", "us-east-1", now, nil) }, `{}`, testSecret, "kms", now.Add(-16 * time.Minute), Expired, "Signature not yet current"},
		{"wrong service", func() *http.Request { return signed(t, `{}`, "dynamodb", "us-east-1", now, nil) }, `{}`, testSecret, "kms", now, BadScope, "Credential should be scoped to correct service: 'kms'."},
		{"missing header", func() *http.Request { return httptest.NewRequest(http.MethodPost, "/", nil) }, ``, testSecret, "kms", now, Missing, "Request is missing Authentication Token"},
		{"incomplete header", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIA/20261122/us-east-1/kms/aws4_request")
			return r
		}, ``, testSecret, "kms", now, Incomplete, "requires 'SignedHeaders', 'Signature' parameter"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := verify(t, c.req(), c.body, c.secret, c.service, c.now)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("want *Error, got %v", err)
			}
			if e.Kind != c.kind || !strings.Contains(e.Message, c.msg) {
				t.Fatalf("got kind %d %q; want kind %d containing %q", e.Kind, e.Message, c.kind, c.msg)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIA/20261122/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b")
	f.Add("Basic xyz")
	f.Fuzz(func(t *testing.T, h string) {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.Header.Set("Authorization", h)
		r.Header.Set("X-Amz-Date", "20261122T180000Z")
		a, err := Parse(r)
		if err != nil {
			return
		}
		_ = Verify(r, nil, a, "s", "kms", time.Now())
	})
}
