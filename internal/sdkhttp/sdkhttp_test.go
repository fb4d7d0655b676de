package sdkhttp_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/kmslab/kmslab/internal/sdkhttp"
	"github.com/kmslab/kmslab/sandbox/sandboxtest"
)

// TestNoLostConnections repeats the sequence that lost a connection about once in thirty
// tries with the SDK's default client (GetPolicy, then an 8.8 KB GetPolicyVersion on the
// same keep-alive connection). With the wrapper none of 150 may fail.
func TestNoLostConnections(t *testing.T) {
	arn := aws.String("arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess")
	env := sandboxtest.Start(t)
	for i := 0; i < 150; i++ {
		cfg := env.Admin
		cfg.HTTPClient = sdkhttp.New(nil)
		c := iam.NewFromConfig(cfg)
		if _, err := c.GetPolicy(context.Background(), &iam.GetPolicyInput{PolicyArn: arn}); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if _, err := c.GetPolicyVersion(context.Background(), &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v15")}); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
	}
}
