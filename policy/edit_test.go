package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestDefaultKeyPolicyIsAWSBytes(t *testing.T) {
	// GetKeyPolicy of a key created without a policy (KMS Developer Guide, key-policy-viewing;
	// the same text in the SDK examples), account 111122223333.
	const want = "{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {\n" +
		"    \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {\n" +
		"      \"AWS\" : \"arn:aws:iam::111122223333:root\"\n    },\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  } ]\n}"
	if got := string(DefaultKeyPolicy("111122223333")); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := strings.TrimSpace(string(keyDoc(t, "default"))); got != string(DefaultKeyPolicy(acct)) {
		t.Errorf("testdata/keypolicy/default.json differs from DefaultKeyPolicy:\n%s", got)
	}
}

func TestConsoleKeyPolicy(t *testing.T) {
	doc := ConsoleKeyPolicy(acct, []string{adminARN}, []string{adminARN})
	p := mustParse(t, doc)
	if p.ID != "key-consolepolicy-3" || len(p.Statements) != 4 {
		t.Fatalf("policy = %s", doc)
	}
	for i, sid := range []string{SidRoot, SidKeyAdmins, SidKeyUse, SidPersistent} {
		if p.Statements[i].Sid != sid {
			t.Errorf("statement %d Sid = %q, want %q", i, p.Statements[i].Sid, sid)
		}
	}
	// Same meaning as the hand-written console policy in testdata.
	want := mustParse(t, keyDoc(t, "console-admin"))
	for i := range want.Statements {
		g, w := p.Statements[i], want.Statements[i]
		if g.Sid != w.Sid || strings.Join(g.Action, ",") != strings.Join(w.Action, ",") ||
			strings.Join(g.Principal.AWS, ",") != strings.Join(w.Principal.AWS, ",") || len(g.Conditions) != len(w.Conditions) {
			t.Errorf("statement %q differs:\n got %+v\nwant %+v", g.Sid, g, w)
		}
	}
	if !strings.Contains(string(doc), `"Bool" : {`+"\n"+`        "kms:GrantIsForAWSResource" : "true"`) {
		t.Errorf("condition not written as the console writes it:\n%s", doc)
	}
	if n := len(mustParse(t, ConsoleKeyPolicy(acct, nil, nil)).Statements); n != 1 {
		t.Errorf("no admins, no users: %d statements", n)
	}
}

func TestGrantKeyUse(t *testing.T) {
	req := Request{Principal: user, Action: "kms:Decrypt", Resource: keyARN}
	ddb := identity(t, []string{"AmazonDynamoDBFullAccess"})
	for _, name := range []string{"console-admin", "default", "no-root", "console-admin-user"} {
		t.Run(name, func(t *testing.T) {
			before := keyDoc(t, name)
			out, changed, err := GrantKeyUse(before, userARN)
			if err != nil {
				t.Fatal(err)
			}
			if changed != (name != "console-admin-user") {
				t.Errorf("changed = %v", changed)
			}
			p := mustParse(t, out)
			for _, sid := range []string{SidKeyUse, SidPersistent} {
				if s := p.Statement(sid); s == nil || !s.NamesPrincipal(userARN) {
					t.Errorf("%q does not name the user:\n%s", sid, out)
				}
			}
			in := Input{Identity: ddb, Resource: p, ResourceKind: KeyPolicy, ResourceAccount: acct}
			if d := Evaluate(req, in); !d.Allowed() {
				t.Errorf("user still denied: %s", d.Reason)
			}
			grant := Request{Principal: user, Action: "kms:CreateGrant", Resource: keyARN,
				Context: map[string][]string{"kms:GrantIsForAWSResource": {"true"}}}
			if d := Evaluate(grant, in); !d.Allowed() {
				t.Errorf("CreateGrant for AWS resource denied: %s", d.Reason)
			}
			grant.Context = nil
			if d := Evaluate(grant, in); d.Allowed() {
				t.Error("direct CreateGrant allowed")
			}
			// Idempotent: a second grant changes nothing.
			again, changed, err := GrantKeyUse(out, userARN)
			if err != nil || changed || string(again) != string(out) {
				t.Errorf("second grant: changed=%v err=%v\n%s", changed, err, again)
			}
			// Revoke undoes it (statements GrantKeyUse created are removed again).
			back, changed, err := RevokeKeyUse(out, userARN)
			if err != nil || !changed {
				t.Fatalf("revoke: changed=%v err=%v", changed, err)
			}
			if name != "console-admin-user" {
				pretty, _ := Pretty(before)
				if string(back) != string(pretty) {
					t.Errorf("revoke did not restore the policy:\n%s\nwant\n%s", back, pretty)
				}
			}
			if d := Evaluate(req, Input{Identity: ddb, Resource: mustParse(t, back), ResourceKind: KeyPolicy}); d.Allowed() {
				t.Error("user still allowed after revoke")
			}
		})
	}
}

