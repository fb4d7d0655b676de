package iam

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

const (
	ddbFull  = "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"
	ddbFull2 = "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess_v2"
	inlineS3 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`
)

func TestAttachDetach(t *testing.T) {
	e := newEnv(t)
	e.must("CreateUser", "UserName", "u")
	_, targets, err := e.callAs(e.admin(), "AttachUserPolicy", "UserName", "u", "PolicyArn", ddbFull)
	if err != nil {
		t.Fatal(err)
	}
	if targets[0].Action != "iam:AttachUserPolicy" || targets[0].Resource != "arn:aws:iam::000000000000:user/u" ||
		targets[0].Context["iam:PolicyARN"][0] != ddbFull {
		t.Fatalf("targets = %+v", targets)
	}
	e.must("AttachUserPolicy", "UserName", "u", "PolicyArn", ddbFull) // twice is fine
	e.must("AttachUserPolicy", "UserName", "u", "PolicyArn", ddbFull2)
	list := e.must("ListAttachedUserPolicies", "UserName", "u").(listAttachedUserPoliciesResult)
	if len(list.AttachedPolicies) != 2 || list.AttachedPolicies[0] != (xmlAttachedPolicy{"AmazonDynamoDBFullAccess", ddbFull}) ||
		list.AttachedPolicies[1].PolicyName != "AmazonDynamoDBFullAccess_v2" {
		t.Fatalf("attached = %+v", list)
	}
	page := e.must("ListAttachedUserPolicies", "UserName", "u", "MaxItems", "1").(listAttachedUserPoliciesResult)
	if len(page.AttachedPolicies) != 1 || !page.IsTruncated || page.Marker == "" {
		t.Fatalf("page = %+v", page)
	}
	e.must("DetachUserPolicy", "UserName", "u", "PolicyArn", ddbFull)
	list = e.must("ListAttachedUserPolicies", "UserName", "u").(listAttachedUserPoliciesResult)
	if len(list.AttachedPolicies) != 1 || list.AttachedPolicies[0].PolicyArn != ddbFull2 {
		t.Fatalf("after detach = %+v", list)
	}
	e.reopen()
	list = e.must("ListAttachedUserPolicies", "UserName", "u").(listAttachedUserPoliciesResult)
	if len(list.AttachedPolicies) != 1 {
		t.Fatalf("after reopen = %+v", list)
	}
}

func TestPolicyErrors(t *testing.T) {
	cases := []struct {
		name   string
		op     string
		kv     []string
		code   string
		status int
		msg    string
	}{
		{"attach unknown policy", "AttachUserPolicy", []string{"UserName", "u", "PolicyArn", "arn:aws:iam::aws:policy/NoSuchPolicy"},
			"NoSuchEntity", 404, "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable."},
		{"attach customer policy", "AttachUserPolicy", []string{"UserName", "u", "PolicyArn", "arn:aws:iam::000000000000:policy/X"},
			"NoSuchEntity", 404, "Policy arn:aws:iam::000000000000:policy/X does not exist or is not attachable."},
		{"attach not an arn", "AttachUserPolicy", []string{"UserName", "u", "PolicyArn", "AmazonDynamoDBFullAccess"},
			"InvalidInput", 400, "ARN AmazonDynamoDBFullAccess is not valid."},
		{"attach short arn", "AttachUserPolicy", []string{"UserName", "u", "PolicyArn", "arn:x"}, "ValidationError", 400,
			"1 validation error detected: Value 'arn:x' at 'policyArn' failed to satisfy constraint: Member must have length greater than or equal to 20"},
		{"attach no arn", "AttachUserPolicy", []string{"UserName", "u"}, "ValidationError", 400,
			"1 validation error detected: Value null at 'policyArn' failed to satisfy constraint: Member must not be null"},
		{"attach missing user", "AttachUserPolicy", []string{"UserName", "ghost", "PolicyArn", ddbFull},
			"NoSuchEntity", 404, "The user with name ghost cannot be found."},
		{"detach not attached", "DetachUserPolicy", []string{"UserName", "u", "PolicyArn", ddbFull},
			"NoSuchEntity", 404, "Policy " + ddbFull + " was not found."},
		{"list attached missing user", "ListAttachedUserPolicies", []string{"UserName", "ghost"},
			"NoSuchEntity", 404, "The user with name ghost cannot be found."},
		{"put malformed json", "PutUserPolicy", []string{"UserName", "u", "PolicyName", "p", "PolicyDocument", "{not json"},
			"MalformedPolicyDocument", 400, "Syntax errors in policy."},
		{"put with principal", "PutUserPolicy", []string{"UserName", "u", "PolicyName", "p", "PolicyDocument",
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"*"}}`},
			"MalformedPolicyDocument", 400, "Policy document should not specify a principal."},
		{"put bad name", "PutUserPolicy", []string{"UserName", "u", "PolicyName", "a b", "PolicyDocument", inlineS3}, "ValidationError", 400,
			`1 validation error detected: Value 'a b' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
		{"put no document", "PutUserPolicy", []string{"UserName", "u", "PolicyName", "p"}, "ValidationError", 400,
			"1 validation error detected: Value null at 'policyDocument' failed to satisfy constraint: Member must not be null"},
		{"put missing user", "PutUserPolicy", []string{"UserName", "ghost", "PolicyName", "p", "PolicyDocument", inlineS3},
			"NoSuchEntity", 404, "The user with name ghost cannot be found."},
		{"get missing inline", "GetUserPolicy", []string{"UserName", "u", "PolicyName", "p"},
			"NoSuchEntity", 404, "The user policy with name p cannot be found."},
		{"delete missing inline", "DeleteUserPolicy", []string{"UserName", "u", "PolicyName", "p"},
			"NoSuchEntity", 404, "The user policy with name p cannot be found."},
		{"list inline missing user", "ListUserPolicies", []string{"UserName", "ghost"},
			"NoSuchEntity", 404, "The user with name ghost cannot be found."},
		{"get unknown policy", "GetPolicy", []string{"PolicyArn", "arn:aws:iam::aws:policy/NoSuchPolicy"},
			"NoSuchEntity", 404, "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable."},
		{"get policy not arn", "GetPolicy", []string{"PolicyArn", "AmazonDynamoDBFullAccessX"},
			"InvalidInput", 400, "ARN AmazonDynamoDBFullAccessX is not valid."},
		{"get other version", "GetPolicyVersion", []string{"PolicyArn", ddbFull, "VersionId", "v1"},
			"NoSuchEntity", 404, "Policy " + ddbFull + " version v1 does not exist or is not attachable."},
		{"get bad version id", "GetPolicyVersion", []string{"PolicyArn", ddbFull, "VersionId", "15"}, "ValidationError", 400,
			`1 validation error detected: Value '15' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`},
		{"list bad scope", "ListPolicies", []string{"Scope", "Mine"}, "ValidationError", 400,
			"1 validation error detected: Value 'Mine' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]"},
		{"list bad bool", "ListPolicies", []string{"OnlyAttached", "yes"}, "ValidationError", 400,
			"1 validation error detected: Value 'yes' at 'onlyAttached' failed to satisfy constraint: Member must be a boolean"},
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

func TestManagedPolicyQuota(t *testing.T) {
	e := newEnv(t)
	e.must("CreateUser", "UserName", "u")
	u := e.s.lookup("u").clone()
	for i := 0; i < maxManagedPerUser; i++ {
		u.Attached = append(u.Attached, "arn:aws:iam::aws:policy/Fake"+itoa(i))
	}
	if err := e.s.commit(e.s.lookup("u"), u); err != nil {
		t.Fatal(err)
	}
	_, err := e.call("AttachUserPolicy", "UserName", "u", "PolicyArn", ddbFull)
	apiErr(t, err, "LimitExceeded", 409, "Cannot exceed quota for PoliciesPerUser: 10")
}

func TestInlinePolicies(t *testing.T) {
	e := newEnv(t)
	e.must("CreateUser", "UserName", "u")
	e.must("PutUserPolicy", "UserName", "u", "PolicyName", "zeta", "PolicyDocument", inlineS3)
	e.must("PutUserPolicy", "UserName", "u", "PolicyName", "Alpha", "PolicyDocument", inlineS3)
	got := e.must("GetUserPolicy", "UserName", "u", "PolicyName", "zeta").(getUserPolicyResult)
	if got.UserName != "u" || got.PolicyName != "zeta" {
		t.Fatalf("got = %+v", got)
	}
	if strings.ContainsAny(got.PolicyDocument, `{}":`) || !strings.HasPrefix(got.PolicyDocument, "%7B%22Version%22%3A%222012-10-17%22") {
		t.Fatalf("document not URL-encoded: %s", got.PolicyDocument)
	}
	if doc, err := url.PathUnescape(got.PolicyDocument); err != nil || doc != inlineS3 {
		t.Fatalf("decoded = %q, %v", doc, err)
	}
	names := e.must("ListUserPolicies", "UserName", "u").(listUserPoliciesResult)
	if strings.Join(names.PolicyNames, ",") != "Alpha,zeta" || names.IsTruncated {
		t.Fatalf("names = %+v", names)
	}
	// Replace keeps one policy.
	e.must("PutUserPolicy", "UserName", "u", "PolicyName", "zeta", "PolicyDocument", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`)
	if n := len(e.must("ListUserPolicies", "UserName", "u").(listUserPoliciesResult).PolicyNames); n != 2 {
		t.Fatalf("%d policies after replace", n)
	}
	e.reopen()
	e.must("DeleteUserPolicy", "UserName", "u", "PolicyName", "zeta")
	names = e.must("ListUserPolicies", "UserName", "u").(listUserPoliciesResult)
	if strings.Join(names.PolicyNames, ",") != "Alpha" {
		t.Fatalf("names = %+v", names)
	}
}

// TestUnconfirmed_InlineQuotaMessage: IAM's 2,048-character quota on a user's inline
// policies; the message wording is a guess.
func TestUnconfirmed_InlineQuotaMessage(t *testing.T) {
	e := newEnv(t)
	e.must("CreateUser", "UserName", "u")
	var actions []string
	for i := 0; i < 120; i++ {
		actions = append(actions, `"s3:GetObject`+itoa(i)+`"`)
	}
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[` + strings.Join(actions, ",") + `],"Resource":"*"}}`
	_, err := e.call("PutUserPolicy", "UserName", "u", "PolicyName", "big", "PolicyDocument", doc)
	apiErr(t, err, "LimitExceeded", 409, "Maximum policy size of 2048 bytes exceeded for user u")
}

