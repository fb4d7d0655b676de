package iam

import (
	"regexp"
	"testing"
)

var (
	keyIDPattern  = regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)
	secretPattern = regexp.MustCompile(`^[A-Za-z0-9+/]{40}$`)
)

func TestCreateAccessKey(t *testing.T) {
	e := newEnv(t)
	e.must("CreateUser", "UserName", "u")
	res, targets, err := e.callAs(e.admin(), "CreateAccessKey", "UserName", "u")
	if err != nil {
		t.Fatal(err)
	}
	k := res.(createAccessKeyResult).AccessKey
	if !keyIDPattern.MatchString(k.AccessKeyId) || !secretPattern.MatchString(k.SecretAccessKey) {
		t.Fatalf("key %q secret %q", k.AccessKeyId, k.SecretAccessKey)
	}
	if k.UserName != "u" || k.Status != "Active" || k.CreateDate != "2026-11-22T17:52:00Z" {
		t.Fatalf("key = %+v", k)
	}
	if targets[0].Action != "iam:CreateAccessKey" || targets[0].Resource != "arn:aws:iam::000000000000:user/u" {
		t.Fatalf("targets = %+v", targets)
	}
	secret, p, active, found := e.s.Authenticate(k.AccessKeyId)
	if !found || !active || secret != k.SecretAccessKey || p.UserName != "u" || p.AccessKeyID != k.AccessKeyId ||
		p.ARN != "arn:aws:iam::000000000000:user/u" || p.AccountID != testAccount || !userIDPattern.MatchString(p.UserID) {
		t.Fatalf("Authenticate = %q %+v %v %v", secret, p, active, found)
	}
}

// TestUnconfirmed_AccessKeyQuotaStatus409: the message is AWS's; the 409 status is a guess.
func TestUnconfirmed_AccessKeyQuotaStatus409(t *testing.T) {
	e := newEnv(t)
	e.must("CreateUser", "UserName", "u")
	first := e.must("CreateAccessKey", "UserName", "u").(createAccessKeyResult).AccessKey.AccessKeyId
	e.must("CreateAccessKey", "UserName", "u")
	// An inactive key still counts.
	e.must("UpdateAccessKey", "UserName", "u", "AccessKeyId", first, "Status", "Inactive")
	_, err := e.call("CreateAccessKey", "UserName", "u")
	apiErr(t, err, "LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2")
}

func TestAccessKeyLifecycle(t *testing.T) {
	e := newEnv(t)
	e.must("CreateUser", "UserName", "u")
	k := e.must("CreateAccessKey", "UserName", "u").(createAccessKeyResult).AccessKey

	list := e.must("ListAccessKeys", "UserName", "u").(listAccessKeysResult)
	if len(list.AccessKeyMetadata) != 1 || list.AccessKeyMetadata[0] != (xmlAccessKeyMetadata{
		UserName: "u", AccessKeyId: k.AccessKeyId, Status: "Active", CreateDate: "2026-11-22T17:52:00Z"}) {
		t.Fatalf("list = %+v", list)
	}

	e.must("UpdateAccessKey", "UserName", "u", "AccessKeyId", k.AccessKeyId, "Status", "Inactive")
	if _, _, active, found := e.s.Authenticate(k.AccessKeyId); active || !found {
		t.Fatalf("inactive key: active=%v found=%v", active, found)
	}
	if st := e.must("ListAccessKeys", "UserName", "u").(listAccessKeysResult).AccessKeyMetadata[0].Status; st != "Inactive" {
		t.Fatalf("status %s", st)
	}
	// Survives a restart, still inactive.
	e.reopen()
	if secret, _, active, found := e.s.Authenticate(k.AccessKeyId); active || !found || secret != k.SecretAccessKey {
		t.Fatalf("after reopen: active=%v found=%v", active, found)
	}
	e.must("UpdateAccessKey", "UserName", "u", "AccessKeyId", k.AccessKeyId, "Status", "Active")
	if _, _, active, _ := e.s.Authenticate(k.AccessKeyId); !active {
		t.Fatal("reactivated key not active")
	}
	e.must("DeleteAccessKey", "UserName", "u", "AccessKeyId", k.AccessKeyId)
	if _, _, _, found := e.s.Authenticate(k.AccessKeyId); found {
		t.Fatal("deleted key still authenticates")
	}
	e.reopen()
	if _, _, _, found := e.s.Authenticate(k.AccessKeyId); found {
		t.Fatal("deleted key back after reopen")
	}
	if _, _, _, found := e.s.Authenticate("AKIANOTAKEY000000000"); found {
		t.Fatal("unknown key found")
	}
}

