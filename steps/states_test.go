package steps_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

func step(t *testing.T, id string) steps.Step {
	t.Helper()
	s, ok := steps.ByID(id)
	if !ok {
		t.Fatalf("no step %s", id)
	}
	return s
}

func wantCheck(t *testing.T, l *steps.Lab, id string, status steps.Status, cause string) steps.Verdict {
	t.Helper()
	v, err := step(t, id).Check(context.Background(), l)
	if err != nil {
		t.Fatalf("check %s: %v", id, err)
	}
	if v.Status != status || v.Cause != cause {
		t.Fatalf("check %s = %s [%s] %q, want %s [%s]", id, v.Status, v.Cause, v.Detail, status, cause)
	}
	return v
}

func mustRun(t *testing.T, l *steps.Lab, id string) steps.Verdict {
	t.Helper()
	v, err := step(t, id).Run(context.Background(), l)
	if err != nil {
		t.Fatalf("run %s: %v", id, err)
	}
	if v.Status != steps.Done {
		t.Fatalf("run %s: %s [%s] %s", id, v.Status, v.Cause, v.Detail)
	}
	return v
}

func mustUndo(t *testing.T, l *steps.Lab, id string) {
	t.Helper()
	if err := step(t, id).Undo(context.Background(), l); err != nil {
		t.Fatalf("undo %s: %v", id, err)
	}
}

// TestUndoThenRunAgain takes each step back, from the last, and checks that Check sees it
// and Run restores it.
func TestUndoThenRunAgain(t *testing.T) {
	tg := openSandbox(t)
	l := newLab(t, tg, nil)
	runAll(t, l)

	mustUndo(t, l, steps.GrantAccess)
	wantCheck(t, l, steps.GrantAccess, steps.NotDone, "GRANT_MISSING")
	wantCheck(t, l, steps.DenyUser, steps.Done, "") // the denial is back
	mustRun(t, l, steps.GrantAccess)

	mustUndo(t, l, steps.DenyUser)
	wantCheck(t, l, steps.DenyUser, steps.NotDone, "USER_MISSING")
	wantCheck(t, l, steps.GrantAccess, steps.NotDone, "USER_MISSING")
	if _, err := step(t, steps.GrantAccess).Run(context.Background(), l); err == nil {
		t.Fatal("grant-access ran without a user")
	}
	mustRun(t, l, steps.DenyUser)
	mustRun(t, l, steps.GrantAccess)

	mustUndo(t, l, steps.AddItems)
	wantCheck(t, l, steps.AddItems, steps.NotDone, "TABLE_EMPTY")
	mustRun(t, l, steps.AddItems)

	mustUndo(t, l, steps.EncryptTable)
	wantCheck(t, l, steps.EncryptTable, steps.NotDone, "TABLE_MISSING")
	mustRun(t, l, steps.EncryptTable)

	first := wantCheck(t, l, steps.CreateKey, steps.Done, "").Evidence["keyArn"]
	mustUndo(t, l, steps.CreateKey)
	wantCheck(t, l, steps.CreateKey, steps.NotDone, "ALIAS_MISSING")
	// The retired key comes back (its deletion cancelled), so the table stays readable.
	if second := mustRun(t, l, steps.CreateKey).Evidence["keyArn"]; second != first {
		t.Fatalf("run after undo made key %s instead of restoring %s", second, first)
	}
	wantCheck(t, l, steps.EncryptTable, steps.Done, "")
	for _, v := range runAll(t, l) {
		if v.Status != steps.Done {
			t.Fatalf("after undoing everything: %s %s", v.Cause, v.Detail)
		}
	}
}

