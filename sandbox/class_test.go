package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kmslab/kmslab/sandbox"
	"github.com/kmslab/kmslab/sandbox/datadir"
)

// own is what one account made: a key with an alias, a grant, an encrypted table and a user.
type own struct {
	keyARN, keyID, aliasARN, grantID, grantToken string
	tableARN, userARN                            string
}

func makeOwn(ctx context.Context, t *testing.T, cfg aws.Config) own {
	t.Helper()
	var o own
	k, err := kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	o.keyARN, o.keyID = aws.ToString(k.KeyMetadata.Arn), aws.ToString(k.KeyMetadata.KeyId)
	if _, err := kms.NewFromConfig(cfg).CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(aliasName), TargetKeyId: aws.String(o.keyID)}); err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
	o.aliasARN = strings.Replace(o.keyARN, "key/"+o.keyID, aliasName, 1)
	u, err := iam.NewFromConfig(cfg).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(userName)})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	o.userARN = aws.ToString(u.User.Arn)
	g, err := kms.NewFromConfig(cfg).CreateGrant(ctx, &kms.CreateGrantInput{
		KeyId: aws.String(o.keyID), GranteePrincipal: aws.String(o.userARN), Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationDecrypt},
	})
	if err != nil {
		t.Fatalf("CreateGrant: %v", err)
	}
	o.grantID, o.grantToken = aws.ToString(g.GrantId), aws.ToString(g.GrantToken)
	tb, err := dynamodb.NewFromConfig(cfg).CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(tableName),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		SSESpecification:     &ddbtypes.SSESpecification{Enabled: aws.Bool(true), SSEType: ddbtypes.SSETypeKms, KMSMasterKeyId: aws.String(o.keyARN)},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	o.tableARN = aws.ToString(tb.TableDescription.TableArn)
	return o
}