func TestAccessKeysDefaultToCaller(t *testing.T) {
	e := newEnv(t)
	e.must("CreateUser", "UserName", "u")
	k := e.must("CreateAccessKey", "UserName", "u").(createAccessKeyResult).AccessKey
	_, caller, _, _ := e.s.Authenticate(k.AccessKeyId)
	res, targets, err := e.callAs(caller, "CreateAccessKey")
	if err != nil {
		t.Fatal(err)
	}
	if res.(createAccessKeyResult).AccessKey.UserName != "u" || targets[0].Resource != caller.ARN {
		t.Fatalf("res %+v targets %+v", res, targets)
	}
	res, _, err = e.callAs(caller, "ListAccessKeys")
	if err != nil || len(res.(listAccessKeysResult).AccessKeyMetadata) != 2 {
		t.Fatalf("ListAccessKeys = %+v, %v", res, err)
	}
	if _, _, err := e.callAs(caller, "UpdateAccessKey", "AccessKeyId", k.AccessKeyId, "Status", "Inactive"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.callAs(caller, "DeleteAccessKey", "AccessKeyId", k.AccessKeyId); err != nil {
		t.Fatal(err)
	}
}

func TestAccessKeyErrors(t *testing.T) {
	cases := []struct {
		name   string
		op     string
		kv     []string
		code   string
		status int
		msg    string
	}{
		{"create for missing user", "CreateAccessKey", []string{"UserName", "ghost"}, "NoSuchEntity", 404, "The user with name ghost cannot be found."},
		{"list for missing user", "ListAccessKeys", []string{"UserName", "ghost"}, "NoSuchEntity", 404, "The user with name ghost cannot be found."},
		{"update unknown key", "UpdateAccessKey", []string{"UserName", "u", "AccessKeyId", "AKIAAAAAAAAAAAAAAAAA", "Status", "Active"},
			"NoSuchEntity", 404, "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found."},
		{"delete unknown key", "DeleteAccessKey", []string{"UserName", "u", "AccessKeyId", "AKIAAAAAAAAAAAAAAAAA"},
			"NoSuchEntity", 404, "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found."},
		{"delete without id", "DeleteAccessKey", []string{"UserName", "u"}, "ValidationError", 400,
			"1 validation error detected: Value null at 'accessKeyId' failed to satisfy constraint: Member must not be null"},
		{"short id", "DeleteAccessKey", []string{"UserName", "u", "AccessKeyId", "AKIA"}, "ValidationError", 400,
			"1 validation error detected: Value 'AKIA' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16"},
		{"update without status", "UpdateAccessKey", []string{"UserName", "u", "AccessKeyId", "AKIAAAAAAAAAAAAAAAAA"}, "ValidationError", 400,
			"1 validation error detected: Value null at 'status' failed to satisfy constraint: Member must not be null"},
		{"update bad status", "UpdateAccessKey", []string{"UserName", "u", "AccessKeyId", "AKIAAAAAAAAAAAAAAAAA", "Status", "Off"}, "ValidationError", 400,
			"1 validation error detected: Value 'Off' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.must("CreateUser", "UserName", "u")
			_, err := e.call(c.op, c.kv...)
			apiErr(t, err, c.code, c.status, c.msg)
		})
	}
}

func TestKeyOfAnotherUser(t *testing.T) {
	e := newEnv(t)
	e.must("CreateUser", "UserName", "a")
	e.must("CreateUser", "UserName", "b")
	k := e.must("CreateAccessKey", "UserName", "a").(createAccessKeyResult).AccessKey.AccessKeyId
	_, err := e.call("DeleteAccessKey", "UserName", "b", "AccessKeyId", k)
	apiErr(t, err, "NoSuchEntity", 404, "The Access Key with id "+k+" cannot be found.")
}

func TestAuthenticateDoesNotAllocate(t *testing.T) {
	e := newEnv(t)
	_, id, _, err := e.s.Bootstrap(testNow)
	if err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, _, _, found := e.s.Authenticate(id); !found {
			t.Fatal("not found")
		}
	})
	if allocs != 0 {
		t.Fatalf("Authenticate allocates %v times per call", allocs)
	}
}
