package steps_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/kmslab/kmslab/steps"
)

const (
	acct    = "111122223333"
	userARN = "arn:aws:iam::111122223333:user/nextwork-kms-user"
	keyARN  = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	tblARN  = "arn:aws:dynamodb:us-east-1:111122223333:table/nextwork-kms-table"
)

func TestParseDenial(t *testing.T) {
	implicit := "User: " + userARN + " is not authorized to perform: kms:Decrypt on resource: " + keyARN +
		" because no identity-based policy allows the kms:Decrypt action"
	wrapped := "KMS key access denied error: com.amazonaws.services.kms.model.AWSKMSException: " + implicit +
		" (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: 0c1d2e3f-aaaa-bbbb-cccc-123456789012; Proxy: null)"
	cases := []struct {
		name, msg                   string
		principal, action, resource string
		ok                          bool
	}{
		{"implicit deny on a key", implicit, userARN, "kms:Decrypt", keyARN, true},
		{"DynamoDB's wrapper", wrapped, userARN, "kms:Decrypt", keyARN, true},
		{"the Go SDK's whole error", "operation error DynamoDB: Scan, https response error StatusCode: 400, RequestID: X1, api error AccessDeniedException: " + wrapped,
			userARN, "kms:Decrypt", keyARN, true},
		{"explicit deny in an identity policy", "User: " + userARN + " is not authorized to perform: dynamodb:Scan on resource: " + tblARN +
			" with an explicit deny in an identity-based policy", userARN, "dynamodb:Scan", tblARN, true},
		{"no resource", "User: arn:aws:iam::111122223333:user/admin is not authorized to perform: iam:ListUsers because no identity-based policy allows the iam:ListUsers action",
			"arn:aws:iam::111122223333:user/admin", "iam:ListUsers", "", true},
		{"ciphertext only", "User: " + userARN + " is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext because no identity-based policy allows the kms:Decrypt action",
			userARN, "kms:Decrypt", "", true},
		{"assumed role", "User: arn:aws:sts::111122223333:assumed-role/lab-role/session-1 is not authorized to perform: kms:CreateAlias on resource: arn:aws:kms:us-west-2:111122223333:alias/lab because no identity-based policy allows the kms:CreateAlias action",
			"arn:aws:sts::111122223333:assumed-role/lab-role/session-1", "kms:CreateAlias", "arn:aws:kms:us-west-2:111122223333:alias/lab", true},
		{"IAM's user wording", "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: iam:GetUser on resource: user nextwork-kms-user because no identity-based policy allows the iam:GetUser action",
			"arn:aws:iam::111122223333:user/bob", "iam:GetUser", "user nextwork-kms-user", true},
		{"service control policy", "User: " + userARN + " is not authorized to perform: kms:ScheduleKeyDeletion on resource: " + keyARN + " with an explicit deny in a service control policy",
			userARN, "kms:ScheduleKeyDeletion", keyARN, true},
		{"other account, resource-based", "User: arn:aws:iam::444455556666:user/student2 is not authorized to perform: dynamodb:Scan on resource: " + tblARN +
			" because no resource-based policy allows the dynamodb:Scan action", "arn:aws:iam::444455556666:user/student2", "dynamodb:Scan", tblARN, true},
		{"S3's bare wording", "Access Denied", "", "", "", false},
		{"KMS's old ciphertext wording", "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.", "", "", "", false},
		{"no ARN", "User: bob is not authorized to perform: kms:Decrypt", "", "", "", false},
		{"empty", "", "", "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, a, r, ok := steps.ParseDenial(c.msg)
			if ok != c.ok || p != c.principal || a != c.action || r != c.resource {
				t.Errorf("ParseDenial = %q, %q, %q, %v; want %q, %q, %q, %v", p, a, r, ok, c.principal, c.action, c.resource, c.ok)
			}
		})
	}
}

func checkText(t *testing.T, e *steps.Explanation, want ...string) string {
	t.Helper()
	text := e.Text()
	for i, line := range strings.Split(text, "\n") {
		if n := len([]rune(line)); n > 78 {
			t.Errorf("text line %d is %d characters: %q", i+1, n, line)
		}
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q:\n%s", w, text)
		}
	}
	return text
}

