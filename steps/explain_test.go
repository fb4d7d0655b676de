package steps_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmslab/kmslab/policy"
	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

func runUpTo(t *testing.T, l *steps.Lab, last string) {
	t.Helper()
	for _, s := range steps.All() {
		v, err := s.Run(context.Background(), l)
		if err != nil || !v.Passed() {
			t.Fatalf("run %s: %v %s %s", s.ID, err, v.Status, v.Detail)
		}
		if s.ID == last {
			return
		}
	}
}

func explain(t *testing.T, l *steps.Lab) *steps.Explanation {
	t.Helper()
	e, err := l.Explain(context.Background())
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	for i, line := range strings.Split(e.Text(), "\n") {
		if n := len([]rune(line)); n > 78 {
			t.Errorf("text line %d is %d characters: %q", i+1, n, line)
		}
	}
	return e
}

func statement(e *steps.Explanation, sid string) *steps.StatementFinding {
	for i := range e.KeyPolicy {
		if e.KeyPolicy[i].Sid == sid {
			return &e.KeyPolicy[i]
		}
	}
	return nil
}

// editKeyPolicy rewrites the lab key's policy through fn over its decoded statements.
func editKeyPolicy(t *testing.T, l *steps.Lab, fn func([]any) []any) {
	t.Helper()
	ctx := context.Background()
	out, err := l.KMS.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(l.Alias), PolicyName: aws.String("default")})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(out.Policy)), &doc); err != nil {
		t.Fatal(err)
	}
	doc["Statement"] = fn(doc["Statement"].([]any))
	raw, _ := json.Marshal(doc)
	if _, err := l.KMS.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(l.Alias), PolicyName: aws.String("default"), Policy: aws.String(string(raw))}); err != nil {
		t.Fatalf("put key policy: %v", err)
	}
}

func TestExplainTheLabsCases(t *testing.T) {
	tg := openSandbox(t)
	l := newLab(t, tg, nil)
	ctx := context.Background()
	if _, err := l.Explain(ctx); !errors.Is(err, steps.ErrNothingToExplain) {
		t.Fatalf("explain on an empty sandbox: %v, want ErrNothingToExplain", err)
	}
	runUpTo(t, l, steps.DenyUser)

	// Before the grant: only IAM could allow, and AmazonDynamoDBFullAccess does not.
	e := explain(t, l)
	if e.Decision != steps.DecisionImplicitDeny || !e.RootDelegates || !e.Enforced || e.Action != "kms:Decrypt" {
		t.Fatalf("before grant: decision %q, root delegates %v, enforced %v", e.Decision, e.RootDelegates, e.Enforced)
	}
	if len(e.Identity) != 1 || e.Identity[0].Name != "AmazonDynamoDBFullAccess" || e.Identity[0].AllowsAction {
		t.Fatalf("identity findings: %+v", e.Identity)
	}
	if got := slices.Sorted(slices.Values(e.Identity[0].KMSActions)); !slices.Equal(got, []string{"kms:DescribeKey", "kms:ListAliases"}) {
		t.Errorf("AmazonDynamoDBFullAccess KMS actions %v", got)
	}
	if !strings.Contains(e.Message, "no identity-based policy allows the kms:Decrypt action") || !strings.Contains(e.Message, e.UserARN) {
		t.Errorf("before grant message %q", e.Message)
	}
	if root := statement(e, policy.SidRoot); root == nil || !root.IsRoot || !root.Matches {
		t.Errorf("root statement finding %+v", root)
	}
	if use := statement(e, policy.SidKeyUse); use == nil || use.NamesUser || use.Matches {
		t.Errorf("key-use statement before grant %+v", use)
	}
	text := e.Text()
	for _, want := range []string{"AmazonDynamoDBFullAccess", "kms:DescribeKey", "kms:ListAliases", "does not allow kms:Decrypt", "implicit deny"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	before, err := l.KMS.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(l.Alias), PolicyName: aws.String("default")})
	if err != nil {
		t.Fatal(err)
	}

	// ViewAs before the grant: the admin reads, the user is denied.
	admin, user, err := l.ViewAs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(admin.Items) != len(steps.SampleItems) || admin.ErrCode != "" || admin.As != "admin" {
		t.Errorf("admin view %+v", admin)
	}
	if user.ErrCode != "AccessDeniedException" || !strings.Contains(user.ErrMessage, "kms:Decrypt") || len(user.Items) != 0 || user.As != l.User {
		t.Errorf("user view before grant %+v", user)
	}

	// After the grant.
	runUpTo(t, l, steps.GrantAccess)
	e = explain(t, l)
	if e.Decision != steps.DecisionAllow || e.Message != "" {
		t.Fatalf("after grant: %q %q", e.Decision, e.Message)
	}
	if use := statement(e, policy.SidKeyUse); use == nil || !use.NamesUser || !use.Matches || use.Effect != "Allow" {
		t.Errorf("key-use statement after grant %+v", use)
	}
	// A new process holds no key for the user: ViewAs makes one.
	fresh := newLab(t, tg, nil)
	_, user, err = fresh.ViewAs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if user.ErrCode != "" || len(user.Items) != len(steps.SampleItems) || user.Items[0]["id"] != "customer-001" {
		t.Errorf("user view after grant %+v", user)
	}

	// An explicit deny naming the user overrides the grant.
	editKeyPolicy(t, l, func(st []any) []any {
		return append(st, map[string]any{"Sid": "NoDecryptForTheUser", "Effect": "Deny",
			"Principal": map[string]any{"AWS": e.UserARN}, "Action": "kms:Decrypt", "Resource": "*"})
	})
	e = explain(t, l)
	if e.Decision != steps.DecisionExplicitDeny || !strings.Contains(e.Message, "explicit deny in a resource-based policy") {
		t.Fatalf("explicit deny: %q %q", e.Decision, e.Message)
	}
	if d := statement(e, "NoDecryptForTheUser"); d == nil || !d.NamesUser || !d.Matches || d.Effect != "Deny" {
		t.Errorf("deny statement finding %+v", d)
	}

	// No root statement, no grant: nothing hands the question to IAM.
	var doc map[string]any
	_ = json.Unmarshal([]byte(aws.ToString(before.Policy)), &doc)
	editKeyPolicy(t, l, func([]any) []any {
		var kept []any
		for _, s := range doc["Statement"].([]any) {
			if s.(map[string]any)["Sid"] != policy.SidRoot {
				kept = append(kept, s)
			}
		}
		return kept
	})
	e = explain(t, l)
	if e.Decision != steps.DecisionImplicitDeny || e.RootDelegates || statement(e, policy.SidRoot) != nil {
		t.Fatalf("no root: decision %q, root delegates %v", e.Decision, e.RootDelegates)
	}
	if !strings.Contains(e.Message, "no resource-based policy allows") {
		t.Errorf("no root message %q", e.Message)
	}
}

