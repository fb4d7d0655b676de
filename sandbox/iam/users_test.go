package iam

import (
	"regexp"
	"strings"
	"testing"

	"github.com/kmslab/kmslab/sandbox/api"
)

var userIDPattern = regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`)

func TestCreateUser(t *testing.T) {
	e := newEnv(t)
	res, targets, err := e.callAs(e.admin(), "CreateUser", "UserName", "nextwork-kms-user", "Path", "/lab/",
		"Tags.member.1.Key", "kmslab:lab", "Tags.member.1.Value", "nextwork")
	if err != nil {
		t.Fatal(err)
	}
	u := res.(userResult).User
	wantARN := "arn:aws:iam::000000000000:user/lab/nextwork-kms-user"
	if u.UserName != "nextwork-kms-user" || u.Path != "/lab/" || u.Arn != wantARN || u.CreateDate != "2026-11-22T17:52:00Z" {
		t.Fatalf("user = %+v", u)
	}
	if !userIDPattern.MatchString(u.UserId) {
		t.Fatalf("UserId %q is not AIDA + 17 base32 characters", u.UserId)
	}
	if len(u.Tags) != 1 || u.Tags[0] != (xmlTag{Key: "kmslab:lab", Value: "nextwork"}) {
		t.Fatalf("tags = %+v", u.Tags)
	}
	want := []api.Target{{Action: "iam:CreateUser", Resource: wantARN}, {Action: "iam:TagUser", Resource: wantARN}}
	if len(targets) != 2 || targets[0].Action != want[0].Action || targets[0].Resource != want[0].Resource ||
		targets[1].Action != want[1].Action || targets[1].Resource != want[1].Resource {
		t.Fatalf("targets = %+v", targets)
	}
	// Default path is "/".
	res = e.must("CreateUser", "UserName", "bob")
	if got := res.(userResult).User; got.Path != "/" || got.Arn != "arn:aws:iam::000000000000:user/bob" || got.Tags != nil {
		t.Fatalf("bob = %+v", got)
	}
}

func TestUserErrors(t *testing.T) {
	long := strings.Repeat("a", 65)
	cases := []struct {
		name   string
		op     string
		kv     []string
		code   string
		status int
		msg    string
	}{
		{"create missing name", "CreateUser", nil, "ValidationError", 400,
			"1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
		{"create empty name", "CreateUser", []string{"UserName", ""}, "ValidationError", 400,
			"1 validation error detected: Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"create long name", "CreateUser", []string{"UserName", long}, "ValidationError", 400,
			"1 validation error detected: Value '" + long + "' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"create bad chars", "CreateUser", []string{"UserName", "x y"}, "ValidationError", 400,
			`1 validation error detected: Value 'x y' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
		{"create bad path", "CreateUser", []string{"UserName", "ok", "Path", "lab"}, "ValidationError", 400,
			`1 validation error detected: Value 'lab' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`},
		{"two errors", "CreateUser", []string{"UserName", "x y", "Path", "lab"}, "ValidationError", 400,
			`2 validation errors detected: Value 'x y' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+; Value 'lab' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`},
		{"bad tag key", "CreateUser", []string{"UserName", "ok", "Tags.member.1.Key", "a*b", "Tags.member.1.Value", "v"}, "ValidationError", 400,
			`1 validation error detected: Value 'a*b' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`},
		{"tag without value", "CreateUser", []string{"UserName", "ok", "Tags.member.1.Key", "k"}, "ValidationError", 400,
			"1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"},
		{"duplicate tag keys", "CreateUser", []string{"UserName", "ok", "Tags.member.1.Key", "Team", "Tags.member.1.Value", "a", "Tags.member.2.Key", "team", "Tags.member.2.Value", "b"},
			"InvalidInput", 400, "Duplicate tag keys found. Please note that Tag keys are case insensitive."},
		{"bad permissions boundary", "CreateUser", []string{"UserName", "ok", "PermissionsBoundary", "arn:x"}, "ValidationError", 400,
			"1 validation error detected: Value 'arn:x' at 'permissionsBoundary' failed to satisfy constraint: Member must have length greater than or equal to 20"},
		{"duplicate user", "CreateUser", []string{"UserName", "ADMIN"}, "EntityAlreadyExists", 409, "User with name ADMIN already exists."},
		{"get missing", "GetUser", []string{"UserName", "ghost"}, "NoSuchEntity", 404, "The user with name ghost cannot be found."},
		{"delete missing", "DeleteUser", []string{"UserName", "ghost"}, "NoSuchEntity", 404, "The user with name ghost cannot be found."},
		{"delete no name", "DeleteUser", nil, "ValidationError", 400,
			"1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
		{"tag missing user", "TagUser", []string{"UserName", "ghost", "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"}, "NoSuchEntity", 404, "The user with name ghost cannot be found."},
		{"tag no tags", "TagUser", []string{"UserName", "admin"}, "ValidationError", 400,
			"1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null"},
		{"untag no keys", "UntagUser", []string{"UserName", "admin"}, "ValidationError", 400,
			"1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"},
		{"list tags missing", "ListUserTags", []string{"UserName", "ghost"}, "NoSuchEntity", 404, "The user with name ghost cannot be found."},
		{"list bad prefix", "ListUsers", []string{"PathPrefix", "x"}, "ValidationError", 400,
			`1 validation error detected: Value 'x' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`},
		{"max items zero", "ListUsers", []string{"MaxItems", "0"}, "ValidationError", 400,
			"1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"max items big", "ListUsers", []string{"MaxItems", "1001"}, "ValidationError", 400,
			"1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"bad marker", "ListUsers", []string{"Marker", "nope"}, "ValidationError", 400, "Invalid Marker."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			_, err := e.call(c.op, c.kv...)
			apiErr(t, err, c.code, c.status, c.msg)
		})
	}
}

