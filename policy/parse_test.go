package policy

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	const a = `"Effect":"Allow","Action":"kms:*","Resource":"*"`
	cases := []struct{ name, doc, want string }{
		{"not JSON", `{"Statement":`, "Syntax errors in policy."},
		{"empty", ``, "Syntax errors in policy."},
		{"null", `null`, "Syntax errors in policy."},
		{"array at top", `[{"Statement":[]}]`, "Syntax errors in policy."},
		{"trailing garbage", `{"Statement":{` + a + `}} x`, "Syntax errors in policy."},
		{"missing Statement", `{"Version":"2012-10-17"}`, "Missing required field Statement"},
		{"null Statement", `{"Statement":null}`, "Missing required field Statement"},
		{"Statement is a string", `{"Statement":"x"}`, "Syntax errors in policy."},
		{"statement is a number", `{"Statement":[1]}`, "Syntax errors in policy."},
		{"unknown top-level key", `{"Statement":{` + a + `},"Foo":1}`, "Syntax errors in policy. Unknown field Foo."},
		{"unknown statement key", `{"Statement":{` + a + `,"Actions":"kms:*"}}`, "Syntax errors in policy. Unknown field Actions."},
		{"lower-case element name", `{"statement":{` + a + `}}`, "Syntax errors in policy. Unknown field statement."},
		{"bad version", `{"Version":"2020-01-01","Statement":{` + a + `}}`, "The policy failed legacy parsing"},
		{"version not a string", `{"Version":2012,"Statement":{` + a + `}}`, "The policy failed legacy parsing"},
		{"Id not a string", `{"Id":1,"Statement":{` + a + `}}`, "Syntax errors in policy."},
		{"Sid not a string", `{"Statement":{"Sid":1,` + a + `}}`, "Syntax errors in policy."},
		{"missing Effect", `{"Statement":{"Action":"kms:*","Resource":"*"}}`, "Missing required field Effect"},
		{"bad Effect", `{"Statement":{"Effect":"Permit","Action":"kms:*","Resource":"*"}}`, "Invalid effect: Permit"},
		{"Effect is case-sensitive", `{"Statement":{"Effect":"allow","Action":"kms:*","Resource":"*"}}`, "Invalid effect: allow"},
		{"Action and NotAction", `{"Statement":{` + a + `,"NotAction":"s3:*"}}`, "Statement cannot contain both Action and NotAction"},
		{"Resource and NotResource", `{"Statement":{` + a + `,"NotResource":"*"}}`, "Statement cannot contain both Resource and NotResource"},
		{"Principal and NotPrincipal", `{"Statement":{` + a + `,"Principal":"*","NotPrincipal":"*"}}`, "Statement cannot contain both Principal and NotPrincipal"},
		{"Action without vendor", `{"Statement":{"Effect":"Allow","Action":"Decrypt","Resource":"*"}}`, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"NotAction without vendor", `{"Statement":{"Effect":"Allow","NotAction":["kms:Decrypt","kms:"],"Resource":"*"}}`, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"Action a number", `{"Statement":{"Effect":"Allow","Action":5,"Resource":"*"}}`, "Syntax errors in policy."},
		{"Action list with null", `{"Statement":{"Effect":"Allow","Action":["kms:Decrypt",null],"Resource":"*"}}`, "Syntax errors in policy."},
		{"Resource not an ARN", `{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"key/abc"}}`, `Resource key/abc must be in ARN format or "*".`},
		{"Principal string other than *", `{"Statement":{` + a + `,"Principal":"arn:aws:iam::000000000000:root"}}`, "Invalid principal in policy: arn:aws:iam::000000000000:root"},
		{"AWS principal not an ARN", `{"Statement":{` + a + `,"Principal":{"AWS":"bob"}}}`, `Invalid principal in policy: "AWS":"bob"`},
		{"empty AWS principal list", `{"Statement":{` + a + `,"Principal":{"AWS":[]}}}`, `Invalid principal in policy: "AWS":[]`},
		{"unknown principal type", `{"Statement":{` + a + `,"Principal":{"Group":"x"}}}`, `Invalid principal in policy: "Group"`},
		{"empty principal object", `{"Statement":{` + a + `,"Principal":{}}}`, "Policy contains a statement with no principal."},
		{"principal a number", `{"Statement":{` + a + `,"Principal":7}}`, "Syntax errors in policy."},
		{"unknown condition operator", `{"Statement":{` + a + `,"Condition":{"StringEqualz":{"aws:username":"x"}}}}`, "Invalid Condition type : StringEqualz"},
		{"NullIfExists", `{"Statement":{` + a + `,"Condition":{"NullIfExists":{"aws:username":"true"}}}}`, "Invalid Condition type : NullIfExists"},
		{"condition key without vendor", `{"Statement":{` + a + `,"Condition":{"StringEquals":{"username":"x"}}}}`, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"condition value null", `{"Statement":{` + a + `,"Condition":{"StringEquals":{"aws:username":null}}}}`, "Invalid value for condition key aws:username"},
		{"condition value object", `{"Statement":{` + a + `,"Condition":{"StringEquals":{"aws:username":{"a":1}}}}}`, "Invalid value for condition key aws:username"},
		{"condition value nested array", `{"Statement":{` + a + `,"Condition":{"StringEquals":{"aws:username":[["a"]]}}}}`, "Invalid value for condition key aws:username"},
		{"condition block not an object", `{"Statement":{` + a + `,"Condition":["x"]}}`, "Syntax errors in policy."},
		{"operator body not an object", `{"Statement":{` + a + `,"Condition":{"Bool":"true"}}}`, "Syntax errors in policy."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse([]byte(c.doc))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %v, %v; want ParseError", p, err)
			}
			if pe.Message != c.want || err.Error() != c.want {
				t.Errorf("Message = %q, want %q", pe.Message, c.want)
			}
		})
	}
}

