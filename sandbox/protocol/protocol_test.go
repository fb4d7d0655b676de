package protocol

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kmslab/kmslab/sandbox/api"
)

func TestDetect(t *testing.T) {
	cases := []struct {
		name, target, ctype, body, scope string
		proto                            api.Protocol
		service, op, errCode             string
	}{
		{"kms", "TrentService.CreateKey", "application/x-amz-json-1.1", "{}", "kms", api.JSON11, "kms", "CreateKey", ""},
		{"dynamodb", "DynamoDB_20120810.Scan", "application/x-amz-json-1.0", "{}", "dynamodb", api.JSON10, "dynamodb", "Scan", ""},
		{"iam by version", "", "application/x-www-form-urlencoded; charset=utf-8", "Action=ListUsers&Version=2010-05-08", "iam", api.Query, "iam", "ListUsers", ""},
		{"sts by version", "", "application/x-www-form-urlencoded", "Action=GetCallerIdentity&Version=2011-06-15", "sts", api.Query, "sts", "GetCallerIdentity", ""},
		{"sts by scope", "", "application/x-www-form-urlencoded", "Action=GetCallerIdentity", "sts", api.Query, "sts", "GetCallerIdentity", ""},
		{"unknown target", "Nope_1.X", "application/x-amz-json-1.1", "{}", "kms", api.JSON11, "", "", "UnknownOperationException"},
		{"target without op", "TrentService.", "application/x-amz-json-1.1", "{}", "kms", api.JSON11, "kms", "", "UnknownOperationException"},
		{"no action", "", "application/x-www-form-urlencoded", "Version=2010-05-08", "iam", api.Query, "iam", "", "MissingAction"},
		{"unknown version", "", "application/x-www-form-urlencoded", "Action=X&Version=1999-01-01", "s3", api.Query, "", "X", "InvalidAction"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(c.body))
			r.Header.Set("Content-Type", c.ctype)
			if c.target != "" {
				r.Header.Set("X-Amz-Target", c.target)
			}
			call, err := Detect(r, []byte(c.body), c.scope)
			if c.errCode != "" {
				if err == nil || err.Code != c.errCode {
					t.Fatalf("want %s, got %v", c.errCode, err)
				}
				return
			}
			if err != nil || call.Protocol != c.proto || call.Service != c.service || call.Operation != c.op {
				t.Fatalf("got %+v %v", call, err)
			}
		})
	}
}

func TestWriteErrorShapes(t *testing.T) {
	w := httptest.NewRecorder()
	WriteError(w, api.JSON10, "dynamodb", "rid", &api.Error{Code: "AccessDeniedException", Type: "com.amazon.coral.service#AccessDeniedException", MessageKey: "Message", Message: `a "quoted" <msg>`, Status: 400})
	var m map[string]string
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || m["__type"] != "com.amazon.coral.service#AccessDeniedException" || m["Message"] != `a "quoted" <msg>` {
		t.Fatalf("%s %v", w.Body, err)
	}
	if w.Header().Get("X-Amz-Crc32") == "" {
		t.Fatal("DynamoDB responses carry X-Amz-Crc32")
	}
	w = httptest.NewRecorder()
	WriteError(w, api.Query, "sts", "rid", &api.Error{Code: "InvalidClientTokenId", Message: "bad & <worse>", Status: 403})
	want := `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>bad &amp; &lt;worse&gt;</Message></Error><RequestId>rid</RequestId></ErrorResponse>`
	if w.Code != 403 || w.Body.String() != want {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func FuzzDetect(f *testing.F) {
	f.Add("TrentService.CreateKey", "{}")
	f.Add("", "Action=ListUsers&Version=2010-05-08&Tags.member.1.Key=a")
	f.Add("", "%zz&&==")
	f.Fuzz(func(t *testing.T, target, body string) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if target != "" {
			r.Header.Set("X-Amz-Target", target)
		}
		call, err := Detect(r, []byte(body), "iam")
		if err == nil && (call.Service == "" || call.Operation == "") {
			t.Fatalf("accepted a call without service or operation: %+v", call)
		}
	})
}