func TestTooManyTags(t *testing.T) {
	e := newEnv(t)
	var kv []string
	for i := 1; i <= 51; i++ {
		kv = append(kv, "Tags.member."+itoa(i)+".Key", "k"+itoa(i), "Tags.member."+itoa(i)+".Value", "v")
	}
	_, err := e.call("CreateUser", append([]string{"UserName", "u"}, kv...)...)
	apiErr(t, err, "ValidationError", 400, "")
	if !strings.Contains(err.Error(), "at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50") {
		t.Fatal(err)
	}
}

func TestUserNamesIgnoreCase(t *testing.T) {
	e := newEnv(t)
	e.must("CreateUser", "UserName", "TestUser")
	_, err := e.call("CreateUser", "UserName", "testuser")
	apiErr(t, err, "EntityAlreadyExists", 409, "User with name testuser already exists.")
	got := e.must("GetUser", "UserName", "TESTUSER").(userResult).User
	if got.UserName != "TestUser" {
		t.Fatalf("GetUser TESTUSER = %+v", got)
	}
}

func TestGetUserDefaultsToCaller(t *testing.T) {
	e := newEnv(t)
	e.must("CreateUser", "UserName", "alice")
	alice := e.s.lookup("alice").principal("AKIAEXAMPLE")
	res, targets, err := e.callAs(alice, "GetUser")
	if err != nil {
		t.Fatal(err)
	}
	if res.(userResult).User.UserName != "alice" {
		t.Fatalf("GetUser = %+v", res)
	}
	if len(targets) != 1 || targets[0].Action != "iam:GetUser" || targets[0].Resource != alice.ARN {
		t.Fatalf("targets = %+v", targets)
	}
	// A caller that is not a user cannot leave the name out.
	_, _, err = e.callAs(api.Principal{AccountID: testAccount, ARN: "arn:aws:iam::000000000000:root"}, "GetUser")
	apiErr(t, err, "ValidationError", 400, "Must specify userName when calling with non-User credentials")
}

