package target

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/kmslab/kmslab/internal/sdkhttp"
)

const awsReason = "On AWS, DynamoDB asks KMS to decrypt the table key as the caller, so the key policy decides who can read."

// openAWS loads the normal credential chain (environment, profile, SSO). The SDK keeps
// honouring AWS_ENDPOINT_URL, which is how a test or a demo can point "aws" elsewhere.
func openAWS(ctx context.Context, o Options) (*Target, error) {
	cfg, err := loadAWSConfig(ctx, o, true)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		return nil, usagef("no AWS region: pass --region, or set AWS_REGION or a region in the profile")
	}
	if !validRegion(cfg.Region) {
		return nil, usagef("the configured region %q is not a region name like us-east-1: pass --region", cfg.Region)
	}
	t := &Target{
		Kind: AWS, Label: "AWS", Endpoint: aws.ToString(cfg.BaseEndpoint), Region: cfg.Region,
		Profile: o.Profile, Enforces: Enforces, EnforcementReason: awsReason, Admin: cfg,
	}
	t.setConfigFor()
	return t, nil
}

// loadAWSConfig runs config.LoadDefaultConfig with the flags. lab adds what the lab's own
// calls need (retries, an --endpoint); without it only credentials and region matter.
func loadAWSConfig(ctx context.Context, o Options, lab bool) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if lab {
		if o.Endpoint != "" {
			base, err := parseEndpoint(o.Endpoint, "--endpoint")
			if err != nil {
				return aws.Config{}, err
			}
			opts = append(opts, config.WithBaseEndpoint(base))
		}
		if o.HTTPClient != nil {
			opts = append(opts, config.WithHTTPClient(o.HTTPClient))
		}
		opts = append(opts, config.WithRetryer(labRetryer(awsMaxAttempts, 0)))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err == nil && lab {
		// Wrapped after loading: the config package adds AWS_CA_BUNDLE only to its own
		// client type.
		cfg.HTTPClient = sdkhttp.New(cfg.HTTPClient)
	}
	if err == nil {
		return cfg, nil
	}
	var missing config.SharedConfigProfileNotExistError
	if errors.As(err, &missing) {
		where := "the AWS config and credentials files"
		if len(missing.Filename) > 0 {
			where = strings.Join(missing.Filename, " and ")
		}
		return aws.Config{}, &usageError{msg: fmt.Sprintf(
			"AWS profile %q is not in %s: check --profile or AWS_PROFILE, or create it with `aws configure --profile %s`",
			missing.Profile, where, missing.Profile)}
	}
	return aws.Config{}, fmt.Errorf("load the AWS configuration: %w", err)
}

// accountAlias reads the account's alias. Any failure (no iam:ListAccountAliases, an
// emulator without it) leaves it unknown rather than stopping the lab.
func accountAlias(ctx context.Context, cfg aws.Config) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := iam.NewFromConfig(cfg, func(o *iam.Options) { o.RetryMaxAttempts = 1 }).ListAccountAliases(ctx, &iam.ListAccountAliasesInput{})
	if err != nil || len(out.AccountAliases) == 0 {
		return ""
	}
	return out.AccountAliases[0]
}
