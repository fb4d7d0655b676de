package steps

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmslab/kmslab/policy"
)

// keyDescription is how an orphaned lab key (created, but the run stopped before its alias)
// is recognised on a re-run.
func (l *Lab) keyDescription() string {
	return "kmslab lab key (prefix " + l.Prefix + "); safe to delete after the lab"
}

// describeAlias resolves the lab's alias. A missing alias gives (nil, nil).
func (l *Lab) describeAlias(ctx context.Context, step string, check bool) (*kmstypes.KeyMetadata, error) {
	c := l.adminCall(step, "kms", "DescribeKey", l.Alias, "aws kms describe-key --key-id "+l.Alias)
	if check {
		c = c.forCheck()
	}
	var md *kmstypes.KeyMetadata
	err := l.do(ctx, c, func(ctx context.Context) (string, string, error) {
		out, err := l.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(l.Alias)})
		if err != nil {
			if isCode(err, "NotFoundException") {
				return "no such alias", "", nil
			}
			return "", "", err
		}
		md = out.KeyMetadata
		return fmt.Sprintf("%s · %s · %s", aws.ToString(md.KeyId), md.KeyState, md.KeySpec), "", nil
	})
	return md, err
}

// keyVerdict judges the key the alias points at.
func keyVerdict(md *kmstypes.KeyMetadata, alias string) Verdict {
	if md == nil {
		return Verdict{Status: NotDone, Cause: "ALIAS_MISSING", Detail: "There is no key with the alias " + alias + " yet."}
	}
	ev := map[string]string{"alias": alias, "keyArn": aws.ToString(md.Arn), "keyState": string(md.KeyState), "keySpec": string(md.KeySpec), "keyManager": string(md.KeyManager)}
	switch {
	case md.KeyManager != kmstypes.KeyManagerTypeCustomer:
		return Verdict{Status: NotDone, Cause: "AWS_MANAGED_KEY", Detail: alias + " points at an AWS managed key; the lab needs a customer managed key you control.", Evidence: ev}
	case md.KeySpec != kmstypes.KeySpecSymmetricDefault || md.KeyUsage != kmstypes.KeyUsageTypeEncryptDecrypt:
		return Verdict{Status: NotDone, Cause: "KEY_NOT_SYMMETRIC", Detail: fmt.Sprintf("%s points at a %s key for %s; DynamoDB needs a symmetric encryption key (SYMMETRIC_DEFAULT).", alias, md.KeySpec, md.KeyUsage), Evidence: ev}
	case md.KeyState == kmstypes.KeyStatePendingDeletion:
		return Verdict{Status: NotDone, Cause: "KEY_PENDING_DELETION", Detail: alias + " points at a key that is scheduled for deletion; cancel the deletion and enable it, or run the step again.", Evidence: ev}
	case md.KeyState == kmstypes.KeyStateDisabled:
		return Verdict{Status: NotDone, Cause: "KEY_DISABLED", Detail: alias + " points at a disabled key; enable it.", Evidence: ev}
	case md.KeyState == kmstypes.KeyStateCreating || md.KeyState == kmstypes.KeyStatePendingImport:
		return Verdict{Status: Propagating, Cause: "KEY_CREATING", Detail: "The key is still being created.", Evidence: ev}
	case md.KeyState != kmstypes.KeyStateEnabled:
		return Verdict{Status: NotDone, Cause: "KEY_UNUSABLE", Detail: fmt.Sprintf("The key is in state %s.", md.KeyState), Evidence: ev}
	}
	return Verdict{Status: Done, Detail: "The alias " + alias + " points at an enabled symmetric customer managed key.", Evidence: ev}
}

func checkCreateKey(ctx context.Context, l *Lab) (Verdict, error) {
	md, err := l.describeAlias(ctx, CreateKey, true)
	if err != nil {
		return Verdict{}, err
	}
	return keyVerdict(md, l.Alias), nil
}