func TestExplainDenialOfAnExplicitDenyInTheUsersPolicy(t *testing.T) {
	tg := openSandbox(t)
	l := newLab(t, tg, nil)
	ctx := context.Background()
	runUpTo(t, l, steps.DenyUser)
	deny := `{"Version":"2012-10-17","Statement":[{"Sid":"NoScanning","Effect":"Deny","Action":"dynamodb:Scan","Resource":"*"}]}`
	if _, err := l.IAM.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(l.User), PolicyName: aws.String("no-scan"), PolicyDocument: aws.String(deny)}); err != nil {
		t.Fatal(err)
	}

	// A second process reads as the user: ViewAs takes a DynamoDB denial for IAM still
	// catching up, so keep its wait short.
	l2, err := steps.New(tg, steps.Options{MaxWait: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, user, _ := l2.ViewAs(ctx)
	if user.ErrCode != "AccessDeniedException" || !strings.Contains(user.ErrMessage, "dynamodb:Scan") {
		t.Fatalf("scan as the user: %+v", user)
	}
	last := l2.LastDenied()
	if _, a, _, ok := steps.ParseDenial(last); !ok || a != "dynamodb:Scan" || l2.Notes()[steps.NoteLastDeniedMessage] != last {
		t.Fatalf("last denial %q (notes %q)", last, l2.Notes()[steps.NoteLastDeniedMessage])
	}

	byMsg, err := l2.ExplainDenial(ctx, last)
	if err != nil {
		t.Fatal(err)
	}
	e, err := l2.Explain(ctx) // the Scan denial is newer than the lab's own
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []*steps.Explanation{byMsg, e} {
		if e.Scope != steps.ScopeIdentity || e.Action != "dynamodb:Scan" || e.Decision != steps.DecisionExplicitDeny || len(e.KeyPolicy) != 0 {
			t.Fatalf("explanation: scope %v action %q decision %q key policy %v", e.Scope, e.Action, e.Decision, e.KeyPolicy)
		}
		if !strings.Contains(e.Message, "with an explicit deny in an identity-based policy") || !strings.Contains(e.Reason, "NoScanning") {
			t.Errorf("message %q reason %q", e.Message, e.Reason)
		}
		var found bool
		for _, p := range e.Identity {
			switch p.Name {
			case "no-scan":
				found = p.DeniesAction && len(p.Statements) == 1 && p.Statements[0].Sid == "NoScanning" && p.Statements[0].Effect == "Deny"
			case "AmazonDynamoDBFullAccess":
				if !p.AllowsAction || p.DeniesAction || !contains(p.Actions, "dynamodb:*") {
					t.Errorf("AmazonDynamoDBFullAccess finding %+v", p)
				}
			}
		}
		if !found {
			t.Errorf("no Deny finding for the inline policy: %+v", e.Identity)
		}
		checkText(t, e, "dynamodb:Scan", `"NoScanning" (Deny dynamodb:Scan)`, "explicit deny", "No resource policy takes part", "DynamoDB actions it allows: dynamodb:*")
	}

	// Without the Deny, the user's read meets the lab's own denial again: Explain is back to it.
	if _, err := l.IAM.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String(l.User), PolicyName: aws.String("no-scan")}); err != nil {
		t.Fatal(err)
	}
	if _, user, err := l2.ViewAs(ctx); err != nil || !strings.Contains(user.ErrMessage, "kms:Decrypt") {
		t.Fatalf("scan as the user without the Deny: %v %+v", err, user)
	}
	if back := explain(t, l2); back.Scope != steps.ScopeLabKey || back.Action != "kms:Decrypt" || back.Decision != steps.DecisionImplicitDeny {
		t.Errorf("after the lab's denial again: scope %v action %q decision %q", back.Scope, back.Action, back.Decision)
	}

	// From an earlier run's notes: a denial older than the lab's own is left alone.
	for _, c := range []struct {
		at   string
		want steps.Scope
	}{{"2026-01-01T10:00:00.5Z", steps.ScopeLabKey}, {"2026-01-01T12:00:00.5Z", steps.ScopeIdentity}} {
		l3, err := steps.New(tg, steps.Options{Notes: map[string]string{
			steps.NoteDenialMessage: l.Notes()[steps.NoteDenialMessage], steps.NoteDenialAt: "2026-01-01T11:00:00Z",
			steps.NoteLastDeniedMessage: last, steps.NoteLastDeniedAt: c.at}})
		if err != nil {
			t.Fatal(err)
		}
		if got := explain(t, l3); got.Scope != c.want {
			t.Errorf("denial noted at %s: scope %v, want %v", c.at, got.Scope, c.want)
		}
	}

	// The first lab met only its own denial: Explain keeps to it.
	own := explain(t, l)
	if own.Scope != steps.ScopeLabKey || own.Action != "kms:Decrypt" || own.Decision != steps.DecisionImplicitDeny {
		t.Errorf("the lab's own explanation: scope %v action %q decision %q", own.Scope, own.Action, own.Decision)
	}
	// The lab's own denial, given as a message, takes the lab's path.
	viaMsg, err := l.ExplainDenial(ctx, l.Notes()[steps.NoteDenialMessage])
	if err != nil || viaMsg.Scope != steps.ScopeLabKey || viaMsg.Decision != own.Decision || viaMsg.Message != own.Message {
		t.Errorf("the lab's denial as a message: %v %+v", err, viaMsg)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestExplainDenialOfAnAdminWithoutPolicies(t *testing.T) {
	tg := openSandbox(t)
	l := newLab(t, tg, nil)
	ctx := context.Background()
	runUpTo(t, l, steps.CreateKey)

	// A second admin, so the sandbox's own admin keeps its rights.
	const name = "kmslab-second-admin"
	const adminPolicy = "arn:aws:iam::aws:policy/AdministratorAccess"
	if _, err := l.IAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.IAM.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String(adminPolicy)}); err != nil {
		t.Fatal(err)
	}
	key, err := l.IAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	tg2 := *tg
	tg2.Admin = tg.ConfigFor(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey))
	l2, err := steps.New(&tg2, steps.Options{})
	if err != nil {
		t.Fatal(err)
	}
	createKey := steps.All()[0]
	if v, err := createKey.Check(ctx, l2); err != nil || !v.Passed() || l2.LastDenied() != "" {
		t.Fatalf("check as the second admin with AdministratorAccess: %v %+v, denied %q", err, v, l2.LastDenied())
	}
	if _, err := l.IAM.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String(adminPolicy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := createKey.Check(ctx, l2); err == nil {
		t.Fatal("check as the second admin without policies: no error")
	}
	msg := l2.LastDenied()
	p, action, _, ok := steps.ParseDenial(msg)
	if !ok || !strings.HasSuffix(p, ":user/"+name) {
		t.Fatalf("last denial %q", msg)
	}

	// The sandbox admin explains it: no policy allows, so an identity-based implicit deny.
	e, err := l.ExplainDenial(ctx, msg)
	if err != nil {
		t.Fatal(err)
	}
	if e.Decision != steps.DecisionImplicitDeny || e.User != name || e.Action != action || len(e.Identity) != 0 {
		t.Fatalf("decision %q user %q action %q identity %+v", e.Decision, e.User, e.Action, e.Identity)
	}
	if !strings.Contains(e.Message, "because no identity-based policy allows the "+action+" action") {
		t.Errorf("message %q", e.Message)
	}
	checkText(t, e, "none: the user has no IAM policies", "implicit deny", name)

	// With AdministratorAccess back, the same request would be allowed, and the text says
	// the policies changed.
	if _, err := l.IAM.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String(adminPolicy)}); err != nil {
		t.Fatal(err)
	}
	e, err = l.ExplainDenial(ctx, msg)
	if err != nil {
		t.Fatal(err)
	}
	if e.Decision != steps.DecisionAllow || len(e.Identity) != 1 || !e.Identity[0].AllowsAction {
		t.Fatalf("after re-attaching: %q %+v", e.Decision, e.Identity)
	}
	checkText(t, e, "would be allowed", "AdministratorAccess")

	// An action on no resource: only IAM policies decide.
	noRes := "User: " + p + " is not authorized to perform: iam:ListUsers because no identity-based policy allows the iam:ListUsers action"
	if _, err := l.IAM.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String(adminPolicy)}); err != nil {
		t.Fatal(err)
	}
	e, err = l.ExplainDenial(ctx, noRes)
	if err != nil {
		t.Fatal(err)
	}
	if e.Scope != steps.ScopeIdentity || e.Decision != steps.DecisionImplicitDeny || e.Resource != "*" {
		t.Fatalf("no resource: scope %v decision %q resource %q", e.Scope, e.Decision, e.Resource)
	}
	if strings.Contains(e.Message, "on resource") || !strings.Contains(e.Message, "iam:ListUsers because no identity-based policy") {
		t.Errorf("no resource message %q", e.Message)
	}
	checkText(t, e, "No resource policy takes part", `none named ("*")`)
}