func TestPeekShowsCiphertext(t *testing.T) {
	tg := openSandbox(t)
	l := newLab(t, tg, nil)
	runUpTo(t, l, steps.AddItems)
	p, err := l.Peek(context.Background(), "customer-001")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Stored) == 0 || p.Plain["name"] != "Ada Park" || p.ID != "customer-001" || p.Table != l.Table {
		t.Fatalf("peek %+v", p)
	}
	for k, v := range p.Plain {
		if strings.Contains(string(p.Stored), v) {
			t.Errorf("stored bytes contain the plaintext of %s (%q)", k, v)
		}
	}
	if _, err := l.Peek(context.Background(), "no-such-item"); err == nil {
		t.Error("peek of a missing item: no error")
	}
}

func TestPeekRefusesOtherTargets(t *testing.T) {
	l, err := steps.New(&target.Target{Kind: target.LocalStack, Endpoint: "http://127.0.0.1:1", Account: "000000000000", Region: "us-east-1"}, steps.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Peek(context.Background(), "customer-001"); !errors.Is(err, steps.ErrPeekSandboxOnly) {
		t.Fatalf("peek on LocalStack: %v", err)
	}
}

func TestExplanationTextOnATargetThatDoesNotEnforce(t *testing.T) {
	long := "arn:aws:iam::123456789012:user/" + strings.Repeat("a-very-long-user-name-", 5)
	e := &steps.Explanation{User: "u", UserARN: long, KeyARN: "arn:aws:kms:eu-west-1:123456789012:key/" + strings.Repeat("f", 60), Action: "kms:Decrypt",
		Identity:      []steps.PolicyFinding{{Name: "AmazonDynamoDBFullAccess", KMSActions: []string{"kms:DescribeKey", "kms:ListAliases"}}},
		KeyPolicy:     []steps.StatementFinding{{Effect: "Allow", Principals: []string{"123456789012"}, Actions: []string{"kms:*"}, IsRoot: true, Matches: true}},
		RootDelegates: true, Decision: steps.DecisionImplicitDeny, Reason: "None allows it.", Message: "User: " + long + " is not authorized"}
	text := e.Text()
	for _, line := range strings.Split(text, "\n") {
		if len([]rune(line)) > 78 {
			t.Errorf("line over 78: %q", line)
		}
	}
	for _, want := range []string{"on AWS, KMS would say", "statement #1", "names the account", "arn:aws:iam::123456789012:"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
}
