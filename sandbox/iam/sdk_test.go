package iam_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/kmslab/kmslab/sandbox/sandboxtest"
)

const ddbFullARN = "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestSDKLabUser(t *testing.T) {
	env := sandboxtest.Start(t)
	ctx := context.Background()
	c := env.IAM()
	const name = "nextwork-kms-user"

	created, err := c.CreateUser(ctx, &iam.CreateUserInput{
		UserName: aws.String(name),
		Tags:     []types.Tag{{Key: aws.String("kmslab:lab"), Value: aws.String("nextwork")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	u := created.User
	if aws.ToString(u.Arn) != "arn:aws:iam::"+env.AccountID+":user/"+name || !strings.HasPrefix(aws.ToString(u.UserId), "AIDA") ||
		aws.ToString(u.Path) != "/" || u.CreateDate == nil || len(u.Tags) != 1 {
		t.Fatalf("CreateUser = %+v", u)
	}

	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(strings.ToUpper(name))})
	var exists *types.EntityAlreadyExistsException
	if !errors.As(err, &exists) || exists.ErrorMessage() != "User with name NEXTWORK-KMS-USER already exists." {
		t.Fatalf("duplicate CreateUser: %v", err)
	}

	if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String(ddbFullARN)}); err != nil {
		t.Fatal(err)
	}
	att, err := c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String(name)})
	if err != nil || len(att.AttachedPolicies) != 1 || aws.ToString(att.AttachedPolicies[0].PolicyName) != "AmazonDynamoDBFullAccess" {
		t.Fatalf("ListAttachedUserPolicies = %+v, %v", att, err)
	}

	key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	ak := key.AccessKey
	if !strings.HasPrefix(aws.ToString(ak.AccessKeyId), "AKIA") || len(aws.ToString(ak.SecretAccessKey)) != 40 || ak.Status != types.StatusTypeActive {
		t.Fatalf("CreateAccessKey = %+v", ak)
	}

	// The new key works at once (no propagation delay yet) and STS says who it is.
	userCfg := env.Config(aws.ToString(ak.AccessKeyId), aws.ToString(ak.SecretAccessKey))
	who, err := sts.NewFromConfig(userCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != aws.ToString(u.Arn) || aws.ToString(who.UserId) != aws.ToString(u.UserId) || aws.ToString(who.Account) != env.AccountID {
		t.Fatalf("GetCallerIdentity = %s %s %s", aws.ToString(who.Arn), aws.ToString(who.UserId), aws.ToString(who.Account))
	}

	// AmazonDynamoDBFullAccess does not allow iam:GetUser.
	_, err = iam.NewFromConfig(userCfg).GetUser(ctx, &iam.GetUserInput{})
	if errCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "iam:GetUser") {
		t.Fatalf("GetUser as the lab user: %v", err)
	}

	// DeleteUser refuses while the key exists, then while the policy is attached.
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(name)})
	var conflict *types.DeleteConflictException
	if !errors.As(err, &conflict) || conflict.ErrorMessage() != "Cannot delete entity, must delete access keys first." {
		t.Fatalf("DeleteUser with a key: %v", err)
	}
	if _, err := c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(name), AccessKeyId: ak.AccessKeyId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(name)})
	if !errors.As(err, &conflict) || conflict.ErrorMessage() != "Cannot delete entity, must detach all policies first." {
		t.Fatalf("DeleteUser with a policy: %v", err)
	}
	if _, err := c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String(ddbFullARN)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(name)})
	var missing *types.NoSuchEntityException
	if !errors.As(err, &missing) || missing.ErrorMessage() != "The user with name "+name+" cannot be found." {
		t.Fatalf("GetUser after delete: %v", err)
	}
	// The deleted key no longer authenticates.
	if _, err := sts.NewFromConfig(userCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil {
		t.Fatal("deleted key still works")
	}
}