func TestExplainDenialRefusesWhatItCannotRead(t *testing.T) {
	tg := openSandbox(t)
	l := newLab(t, tg, nil)
	for _, msg := range []string{
		"Access Denied",
		"User: arn:aws:sts::" + tg.Account + ":assumed-role/r/s is not authorized to perform: kms:Decrypt because no identity-based policy allows the kms:Decrypt action",
		"User: arn:aws:iam::" + acct + ":user/bob is not authorized to perform: kms:Decrypt because no identity-based policy allows the kms:Decrypt action",
	} {
		if _, err := l.ExplainDenial(context.Background(), msg); !errors.Is(err, steps.ErrCannotExplain) {
			t.Errorf("ExplainDenial(%q): %v, want ErrCannotExplain", msg, err)
		}
	}
}

func TestExplanationTextNamesPoliciesItCannotRead(t *testing.T) {
	e := &steps.Explanation{Scope: steps.ScopeIdentity, User: "bob", UserARN: "arn:aws:iam::" + acct + ":user/bob", Action: "kms:CreateKey", Resource: "*",
		Denial: "…", DeniedBy: "service control policy", Decision: steps.DecisionAllow, Enforced: true,
		Identity: []steps.PolicyFinding{{Name: "AdministratorAccess", Actions: []string{"*"}, AllowsAction: true}}}
	checkText(t, e, "Why bob was denied kms:CreateKey", "would be allowed", "names a service control policy", "No resource policy takes part", "KMS actions it allows: *")
}
