package iam

import (
	"sync"
	"testing"

	"github.com/kmslab/kmslab/policy"
	"github.com/kmslab/kmslab/sandbox/api"
)

func TestBootstrapIdempotentAcrossReopen(t *testing.T) {
	e := newEnv(t)
	created, id, secret, err := e.s.Bootstrap(testNow)
	if err != nil || !created || !keyIDPattern.MatchString(id) || !secretPattern.MatchString(secret) {
		t.Fatalf("first Bootstrap = %v %q %q %v", created, id, secret, err)
	}
	u := e.must("GetUser", "UserName", "admin").(userResult).User
	if u.Path != "/" || u.Arn != "arn:aws:iam::000000000000:user/admin" {
		t.Fatalf("admin = %+v", u)
	}
	att := e.must("ListAttachedUserPolicies", "UserName", "admin").(listAttachedUserPoliciesResult)
	if len(att.AttachedPolicies) != 1 || att.AttachedPolicies[0].PolicyArn != AdministratorAccessARN {
		t.Fatalf("admin policies = %+v", att)
	}

	created2, id2, secret2, err := e.s.Bootstrap(testNow)
	if err != nil || created2 || id2 != id || secret2 != secret {
		t.Fatalf("second Bootstrap = %v %q %v", created2, id2, err)
	}
	e.reopen()
	created3, id3, secret3, err := e.s.Bootstrap(testNow)
	if err != nil || created3 || id3 != id || secret3 != secret {
		t.Fatalf("Bootstrap after reopen = %v %q %v", created3, id3, err)
	}
	if s, p, active, found := e.s.Authenticate(id); !found || !active || s != secret || p.UserName != "admin" || p.ARN != u.Arn || p.UserID != u.UserId {
		t.Fatalf("Authenticate admin after reopen = %+v %v %v", p, active, found)
	}
	keys := e.must("ListAccessKeys", "UserName", "admin").(listAccessKeysResult)
	if len(keys.AccessKeyMetadata) != 1 {
		t.Fatalf("admin has %d keys", len(keys.AccessKeyMetadata))
	}
}

func TestBootstrapRecoversAnActiveKey(t *testing.T) {
	e := newEnv(t)
	_, id, _, _ := e.s.Bootstrap(testNow)
	second := e.must("CreateAccessKey", "UserName", "admin").(createAccessKeyResult).AccessKey
	// The first active key is returned.
	e.must("UpdateAccessKey", "UserName", "admin", "AccessKeyId", id, "Status", "Inactive")
	if _, got, secret, _ := e.s.Bootstrap(testNow); got != second.AccessKeyId || secret != second.SecretAccessKey {
		t.Fatalf("Bootstrap = %q, want the active %q", got, second.AccessKeyId)
	}
	// Both inactive and at quota: the oldest is reactivated.
	e.must("UpdateAccessKey", "UserName", "admin", "AccessKeyId", second.AccessKeyId, "Status", "Inactive")
	if _, got, _, err := e.s.Bootstrap(testNow); err != nil || got != id {
		t.Fatalf("Bootstrap = %q %v, want reactivated %q", got, err, id)
	}
	if _, _, active, _ := e.s.Authenticate(id); !active {
		t.Fatal("reactivated key is not active")
	}
	// No key at all: a new one.
	e.must("DeleteAccessKey", "UserName", "admin", "AccessKeyId", id)
	e.must("DeleteAccessKey", "UserName", "admin", "AccessKeyId", second.AccessKeyId)
	created, got, secret, err := e.s.Bootstrap(testNow)
	if err != nil || created || !keyIDPattern.MatchString(got) {
		t.Fatalf("Bootstrap = %v %q %v", created, got, err)
	}
	if s, _, active, _ := e.s.Authenticate(got); s != secret || !active {
		t.Fatal("new admin key does not authenticate")
	}
}

