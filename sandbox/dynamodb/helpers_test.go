package dynamodb

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/store"
)

const (
	acct    = "000000000000"
	region  = "us-east-1"
	keyID   = "1234abcd-12ab-34cd-56ef-1234567890ab"
	keyARN  = "arn:aws:kms:us-east-1:000000000000:key/" + keyID
	key2ARN = "arn:aws:kms:us-east-1:000000000000:key/22222222-12ab-34cd-56ef-1234567890ab"
)

var (
	admin   = api.Principal{AccountID: acct, ARN: "arn:aws:iam::000000000000:user/admin", UserName: "admin"}
	student = api.Principal{AccountID: acct, ARN: "arn:aws:iam::000000000000:user/nextwork-kms-user", UserName: "nextwork-kms-user"}
)

// fakeBroker plays KMS: it wraps table keys with AES-GCM under a fixed key, denies the
// users in deny, and can have keys disabled or pending deletion.
type fakeBroker struct {
	mu       sync.Mutex
	deny     map[string]bool   // user names without kms:Decrypt
	state    map[string]string // key ARN → "Disabled" | "PendingDeletion"
	opens    int
	creates  []map[string]string
	releases []string
}

func newBroker() *fakeBroker {
	return &fakeBroker{deny: map[string]bool{}, state: map[string]string{}}
}

func (b *fakeBroker) resolve(ref string) (string, error) {
	switch ref {
	case keyID, keyARN, "alias/nextwork-kms-key", "arn:aws:kms:us-east-1:000000000000:alias/nextwork-kms-key":
		return keyARN, nil
	case key2ARN:
		return key2ARN, nil
	case "alias/asymmetric":
		return "", &api.Error{Code: "ValidationException", Message: "EncryptionContext is supported only when creating a grant for a symmetric encryption KMS key.", Status: 400}
	case "alias/missing":
		return "", &api.Error{Code: "NotFoundException", Message: "Alias arn:aws:kms:us-east-1:000000000000:alias/missing is not found.", Status: 400}
	}
	return "", &api.Error{Code: "NotFoundException", Message: fmt.Sprintf("Key '%s' does not exist", ref), Status: 400}
}

func (b *fakeBroker) check(caller api.Principal, arn, action string) error {
	switch b.state[arn] {
	case "Disabled":
		return &api.Error{Code: "DisabledException", Message: arn + " is disabled.", Status: 400}
	case "PendingDeletion":
		return &api.Error{Code: "KMSInvalidStateException", Message: arn + " is pending deletion.", Status: 400}
	}
	if b.deny[caller.UserName] {
		return &api.Error{Code: "AccessDeniedException", Status: 400, Message: fmt.Sprintf(
			"User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action", caller.ARN, action, arn, action)}
	}
	return nil
}

var wrapKey = []byte("0123456789abcdef0123456789abcdef")

func gcm() cipher.AEAD {
	blk, _ := aes.NewCipher(wrapKey)
	a, _ := cipher.NewGCM(blk)
	return a
}

func (b *fakeBroker) CreateTableKey(_ context.Context, caller api.Principal, _ string, ref string, encCtx map[string]string) (string, []byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	arn, err := b.resolve(ref)
	if err != nil {
		return "", nil, err
	}
	if err := b.check(caller, arn, "kms:CreateGrant"); err != nil {
		return "", nil, err
	}
	b.creates = append(b.creates, encCtx)
	nonce := make([]byte, 12)
	return arn, gcm().Seal(nonce, nonce, randomKey(), []byte(arn+encCtx["aws:dynamodb:tableName"])), nil
}

func (b *fakeBroker) OpenTableKey(_ context.Context, caller api.Principal, _ string, arn string, wrapped []byte, encCtx map[string]string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.opens++
	if err := b.check(caller, arn, "kms:Decrypt"); err != nil {
		return nil, err
	}
	if encCtx["aws:dynamodb:subscriberId"] != acct {
		return nil, errors.New("bad encryption context")
	}
	return gcm().Open(nil, wrapped[:12], wrapped[12:], []byte(arn+encCtx["aws:dynamodb:tableName"]))
}

