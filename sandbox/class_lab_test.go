package sandbox_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmslab/kmslab/sandbox"
	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

const classSize = 30

// TestClassOf30ConcurrentLabs is the classroom as it happens: 30 students each run the
// whole lab at once against one sandbox, through kmslab's own steps as `kmslab --endpoint`
// would. Every lab ends complete with no error, and no account sees another's table, key
// or user.
func TestClassOf30ConcurrentLabs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := startClass(t, t.TempDir(), classSize)
	type result struct {
		account string
		keyARN  string
		err     error
	}
	results := make([]result, classSize)
	var wg sync.WaitGroup
	for i := range classSize {
		wg.Go(func() {
			acct, keyARN, err := runLab(ctx, t.TempDir(), c, i)
			results[i] = result{acct, keyARN, err}
		})
	}
	wg.Wait()
	seenKeys := map[string]int{}
	for i, r := range results {
		want := sandbox.ClassAccountID(i + 1)
		switch {
		case r.err != nil:
			t.Errorf("student %d: %v", i+1, r.err)
			continue
		case r.account != want:
			t.Errorf("student %d's lab ran in account %s, want %s", i+1, r.account, want)
		case !strings.Contains(r.keyARN, ":"+want+":key/"):
			t.Errorf("student %d's key %s is not in their account", i+1, r.keyARN)
		}
		if j, dup := seenKeys[r.keyARN]; dup {
			t.Errorf("students %d and %d share the key %s", j+1, i+1, r.keyARN)
		}
		seenKeys[r.keyARN] = i
		checkOnlyOwn(ctx, t, c, i, r.keyARN)
	}
}

// runLab runs every step as student i and checks every step afterwards.
func runLab(ctx context.Context, dir string, c *sandbox.Class, i int) (account, keyARN string, err error) {
	id, secret := c.Accounts()[i].Admin()
	env := map[string]string{"AWS_ACCESS_KEY_ID": id, "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": sandbox.DefaultRegion}
	tg, err := target.Open(ctx, target.Options{Kind: target.Sandbox, Endpoint: c.URL(), DataDir: dir, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		return "", "", fmt.Errorf("open the target: %w", err)
	}
	defer tg.Close()
	if tg.Kind != target.Sandbox || tg.Enforces != target.Enforces {
		return "", "", fmt.Errorf("the class is seen as %s (enforces %v), want a sandbox that enforces key policies", tg.Kind, tg.Enforces)
	}
	lab, err := steps.New(tg, steps.Options{})
	if err != nil {
		return "", "", err
	}
	for _, st := range steps.All() {
		v, err := st.Run(ctx, lab)
		if err != nil {
			return "", "", fmt.Errorf("run %s: %w", st.ID, err)
		}
		if !v.Passed() {
			return "", "", fmt.Errorf("run %s: %s (%s) %s", st.ID, v.Status, v.Cause, v.Detail)
		}
	}
	for _, st := range steps.All() {
		v, err := st.Check(ctx, lab)
		if err != nil || v.Status != steps.Done {
			return "", "", fmt.Errorf("check %s after the lab: %v %s %s", st.ID, err, v.Status, v.Detail)
		}
	}
	d, err := lab.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(lab.Alias)})
	if err != nil {
		return "", "", err
	}
	return tg.Account, aws.ToString(d.KeyMetadata.Arn), nil
}

// checkOnlyOwn lists student i's keys, tables and users: one lab's worth, all in their account.
func checkOnlyOwn(ctx context.Context, t *testing.T, c *sandbox.Class, i int, keyARN string) {
	t.Helper()
	cfg := adminConfig(c, i)
	acct := sandbox.ClassAccountID(i + 1)
	keys, err := kms.NewFromConfig(cfg).ListKeys(ctx, &kms.ListKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys.Keys {
		if !strings.Contains(aws.ToString(k.KeyArn), ":"+acct+":") {
			t.Errorf("student %d lists the key %s", i+1, aws.ToString(k.KeyArn))
		}
	}
	if n := len(keys.Keys); n == 0 || n > 2 { // the lab's key, and DynamoDB's AWS managed key if one was made
		t.Errorf("student %d lists %d keys", i+1, n)
	}
	tables, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || len(tables.TableNames) != 1 || tables.TableNames[0] != steps.NamesFor(steps.DefaultPrefix).Table {
		t.Errorf("student %d lists tables %v (%v)", i+1, tables.TableNames, err)
	}
	d, err := dynamodb.NewFromConfig(cfg).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(steps.NamesFor(steps.DefaultPrefix).Table)})
	if err != nil || aws.ToString(d.Table.SSEDescription.KMSMasterKeyArn) != keyARN {
		t.Errorf("student %d's table is not encrypted with their key %s: %v", i+1, keyARN, err)
	}
	users, err := iam.NewFromConfig(cfg).ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil || len(users.Users) != 2 {
		t.Errorf("student %d lists %d users (%v), want admin and the lab's user", i+1, len(users.Users), err)
		return
	}
	for _, u := range users.Users {
		if !strings.HasPrefix(aws.ToString(u.Arn), "arn:aws:iam::"+acct+":user/") {
			t.Errorf("student %d lists the user %s", i+1, aws.ToString(u.Arn))
		}
	}
}