// TestClassIsolation: student 1 tries every resource of student 2 by ARN, alias and name,
// and is told "not found" or "denied", as AWS answers a caller from another account with
// no resource-based policy letting them in; student 2's things are unchanged afterwards.
// UNCONFIRMED in aws-facts.md: the cross-account wording, "because no resource-based
// policy allows" (IAM's current form), for KMS key ARNs and DynamoDB table ARNs.
func TestClassIsolation(t *testing.T) {
	ctx := context.Background()
	c := startClass(t, t.TempDir(), 2)
	a, b := adminConfig(c, 0), adminConfig(c, 1)
	theirs := makeOwn(ctx, t, b)
	if !strings.Contains(theirs.keyARN, ":000000000002:key/") || !strings.Contains(theirs.userARN, "::000000000002:user/") {
		t.Fatalf("student 2's ARNs name the wrong account: %s %s", theirs.keyARN, theirs.userARN)
	}
	ak, ad, ai := kms.NewFromConfig(a), dynamodb.NewFromConfig(a), iam.NewFromConfig(a)

	// KMS: key by ARN, alias by ARN and by name, grants.
	_, err := ak.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(theirs.keyARN)})
	wantCode(t, "DescribeKey by their key ARN", err, "AccessDeniedException")
	wantMessage(t, "DescribeKey by their key ARN", err, "User: arn:aws:iam::000000000001:user/admin is not authorized to perform: kms:DescribeKey on resource: "+
		theirs.keyARN+" because no resource-based policy allows the kms:DescribeKey action")
	_, err = ak.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(strings.Replace(theirs.keyARN, theirs.keyID, "11111111-2222-3333-4444-555555555555", 1))})
	wantCode(t, "DescribeKey by a key ARN of their account that names no key", err, "NotFoundException")
	_, err = ak.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(theirs.keyID)})
	wantCode(t, "DescribeKey by their key id", err, "NotFoundException")
	_, err = ak.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(theirs.aliasARN)})
	wantCode(t, "DescribeKey by their alias ARN", err, "NotFoundException")
	_, err = ak.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(aliasName)})
	wantCode(t, "DescribeKey by the alias name", err, "NotFoundException")
	_, err = ak.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(theirs.keyARN), Plaintext: []byte("x")})
	wantCode(t, "Encrypt with their key", err, "AccessDeniedException")
	_, err = ak.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(theirs.keyARN), PolicyName: aws.String("default"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
	wantCode(t, "PutKeyPolicy on their key", err, "AccessDeniedException")
	_, err = ak.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(theirs.keyARN)})
	wantCode(t, "ScheduleKeyDeletion of their key", err, "AccessDeniedException")
	_, err = ak.ListGrants(ctx, &kms.ListGrantsInput{KeyId: aws.String(theirs.keyARN)})
	wantCode(t, "ListGrants on their key", err, "AccessDeniedException")
	_, err = ak.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: aws.String(theirs.keyARN), GrantId: aws.String(theirs.grantID)})
	wantCode(t, "RevokeGrant of their grant", err, "AccessDeniedException")
	_, err = ak.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(theirs.keyARN), GranteePrincipal: aws.String("arn:aws:iam::000000000001:user/admin"), Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationDecrypt}})
	wantCode(t, "CreateGrant on their key", err, "AccessDeniedException")
	_, err = ak.RetireGrant(ctx, &kms.RetireGrantInput{GrantToken: aws.String(theirs.grantToken)})
	wantCode(t, "RetireGrant with their grant token", err, "NotFoundException", "InvalidGrantTokenException", "InvalidGrantIdException")
	keys, err := ak.ListKeys(ctx, &kms.ListKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys.Keys {
		if aws.ToString(k.KeyArn) == theirs.keyARN || !strings.Contains(aws.ToString(k.KeyArn), ":000000000001:") {
			t.Errorf("student 1 lists %s", aws.ToString(k.KeyArn))
		}
	}
	aliases, err := ak.ListAliases(ctx, &kms.ListAliasesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, al := range aliases.Aliases {
		if aws.ToString(al.AliasName) == aliasName {
			t.Errorf("student 1 lists student 2's alias %s", aws.ToString(al.AliasArn))
		}
	}

	// DynamoDB: by name the table is not there; by ARN the call is denied — even once
	// student 1 has a table of the same name.
	_, err = ad.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tableName)})
	wantCode(t, "DescribeTable by name", err, "ResourceNotFoundException")
	tables, err := ad.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || len(tables.TableNames) != 0 {
		t.Errorf("student 1 lists tables %v (%v)", tables.TableNames, err)
	}
	_, err = ad.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(tableName),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("student 1 cannot make a table of the same name: %v", err)
	}
	_, err = ad.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(theirs.tableARN)})
	wantCode(t, "Scan by their table ARN", err, "AccessDeniedException")
	_, err = ad.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(theirs.tableARN), Item: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "x"}}})
	wantCode(t, "PutItem by their table ARN", err, "AccessDeniedException")
	_, err = ad.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{
		theirs.tableARN: {{PutRequest: &ddbtypes.PutRequest{Item: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "x"}}}}},
	}})
	wantCode(t, "BatchWriteItem by their table ARN", err, "AccessDeniedException")
	_, err = ad.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(theirs.tableARN)})
	wantCode(t, "DeleteTable by their table ARN", err, "AccessDeniedException")

	// IAM: their user is not in this account.
	_, err = ai.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(userName)})
	wantCode(t, "GetUser", err, "NoSuchEntity")
	_, err = ai.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(userName)})
	wantCode(t, "DeleteUser", err, "NoSuchEntity")
	_, err = ai.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(userName)})
	wantCode(t, "CreateAccessKey for their user", err, "NoSuchEntity")
	users, err := ai.ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users.Users {
		if !strings.HasPrefix(aws.ToString(u.Arn), "arn:aws:iam::000000000001:") {
			t.Errorf("student 1 lists %s", aws.ToString(u.Arn))
		}
	}

	// STS: each caller is in their own account.
	for i, want := range []string{"000000000001", "000000000002"} {
		who, err := sts.NewFromConfig(adminConfig(c, i)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil || aws.ToString(who.Account) != want || aws.ToString(who.Arn) != "arn:aws:iam::"+want+":user/admin" {
			t.Errorf("student %d GetCallerIdentity = %v %v, want account %s", i+1, who, err, want)
		}
	}

	// Student 2's things are all still there and theirs.
	bk := kms.NewFromConfig(b)
	d, err := bk.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(aliasName)})
	if err != nil || aws.ToString(d.KeyMetadata.Arn) != theirs.keyARN || d.KeyMetadata.KeyState != "Enabled" {
		t.Errorf("student 2's key after student 1's attempts: %v %v", d, err)
	}
	grants, err := bk.ListGrants(ctx, &kms.ListGrantsInput{KeyId: aws.String(theirs.keyID)})
	if err != nil || !slices.ContainsFunc(grants.Grants, func(g kmstypes.GrantListEntry) bool { return aws.ToString(g.GrantId) == theirs.grantID }) {
		t.Errorf("student 2's grant %s is gone: %v", theirs.grantID, err)
	}
	if _, err := iam.NewFromConfig(b).GetUser(ctx, &iam.GetUserInput{UserName: aws.String(userName)}); err != nil {
		t.Errorf("student 2's user: %v", err)
	}
	if out, err := dynamodb.NewFromConfig(b).Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(theirs.tableARN)}); err != nil || out.Count != 0 {
		t.Errorf("student 2's table by its own ARN: %v %v (nothing may have been written into it)", out, err)
	}
}