func (b *fakeBroker) ReleaseTableKey(_ context.Context, _ string, arn string, _ map[string]string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.releases = append(b.releases, arn)
	return nil
}

func (b *fakeBroker) openCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.opens
}

type env struct {
	t      testing.TB
	dir    string
	st     *store.Store
	svc    *Service
	broker *fakeBroker
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), broker: newBroker()}
	e.open()
	t.Cleanup(func() { _ = e.st.Close() })
	return e
}

func (e *env) open() {
	e.t.Helper()
	st, err := store.Open(e.dir)
	if err != nil {
		e.t.Fatal(err)
	}
	svc, err := New(st, acct, e.broker)
	if err != nil {
		e.t.Fatal(err)
	}
	e.st, e.svc = st, svc
}

// restart closes the store and loads the service again from disk.
func (e *env) restart() {
	e.t.Helper()
	if err := e.st.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

// call runs an operation as the gateway would and returns the JSON result or the error.
func (e *env) call(op, body string) (map[string]any, *api.Error) {
	return e.callAs(admin, op, body)
}

func (e *env) callAs(who api.Principal, op, body string) (map[string]any, *api.Error) {
	e.t.Helper()
	r := &api.Request{Ctx: context.Background(), Service: "dynamodb", Operation: op, Region: region, Caller: who,
		RequestID: "req", Now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Body: []byte(body)}
	if _, err := e.svc.Targets(r); err != nil {
		return nil, apiErr(e.t, err)
	}
	res, err := e.svc.Handle(r)
	if err != nil {
		return nil, apiErr(e.t, err)
	}
	b, jerr := json.Marshal(res)
	if jerr != nil {
		e.t.Fatalf("%s result does not encode: %v", op, jerr)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		e.t.Fatalf("%s result %s: %v", op, b, err)
	}
	return out, nil
}

func apiErr(t testing.TB, err error) *api.Error {
	t.Helper()
	var ae *api.Error
	if !errors.As(err, &ae) {
		t.Fatalf("not an api.Error: %T %v", err, err)
	}
	if ae.Status == 0 || ae.Code == "" {
		t.Fatalf("error without status or code: %+v", ae)
	}
	if ae.Code != "InternalFailure" && (ae.Type == "" || ae.MessageKey != "Message") {
		t.Fatalf("DynamoDB error without namespaced type or Message key: %+v", ae)
	}
	return ae
}

// must runs an operation that has to succeed.
func (e *env) must(op, body string) map[string]any {
	e.t.Helper()
	out, err := e.call(op, body)
	if err != nil {
		e.t.Fatalf("%s %s: %v", op, body, err)
	}
	return out
}

// fails runs an operation that has to fail with code and a message starting with msg.
func (e *env) fails(op, body, code, msg string) *api.Error {
	e.t.Helper()
	return e.failsAs(admin, op, body, code, msg)
}

func (e *env) failsAs(who api.Principal, op, body, code, msg string) *api.Error {
	e.t.Helper()
	_, err := e.callAs(who, op, body)
	if err == nil {
		e.t.Fatalf("%s %s: succeeded, want %s", op, body, code)
	}
	if err.Code != code || !strings.HasPrefix(err.Message, msg) {
		e.t.Fatalf("%s %s:\n got %s: %s\nwant %s: %s…", op, body, err.Code, err.Message, code, msg)
	}
	if err.Status != http.StatusBadRequest && code != "InternalServerError" {
		e.t.Fatalf("%s: status %d", op, err.Status)
	}
	return err
}

// createSimple makes a table keyed by id (S), on-demand; sse is an SSESpecification or "".
func (e *env) createSimple(name, sse string) map[string]any {
	e.t.Helper()
	body := `{"TableName":"` + name + `","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
		"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"`
	if sse != "" {
		body += `,"SSESpecification":` + sse
	}
	return e.must("CreateTable", body+"}")
}

// createRange makes a table keyed by pk (S) and sk (N).
func (e *env) createRange(name string) {
	e.t.Helper()
	e.must("CreateTable", `{"TableName":"`+name+`","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
		"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],"BillingMode":"PAY_PER_REQUEST"}`)
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// path digs into decoded JSON: path(m, "Table", "SSEDescription", "Status").
func path(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