func TestParseShapes(t *testing.T) {
	doc := `{
	  "Version": "2012-10-17", "Id": "k1",
	  "Statement": {
	    "Sid": "S", "Effect": "Deny",
	    "NotPrincipal": {"AWS": ["111122223333", "AIDAIVA3UXATCEV3JOVNK"], "Service": "dynamodb.amazonaws.com", "Federated": "cognito-identity.amazonaws.com"},
	    "NotAction": "kms:Decrypt",
	    "NotResource": ["arn:aws:kms:*:*:key/a", "arn:aws:kms:*:*:key/b"],
	    "Condition": {
	      "Bool": {"kms:GrantIsForAWSResource": true},
	      "NumericLessThan": {"aws:MultiFactorAuthAge": [3600, 1.5e3]},
	      "ForAllValues:StringLikeIfExists": {"aws:TagKeys": ["a*", "b"]}
	    }
	  }
	}`
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != Version2012 || p.ID != "k1" || len(p.Statements) != 1 {
		t.Fatalf("policy = %+v", p)
	}
	s := p.Statements[0]
	if s.Sid != "S" || s.Effect != "Deny" || s.Principal != nil || s.Action != nil || s.Resource != nil {
		t.Errorf("statement = %+v", s)
	}
	wantNP := &PrincipalSet{AWS: []string{"111122223333", "AIDAIVA3UXATCEV3JOVNK"},
		Service: []string{"dynamodb.amazonaws.com"}, Federated: []string{"cognito-identity.amazonaws.com"}}
	if !reflect.DeepEqual(s.NotPrincipal, wantNP) {
		t.Errorf("NotPrincipal = %+v", s.NotPrincipal)
	}
	if !reflect.DeepEqual(s.NotAction, []string{"kms:Decrypt"}) || len(s.NotResource) != 2 {
		t.Errorf("NotAction %v NotResource %v", s.NotAction, s.NotResource)
	}
	var got []string
	for _, c := range s.Conditions {
		got = append(got, c.Operator+" "+c.Key+"="+strings.Join(c.Values, "|"))
	}
	want := []string{
		"Bool kms:GrantIsForAWSResource=true",
		"ForAllValues:StringLikeIfExists aws:TagKeys=a*|b",
		"NumericLessThan aws:MultiFactorAuthAge=3600|1.5e3",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("conditions = %q, want %q", got, want)
	}
}

