package sts

import (
	"bytes"
	"encoding/xml"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/iam"
	"github.com/kmslab/kmslab/sandbox/store"
)

func newIAM(t *testing.T) *iam.Service {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	s, err := iam.New(st, "000000000000")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func request(op string, caller api.Principal) *api.Request {
	return &api.Request{Operation: op, Caller: caller, Form: url.Values{"Action": {op}, "Version": {Version}}}
}

func TestGetCallerIdentity(t *testing.T) {
	ids := newIAM(t)
	_, keyID, _, err := ids.Bootstrap(testTime)
	if err != nil {
		t.Fatal(err)
	}
	_, p, _, _ := ids.Authenticate(keyID)
	s := New(ids, "000000000000")
	if s.Name() != "sts" || s.Protocol() != api.Query {
		t.Fatal("Name/Protocol")
	}
	r := request("GetCallerIdentity", p)
	targets, err := s.Targets(r)
	if err != nil || targets == nil || len(targets) != 0 {
		t.Fatalf("Targets = %v, %v; want empty, no error", targets, err)
	}
	res, err := s.Handle(r)
	if err != nil {
		t.Fatal(err)
	}
	got := res.(GetCallerIdentityResult)
	if got.Arn != "arn:aws:iam::000000000000:user/admin" || got.UserId != p.UserID || got.Account != "000000000000" {
		t.Fatalf("result = %+v", got)
	}

	// A principal without its id gets it from IAM.
	p.UserID = ""
	res, _ = s.Handle(request("GetCallerIdentity", p))
	if res.(GetCallerIdentityResult).UserId == "" {
		t.Fatal("UserId not resolved through IAM")
	}
	// The root user's id is the account id.
	res, _ = s.Handle(request("GetCallerIdentity", api.Principal{ARN: "arn:aws:iam::000000000000:root"}))
	if got := res.(GetCallerIdentityResult); got.UserId != "000000000000" || got.Account != "000000000000" {
		t.Fatalf("root = %+v", got)
	}
}

func TestUnknownAction(t *testing.T) {
	s := New(nil, "")
	for _, op := range []string{"AssumeRole", "GetSessionToken", "Nope", ""} {
		_, err := s.Targets(request(op, api.Principal{}))
		var ae *api.Error
		if !errors.As(err, &ae) || ae.Code != "InvalidAction" || ae.Status != 400 || ae.Receiver ||
			ae.Message != "Could not find operation "+op+" for version 2011-06-15" {
			t.Fatalf("%s: %v", op, err)
		}
		if _, err := s.Handle(request(op, api.Principal{})); err == nil {
			t.Fatalf("%s: Handle succeeded", op)
		}
	}
	r := request("GetCallerIdentity", api.Principal{})
	r.Form.Set("Version", "2010-05-08")
	_, err := s.Targets(r)
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Message != "Could not find operation GetCallerIdentity for version 2010-05-08" {
		t.Fatalf("wrong version: %v", err)
	}
}

func TestResultXML(t *testing.T) {
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	res := GetCallerIdentityResult{Arn: "arn:aws:iam::000000000000:user/admin", UserId: "AIDAJQABLZS4A3QDU576Q", Account: "000000000000"}
	if err := enc.EncodeElement(res, xml.StartElement{Name: xml.Name{Local: "GetCallerIdentityResult"}}); err != nil {
		t.Fatal(err)
	}
	_ = enc.Flush()
	want := `<GetCallerIdentityResult><Arn>arn:aws:iam::000000000000:user/admin</Arn><UserId>AIDAJQABLZS4A3QDU576Q</UserId><Account>000000000000</Account></GetCallerIdentityResult>`
	if b.String() != want {
		t.Fatalf("got  %s\nwant %s", b.String(), want)
	}
}

var testTime = time.Date(2026, 11, 22, 17, 52, 0, 0, time.UTC)