// TestClassRoutesEveryKey: a key a student's admin makes signs in to that student's
// account; a key no account knows is refused as unknown.
func TestClassRoutesEveryKey(t *testing.T) {
	ctx := context.Background()
	c := startClass(t, t.TempDir(), 3)
	for i := range 3 {
		ai := iam.NewFromConfig(adminConfig(c, i))
		if _, err := ai.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(userName)}); err != nil {
			t.Fatal(err)
		}
		k, err := ai.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(userName)})
		if err != nil {
			t.Fatal(err)
		}
		cfg := keyConfig(c.URL(), aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey))
		who, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		want := "arn:aws:iam::" + sandbox.ClassAccountID(i+1) + ":user/" + userName
		if err != nil || aws.ToString(who.Arn) != want {
			t.Errorf("student %d's user signs in as %v (%v), want %s", i+1, who, err, want)
		}
	}
	id, _ := c.Accounts()[1].Admin()
	_, err := sts.NewFromConfig(keyConfig(c.URL(), id, strings.Repeat("x", 40))).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantCode(t, "a known key with a wrong secret", err, "SignatureDoesNotMatch")
	_, err = sts.NewFromConfig(keyConfig(c.URL(), "AKIAAAAAAAAAAAAAAAAA", strings.Repeat("x", 40))).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantCode(t, "a key no account knows", err, "InvalidClientTokenId")

	res, err := http.Get(c.URL() + "/_kmslab/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	var h struct {
		Status string `json:"status"`
		Class  int    `json:"class"`
	}
	if err := json.Unmarshal(body, &h); err != nil || h.Status != "ok" || h.Class != 3 {
		t.Errorf("health = %s (%v)", body, err)
	}
}

// TestClassFilesAndRestart: the class files hold every account's working keys, 0600, and
// the same keys work after the class is stopped and opened again.
func TestClassFilesAndRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c, err := sandbox.OpenClass(sandbox.ClassOptions{DataDir: dir, Students: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.WriteFiles(c.URL()); err != nil {
		t.Fatal(err)
	}
	if _, err := sandbox.OpenClass(sandbox.ClassOptions{DataDir: dir, Students: 2}); !errors.Is(err, sandbox.ErrLocked) {
		t.Errorf("a second class on the same directory: %v, want ErrLocked", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{datadir.ClassCSV, datadir.ClassEnv} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want mode 0600", f, fi, err)
		}
	}
	env, _ := os.ReadFile(filepath.Join(dir, datadir.ClassEnv))
	rows, err := datadir.ReadClass(dir)
	if err != nil || len(rows) != 2 {
		t.Fatalf("ReadClass = %v %v", rows, err)
	}
	c2 := startClass(t, dir, 2)
	var ids []string
	for i, r := range rows {
		if r.Student != i+1 || r.AccountID != sandbox.ClassAccountID(i+1) || !strings.Contains(string(env), "export AWS_SECRET_ACCESS_KEY="+r.SecretAccessKey+"\n") {
			t.Errorf("row %d = student %d account %s; or its secret is missing from class.env", i, r.Student, r.AccountID)
		}
		who, err := sts.NewFromConfig(keyConfig(c2.URL(), r.AccessKeyID, r.SecretAccessKey)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil || aws.ToString(who.Account) != r.AccountID {
			t.Errorf("student %d's keys after a restart: %v %v", r.Student, who, err)
		}
		ids = append(ids, r.AccessKeyID)
	}
	if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 2 {
		t.Errorf("students share access keys: %v", ids)
	}
	for _, n := range []int{0, sandbox.MaxStudents + 1} {
		if _, err := sandbox.OpenClass(sandbox.ClassOptions{DataDir: t.TempDir(), Students: n}); err == nil {
			t.Errorf("a class of %d opened", n)
		}
	}
}