// TestStatesMadeByHand: a student who did parts by hand, or differently, gets the cause
// that names it, and Run repairs what it can.
func TestStatesMadeByHand(t *testing.T) {
	ctx := context.Background()
	tg := openSandbox(t)
	l := newLab(t, tg, nil)
	ddb := dynamodb.NewFromConfig(tg.Admin)
	mustRun(t, l, steps.CreateKey)

	// A table with the default (AWS owned) encryption.
	_, err := ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(l.Table),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	wantCheck(t, l, steps.EncryptTable, steps.NotDone, "TABLE_NOT_KMS")
	mustRun(t, l, steps.EncryptTable)

	// The table switched by hand to another key of the student's.
	k := kms.NewFromConfig(tg.Admin)
	other, err := k.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ddb.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(l.Table),
		SSESpecification: &ddbtypes.SSESpecification{Enabled: aws.Bool(true), SSEType: ddbtypes.SSETypeKms, KMSMasterKeyId: other.KeyMetadata.Arn}})
	if err != nil {
		t.Fatal(err)
	}
	wantCheck(t, l, steps.EncryptTable, steps.NotDone, "WRONG_KEY_ON_TABLE")
	mustRun(t, l, steps.EncryptTable)

	// The key disabled by hand.
	if _, err := k.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(l.Alias)}); err != nil {
		t.Fatal(err)
	}
	wantCheck(t, l, steps.CreateKey, steps.NotDone, "KEY_DISABLED")
	mustRun(t, l, steps.CreateKey)
	mustRun(t, l, steps.AddItems)

	// A user made by hand, untagged, with an inline policy that allows kms:Decrypt: the
	// denial cannot happen.
	im := iam.NewFromConfig(tg.Admin)
	if _, err := im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(l.User)}); err != nil {
		t.Fatal(err)
	}
	_, err = im.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(l.User), PolicyName: aws.String("kms-too"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	mustRunVerdict := func(id string) steps.Verdict {
		v, err := step(t, id).Run(ctx, l)
		if err != nil {
			t.Fatalf("run %s: %v", id, err)
		}
		return v
	}
	if v := mustRunVerdict(steps.DenyUser); v.Cause != "USER_ALREADY_HAS_DECRYPT" {
		t.Fatalf("deny-user with an IAM kms:Decrypt allow: %s [%s]", v.Status, v.Cause)
	}
	if _, err := im.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String(l.User), PolicyName: aws.String("kms-too")}); err != nil {
		t.Fatal(err)
	}
	mustRun(t, l, steps.DenyUser)
	mustRun(t, l, steps.GrantAccess)

	// Clean-up removes the tagged table and key but leaves the hand-made user alone.
	if _, err := l.Cleanup(ctx, false); err != nil {
		t.Fatal(err)
	}
	if _, err := im.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(l.User)}); err != nil {
		t.Fatalf("clean-up deleted a user kmslab did not make: %v", err)
	}
	// The table was made by hand too: it stays, and without the alias it cannot be judged.
	wantCheck(t, l, steps.EncryptTable, steps.NotDone, "KEY_MISSING")
	wantCheck(t, l, steps.CreateKey, steps.NotDone, "ALIAS_MISSING")
}

// TestDenyNeedsTheIntendedDenial: an explicit IAM deny of dynamodb:Scan makes reads fail,
// but not for the lab's reason, so the step is not done.
func TestDenyNeedsTheIntendedDenial(t *testing.T) {
	ctx := context.Background()
	tg := openSandbox(t)
	l := newLab(t, tg, nil)
	for _, id := range []string{steps.CreateKey, steps.EncryptTable, steps.AddItems, steps.DenyUser} {
		mustRun(t, l, id)
	}
	_, err := iam.NewFromConfig(tg.Admin).PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(l.User), PolicyName: aws.String("no-scan"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"dynamodb:Scan","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	wantCheck(t, l, steps.DenyUser, steps.NotDone, "SCAN_NOT_ALLOWED")
}

// TestCleanupDryRunChangesNothing lists the calls and leaves the lab complete.
func TestCleanupDryRunChangesNothing(t *testing.T) {
	tg := openSandbox(t)
	l := newLab(t, tg, nil)
	runAll(t, l)
	plan, err := l.Cleanup(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, p := range plan {
		ops = append(ops, p.Operation)
	}
	want := []string{"DeleteAccessKey", "DetachUserPolicy", "DeleteUser", "DeleteTable", "DeleteAlias", "ScheduleKeyDeletion"}
	if len(ops) != len(want) {
		t.Fatalf("plan %v, want %v", ops, want)
	}
	for i := range want {
		if ops[i] != want[i] {
			t.Fatalf("plan %v, want %v", ops, want)
		}
	}
	for id, v := range checkAll(t, newLab(t, tg, nil)) {
		if v.Status != steps.Done {
			t.Errorf("dry run changed %s: %s", id, v.Status)
		}
	}
	if _, err := l.Cleanup(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	for id, v := range checkAll(t, l) {
		if v.Status != steps.NotDone {
			t.Errorf("after clean-up %s is %s", id, v.Status)
		}
	}
	again, err := l.Cleanup(context.Background(), true)
	if err != nil || len(again) != 0 {
		t.Fatalf("second clean-up plan: %v %v", again, err)
	}
}

// TestNewPrefixIsSeparate: two prefixes in one account do not see each other's resources.
func TestNewPrefixIsSeparate(t *testing.T) {
	tg := openSandbox(t)
	a := newLab(t, tg, nil)
	runAll(t, a)
	b, err := steps.New(tg, steps.Options{Prefix: "other"})
	if err != nil {
		t.Fatal(err)
	}
	for id, v := range checkAll(t, b) {
		if v.Status != steps.NotDone {
			t.Errorf("prefix other: %s is %s", id, v.Status)
		}
	}
	if _, err := b.Cleanup(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	for id, v := range checkAll(t, a) {
		if v.Status != steps.Done {
			t.Errorf("clean-up of another prefix touched %s", id)
		}
	}
	if _, err := steps.New(tg, steps.Options{Prefix: "Bad Prefix"}); err == nil {
		t.Error("a bad prefix was accepted")
	}
	_ = target.Sandbox
}