func TestTargetsUseExistingPath(t *testing.T) {
	e := newEnv(t)
	e.must("CreateUser", "UserName", "pathy", "Path", "/a/b/")
	_, targets, err := e.callAs(e.admin(), "GetUser", "UserName", "pathy")
	if err != nil {
		t.Fatal(err)
	}
	if targets[0].Resource != "arn:aws:iam::000000000000:user/a/b/pathy" {
		t.Fatalf("resource = %s", targets[0].Resource)
	}
	// A missing user is named at path "/" (the error comes after authorization).
	r := e.request(e.admin(), "GetUser", "UserName", "ghost")
	targets, err = e.s.Targets(r)
	if err != nil || targets[0].Resource != "arn:aws:iam::000000000000:user/ghost" {
		t.Fatalf("targets = %+v, %v", targets, err)
	}
}

func TestListUsers(t *testing.T) {
	e := newEnv(t)
	e.admin()
	for _, n := range []string{"carol", "Bob", "dave"} {
		e.must("CreateUser", "UserName", n, "Tags.member.1.Key", "k", "Tags.member.1.Value", "v")
	}
	e.must("CreateUser", "UserName", "erin", "Path", "/lab/")
	all := e.must("ListUsers").(listUsersResult)
	var names []string
	for _, u := range all.Users {
		names = append(names, u.UserName)
		if u.Tags != nil {
			t.Fatalf("ListUsers returned tags for %s", u.UserName)
		}
	}
	if strings.Join(names, ",") != "admin,Bob,carol,dave,erin" || all.IsTruncated || all.Marker != "" {
		t.Fatalf("ListUsers = %v truncated=%v marker=%q", names, all.IsTruncated, all.Marker)
	}
	lab := e.must("ListUsers", "PathPrefix", "/lab").(listUsersResult)
	if len(lab.Users) != 1 || lab.Users[0].UserName != "erin" {
		t.Fatalf("PathPrefix /lab = %+v", lab.Users)
	}
	// Pages of two.
	var paged []string
	marker := ""
	for i := 0; i < 10; i++ {
		kv := []string{"MaxItems", "2"}
		if marker != "" {
			kv = append(kv, "Marker", marker)
		}
		page := e.must("ListUsers", kv...).(listUsersResult)
		for _, u := range page.Users {
			paged = append(paged, u.UserName)
		}
		if !page.IsTruncated {
			break
		}
		marker = page.Marker
	}
	if strings.Join(paged, ",") != "admin,Bob,carol,dave,erin" {
		t.Fatalf("paged = %v", paged)
	}
}

