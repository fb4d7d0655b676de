package target

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fake is an HTTP server that imitates an emulator: it answers sts:GetCallerIdentity in
// the Query protocol and the health paths it is told to, and notes who signed each call.
type fake struct {
	*httptest.Server
	health     map[string]int // GET path → status; others 404
	header     string         // x-localstack value on every answer ("" = none)
	headerPOST bool           // the header only on AWS calls, not on health checks
	// alias, when set, is answered to iam:ListAccountAliases.
	alias string
	// answer decides the STS reply for an access key id: "" = success, else an error code.
	answer func(keyID string) string

	mu      sync.Mutex
	keys    []string
	regions []string
}

const fakeAccount = "111122223333"

func newFake(t *testing.T, f *fake) *fake {
	t.Helper()
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	if f.header != "" && (!f.headerPOST || r.Method == http.MethodPost) {
		w.Header().Set("x-localstack", f.header)
	}
	if r.Method == http.MethodGet {
		status, ok := f.health[r.URL.Path]
		if !ok {
			status = http.StatusNotFound
		}
		w.WriteHeader(status)
		fmt.Fprint(w, `{"services":{"kms":"available"}}`)
		return
	}
	_ = r.ParseForm()
	key, region := signer(r.Header.Get("Authorization"))
	f.mu.Lock()
	f.keys, f.regions = append(f.keys, key), append(f.regions, region)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	if r.Form.Get("Action") == "ListAccountAliases" && f.alias != "" {
		fmt.Fprintf(w, `<ListAccountAliasesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListAccountAliasesResult>`+
			`<AccountAliases><member>%s</member></AccountAliases><IsTruncated>false</IsTruncated></ListAccountAliasesResult>`+
			`<ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></ListAccountAliasesResponse>`, f.alias)
		return
	}
	if r.Form.Get("Action") != "GetCallerIdentity" {
		stsError(w, "InvalidAction", "not imitated")
		return
	}
	code := ""
	if f.answer != nil {
		code = f.answer(key)
	}
	if code != "" {
		stsError(w, code, "refused by the fake")
		return
	}
	fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
		`<Arn>arn:aws:iam::%s:user/student</Arn><UserId>AIDAEXAMPLEUSERID0001</UserId><Account>%s</Account>`+
		`</GetCallerIdentityResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
		fakeAccount, fakeAccount)
}

func stsError(w http.ResponseWriter, code, msg string) {
	w.WriteHeader(http.StatusForbidden)
	fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>`+
		`<Code>%s</Code><Message>%s</Message></Error><RequestId>r-2</RequestId></ErrorResponse>`, code, msg)
}

// signer reads the access key id and region from a SigV4 Authorization header.
func signer(auth string) (keyID, region string) {
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return "", ""
	}
	scope, _, _ := strings.Cut(rest, ",")
	parts := strings.Split(scope, "/")
	if len(parts) < 3 {
		return "", ""
	}
	return parts[0], parts[2]
}

func (f *fake) seen() (keys, regions []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.keys...), append([]string(nil), f.regions...)
}

// deadURL is a loopback URL where nothing listens.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	return url
}

// envOf is a Getenv over a map.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}