func TestGetPolicyAndVersion(t *testing.T) {
	e := newEnv(t)
	e.admin()
	e.must("CreateUser", "UserName", "u")
	e.must("AttachUserPolicy", "UserName", "u", "PolicyArn", ddbFull)
	p := e.must("GetPolicy", "PolicyArn", ddbFull).(getPolicyResult).Policy
	want := xmlPolicy{
		PolicyName: "AmazonDynamoDBFullAccess", PolicyId: "ANPAINUGF2JSOSUY76KYA", Arn: ddbFull, Path: "/",
		DefaultVersionId: "v15", AttachmentCount: 1, IsAttachable: true,
		Description: "Provides full access to Amazon DynamoDB via the AWS Management Console.",
		CreateDate:  "2015-02-06T18:40:11Z", UpdateDate: "2021-01-29T17:38:30Z",
	}
	if p != want {
		t.Fatalf("GetPolicy =\n%+v\nwant\n%+v", p, want)
	}
	admin := e.must("GetPolicy", "PolicyArn", AdministratorAccessARN).(getPolicyResult).Policy
	if admin.AttachmentCount != 1 || admin.DefaultVersionId != "v1" || admin.PolicyId != "ANPAIWMBCKSKIEE64ZLYK" {
		t.Fatalf("AdministratorAccess = %+v", admin)
	}

	v := e.must("GetPolicyVersion", "PolicyArn", ddbFull, "VersionId", "v15").(getPolicyVersionResult).PolicyVersion
	if v.VersionId != "v15" || !v.IsDefaultVersion || v.CreateDate != "2021-01-29T17:38:30Z" {
		t.Fatalf("version = %+v", v)
	}
	doc, err := url.PathUnescape(v.Document)
	if err != nil {
		t.Fatal(err)
	}
	// The document is the published one.
	raw, err := managedFS.ReadFile("managed/AmazonDynamoDBFullAccess.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Document any }
	var got any
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(doc), &got); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(file.Document)
	b, _ := json.Marshal(got)
	if string(a) != string(b) {
		t.Fatalf("document differs from the published one:\n%s\n%s", b, a)
	}
	if !strings.Contains(doc, `"kms:DescribeKey"`) || strings.Contains(doc, "kms:Decrypt") {
		t.Fatal("AmazonDynamoDBFullAccess must have kms:DescribeKey and no kms:Decrypt")
	}
}

