package policy

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const (
	goneARN = "arn:aws:iam::000000000000:user/nextwork-kms-user"
	goneID  = "AIDAIVA3UXATCEV3JOVNK"
)

func TestReplacePrincipalKeepsLayout(t *testing.T) {
	// As GetKeyPolicy prints it: the ARN as a lone string, in a list, and in NotPrincipal;
	// the same text in a Sid and a condition is not a principal and stays.
	doc := ConsoleKeyPolicy(acct, []string{adminARN}, []string{goneARN, adminARN})
	doc = bytes.Replace(doc, []byte(`"Resource" : "*"`), []byte(`"Resource" : "*",
    "Condition" : { "StringEquals" : { "aws:PrincipalArn" : "`+goneARN+`" } }`), 1)
	extra := `{"Sid":"` + goneARN + `","Effect":"Deny","NotPrincipal":{"AWS":"` + goneARN + `"},"Action":"kms:Decrypt","Resource":"*"}`
	doc = bytes.Replace(doc, []byte(" } ]\n}"), []byte(" }, "+extra+" ]\n}"), 1)
	mustParse(t, doc)
	out, changed, err := ReplacePrincipal(doc, goneARN, goneID)
	if err != nil || !changed {
		t.Fatalf("changed=%v err=%v", changed, err)
	}
	want := bytes.ReplaceAll(doc, []byte(`"AWS" : [ "`+goneARN+`"`), []byte(`"AWS" : [ "`+goneID+`"`))
	want = bytes.Replace(want, []byte(`"NotPrincipal":{"AWS":"`+goneARN+`"}`), []byte(`"NotPrincipal":{"AWS":"`+goneID+`"}`), 1)
	if !bytes.Equal(out, want) {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	if n := strings.Count(string(out), goneARN); n != 2 { // the Sid and the condition
		t.Fatalf("%d ARNs left:\n%s", n, out)
	}
	p := mustParse(t, out)
	if got := strings.Join(p.Principals(), ","); strings.Contains(got, goneARN) || !strings.Contains(got, goneID) {
		t.Fatalf("principals %s", got)
	}
	// Again: nothing left to replace, the document comes back as it was.
	again, changed, err := ReplacePrincipal(out, goneARN, goneID)
	if err != nil || changed || !bytes.Equal(again, out) {
		t.Fatalf("second pass: changed=%v err=%v", changed, err)
	}
}

func TestReplacePrincipalForms(t *testing.T) {
	cases := []struct{ name, doc, want string }{
		{"compact, one statement object",
			`{"Statement":{"Effect":"Allow","Principal":{"AWS":"` + goneARN + `"},"Action":"kms:*","Resource":"*"}}`,
			`{"Statement":{"Effect":"Allow","Principal":{"AWS":"` + goneID + `"},"Action":"kms:*","Resource":"*"}}`},
		{"escaped slash and other case",
			"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[ \"arn:aws:iam::000000000000:user\\/NextWork-KMS-User\" ,\t\"*\"]},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}",
			"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[ \"" + goneID + "\" ,\t\"*\"]},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}"},
		{"service principal untouched",
			`{"Statement":[{"Effect":"Allow","Principal":{"Service":"` + goneARN + `"},"Action":"kms:*","Resource":"*"}]}`, ""},
		{"another user untouched",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"` + goneARN + `2"},"Action":"kms:*","Resource":"*"}]}`, ""},
	}
	for _, c := range cases {
		out, changed, err := ReplacePrincipal([]byte(c.doc), goneARN, goneID)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := c.want
		if want == "" {
			want = c.doc
		}
		if changed != (c.want != "") || string(out) != want {
			t.Fatalf("%s: changed=%v\n got %s\nwant %s", c.name, changed, out, want)
		}
	}
}

func TestReplacePrincipalErrors(t *testing.T) {
	var pe *ParseError
	if _, _, err := ReplacePrincipal([]byte(`{"Statement":[`), goneARN, goneID); !errors.As(err, &pe) {
		t.Fatalf("bad JSON: %v", err)
	}
	doc := DefaultKeyPolicy(acct)
	if _, _, err := ReplacePrincipal(doc, goneARN, "not a principal"); !errors.As(err, &pe) {
		t.Fatalf("bad replacement: %v", err)
	}
}

func TestDynamoDBManagedKeyPolicy(t *testing.T) {
	// The aws/dynamodb key policy as GetKeyPolicy prints it (DDB-DG encryption.usagenotes:
	// Id auto-dynamodb-1, StringEquals on kms:CallerAccount and kms:ViaService).
	const want = `{
  "Version" : "2012-10-17",
  "Id" : "auto-dynamodb-1",
  "Statement" : [ {
    "Sid" : "Allow access through Amazon DynamoDB for all principals in the account that are authorized to use Amazon DynamoDB",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "*"
    },
    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey" ],
    "Resource" : "*",
    "Condition" : {
      "StringEquals" : {
        "kms:CallerAccount" : "111122223333",
        "kms:ViaService" : "dynamodb.eu-west-1.amazonaws.com"
      }
    }
  }, {
    "Sid" : "Allow direct access to key metadata to the account",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::111122223333:root"
    },
    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant" ],
    "Resource" : "*"
  } ]
}`
	doc := DynamoDBManagedKeyPolicy("111122223333", "eu-west-1")
	if string(doc) != want {
		t.Fatalf("got\n%s", doc)
	}
	p := mustParse(t, doc)
	if p.ID != "auto-dynamodb-1" || p.HasStatementWithoutPrincipal() {
		t.Fatalf("parsed %+v", p)
	}
}

func FuzzReplacePrincipal(f *testing.F) {
	f.Add(ConsoleKeyPolicy(acct, []string{adminARN}, []string{goneARN}), goneARN)
	f.Add(DefaultKeyPolicy(acct), "arn:aws:iam::"+acct+":root")
	f.Add([]byte(`{"Statement":{"Effect":"Allow","NotPrincipal":{"AWS":["\u0061rn:x","*"]},"Action":"kms:*","Resource":"*"}}`), "arn:x")
	f.Fuzz(func(t *testing.T, doc []byte, old string) {
		out, changed, err := ReplacePrincipal(doc, old, goneID)
		if err != nil {
			return
		}
		if !changed {
			if !bytes.Equal(out, doc) {
				t.Fatal("unchanged document differs")
			}
			return
		}
		if _, err := Parse(out); err != nil {
			t.Fatalf("result does not parse: %v\n%s", err, out)
		}
	})
}