func TestIdentityPoliciesDynamoDBFullAccess(t *testing.T) {
	e := newEnv(t)
	e.must("CreateUser", "UserName", "nextwork-kms-user")
	e.must("AttachUserPolicy", "UserName", "nextwork-kms-user", "PolicyArn", ddbFull)
	k := e.must("CreateAccessKey", "UserName", "nextwork-kms-user").(createAccessKeyResult).AccessKey
	_, p, _, _ := e.s.Authenticate(k.AccessKeyId)

	got, err := e.s.IdentityPolicies(p)
	if err != nil || len(got) != 1 || got[0].Name != "AmazonDynamoDBFullAccess" {
		t.Fatalf("IdentityPolicies = %+v, %v", got, err)
	}
	pol := got[0].Policy
	if pol.Version != "2012-10-17" || len(pol.Statements) != 4 {
		t.Fatalf("policy has version %q and %d statements, want 4", pol.Version, len(pol.Statements))
	}
	first := pol.Statements[0]
	if first.Effect != "Allow" || first.Action[0] != "dynamodb:*" || first.Resource[0] != "*" {
		t.Fatalf("statement 1 = %+v", first)
	}
	kms := map[string]bool{}
	for _, st := range pol.Statements {
		for _, a := range st.Action {
			if len(a) > 4 && a[:4] == "kms:" {
				kms[a] = true
			}
		}
	}
	if len(kms) != 2 || !kms["kms:DescribeKey"] || !kms["kms:ListAliases"] {
		t.Fatalf("KMS actions = %v, want only DescribeKey and ListAliases", kms)
	}
	// The evaluator sees what AWS would: Decrypt is not allowed, DescribeKey is.
	pp := policy.Principal{ARN: p.ARN, AccountID: p.AccountID, UserID: p.UserID, UserName: p.UserName}
	keyARN := "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	if d := policy.Evaluate(policy.Request{Principal: pp, Action: "kms:Decrypt", Resource: keyARN}, policy.Input{Identity: got}); d.Allowed() {
		t.Fatal("kms:Decrypt allowed by AmazonDynamoDBFullAccess")
	}
	if d := policy.Evaluate(policy.Request{Principal: pp, Action: "dynamodb:Scan", Resource: "arn:aws:dynamodb:us-east-1:000000000000:table/t"}, policy.Input{Identity: got}); !d.Allowed() {
		t.Fatal("dynamodb:Scan not allowed by AmazonDynamoDBFullAccess")
	}

	// Cached: the same parsed policy comes back; a change makes a new list.
	again, _ := e.s.IdentityPolicies(p)
	if &again[0] != &got[0] {
		t.Fatal("IdentityPolicies did not reuse the cached list")
	}
	e.must("PutUserPolicy", "UserName", "nextwork-kms-user", "PolicyName", "allow-decrypt", "PolicyDocument",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}}`)
	after, err := e.s.IdentityPolicies(p)
	if err != nil || len(after) != 2 || after[1].Name != "allow-decrypt" || after[0].Policy != pol {
		t.Fatalf("after PutUserPolicy = %+v, %v", after, err)
	}
	e.must("DetachUserPolicy", "UserName", "nextwork-kms-user", "PolicyArn", ddbFull)
	after, _ = e.s.IdentityPolicies(p)
	if len(after) != 1 || after[0].Name != "allow-decrypt" {
		t.Fatalf("after detach = %+v", after)
	}
	// Unknown principals have no policies.
	none, err := e.s.IdentityPolicies(api.Principal{ARN: "arn:aws:iam::000000000000:user/ghost"})
	if err != nil || len(none) != 0 {
		t.Fatalf("ghost = %+v %v", none, err)
	}
}

func TestIdentityPoliciesAdmin(t *testing.T) {
	e := newEnv(t)
	_, id, _, _ := e.s.Bootstrap(testNow)
	_, p, _, _ := e.s.Authenticate(id)
	got, err := e.s.IdentityPolicies(p)
	if err != nil || len(got) != 1 || got[0].Name != "AdministratorAccess" {
		t.Fatalf("admin policies = %+v %v", got, err)
	}
	st := got[0].Policy.Statements[0]
	if st.Effect != "Allow" || st.Action[0] != "*" || st.Resource[0] != "*" {
		t.Fatalf("AdministratorAccess = %+v", st)
	}
}

func TestPrincipalExists(t *testing.T) {
	e := newEnv(t)
	e.must("CreateUser", "UserName", "nextwork-kms-user")
	e.must("CreateUser", "UserName", "deep", "Path", "/a/b/")
	cases := map[string]bool{
		"*":                              true,
		"000000000000":                   true,
		"arn:aws:iam::000000000000:root": true,
		"arn:aws:iam::000000000000:user/nextwork-kms-user": true,
		"arn:aws:iam::000000000000:user/NEXTWORK-KMS-USER": true,
		"arn:aws:iam::000000000000:user/a/b/deep":          true,
		"arn:aws:iam::000000000000:user/deep":              false, // wrong path
		"arn:aws:iam::000000000000:user/ghost":             false,
		"arn:aws:iam::111122223333:user/nextwork-kms-user": false,
		"arn:aws:iam::111122223333:root":                   false,
		"111122223333":                                     false,
		"arn:aws:iam::000000000000:role/nextwork-kms-user": false,
		"": false,
	}
	for principal, want := range cases {
		if got := e.s.PrincipalExists(principal); got != want {
			t.Errorf("PrincipalExists(%q) = %v, want %v", principal, got, want)
		}
	}
	id, _ := e.s.UniqueIDFor("arn:aws:iam::000000000000:user/nextwork-kms-user")
	if !e.s.PrincipalExists(id) || e.s.PrincipalExists("AIDAIVA3UXATCEV3JOVNK") {
		t.Error("PrincipalExists by unique id")
	}
	e.must("DeleteUser", "UserName", "nextwork-kms-user")
	// A key policy shows a deleted user by its unique id; putting that policy back is
	// accepted (UNCONFIRMED on AWS: TestUnconfirmed_DeletedUserIDInKeyPolicy).
	if !e.s.PrincipalExists(id) {
		t.Error("deleted user's unique id refused")
	}
	if e.s.PrincipalExists("arn:aws:iam::000000000000:user/nextwork-kms-user") {
		t.Error("deleted user still exists")
	}
}

func TestUniqueIDFor(t *testing.T) {
	e := newEnv(t)
	u := e.must("CreateUser", "UserName", "u").(userResult).User
	if id, ok := e.s.UniqueIDFor(u.Arn); !ok || id != u.UserId {
		t.Fatalf("UniqueIDFor = %q %v", id, ok)
	}
	if _, ok := e.s.UniqueIDFor("arn:aws:iam::000000000000:user/ghost"); ok {
		t.Fatal("ghost has an id")
	}
	e.reopen()
	if id, ok := e.s.UniqueIDFor(u.Arn); !ok || id != u.UserId {
		t.Fatalf("after reopen UniqueIDFor = %q %v", id, ok)
	}
}

// TestConcurrentUse runs changes and hot-path reads together (meaningful under -race).
func TestConcurrentUse(t *testing.T) {
	e := newEnv(t)
	_, adminKey, _, _ := e.s.Bootstrap(testNow)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			name := "user" + itoa(i)
			for j := 0; j < 5; j++ {
				if _, err := e.call("CreateUser", "UserName", name); err != nil {
					t.Error(err)
					return
				}
				_, _ = e.call("AttachUserPolicy", "UserName", name, "PolicyArn", ddbFull)
				res, err := e.call("CreateAccessKey", "UserName", name)
				if err != nil {
					t.Error(err)
					return
				}
				k := res.(createAccessKeyResult).AccessKey.AccessKeyId
				_, p, _, _ := e.s.Authenticate(k)
				if _, err := e.s.IdentityPolicies(p); err != nil {
					t.Error(err)
				}
				_, _ = e.call("DeleteAccessKey", "UserName", name, "AccessKeyId", k)
				_, _ = e.call("DetachUserPolicy", "UserName", name, "PolicyArn", ddbFull)
				if _, err := e.call("DeleteUser", "UserName", name); err != nil {
					t.Error(err)
					return
				}
			}
		}(i)
	}
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				_, p, _, found := e.s.Authenticate(adminKey)
				if !found {
					t.Error("admin key lost")
					return
				}
				_, _ = e.s.IdentityPolicies(p)
				_ = e.s.PrincipalExists("arn:aws:iam::000000000000:user/user1")
				_, _ = e.call("ListUsers")
			}
		}()
	}
	wg.Wait()
}