func TestManagedPoliciesPresent(t *testing.T) {
	e := newEnv(t)
	want := map[string]string{
		"AmazonDynamoDBFullAccess":         "v15",
		"AmazonDynamoDBFullAccess_v2":      "v3",
		"AmazonDynamoDBReadOnlyAccess":     "v15",
		"AdministratorAccess":              "v1",
		"ReadOnlyAccess":                   "v182",
		"AWSKeyManagementServicePowerUser": "v2",
	}
	for name, version := range want {
		m := e.s.managed["arn:aws:iam::aws:policy/"+name]
		if m == nil || m.VersionID != version || !strings.HasPrefix(m.ID, "ANPA") || len(m.ID) != 21 || m.Description == "" {
			t.Fatalf("%s = %+v", name, m)
		}
		if _, err := m.Parsed(); err != nil {
			t.Fatalf("%s does not parse: %v", name, err)
		}
	}
}

func TestListPolicies(t *testing.T) {
	e := newEnv(t)
	e.admin()
	all := e.must("ListPolicies").(listPoliciesResult)
	var names []string
	for _, p := range all.Policies {
		names = append(names, p.PolicyName)
		if p.Description != "" {
			t.Fatal("ListPolicies must not return descriptions")
		}
	}
	if strings.Join(names, ",") != "AdministratorAccess,AmazonDynamoDBFullAccess,AmazonDynamoDBFullAccess_v2,AmazonDynamoDBReadOnlyAccess,AWSKeyManagementServicePowerUser,ReadOnlyAccess" {
		t.Fatalf("names = %v", names)
	}
	if aws := e.must("ListPolicies", "Scope", "AWS").(listPoliciesResult); len(aws.Policies) != 6 {
		t.Fatalf("AWS scope = %d", len(aws.Policies))
	}
	if local := e.must("ListPolicies", "Scope", "Local").(listPoliciesResult); len(local.Policies) != 0 || local.Policies == nil {
		t.Fatalf("Local scope = %+v", local)
	}
	attached := e.must("ListPolicies", "OnlyAttached", "true").(listPoliciesResult)
	if len(attached.Policies) != 1 || attached.Policies[0].PolicyName != "AdministratorAccess" || attached.Policies[0].AttachmentCount != 1 {
		t.Fatalf("OnlyAttached = %+v", attached)
	}
	first := e.must("ListPolicies", "MaxItems", "4").(listPoliciesResult)
	rest := e.must("ListPolicies", "MaxItems", "4", "Marker", first.Marker).(listPoliciesResult)
	if len(first.Policies) != 4 || !first.IsTruncated || len(rest.Policies) != 2 || rest.IsTruncated {
		t.Fatalf("pages %d/%v %d/%v", len(first.Policies), first.IsTruncated, len(rest.Policies), rest.IsTruncated)
	}
}
