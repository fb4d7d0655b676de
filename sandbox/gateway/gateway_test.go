package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/kmslab/kmslab/policy"
	"github.com/kmslab/kmslab/sandbox/api"
)

const (
	adminKey    = "AKIAADMINADMINADMIN1"
	adminSecret = "adminsecretadminsecretadminsecretadmin00"
	userKey     = "AKIAUSERUSERUSERUSE1"
	userSecret  = "usersecretusersecretusersecretusersecret"
)

type fakeIDs struct {
	policies map[string][]policy.NamedPolicy
}

func (f fakeIDs) Authenticate(id string) (string, api.Principal, bool, bool) {
	switch id {
	case adminKey:
		return adminSecret, api.Principal{AccountID: "000000000000", ARN: "arn:aws:iam::000000000000:user/admin", UserName: "admin", UserID: "AIDAADMIN", AccessKeyID: id}, true, true
	case userKey:
		return userSecret, api.Principal{AccountID: "000000000000", ARN: "arn:aws:iam::000000000000:user/bob", UserName: "bob", UserID: "AIDABOB", AccessKeyID: id}, true, true
	}
	return "", api.Principal{}, false, false
}

func (f fakeIDs) IdentityPolicies(p api.Principal) ([]policy.NamedPolicy, error) {
	return f.policies[p.UserName], nil
}

// fakeService echoes the operation; "Boom" panics, "Fail" returns a service error.
type fakeService struct {
	name  string
	proto api.Protocol
}

func (s fakeService) Name() string           { return s.name }
func (s fakeService) Protocol() api.Protocol { return s.proto }
func (s fakeService) Targets(r *api.Request) ([]api.Target, error) {
	if r.Operation == "Unknown" {
		return nil, api.Unknown(s.name, r.Operation)
	}
	return []api.Target{{Action: s.name + ":" + r.Operation, Resource: "*"}}, nil
}

type echoResult struct {
	Operation string `json:"Operation" xml:"Operation"`
	Caller    string `json:"Caller" xml:"Caller"`
	Region    string `json:"Region" xml:"Region"`
}

func (s fakeService) Handle(r *api.Request) (any, error) {
	switch r.Operation {
	case "Boom":
		panic("service bug")
	case "Fail":
		return nil, api.Errorf("NotFoundException", "Key 'x' does not exist")
	}
	return echoResult{Operation: r.Operation, Caller: r.Caller.ARN, Region: r.Region}, nil
}