func runCreateKey(ctx context.Context, l *Lab) (Verdict, error) {
	md, err := l.describeAlias(ctx, CreateKey, false)
	if err != nil {
		return Verdict{}, err
	}
	if md != nil {
		if err := l.repairKey(ctx, md); err != nil {
			return Verdict{}, err
		}
		return l.awaitKey(ctx)
	}
	keyID, err := l.findOrphanKey(ctx)
	if err != nil {
		return Verdict{}, err
	}
	if keyID == "" {
		if keyID, err = l.createKey(ctx); err != nil {
			return Verdict{}, err
		}
	}
	err = l.do(ctx, l.adminCall(CreateKey, "kms", "CreateAlias", l.Alias+" → "+keyID,
		"aws kms create-alias --alias-name "+l.Alias+" --target-key-id "+keyID),
		func(ctx context.Context) (string, string, error) {
			_, err := l.KMS.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(l.Alias), TargetKeyId: aws.String(keyID)})
			if isCode(err, "AlreadyExistsException") {
				// Made by a run that stopped before it heard back: the check below judges it.
				return "the alias exists already", "", nil
			}
			return "alias created", "", err
		})
	if err != nil {
		return Verdict{}, err
	}
	return l.awaitKey(ctx)
}

// awaitKey checks the key, waiting while a new alias is not yet visible (KMS is eventually
// consistent) or the key is still being created.
func (l *Lab) awaitKey(ctx context.Context) (Verdict, error) {
	var v Verdict
	err := l.waitFor(ctx, CreateKey, "the new alias to resolve", "KMS is eventually consistent; a new alias can take a few seconds to be seen everywhere",
		func(ctx context.Context) (bool, string, error) {
			var err error
			v, err = checkCreateKey(ctx, l)
			if err != nil {
				return false, "", err
			}
			return v.Status == Propagating || v.Cause == "ALIAS_MISSING", v.Detail, nil
		})
	return v, err
}

// repairKey brings an existing lab key back into use: a disabled key is enabled, a key
// pending deletion is restored.
func (l *Lab) repairKey(ctx context.Context, md *kmstypes.KeyMetadata) error {
	id := aws.ToString(md.KeyId)
	if v := keyVerdict(md, l.Alias); v.Cause == "AWS_MANAGED_KEY" || v.Cause == "KEY_NOT_SYMMETRIC" {
		return fmt.Errorf("%s; delete that alias (aws kms delete-alias --alias-name %s) or choose another --prefix", strings.TrimSuffix(v.Detail, "."), l.Alias)
	}
	if md.KeyState == kmstypes.KeyStatePendingDeletion {
		err := l.do(ctx, l.adminCall(CreateKey, "kms", "CancelKeyDeletion", id, "aws kms cancel-key-deletion --key-id "+id),
			func(ctx context.Context) (string, string, error) {
				_, err := l.KMS.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(id)})
				return "deletion cancelled; the key is disabled until enabled", "", err
			})
		if err != nil {
			return err
		}
		md.KeyState = kmstypes.KeyStateDisabled
	}
	if md.KeyState == kmstypes.KeyStateDisabled {
		return l.do(ctx, l.adminCall(CreateKey, "kms", "EnableKey", id, "aws kms enable-key --key-id "+id),
			func(ctx context.Context) (string, string, error) {
				_, err := l.KMS.EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(id)})
				return "key enabled", "", err
			})
	}
	return nil
}

// findOrphanKey looks for a key this lab created that has no alias: the run stopped before
// CreateAlias, or an undo retired it. A re-run reuses it instead of paying for a second key.
func (l *Lab) findOrphanKey(ctx context.Context) (string, error) {
	keys, err := l.labKeys(ctx, CreateKey, false)
	if err != nil {
		return "", err
	}
	for _, k := range keys {
		if len(k.aliases) > 0 {
			continue
		}
		if k.state == kmstypes.KeyStateEnabled {
			l.info(CreateKey, "Reusing key "+k.id+", made by an earlier run that stopped before it got its alias.")
			return k.id, nil
		}
		if k.state == kmstypes.KeyStateDisabled || k.state == kmstypes.KeyStatePendingDeletion {
			// A key the lab retired (undo or clean-up): bringing it back keeps any table
			// encrypted with it readable, and costs no more than a new key.
			l.info(CreateKey, "Bringing back key "+k.id+", which an earlier clean-up retired.")
			md := &kmstypes.KeyMetadata{KeyId: aws.String(k.id), KeyState: k.state, KeyManager: kmstypes.KeyManagerTypeCustomer, KeySpec: kmstypes.KeySpecSymmetricDefault, KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt}
			if err := l.repairKey(ctx, md); err != nil {
				return "", err
			}
			return k.id, nil
		}
	}
	return "", nil
}

