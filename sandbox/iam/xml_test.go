package iam

import (
	"bytes"
	"encoding/xml"
	"testing"
)

// encode marshals v as the gateway does: inside <OpResult>.
func encode(t *testing.T, op string, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	if err := enc.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: op + "Result"}}); err != nil {
		t.Fatal(err)
	}
	if err := enc.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestXMLShapes(t *testing.T) {
	user := xmlUser{Path: "/", UserName: "bob", UserId: "AIDAJQABLZS4A3QDU576Q", Arn: "arn:aws:iam::000000000000:user/bob", CreateDate: "2026-11-22T17:52:00Z"}
	tagged := user
	tagged.Tags = memberList[xmlTag]{{Key: "k", Value: "v"}}
	policyX := xmlPolicy{PolicyName: "AdministratorAccess", PolicyId: "ANPAIWMBCKSKIEE64ZLYK", Arn: AdministratorAccessARN, Path: "/",
		DefaultVersionId: "v1", AttachmentCount: 1, IsAttachable: true, Description: "d", CreateDate: "2015-02-06T18:39:46Z", UpdateDate: "2015-02-06T18:39:46Z"}
	const userXMLText = `<Path>/</Path><UserName>bob</UserName><UserId>AIDAJQABLZS4A3QDU576Q</UserId><Arn>arn:aws:iam::000000000000:user/bob</Arn><CreateDate>2026-11-22T17:52:00Z</CreateDate>`
	cases := []struct {
		op   string
		v    any
		want string
	}{
		{"CreateUser", userResult{User: user}, `<CreateUserResult><User>` + userXMLText + `</User></CreateUserResult>`},
		{"GetUser", userResult{User: tagged}, `<GetUserResult><User>` + userXMLText + `<Tags><member><Key>k</Key><Value>v</Value></member></Tags></User></GetUserResult>`},
		{"ListUsers", listUsersResult{Users: memberList[xmlUser]{user}, IsTruncated: true, Marker: "m"},
			`<ListUsersResult><Users><member>` + userXMLText + `</member></Users><IsTruncated>true</IsTruncated><Marker>m</Marker></ListUsersResult>`},
		{"ListUsers", listUsersResult{Users: memberList[xmlUser]{}},
			`<ListUsersResult><Users></Users><IsTruncated>false</IsTruncated></ListUsersResult>`},
		{"ListUserTags", listUserTagsResult{Tags: memberList[xmlTag]{{"a", "b"}}},
			`<ListUserTagsResult><Tags><member><Key>a</Key><Value>b</Value></member></Tags><IsTruncated>false</IsTruncated></ListUserTagsResult>`},
		{"CreateAccessKey", createAccessKeyResult{AccessKey: xmlAccessKey{UserName: "bob", AccessKeyId: "AKIAIOSFODNN7EXAMPLE", Status: "Active", SecretAccessKey: "s", CreateDate: "2026-11-22T17:52:00Z"}},
			`<CreateAccessKeyResult><AccessKey><UserName>bob</UserName><AccessKeyId>AKIAIOSFODNN7EXAMPLE</AccessKeyId><Status>Active</Status><SecretAccessKey>s</SecretAccessKey><CreateDate>2026-11-22T17:52:00Z</CreateDate></AccessKey></CreateAccessKeyResult>`},
		{"ListAccessKeys", listAccessKeysResult{AccessKeyMetadata: memberList[xmlAccessKeyMetadata]{{UserName: "bob", AccessKeyId: "AKIAIOSFODNN7EXAMPLE", Status: "Inactive", CreateDate: "2026-11-22T17:52:00Z"}}},
			`<ListAccessKeysResult><AccessKeyMetadata><member><UserName>bob</UserName><AccessKeyId>AKIAIOSFODNN7EXAMPLE</AccessKeyId><Status>Inactive</Status><CreateDate>2026-11-22T17:52:00Z</CreateDate></member></AccessKeyMetadata><IsTruncated>false</IsTruncated></ListAccessKeysResult>`},
		{"ListAttachedUserPolicies", listAttachedUserPoliciesResult{AttachedPolicies: memberList[xmlAttachedPolicy]{{"AmazonDynamoDBFullAccess", ddbFull}}},
			`<ListAttachedUserPoliciesResult><AttachedPolicies><member><PolicyName>AmazonDynamoDBFullAccess</PolicyName><PolicyArn>` + ddbFull + `</PolicyArn></member></AttachedPolicies><IsTruncated>false</IsTruncated></ListAttachedUserPoliciesResult>`},
		{"GetUserPolicy", getUserPolicyResult{UserName: "bob", PolicyName: "p", PolicyDocument: "%7B%7D"},
			`<GetUserPolicyResult><UserName>bob</UserName><PolicyName>p</PolicyName><PolicyDocument>%7B%7D</PolicyDocument></GetUserPolicyResult>`},
		{"ListUserPolicies", listUserPoliciesResult{PolicyNames: memberList[string]{"a", "b"}},
			`<ListUserPoliciesResult><PolicyNames><member>a</member><member>b</member></PolicyNames><IsTruncated>false</IsTruncated></ListUserPoliciesResult>`},
		{"GetPolicy", getPolicyResult{Policy: policyX},
			`<GetPolicyResult><Policy><PolicyName>AdministratorAccess</PolicyName><PolicyId>ANPAIWMBCKSKIEE64ZLYK</PolicyId><Arn>arn:aws:iam::aws:policy/AdministratorAccess</Arn><Path>/</Path><DefaultVersionId>v1</DefaultVersionId><AttachmentCount>1</AttachmentCount><PermissionsBoundaryUsageCount>0</PermissionsBoundaryUsageCount><IsAttachable>true</IsAttachable><Description>d</Description><CreateDate>2015-02-06T18:39:46Z</CreateDate><UpdateDate>2015-02-06T18:39:46Z</UpdateDate></Policy></GetPolicyResult>`},
		{"GetPolicyVersion", getPolicyVersionResult{PolicyVersion: xmlPolicyVersion{Document: "%7B%7D", VersionId: "v1", IsDefaultVersion: true, CreateDate: "2015-02-06T18:39:46Z"}},
			`<GetPolicyVersionResult><PolicyVersion><Document>%7B%7D</Document><VersionId>v1</VersionId><IsDefaultVersion>true</IsDefaultVersion><CreateDate>2015-02-06T18:39:46Z</CreateDate></PolicyVersion></GetPolicyVersionResult>`},
		{"ListPolicies", listPoliciesResult{Policies: memberList[xmlPolicy]{}, IsTruncated: false},
			`<ListPoliciesResult><Policies></Policies><IsTruncated>false</IsTruncated></ListPoliciesResult>`},
	}
	for _, c := range cases {
		if got := encode(t, c.op, c.v); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.op, got, c.want)
		}
	}
}

func TestURLEncodeDocument(t *testing.T) {
	got := urlEncodeDocument(`{"Version": "2012-10-17", "Action": "s3:Get*"}` + "\n")
	want := "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Action%22%3A%20%22s3%3AGet%2A%22%7D%0A"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
