package steps

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmslab/kmslab/policy"
	"github.com/kmslab/kmslab/target"
)

func runGrantAccess(ctx context.Context, l *Lab) (Verdict, error) {
	md, err := l.labKeyFor(ctx, GrantAccess)
	if err != nil {
		return Verdict{}, err
	}
	u, err := l.readUser(ctx, GrantAccess, false)
	if err != nil {
		return Verdict{}, err
	}
	if u == nil {
		return Verdict{}, &PrereqError{Step: GrantAccess, Need: DenyUser, Why: "there is no user " + l.User + " to grant access to"}
	}
	keyID, keyARN := aws.ToString(md.KeyId), aws.ToString(md.Arn)
	before, err := l.keyPolicy(ctx, GrantAccess, false, keyID)
	if err != nil {
		return Verdict{}, err
	}
	after, changed, err := policy.GrantKeyUse([]byte(before), u.arn)
	if err != nil {
		return Verdict{}, err
	}
	if changed {
		prettyBefore := prettyPolicy(before)
		err = l.waitFor(ctx, GrantAccess, "KMS to recognise the new user "+l.User, "a brand-new IAM user can take a few seconds to be visible to KMS",
			func(ctx context.Context) (bool, string, error) {
				var pending bool
				err := l.do(ctx, l.adminCall(GrantAccess, "kms", "PutKeyPolicy", keyID+": add "+l.User+" to \""+policy.SidKeyUse+"\" and \""+policy.SidPersistent+"\"",
					"aws kms put-key-policy --key-id "+keyID+" --policy-name default --policy file://key-policy.json"),
					func(ctx context.Context) (string, string, error) {
						_, err := l.KMS.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(keyID), PolicyName: aws.String("default"), Policy: aws.String(string(after))})
						if isCode(err, "MalformedPolicyDocumentException") && strings.Contains(errorMessage(err), "invalid principals") {
							pending = true
							return "KMS does not see the user yet", "", nil
						}
						if err != nil {
							return "", "", err
						}
						return "key policy updated", DiffText(Diff(prettyBefore, string(after))), nil
					})
				return pending, "MalformedPolicyDocumentException", err
			})
		if err != nil {
			return Verdict{}, err
		}
		l.note(NotePolicyBefore, prettyBefore)
		l.note(NotePolicyAfter, string(after))
		l.note(NoteGrantedAt, l.opts.Now().UTC().Format(time.RFC3339))
	} else {
		l.info(GrantAccess, "The key policy already names "+l.User+" in \""+policy.SidKeyUse+"\": nothing to change.")
		if l.noted(NotePolicyAfter) == "" {
			l.note(NotePolicyAfter, prettyPolicy(before))
		}
	}
	if err := l.ensureTestUserKey(ctx, GrantAccess, u); err != nil {
		return Verdict{}, err
	}
	err = l.waitFor(ctx, GrantAccess, l.User+"'s read to be allowed", "a key-policy change takes a few seconds to reach every KMS host",
		func(ctx context.Context) (bool, string, error) {
			r := l.scanAsUser(ctx, GrantAccess, false, u, keyARN)
			if r.err != nil {
				return false, "", r.err
			}
			return r.code != "" && (r.intended || iamNotYet(r)), r.code, nil
		})
	if err != nil {
		return Verdict{}, err
	}
	if l.noted(NoteFirstReadAt) == "" {
		l.note(NoteFirstReadAt, l.opts.Now().UTC().Format(time.RFC3339))
	}
	return checkGrantAccess(ctx, l)
}

func prettyPolicy(doc string) string {
	if p, err := policy.Pretty([]byte(doc)); err == nil {
		return string(p)
	}
	return doc
}