func mustParse(t *testing.T, doc string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newTestGateway(t *testing.T, faults Faults) (*Gateway, *[]Entry) {
	ids := fakeIDs{policies: map[string][]policy.NamedPolicy{
		"admin": {{Name: "AdministratorAccess", Policy: mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}},
		"bob":   {{Name: "DynamoOnly", Policy: mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}`)}},
	}}
	var log []Entry
	g := New(Config{
		Services: []api.Service{
			fakeService{"kms", api.JSON11}, fakeService{"dynamodb", api.JSON10},
			fakeService{"iam", api.Query}, fakeService{"sts", api.Query},
		},
		Identities: ids,
		Authorizer: NewAuthorizer(ids),
		Faults:     faults,
		Log:        func(e Entry) { log = append(log, e) },
	})
	return g, &log
}

type call struct {
	service, region, target, form string
	key, secret                   string
	at                            time.Time
}

func (c call) request(t *testing.T) *http.Request {
	t.Helper()
	body := c.form
	if c.target != "" {
		body = "{}"
	}
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", bytes.NewReader([]byte(body)))
	if c.target != "" {
		r.Header.Set("X-Amz-Target", c.target)
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	} else {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	if c.key == "" {
		return r
	}
	at := c.at
	if at.IsZero() {
		at = time.Now()
	}
	region := c.region
	if region == "" {
		region = "us-east-1"
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: c.key, SecretAccessKey: c.secret}, r, hex.EncodeToString(sum[:]), c.service, region, at); err != nil {
		t.Fatal(err)
	}
	return r
}

func serve(g *Gateway, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	return w
}

func jsonBody(t *testing.T, w *httptest.ResponseRecorder) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q: %v", w.Body.String(), err)
	}
	return m
}

func TestGatewayServesSignedJSONInAnyRegion(t *testing.T) {
	g, log := newTestGateway(t, Faults{})
	for _, region := range []string{"us-east-1", "eu-central-1"} {
		w := serve(g, call{service: "kms", region: region, target: "TrentService.ListKeys", key: adminKey, secret: adminSecret}.request(t))
		if w.Code != 200 {
			t.Fatalf("%s: status %d %s", region, w.Code, w.Body)
		}
		m := jsonBody(t, w)
		if m["Operation"] != "ListKeys" || m["Region"] != region || m["Caller"] != "arn:aws:iam::000000000000:user/admin" {
			t.Fatalf("unexpected result %v", m)
		}
		if w.Header().Get("Content-Type") != "application/x-amz-json-1.1" || w.Header().Get("X-Amzn-Requestid") == "" {
			t.Fatalf("headers %v", w.Header())
		}
	}
	if len(*log) != 2 || (*log)[0].Who != "admin" || (*log)[0].Operation != "ListKeys" || (*log)[0].Status != 200 {
		t.Fatalf("log %+v", *log)
	}
}

func TestGatewayDynamoDBHasCRC32AndNamespacedErrors(t *testing.T) {
	g, _ := newTestGateway(t, Faults{})
	w := serve(g, call{service: "dynamodb", target: "DynamoDB_20120810.ListTables", key: adminKey, secret: adminSecret}.request(t))
	if w.Code != 200 || w.Header().Get("X-Amz-Crc32") == "" || w.Header().Get("Content-Type") != "application/x-amz-json-1.0" {
		t.Fatalf("status %d headers %v", w.Code, w.Header())
	}
	w = serve(g, call{service: "dynamodb", target: "DynamoDB_20120810.ListTables", key: "AKIANOSUCHKEY0000000", secret: "x"}.request(t))
	m := jsonBody(t, w)
	if w.Code != 400 || m["__type"] != "com.amazon.coral.service#UnrecognizedClientException" || m["message"] != "The security token included in the request is invalid." {
		t.Fatalf("got %d %v", w.Code, m)
	}
}

func TestGatewayAuthErrorsPerProtocol(t *testing.T) {
	g, _ := newTestGateway(t, Faults{})
	now := time.Now()
	cases := []struct {
		name   string
		c      call
		status int
		code   string
		msg    string
	}{
		{"kms unknown key", call{service: "kms", target: "TrentService.ListKeys", key: "AKIANOSUCHKEY0000000", secret: "x"}, 400, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"kms wrong secret", call{service: "kms", target: "TrentService.ListKeys", key: adminKey, secret: "wrong"}, 400, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided."},
		{"kms clock skew", call{service: "kms", target: "TrentService.ListKeys", key: adminKey, secret: adminSecret, at: now.Add(-20 * time.Minute)}, 400, "InvalidSignatureException", "Signature expired:"},
		{"kms unsigned", call{target: "TrentService.ListKeys"}, 400, "MissingAuthenticationTokenException", "Request is missing Authentication Token"},
		{"kms signed for another service", call{service: "dynamodb", target: "TrentService.ListKeys", key: adminKey, secret: adminSecret}, 400, "InvalidSignatureException", "Credential should be scoped to correct service: 'kms'."},
		{"iam unknown key", call{service: "iam", form: "Action=ListUsers&Version=2010-05-08", key: "AKIANOSUCHKEY0000000", secret: "x"}, 403, "InvalidClientTokenId", "The security token included in the request is invalid"},
		{"sts wrong secret", call{service: "sts", form: "Action=GetCallerIdentity&Version=2011-06-15", key: adminKey, secret: "wrong"}, 403, "SignatureDoesNotMatch", "The request signature we calculated does not match"},
		{"iam unsigned", call{form: "Action=ListUsers&Version=2010-05-08"}, 403, "MissingAuthenticationToken", "Request is missing Authentication Token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := serve(g, c.c.request(t))
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			code, msg := errorOf(t, w)
			if code != c.code || !strings.HasPrefix(msg, c.msg) {
				t.Fatalf("got %s %q; want %s %q", code, msg, c.code, c.msg)
			}
		})
	}
}

// errorOf reads the code and message of a JSON or Query error body.
func errorOf(t *testing.T, w *httptest.ResponseRecorder) (string, string) {
	t.Helper()
	if strings.HasPrefix(w.Header().Get("Content-Type"), "text/xml") {
		var e struct {
			Type    string `xml:"Error>Type"`
			Code    string `xml:"Error>Code"`
			Message string `xml:"Error>Message"`
			ReqID   string `xml:"RequestId"`
		}
		if err := xml.Unmarshal(w.Body.Bytes(), &e); err != nil {
			t.Fatalf("xml %q: %v", w.Body, err)
		}
		if e.ReqID == "" || e.Type != "Sender" && e.Type != "Receiver" {
			t.Fatalf("error envelope incomplete: %s", w.Body)
		}
		return e.Code, e.Message
	}
	m := jsonBody(t, w)
	code := m["__type"]
	if i := strings.LastIndex(code, "#"); i >= 0 {
		code = code[i+1:]
	}
	msg := m["message"]
	if msg == "" {
		msg = m["Message"]
	}
	return code, msg
}

func TestGatewayDeniesByPolicyInEachProtocolsWords(t *testing.T) {
	g, _ := newTestGateway(t, Faults{})
	w := serve(g, call{service: "kms", target: "TrentService.ListKeys", key: userKey, secret: userSecret}.request(t))
	code, msg := errorOf(t, w)
	if w.Code != 400 || code != "AccessDeniedException" || msg != "User: arn:aws:iam::000000000000:user/bob is not authorized to perform: kms:ListKeys on resource: * because no identity-based policy allows the kms:ListKeys action" {
		t.Fatalf("kms: %d %s %q", w.Code, code, msg)
	}
	w = serve(g, call{service: "iam", form: "Action=ListUsers&Version=2010-05-08", key: userKey, secret: userSecret}.request(t))
	code, msg = errorOf(t, w)
	if w.Code != 403 || code != "AccessDenied" || !strings.Contains(msg, "iam:ListUsers") {
		t.Fatalf("iam: %d %s %q", w.Code, code, msg)
	}
	w = serve(g, call{service: "dynamodb", target: "DynamoDB_20120810.Scan", key: userKey, secret: userSecret}.request(t))
	if w.Code != 200 {
		t.Fatalf("dynamodb allowed by dynamodb:*: %d %s", w.Code, w.Body)
	}
}

func TestGatewayQuerySuccessEnvelope(t *testing.T) {
	g, _ := newTestGateway(t, Faults{})
	w := serve(g, call{service: "iam", form: "Action=ListUsers&Version=2010-05-08", key: adminKey, secret: adminSecret}.request(t))
	want := `<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult><Operation>ListUsers</Operation>`
	if w.Code != 200 || !strings.HasPrefix(w.Body.String(), want) || !strings.Contains(w.Body.String(), "<ResponseMetadata><RequestId>") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestGatewayNeverLeaksPanicsOrBadInput(t *testing.T) {
	g, log := newTestGateway(t, Faults{})
	w := serve(g, call{service: "kms", target: "TrentService.Boom", key: adminKey, secret: adminSecret}.request(t))
	code, msg := errorOf(t, w)
	if w.Code != 500 || code != "InternalFailure" || strings.Contains(w.Body.String(), "service bug") || strings.Contains(w.Body.String(), "goroutine") {
		t.Fatalf("%d %s %q", w.Code, code, msg)
	}
	if last := (*log)[len(*log)-1]; last.Code != "InternalFailure" {
		t.Fatalf("log %+v", last)
	}
	w = serve(g, call{service: "kms", target: "TrentService.Unknown", key: adminKey, secret: adminSecret}.request(t))
	if code, _ := errorOf(t, w); w.Code != 400 || code != "UnknownOperationException" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	w = serve(g, call{service: "kms", target: "NoSuchService_2020.Op", key: adminKey, secret: adminSecret}.request(t))
	if code, _ := errorOf(t, w); w.Code != 400 || code != "UnknownOperationException" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	w = serve(g, call{service: "iam", form: "Version=2010-05-08", key: adminKey, secret: adminSecret}.request(t))
	if code, _ := errorOf(t, w); w.Code != 400 || code != "MissingAction" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	big := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("x", MaxBody+1)))
	big.Header.Set("X-Amz-Target", "TrentService.ListKeys")
	w = serve(g, big)
	if code, _ := errorOf(t, w); w.Code != 413 || code != "RequestEntityTooLarge" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestFaultsInjectRetryableErrors(t *testing.T) {
	g, _ := newTestGateway(t, Faults{Throttle: 1})
	w := serve(g, call{service: "dynamodb", target: "DynamoDB_20120810.ListTables", key: adminKey, secret: adminSecret}.request(t))
	if code, _ := errorOf(t, w); w.Code != 400 || code != "ThrottlingException" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	g, _ = newTestGateway(t, Faults{Errors: 1})
	w = serve(g, call{service: "kms", target: "TrentService.ListKeys", key: adminKey, secret: adminSecret}.request(t))
	if code, _ := errorOf(t, w); w.Code != 500 || code != "KMSInternalException" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestParseFaults(t *testing.T) {
	f, err := ParseFaults("throttle=0.1, error=0.05,latency=50ms")
	if err != nil || f.Throttle != 0.1 || f.Errors != 0.05 || f.Latency != 50*time.Millisecond {
		t.Fatalf("%+v %v", f, err)
	}
	for _, bad := range []string{"throttle=2", "latency=forever", "nap=1", "throttle"} {
		if _, err := ParseFaults(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}
