package sts_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/kmslab/kmslab/sandbox/sandboxtest"
)

func TestSDKGetCallerIdentityAdmin(t *testing.T) {
	env := sandboxtest.Start(t)
	ctx := context.Background()
	who, err := env.STS().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := env.IAM().GetUser(ctx, &iam.GetUserInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != "arn:aws:iam::"+env.AccountID+":user/admin" || aws.ToString(who.Account) != env.AccountID ||
		aws.ToString(who.UserId) != aws.ToString(admin.User.UserId) {
		t.Fatalf("GetCallerIdentity = %s %s %s", aws.ToString(who.Arn), aws.ToString(who.UserId), aws.ToString(who.Account))
	}
}

// A user denied everything can still ask who it is, as on AWS.
func TestSDKGetCallerIdentityDeniedEverything(t *testing.T) {
	env := sandboxtest.Start(t)
	ctx := context.Background()
	c := env.IAM()
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("denied")}); err != nil {
		t.Fatal(err)
	}
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`
	if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("denied"), PolicyName: aws.String("deny-all"), PolicyDocument: aws.String(deny)}); err != nil {
		t.Fatal(err)
	}
	key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("denied")})
	if err != nil {
		t.Fatal(err)
	}
	cfg := env.Config(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey))
	who, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != "arn:aws:iam::"+env.AccountID+":user/denied" {
		t.Fatalf("Arn = %s", aws.ToString(who.Arn))
	}
	// Anything else is denied.
	_, err = iam.NewFromConfig(cfg).ListUsers(ctx, &iam.ListUsersInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Fatalf("ListUsers as denied user: %v", err)
	}
}

func TestSDKUnknownKey(t *testing.T) {
	env := sandboxtest.Start(t)
	_, err := sts.NewFromConfig(env.Config("AKIAAAAAAAAAAAAAAAAA", "0000000000000000000000000000000000000000")).
		GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidClientTokenId" {
		t.Fatalf("unknown key: %v", err)
	}
}