func checkGrantAccess(ctx context.Context, l *Lab) (Verdict, error) {
	f, v, err := l.readDenyFacts(ctx, GrantAccess)
	if err != nil || v != nil {
		return deref(v), err
	}
	keyARN := aws.ToString(f.md.Arn)
	ev := map[string]string{"userArn": f.u.arn, "keyArn": keyARN, "action": "kms:Decrypt"}
	d, err := decide(f.req, f.identity, f.keyDoc, l.T.Account)
	if err != nil {
		return Verdict{}, err
	}
	if !d.Allowed() {
		ev["awsWouldSay"] = d.Message(f.req)
		cause, detail := "GRANT_MISSING", "The key policy does not let "+l.User+" use the key: add the user to \""+policy.SidKeyUse+"\"."
		if d.Effect == policy.ExplicitDeny {
			cause, detail = "EXPLICIT_DENY", "A Deny statement blocks "+l.User+": "+d.Reason
		}
		return Verdict{Status: NotDone, Cause: cause, Detail: detail, Evidence: ev}, nil
	}
	var sids []string
	for _, m := range d.Matched {
		sids = append(sids, m.Policy+": "+m.Sid)
	}
	ev["allowedBy"] = strings.Join(sids, "; ")
	direct, err := decide(f.req, nil, f.keyDoc, l.T.Account)
	if err != nil {
		return Verdict{}, err
	}
	if l.HasTestUserKey() {
		r := l.scanAsUser(ctx, GrantAccess, true, f.u, keyARN)
		switch {
		case r.err != nil:
			return Verdict{}, r.err
		case r.intended && l.T.Enforces == target.Enforces:
			return Verdict{Status: Propagating, Cause: "KEY_POLICY_PROPAGATING", Detail: "The key policy allows " + l.User + ", but KMS still denies the read: the change is still reaching every KMS host.", Evidence: withErr(ev, r)}, nil
		case r.code != "":
			return Verdict{Status: NotDone, Cause: "READ_STILL_FAILS", Detail: "The key policy allows " + l.User + ", but the read fails: " + r.code + ".", Evidence: withErr(ev, r)}, nil
		default:
			ev["itemsRead"] = itoa(r.served)
		}
	}
	if at := l.noted(NoteFirstReadAt); at != "" {
		ev["firstReadAt"] = at
	}
	if !direct.Allowed() {
		return Verdict{Status: Done, Cause: "GRANTED_THROUGH_IAM", Detail: l.User + " may decrypt through an IAM policy (the key policy's root statement delegates to IAM); the lab's way is a key-policy statement naming the user.", Evidence: ev}, nil
	}
	return Verdict{Status: Done, Detail: "The key policy lets " + l.User + " use the key, so DynamoDB can decrypt the table for it.", Evidence: ev}, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

func undoGrantAccess(ctx context.Context, l *Lab) error {
	md, err := l.describeAlias(ctx, GrantAccess, false)
	if err != nil || md == nil {
		return err
	}
	keyID, keyARN := aws.ToString(md.KeyId), aws.ToString(md.Arn)
	doc, err := l.keyPolicy(ctx, GrantAccess, false, keyID)
	if err != nil {
		return err
	}
	u, err := l.readUser(ctx, GrantAccess, false)
	if err != nil {
		return err
	}
	userARN := l.userARN()
	if u != nil {
		userARN = u.arn
	}
	after, changed, err := policy.RevokeKeyUse([]byte(doc), userARN)
	if err != nil {
		return err
	}
	if changed {
		err = l.do(ctx, l.adminCall(GrantAccess, "kms", "PutKeyPolicy", keyID+": remove "+l.User+" from \""+policy.SidKeyUse+"\" and \""+policy.SidPersistent+"\"",
			"aws kms put-key-policy --key-id "+keyID+" --policy-name default --policy file://key-policy.json"),
			func(ctx context.Context) (string, string, error) {
				_, err := l.KMS.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(keyID), PolicyName: aws.String("default"), Policy: aws.String(string(after))})
				return "key policy updated: the user is no longer in it", DiffText(Diff(prettyPolicy(doc), string(after))), err
			})
		if err != nil {
			return err
		}
		l.note(NotePolicyBefore, prettyPolicy(doc))
		l.note(NotePolicyAfter, string(after))
	}
	if u == nil {
		return nil
	}
	if l.T.Enforces == target.DoesNotEnforce {
		l.info(GrantAccess, "This target does not enforce key policies, so "+l.User+" keeps reading; on AWS its reads would stop within about five minutes.")
		return nil
	}
	return l.awaitRevoke(ctx, u, keyARN)
}

// awaitRevoke reads as the user until KMS refuses: DynamoDB keeps a table key it already
// decrypted for up to five minutes, so a revoke takes effect only then.
func (l *Lab) awaitRevoke(ctx context.Context, u *labUser, keyARN string) error {
	if err := l.ensureTestUserKey(ctx, GrantAccess, u); err != nil {
		return err
	}
	l.info(GrantAccess, "DynamoDB keeps a table key it has already decrypted for up to five minutes, so "+l.User+" may go on reading until then; kmslab reads as the user until the denial comes.")
	return l.waitUpTo(ctx, l.opts.RevokeWait, GrantAccess, l.User+"'s reads to stop", "DynamoDB caches the table key for up to five minutes",
		func(ctx context.Context) (bool, string, error) {
			r := l.scanAsUser(ctx, GrantAccess, true, u, keyARN)
			switch {
			case r.err != nil:
				return false, "", r.err
			case r.intended:
				l.note(NoteDenialCode, r.code)
				l.note(NoteDenialMessage, r.msg)
				l.note(NoteDenialAt, l.opts.Now().UTC().Format(time.RFC3339))
				return false, "", nil
			case r.code == "":
				return true, "still served from DynamoDB's cached table key", nil
			}
			return true, r.code, nil
		})
}
