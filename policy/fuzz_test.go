package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*.json"))
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
		if strings.Contains(file, "managed") {
			f.Add(managedDoc(f, strings.TrimSuffix(filepath.Base(file), ".json")))
		}
	}
	for _, c := range evalCases() {
		for _, s := range append(c.ids, c.key) {
			if strings.HasPrefix(s, "{") {
				f.Add([]byte(s))
			}
		}
	}
	f.Add([]byte(allOperatorsDoc()))
	f.Add([]byte(`{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"arn:${aws:username, 'x'}${*}${?}${$}${"}}`))
	f.Add([]byte(`{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"000000000000"},"NotAction":"?","NotResource":"*"}],"Statement":{"Sid":"Allow use of the key","Effect":"Allow","Principal":"*"}}`))

	reqs := []Request{
		{Principal: user, Action: "kms:Decrypt", Resource: keyARN,
			Context: map[string][]string{"kms:ViaService": {"dynamodb.us-east-1.amazonaws.com"}, "aws:SourceIp": {"203.0.113.9"},
				"aws:TagKeys": {"a", "b"}, "aws:CurrentTime": {"2020-01-01T00:00:00Z"}, "aws:MultiFactorAuthAge": {"1"}}},
		{Principal: admin, Action: "KMS:CREATEGRANT", Resource: ""},
		{Principal: Principal{}, Action: "", Resource: "arn:aws:s3:::b/${*}"},
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := Parse(doc)
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error %T is not a *ParseError", err)
			}
			return
		}
		p.Principals()
		p.HasStatementWithoutPrincipal()
		_ = p.ValidateIdentity()
		for _, req := range reqs {
			for _, kind := range []ResourceKind{NoResourcePolicy, ResourcePolicy, KeyPolicy} {
				d := Evaluate(req, Input{Identity: []NamedPolicy{{Name: "fuzz", Policy: p}}, Resource: p, ResourceKind: kind, ResourceAccount: "111122223333"})
				if d.Reason == "" {
					t.Fatalf("empty reason for %+v", d)
				}
				d.Message(req)
			}
		}
		pretty, err := Pretty(doc)
		if err != nil {
			t.Fatalf("Pretty of a parsed policy: %v", err)
		}
		if q, err := Parse(pretty); err != nil || len(q.Statements) != len(p.Statements) {
			t.Fatalf("Pretty output does not parse the same: %v\n%s", err, pretty)
		}
		out, _, err := GrantKeyUse(doc, userARN)
		if err != nil {
			t.Fatalf("GrantKeyUse: %v", err)
		}
		q, err := Parse(out)
		if err != nil {
			t.Fatalf("GrantKeyUse output does not parse: %v\n%s", err, out)
		}
		if s := q.Statement(SidKeyUse); s == nil || !s.NamesPrincipal(userARN) {
			t.Fatalf("GrantKeyUse did not name the user:\n%s", out)
		}
		if _, _, err := RevokeKeyUse(out, userARN); err != nil && err != ErrLastStatement {
			t.Fatalf("RevokeKeyUse: %v", err)
		}
	})
}