func TestParseAcceptsWhatKMSAccepts(t *testing.T) {
	for name, doc := range map[string]string{
		"no Version (2008 by default)":      `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}`,
		"version 2008-10-17":                `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"*"}]}`,
		"statement without Action":          `{"Statement":[{"Effect":"Allow","Principal":"*","Resource":"*"}]}`,
		"statement without Resource":        `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*"}]}`,
		"empty statement list":              `{"Statement":[]}`,
		"empty action list":                 `{"Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`,
		"operator case-insensitive":         `{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"stringequals":{"aws:username":"x"}}}}`,
		"every operator":                    allOperatorsDoc(),
		"canonical user and service lists":  `{"Statement":{"Effect":"Allow","Principal":{"CanonicalUser":"79a59df9","Service":["a.amazonaws.com","b.amazonaws.com"]},"Action":"s3:*","Resource":"*"}}`,
		"variable at the start of Resource": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"${aws:PrincipalArn}"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(doc)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func allOperatorsDoc() string {
	var conds []string
	for op := range operators {
		conds = append(conds, `"`+op+`":{"aws:x":"1"}`, `"ForAnyValue:`+op+`":{"aws:y":"1"}`)
		if op != "null" {
			conds = append(conds, `"`+op+`IfExists":{"aws:z":"1"}`)
		}
	}
	return `{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{` + strings.Join(conds, ",") + `}}}`
}

func TestParseTestdata(t *testing.T) {
	for _, dir := range []string{"managed", "keypolicy"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		if len(files) < 5 {
			t.Fatalf("testdata/%s: %d files", dir, len(files))
		}
		for _, f := range files {
			name := strings.TrimSuffix(filepath.Base(f), ".json")
			var doc []byte
			if dir == "managed" {
				doc = managedDoc(t, name)
			} else {
				doc = keyDoc(t, name)
			}
			p, err := Parse(doc)
			if err != nil {
				t.Errorf("%s: %v", f, err)
				continue
			}
			if dir == "managed" {
				if err := p.ValidateIdentity(); err != nil {
					t.Errorf("%s: ValidateIdentity: %v", f, err)
				}
				if !p.HasStatementWithoutPrincipal() || len(p.Principals()) != 0 {
					t.Errorf("%s: identity policy reports principals", f)
				}
			} else if p.HasStatementWithoutPrincipal() {
				t.Errorf("%s: key policy has a statement without principal", f)
			}
		}
	}
}

func TestPrincipals(t *testing.T) {
	cases := []struct {
		name string
		doc  []byte
		want []string
	}{
		{"default", keyDoc(t, "default"), []string{"arn:aws:iam::000000000000:root"}},
		{"console with user, deduplicated", keyDoc(t, "console-admin-user"),
			[]string{"arn:aws:iam::000000000000:root", adminARN, userARN}},
		{"unique id kept as written", keyDoc(t, "deleted-user"), []string{adminARN, "AIDAIVA3UXATCEV3JOVNK"}},
		{"service principals left out, * kept", keyDoc(t, "via-dynamodb"), []string{"*"}},
		{"bare * and NotPrincipal", []byte(stmt(
			`{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}`,
			`{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"}`)),
			[]string{"*", "111122223333"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := mustParse(t, c.doc).Principals(); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Principals = %q, want %q", got, c.want)
			}
		})
	}
}

func TestHasStatementWithoutPrincipal(t *testing.T) {
	mixed := mustParse(t, []byte(stmt(rootStmt, `{"Effect":"Allow","Action":"kms:*","Resource":"*"}`)))
	if !mixed.HasStatementWithoutPrincipal() {
		t.Error("mixed policy: want true")
	}
	if mustParse(t, keyDoc(t, "console-admin")).HasStatementWithoutPrincipal() {
		t.Error("console policy: want false")
	}
}

func TestValidateIdentity(t *testing.T) {
	cases := []struct{ name, doc, want string }{
		{"ok", stmt(`{"Sid":"A1","Effect":"Allow","Action":"kms:*","Resource":"*"}`), ""},
		{"principal", stmt(`{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}`), "Policy document should not specify a principal."},
		{"no action", stmt(`{"Effect":"Allow","Resource":"*"}`), "Policy statement must contain actions."},
		{"no resource", stmt(`{"Effect":"Allow","Action":"kms:*"}`), "Policy statement must contain resources."},
		{"sid with spaces", stmt(`{"Sid":"Allow use","Effect":"Allow","Action":"kms:*","Resource":"*"}`),
			"Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"},
		{"duplicate sid", stmt(`{"Sid":"A","Effect":"Allow","Action":"kms:*","Resource":"*"}`, `{"Sid":"A","Effect":"Deny","Action":"s3:*","Resource":"*"}`),
			"Statement IDs (SID) in a single policy must be unique."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := mustParse(t, []byte(c.doc)).ValidateIdentity()
			switch {
			case c.want == "" && err != nil:
				t.Fatal(err)
			case c.want != "" && (err == nil || err.Error() != c.want):
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestStatementLookup(t *testing.T) {
	p := mustParse(t, keyDoc(t, "console-admin-user"))
	s := p.Statement(SidKeyUse)
	if s == nil || !s.NamesPrincipal(userARN) || s.NamesPrincipal("arn:aws:iam::000000000000:user/other") {
		t.Fatalf("statement %q = %+v", SidKeyUse, s)
	}
	if p.Statement("nope") != nil {
		t.Error("found a statement that does not exist")
	}
}