func TestDeleteUserConflicts(t *testing.T) {
	e := newEnv(t)
	oldID := e.must("CreateUser", "UserName", "u").(userResult).User.UserId
	key := e.must("CreateAccessKey", "UserName", "u").(createAccessKeyResult).AccessKey.AccessKeyId
	e.must("AttachUserPolicy", "UserName", "u", "PolicyArn", "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess")
	e.must("PutUserPolicy", "UserName", "u", "PolicyName", "inline", "PolicyDocument", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`)

	steps := []struct {
		msg  string
		undo []string
	}{
		{"Cannot delete entity, must delete access keys first.", []string{"DeleteAccessKey", "UserName", "u", "AccessKeyId", key}},
		{"Cannot delete entity, must detach all policies first.", []string{"DetachUserPolicy", "UserName", "u", "PolicyArn", "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"}},
		{"Cannot delete entity, must delete policies first.", []string{"DeleteUserPolicy", "UserName", "u", "PolicyName", "inline"}},
	}
	for _, s := range steps {
		_, err := e.call("DeleteUser", "UserName", "u")
		apiErr(t, err, "DeleteConflict", 409, s.msg)
		e.must(s.undo[0], s.undo[1:]...)
	}
	if res := e.must("DeleteUser", "UserName", "u"); res != nil {
		t.Fatalf("DeleteUser result = %#v, want nil", res)
	}
	_, err := e.call("GetUser", "UserName", "u")
	apiErr(t, err, "NoSuchEntity", 404, "The user with name u cannot be found.")
	// Gone from disk too, and the name can be used again with a new id.
	e.reopen()
	if e.s.lookup("u") != nil {
		t.Fatal("deleted user came back after reopen")
	}
	u := e.must("CreateUser", "UserName", "u").(userResult).User
	if u.UserId == oldID || !userIDPattern.MatchString(u.UserId) {
		t.Fatalf("recreated id %q", u.UserId)
	}
}

func TestTags(t *testing.T) {
	e := newEnv(t)
	e.must("CreateUser", "UserName", "u", "Tags.member.1.Key", "Team", "Tags.member.1.Value", "a")
	e.must("TagUser", "UserName", "u", "Tags.member.1.Key", "team", "Tags.member.1.Value", "b",
		"Tags.member.2.Key", "env", "Tags.member.2.Value", "lab")
	got := e.must("ListUserTags", "UserName", "u").(listUserTagsResult)
	if len(got.Tags) != 2 || got.Tags[0] != (xmlTag{"Team", "b"}) || got.Tags[1] != (xmlTag{"env", "lab"}) || got.IsTruncated {
		t.Fatalf("tags = %+v", got)
	}
	page := e.must("ListUserTags", "UserName", "u", "MaxItems", "1").(listUserTagsResult)
	if len(page.Tags) != 1 || !page.IsTruncated {
		t.Fatalf("page = %+v", page)
	}
	rest := e.must("ListUserTags", "UserName", "u", "Marker", page.Marker).(listUserTagsResult)
	if len(rest.Tags) != 1 || rest.Tags[0].Key != "env" || rest.IsTruncated {
		t.Fatalf("rest = %+v", rest)
	}
	e.must("UntagUser", "UserName", "u", "TagKeys.member.1", "TEAM", "TagKeys.member.2", "missing")
	got = e.must("ListUserTags", "UserName", "u").(listUserTagsResult)
	if len(got.Tags) != 1 || got.Tags[0].Key != "env" {
		t.Fatalf("after untag = %+v", got)
	}
	// GetUser shows tags.
	if u := e.must("GetUser", "UserName", "u").(userResult).User; len(u.Tags) != 1 {
		t.Fatalf("GetUser tags = %+v", u.Tags)
	}
}

// TestUnconfirmed_TagQuotaMessage: the wording of the 51st tag's LimitExceeded is a guess.
func TestUnconfirmed_TagQuotaMessage(t *testing.T) {
	e := newEnv(t)
	e.must("CreateUser", "UserName", "u")
	for i := 1; i <= 50; i++ {
		e.must("TagUser", "UserName", "u", "Tags.member.1.Key", "k"+itoa(i), "Tags.member.1.Value", "v")
	}
	_, err := e.call("TagUser", "UserName", "u", "Tags.member.1.Key", "one-more", "Tags.member.1.Value", "v")
	apiErr(t, err, "LimitExceeded", 409, "Cannot exceed quota for TagsPerUser: 50")
}

func TestUnknownAction(t *testing.T) {
	e := newEnv(t)
	_, err := e.call("CreateRole", "RoleName", "r")
	apiErr(t, err, "InvalidAction", 400, "Could not find operation CreateRole for version 2010-05-08")
	r := e.request(e.admin(), "ListUsers")
	r.Form.Set("Version", "2099-01-01")
	_, err = e.s.Targets(r)
	apiErr(t, err, "InvalidAction", 400, "Could not find operation ListUsers for version 2099-01-01")
}

func TestHandleWithoutTargets(t *testing.T) {
	e := newEnv(t)
	r := e.request(e.admin(), "CreateUser", "UserName", "direct")
	res, err := e.s.Handle(r)
	if err != nil || res.(userResult).User.UserName != "direct" {
		t.Fatalf("Handle = %+v, %v", res, err)
	}
	r = e.request(e.admin(), "CreateUser")
	_, err = e.s.Handle(r)
	apiErr(t, err, "ValidationError", 400, "")
}

func TestServiceIdentity(t *testing.T) {
	e := newEnv(t)
	if e.s.Name() != "iam" || e.s.Protocol() != api.Query {
		t.Fatal("Name/Protocol")
	}
	if len(Operations()) != len(ops) {
		t.Fatal("Operations")
	}
}