func TestGrantKeyUseDiffIsSmall(t *testing.T) {
	before, _ := Pretty(keyDoc(t, "console-admin"))
	after, _, err := GrantKeyUse(keyDoc(t, "console-admin"), userARN)
	if err != nil {
		t.Fatal(err)
	}
	bl, al := strings.Split(string(before), "\n"), strings.Split(string(after), "\n")
	if len(bl) != len(al) {
		t.Fatalf("line count %d → %d", len(bl), len(al))
	}
	var diff []string
	for i := range bl {
		if bl[i] != al[i] {
			diff = append(diff, al[i])
		}
	}
	want := `      "AWS" : [ "arn:aws:iam::000000000000:user/admin", "arn:aws:iam::000000000000:user/nextwork-kms-user" ]`
	if len(diff) != 2 || diff[0] != want || diff[1] != want {
		t.Errorf("changed lines = %q", diff)
	}
}

func TestAddPrincipal(t *testing.T) {
	single := `{"Statement":{"Sid":"S","Effect":"Allow","Principal":{"AWS":"` + adminARN + `"},"Action":"kms:*","Resource":"*"}}`
	reordered := `{"Statement":[{"Resource":"*","Sid":"S","Action":"kms:*","Effect":"Allow","Principal":{"AWS":"` + adminARN + `"},` +
		`"Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":1.50e3}}}]}`
	cases := []struct {
		name, doc, sid, principal string
		changed                   bool
		want                      string // substring of the output
		errIs                     error  // sentinel error expected
		parseErr                  bool   // a *ParseError expected
	}{
		{name: "string becomes a list", doc: single, sid: "S", principal: userARN, changed: true,
			want: `"AWS" : [ "` + adminARN + `", "` + userARN + `" ]`},
		{name: "already there", doc: single, sid: "S", principal: adminARN, want: `"AWS" : "` + adminARN + `"`},
		{name: "Principal * already covers", doc: `{"Statement":{"Sid":"S","Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}}`,
			sid: "S", principal: userARN, want: `"Principal" : "*"`},
		{name: "AWS * in a list already covers", doc: `{"Statement":{"Sid":"S","Effect":"Allow","Principal":{"AWS":["*"]},"Action":"kms:*","Resource":"*"}}`,
			sid: "S", principal: userARN, want: `"AWS" : [ "*" ]`},
		{name: "service-only principal gets an AWS entry", doc: `{"Statement":{"Sid":"S","Effect":"Allow","Principal":{"Service":"dynamodb.amazonaws.com"},"Action":"kms:*","Resource":"*"}}`,
			sid: "S", principal: userARN, changed: true, want: `"Service" : "dynamodb.amazonaws.com",` + "\n" + `      "AWS" : "` + userARN + `"`},
		{name: "no Principal gets one", doc: `{"Statement":{"Sid":"S","Effect":"Allow","Action":"kms:*","Resource":"*"}}`,
			sid: "S", principal: "000000000000", changed: true, want: `"Principal" : {` + "\n" + `      "AWS" : "000000000000"`},
		{name: "member order kept", doc: reordered, sid: "S", principal: userARN, changed: true,
			want: `[ {` + "\n" + `    "Resource" : "*",` + "\n" + `    "Sid" : "S",`},
		{name: "numbers kept as written", doc: reordered, sid: "S", principal: userARN, changed: true,
			want: `"aws:MultiFactorAuthAge" : 1.50e3`},
		{name: "missing statement", doc: single, sid: "Nope", principal: userARN, errIs: ErrNoStatement},
		{name: "bad principal", doc: single, sid: "S", principal: "bob", parseErr: true},
		{name: "bad document", doc: `{"Statement":`, sid: "S", principal: userARN, parseErr: true},
		{name: "invalid policy", doc: `{"Statement":{"Sid":"S","Effect":"Maybe"}}`, sid: "S", principal: userARN, parseErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, changed, err := AddPrincipal([]byte(c.doc), c.sid, c.principal)
			var pe *ParseError
			switch {
			case c.errIs != nil:
				if !errors.Is(err, c.errIs) {
					t.Fatalf("err = %v, want %v", err, c.errIs)
				}
				return
			case c.parseErr:
				if !errors.As(err, &pe) {
					t.Fatalf("err = %v, want a ParseError", err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if changed != c.changed || !strings.Contains(string(out), c.want) {
				t.Errorf("changed=%v out=\n%s\nwant %q", changed, out, c.want)
			}
			if _, err := Parse(out); err != nil {
				t.Errorf("output does not parse: %v", err)
			}
		})
	}
}

func TestRemovePrincipal(t *testing.T) {
	two := stmt(rootStmt, `{"Sid":"Use","Effect":"Allow","Principal":{"AWS":["`+adminARN+`","`+userARN+`"]},"Action":"kms:Decrypt","Resource":"*"}`)
	out, changed, err := RemovePrincipal([]byte(two), "Use", userARN)
	if err != nil || !changed || strings.Contains(string(out), userARN) || !strings.Contains(string(out), adminARN) {
		t.Fatalf("changed=%v err=%v\n%s", changed, err, out)
	}
	out, changed, err = RemovePrincipal(out, "Use", adminARN)
	if err != nil || !changed || strings.Contains(string(out), `"Use"`) {
		t.Fatalf("statement with no principal left should go: changed=%v err=%v\n%s", changed, err, out)
	}
	if _, changed, err = RemovePrincipal(out, "Use", adminARN); err != nil || changed {
		t.Errorf("missing statement: changed=%v err=%v", changed, err)
	}
	only := `{"Statement":{"Sid":"Only","Effect":"Allow","Principal":{"AWS":"` + userARN + `"},"Action":"kms:*","Resource":"*"}}`
	if _, _, err = RemovePrincipal([]byte(only), "Only", userARN); !errors.Is(err, ErrLastStatement) {
		t.Errorf("err = %v, want ErrLastStatement", err)
	}
	keep := `{"Statement":{"Sid":"K","Effect":"Allow","Principal":{"AWS":"` + userARN + `","Service":"x.amazonaws.com"},"Action":"kms:*","Resource":"*"}}`
	out, changed, err = RemovePrincipal([]byte(keep), "K", userARN)
	if err != nil || !changed || strings.Contains(string(out), `"AWS"`) || !strings.Contains(string(out), `"Service"`) {
		t.Errorf("changed=%v err=%v\n%s", changed, err, out)
	}
}

func TestPretty(t *testing.T) {
	in := `{"b":1.50e3,"a":[true,null,{}],"c":{"x":[]},"s":"q\"\\\n\u0001é<>&"}`
	want := "{\n  \"b\" : 1.50e3,\n  \"a\" : [ true, null, { } ],\n  \"c\" : {\n    \"x\" : [ ]\n  },\n  \"s\" : \"q\\\"\\\\\\n\\u0001é<>&\"\n}"
	got, err := Pretty([]byte(in))
	if err != nil || string(got) != want {
		t.Fatalf("err=%v got\n%s\nwant\n%s", err, got, want)
	}
	for _, bad := range []string{"", "{", `{"a":1} {}`, `{"a":}`} {
		if _, err := Pretty([]byte(bad)); err == nil {
			t.Errorf("Pretty(%q) succeeded", bad)
		}
	}
}