// keyPolicyPrincipal is the caller as a key policy can name it: a user or the root as is,
// an assumed-role session as its role (looked up, since a role's ARN may carry a path).
// Empty when it cannot be named; the root statement then delegates to IAM.
func (l *Lab) keyPolicyPrincipal(ctx context.Context) string {
	arn := l.T.CallerARN
	switch {
	case strings.Contains(arn, ":user/") || strings.HasSuffix(arn, ":root"):
		return arn
	case strings.Contains(arn, ":assumed-role/"):
		parts := strings.Split(arn[strings.Index(arn, ":assumed-role/")+len(":assumed-role/"):], "/")
		var roleARN string
		_ = l.do(ctx, l.adminCall(CreateKey, "iam", "GetRole", parts[0], "aws iam get-role --role-name "+parts[0]),
			func(ctx context.Context) (string, string, error) {
				out, err := l.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(parts[0])})
				if err != nil {
					return "", "", err
				}
				roleARN = aws.ToString(out.Role.Arn)
				return roleARN, "", nil
			})
		return roleARN
	}
	return ""
}

func (l *Lab) createKey(ctx context.Context) (string, error) {
	var who []string
	if p := l.keyPolicyPrincipal(ctx); p != "" {
		who = []string{p}
	}
	doc := string(policy.ConsoleKeyPolicy(l.T.Account, who, who))
	var id string
	// A caller made only moments ago may not be visible to KMS yet, as on any key policy.
	err := l.waitFor(ctx, CreateKey, "KMS to recognise "+l.T.CallerARN, "a new IAM identity can take a few seconds to be visible to KMS",
		func(ctx context.Context) (bool, string, error) {
			var pending bool
			err := l.do(ctx, l.adminCall(CreateKey, "kms", "CreateKey", "symmetric, encrypt/decrypt, console-style key policy, tag "+TagKey+"="+l.Prefix,
				fmt.Sprintf(`aws kms create-key --description %q --key-spec SYMMETRIC_DEFAULT --key-usage ENCRYPT_DECRYPT --policy file://key-policy.json --tags TagKey=%s,TagValue=%s`, l.keyDescription(), TagKey, l.Prefix)),
				func(ctx context.Context) (string, string, error) {
					out, err := l.KMS.CreateKey(ctx, &kms.CreateKeyInput{
						Description: aws.String(l.keyDescription()),
						KeySpec:     kmstypes.KeySpecSymmetricDefault,
						KeyUsage:    kmstypes.KeyUsageTypeEncryptDecrypt,
						Policy:      aws.String(doc),
						Tags:        []kmstypes.Tag{{TagKey: aws.String(TagKey), TagValue: aws.String(l.Prefix)}},
					})
					if isCode(err, "MalformedPolicyDocumentException") && strings.Contains(errorMessage(err), "invalid principals") {
						pending = true
						return "KMS does not see " + l.T.CallerARN + " yet", "", nil
					}
					if err != nil {
						return "", "", err
					}
					id = aws.ToString(out.KeyMetadata.KeyId)
					return aws.ToString(out.KeyMetadata.Arn), doc, nil
				})
			return pending, "MalformedPolicyDocumentException", err
		})
	return id, err
}

func undoCreateKey(ctx context.Context, l *Lab) error {
	keys, err := l.labKeys(ctx, CreateKey, false)
	if err != nil {
		return err
	}
	return l.execute(ctx, l.planRetireKeys(CreateKey, keys))
}
