package kms_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmslab/kmslab/sandbox/api"
	kmssvc "github.com/kmslab/kmslab/sandbox/kms"
	"github.com/kmslab/kmslab/sandbox/protocol"
	"github.com/kmslab/kmslab/sandbox/store"
)

type allowAll struct{}

func (allowAll) Authorize(context.Context, api.Principal, api.Target) error { return nil }

type rootOnly struct{ acct string }

func (d rootOnly) PrincipalExists(p string) bool {
	return p == "*" || p == d.acct || p == "arn:aws:iam::"+d.acct+":root"
}

// wireClient serves the KMS service alone behind a minimal awsJson1_1 front (no SigV4, every
// call allowed) so the real SDK checks this package's wire shapes without the gateway.
func wireClient(t *testing.T, acct string) *kms.Client {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	svc, err := kmssvc.New(st, acct, allowAll{}, rootOnly{acct})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := &api.Request{
			Ctx: r.Context(), Service: "kms", Region: "us-east-1", Now: time.Now(), Body: body, RequestID: "wire",
			Operation: strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "TrentService."),
			Caller:    api.Principal{AccountID: acct, ARN: "arn:aws:iam::" + acct + ":user/admin", UserName: "admin"},
		}
		fail := func(err error) {
			protocol.WriteError(w, api.JSON11, "kms", "wire", err.(*api.Error))
		}
		if _, err := svc.Targets(req); err != nil {
			fail(err)
			return
		}
		out, err := svc.Handle(req)
		if err != nil {
			fail(err)
			return
		}
		protocol.WriteJSON(w, api.JSON11, "wire", out)
	}))
	t.Cleanup(srv.Close)
	return kms.NewFromConfig(aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDWIRE", "wire-secret", ""),
		BaseEndpoint:     aws.String(srv.URL),
		RetryMaxAttempts: 1,
	})
}

func TestWireWithRealSDK(t *testing.T) {
	const acct = "000000000000"
	c := wireClient(t, acct)
	id, arn := scenarioKeyAndAlias(t, c, acct, "us-east-1")
	scenarioCrypto(t, c, id, arn)
	scenarioPolicyErrors(t, c, acct, id)
	scenarioListingAndGrants(t, c, id)
	scenarioStates(t, c, id, arn)
}