func TestSDKAccessKeys(t *testing.T) {
	env := sandboxtest.Start(t)
	ctx := context.Background()
	c := env.IAM()
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	first, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("k")})
	var limit *types.LimitExceededException
	if !errors.As(err, &limit) || limit.ErrorMessage() != "Cannot exceed quota for AccessKeysPerUser: 2" {
		t.Fatalf("third key: %v", err)
	}
	list, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("k")})
	if err != nil || len(list.AccessKeyMetadata) != 2 {
		t.Fatalf("ListAccessKeys = %+v, %v", list, err)
	}

	id, secret := aws.ToString(first.AccessKey.AccessKeyId), aws.ToString(first.AccessKey.SecretAccessKey)
	if _, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("k"), AccessKeyId: aws.String(id), Status: types.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	_, err = sts.NewFromConfig(env.Config(id, secret)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if errCode(err) != "InvalidClientTokenId" {
		t.Fatalf("inactive key: %v", err)
	}

	// Everything survives a restart: the user, the inactive key, the admin's credentials.
	env.Restart(t)
	list, err = env.IAM().ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("k")})
	if err != nil || len(list.AccessKeyMetadata) != 2 {
		t.Fatalf("after restart ListAccessKeys = %+v, %v", list, err)
	}
	for _, m := range list.AccessKeyMetadata {
		if aws.ToString(m.AccessKeyId) == id && m.Status != types.StatusTypeInactive {
			t.Fatalf("key %s is %s after restart", id, m.Status)
		}
	}
	if _, err := env.IAM().UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("k"), AccessKeyId: aws.String(id), Status: types.StatusTypeActive}); err != nil {
		t.Fatal(err)
	}
	if _, err := sts.NewFromConfig(env.Config(id, secret)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("reactivated key: %v", err)
	}
}

func TestSDKPolicies(t *testing.T) {
	env := sandboxtest.Start(t)
	ctx := context.Background()
	c := env.IAM()

	pol, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(ddbFullARN)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(pol.Policy.DefaultVersionId) != "v15" || aws.ToString(pol.Policy.PolicyName) != "AmazonDynamoDBFullAccess" || !pol.Policy.IsAttachable {
		t.Fatalf("GetPolicy = %+v", pol.Policy)
	}
	ver, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(ddbFullARN), VersionId: aws.String("v15")})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := url.QueryUnescape(aws.ToString(ver.PolicyVersion.Document))
	if err != nil || !strings.Contains(doc, `"kms:DescribeKey"`) || strings.Contains(doc, "kms:Decrypt") {
		t.Fatalf("document = %q, %v", doc, err)
	}

	_, err = c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("admin"), PolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchThing")})
	var missing *types.NoSuchEntityException
	if !errors.As(err, &missing) || missing.ErrorMessage() != "Policy arn:aws:iam::aws:policy/NoSuchThing does not exist or is not attachable." {
		t.Fatalf("attach unknown policy: %v", err)
	}

	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("p")}); err != nil {
		t.Fatal(err)
	}
	const inline = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`
	if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("p"), PolicyName: aws.String("decrypt"), PolicyDocument: aws.String(inline)}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("p"), PolicyName: aws.String("decrypt")})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := url.QueryUnescape(aws.ToString(got.PolicyDocument)); d != inline {
		t.Fatalf("GetUserPolicy document = %q", aws.ToString(got.PolicyDocument))
	}
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("p"), PolicyName: aws.String("bad"), PolicyDocument: aws.String("{nope")})
	var malformed *types.MalformedPolicyDocumentException
	if !errors.As(err, &malformed) {
		t.Fatalf("malformed document: %v", err)
	}
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("p")})
	var conflict *types.DeleteConflictException
	if !errors.As(err, &conflict) || conflict.ErrorMessage() != "Cannot delete entity, must delete policies first." {
		t.Fatalf("DeleteUser with inline policy: %v", err)
	}

	all, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAws})
	if err != nil || len(all.Policies) < 6 {
		t.Fatalf("ListPolicies = %+v, %v", all, err)
	}
	attached, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{OnlyAttached: true})
	if err != nil || len(attached.Policies) != 1 || aws.ToString(attached.Policies[0].PolicyName) != "AdministratorAccess" {
		t.Fatalf("ListPolicies OnlyAttached = %+v, %v", attached, err)
	}

	users, err := c.ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil || len(users.Users) != 2 {
		t.Fatalf("ListUsers = %+v, %v", users, err)
	}
	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bad name")})
	if errCode(err) != "ValidationError" || !strings.Contains(err.Error(), "Member must satisfy regular expression pattern") {
		t.Fatalf("bad name: %v", err)
	}
}

func TestSDKPaginator(t *testing.T) {
	env := sandboxtest.Start(t)
	ctx := context.Background()
	c := env.IAM()
	for _, n := range []string{"a1", "a2", "a3", "a4"} {
		if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
	p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{MaxItems: aws.Int32(2)})
	var names []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Users {
			names = append(names, aws.ToString(u.UserName))
		}
	}
	if strings.Join(names, ",") != "a1,a2,a3,a4,admin" {
		t.Fatalf("paged users = %v", names)
	}
}
