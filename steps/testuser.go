package steps

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kmslab/kmslab/target"
)

// userClient is DynamoDB as the test user; nil without a key in memory.
func (l *Lab) userClient() *dynamodb.Client {
	l.mu.Lock()
	k := l.user
	l.mu.Unlock()
	if k == nil {
		return nil
	}
	return dynamodb.NewFromConfig(l.T.ConfigFor(k.id, k.secret))
}

// ensureTestUserKey makes sure this process holds a working access key for the test user.
// The secret lives only in memory: after a restart the user's old lab key is deleted and a
// new one made (a lab user never needs more than one).
func (l *Lab) ensureTestUserKey(ctx context.Context, step string, u *labUser) error {
	l.mu.Lock()
	held := l.user
	l.mu.Unlock()
	if held != nil && held.userARN == u.arn {
		for _, k := range u.keys {
			if aws.ToString(k.AccessKeyId) == held.id {
				return nil
			}
		}
	}
	if u.tagged {
		for _, k := range u.keys {
			id := aws.ToString(k.AccessKeyId)
			err := l.do(ctx, l.adminCall(step, "iam", "DeleteAccessKey", l.User+" "+target.MaskKeyID(id)+" (its secret was not kept)",
				"aws iam delete-access-key --user-name "+l.User+" --access-key-id "+target.MaskKeyID(id)),
				func(ctx context.Context) (string, string, error) {
					_, err := l.IAM.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(l.User), AccessKeyId: aws.String(id)})
					if isCode(err, "NoSuchEntity") {
						return "already gone", "", nil
					}
					return "deleted", "", err
				})
			if err != nil {
				return err
			}
		}
	} else if len(u.keys) >= 2 {
		return &PrereqError{Step: step, Need: DenyUser, Why: l.User + " already has two access keys (the most IAM allows) and kmslab did not make that user, so it will not delete them; delete one"}
	}
	var key *testKey
	err := l.do(ctx, l.adminCall(step, "iam", "CreateAccessKey", l.User+" (the secret stays in this process's memory)",
		"aws iam create-access-key --user-name "+l.User),
		func(ctx context.Context) (string, string, error) {
			out, err := l.IAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(l.User)})
			if err != nil {
				return "", "", err
			}
			key = &testKey{id: aws.ToString(out.AccessKey.AccessKeyId), secret: aws.ToString(out.AccessKey.SecretAccessKey), userARN: u.arn}
			return "access key " + target.MaskKeyID(key.id) + " created; secret ****", "", nil
		})
	if err != nil {
		return err
	}
	u.keys = append(u.keys, iamtypes.AccessKeyMetadata{AccessKeyId: aws.String(key.id), Status: iamtypes.StatusTypeActive})
	client := sts.NewFromConfig(l.T.ConfigFor(key.id, key.secret))
	err = l.waitFor(ctx, step, "the new access key to work", "AWS takes a few seconds to recognise a new access key",
		func(ctx context.Context) (bool, string, error) {
			var pending bool
			var last string
			err := l.do(ctx, l.adminCall(step, "sts", "GetCallerIdentity", "with the new key", "aws sts get-caller-identity --profile "+l.User).asUser(l.User),
				func(ctx context.Context) (string, string, error) {
					out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
					if isCode(err, "InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "InvalidSignatureException", "AuthFailure") {
						pending, last = true, errCode(err)
						return "not recognised yet", "", nil
					}
					if err != nil {
						return "", "", err
					}
					return aws.ToString(out.Arn), "", nil
				})
			return pending, last, err
		})
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.user = key
	l.mu.Unlock()
	return nil
}

func (l *Lab) forgetTestUserKey() {
	l.mu.Lock()
	l.user = nil
	l.mu.Unlock()
}

// readAs is the outcome of a Scan as the test user.
type readAs struct {
	served   int    // items read, when it worked
	intended bool   // denied for kms:Decrypt, this user, this key
	code     string // the error, when it failed
	msg      string
	err      error // transport or unexpected failure
}

// scanAsUser tries to read the table as the test user and sorts the answer.
func (l *Lab) scanAsUser(ctx context.Context, step string, check bool, u *labUser, keyARN string) readAs {
	client := l.userClient()
	items, err := l.scan(ctx, l.adminCall(step, "dynamodb", "Scan", l.Table+" as "+l.User, "aws dynamodb scan --table-name "+l.Table+" --profile "+l.User).asUser(l.User), check, client)
	if err == nil {
		return readAs{served: len(items)}
	}
	code, msg := errorParts(err)
	r := readAs{code: code, msg: msg}
	switch {
	case code == "AccessDeniedException":
		r.intended = intendedDenial(msg, u, keyARN)
	case code == "":
		r.err = err
	}
	return r
}

// intendedDenial is true only for the lab's denial: KMS refusing kms:Decrypt to this user
// on this key.
func intendedDenial(msg string, u *labUser, keyARN string) bool {
	keyID := keyARN[strings.LastIndex(keyARN, "/")+1:]
	return strings.Contains(msg, "kms:Decrypt") &&
		(strings.Contains(msg, u.arn) || strings.Contains(msg, ":user/"+u.name+" ")) &&
		(strings.Contains(msg, keyARN) || strings.Contains(msg, keyID) || strings.Contains(msg, "resource associated with this ciphertext"))
}

// iamNotYet is true for a denial of the DynamoDB action itself: right after
// AttachUserPolicy, IAM may not apply the policy yet.
func iamNotYet(r readAs) bool {
	// An explicit deny is a decision, not a delay: waiting would not change it.
	return r.code == "AccessDeniedException" && strings.Contains(r.msg, "dynamodb:") && !strings.Contains(r.msg, "explicit deny")
}
