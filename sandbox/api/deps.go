package api

import "context"

// KeyBroker is what DynamoDB asks of KMS for a table encrypted with a customer managed key.
// Every call is made as the caller, through dynamodb.<region>.amazonaws.com, with DynamoDB's
// encryption context ({"aws:dynamodb:tableName": t, "aws:dynamodb:subscriberId": account}),
// so key policies and key states apply exactly as on AWS. Errors are *Error values carrying
// the KMS code and message (AccessDeniedException, DisabledException, KMSInvalidStateException,
// NotFoundException); DynamoDB wraps them the way AWS does.
type KeyBroker interface {
	// CreateTableKey resolves keyRef (key id, key ARN, alias name or alias ARN), checks that the
	// caller may use the key (kms:DescribeKey, kms:CreateGrant with kms:GrantIsForAWSResource),
	// records DynamoDB's grant and generates a 256-bit table key under the key.
	// It returns the key ARN and the wrapped (encrypted) table key.
	CreateTableKey(ctx context.Context, caller Principal, region, keyRef string, encCtx map[string]string) (keyARN string, wrapped []byte, err error)
	// OpenTableKey decrypts the wrapped table key as the caller (kms:Decrypt, kms:ViaService).
	OpenTableKey(ctx context.Context, caller Principal, region, keyARN string, wrapped []byte, encCtx map[string]string) (plaintext []byte, err error)
	// ReleaseTableKey retires DynamoDB's grant for the table (DeleteTable). It succeeds when the
	// key or grant is already gone.
	ReleaseTableKey(ctx context.Context, region, keyARN string, encCtx map[string]string) error
	// AWSManagedKey returns the ARN of the AWS managed key of an AWS service in region
	// (alias/aws/<service>, e.g. "dynamodb"), creating it, durably, on first use. It needs no
	// permission of its own: the service then uses the key as the caller, like any other.
	AWSManagedKey(ctx context.Context, region, service string) (keyARN string, err error)
}

// Directory answers questions about IAM principals for other services.
type Directory interface {
	// PrincipalExists reports whether a principal named in a policy exists: an IAM user ARN of
	// this sandbox, the account root (arn:aws:iam::<acct>:root or a bare account id), or "*".
	PrincipalExists(principal string) bool
}
