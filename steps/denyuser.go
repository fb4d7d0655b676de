package steps

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmslab/kmslab/policy"
	"github.com/kmslab/kmslab/target"
)

func runDenyUser(ctx context.Context, l *Lab) (Verdict, error) {
	md, err := l.labKeyFor(ctx, DenyUser)
	if err != nil {
		return Verdict{}, err
	}
	td, err := l.describeTable(ctx, DenyUser, false)
	if err != nil {
		return Verdict{}, err
	}
	if v := l.tableVerdict(td, md); v.Status != Done {
		return Verdict{}, &PrereqError{Step: DenyUser, Need: EncryptTable, Why: v.Detail}
	}
	u, err := l.ensureUser(ctx, DenyUser)
	if err != nil {
		return Verdict{}, err
	}
	if err := l.ensureTestUserKey(ctx, DenyUser, u); err != nil {
		return Verdict{}, err
	}
	keyARN := aws.ToString(md.Arn)
	var r readAs
	err = l.waitFor(ctx, DenyUser, "IAM to apply "+l.User+"'s new DynamoDB policy", "IAM changes take a few seconds to reach every AWS endpoint",
		func(ctx context.Context) (bool, string, error) {
			r = l.scanAsUser(ctx, DenyUser, false, u, keyARN)
			if r.err != nil {
				return false, "", r.err
			}
			return iamNotYet(r) || r.code == "UnrecognizedClientException", r.code, nil
		})
	if err != nil {
		return Verdict{}, err
	}
	switch {
	case r.intended:
		l.note(NoteDenialCode, r.code)
		l.note(NoteDenialMessage, r.msg)
		l.note(NoteDenialAt, l.opts.Now().UTC().Format(time.RFC3339))
	case r.code == "" && l.T.Enforces != target.Enforces:
		// The read was served: either the user is already granted (step 5 done), or the
		// target does not enforce key policies. Check tells which.
		l.note(NoteReadAsUser, "true")
	case r.code == "":
		l.info(DenyUser, l.User+" can read the table now: the key policy already lets it use the key (step 5).")
	default:
		l.info(DenyUser, "The read failed, but not with the lab's denial: "+r.code+": "+r.msg)
	}
	return checkDenyUser(ctx, l)
}

// ensureUser creates the test user with AmazonDynamoDBFullAccess, as far as missing.
func (l *Lab) ensureUser(ctx context.Context, step string) (*labUser, error) {
	u, err := l.readUser(ctx, step, false)
	if err != nil {
		return nil, err
	}
	if u == nil {
		err := l.do(ctx, l.adminCall(step, "iam", "CreateUser", l.User+" · tag "+TagKey+"="+l.Prefix,
			"aws iam create-user --user-name "+l.User+" --tags Key="+TagKey+",Value="+l.Prefix),
			func(ctx context.Context) (string, string, error) {
				out, err := l.IAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(l.User),
					Tags: []iamtypes.Tag{{Key: aws.String(TagKey), Value: aws.String(l.Prefix)}}})
				if isCode(err, "EntityAlreadyExists") {
					return "the user exists already", "", nil
				}
				if err != nil {
					return "", "", err
				}
				return aws.ToString(out.User.Arn), "", nil
			})
		if err != nil {
			return nil, err
		}
		if u, err = l.readUser(ctx, step, false); err != nil {
			return nil, err
		}
		if u == nil {
			return nil, &WaitError{What: "the new user to appear", Waited: "0s"}
		}
	} else if !u.tagged {
		l.info(step, "Using the existing user "+l.User+", which kmslab did not make: clean-up will leave it alone.")
	}
	if !u.hasPolicy(DynamoDBFullAccessARN) {
		err := l.do(ctx, l.adminCall(step, "iam", "AttachUserPolicy", l.User+" ← AmazonDynamoDBFullAccess",
			"aws iam attach-user-policy --user-name "+l.User+" --policy-arn "+DynamoDBFullAccessARN),
			func(ctx context.Context) (string, string, error) {
				_, err := l.IAM.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(l.User), PolicyArn: aws.String(DynamoDBFullAccessARN)})
				return "attached: dynamodb:* allowed; of KMS only kms:DescribeKey and kms:ListAliases", "", err
			})
		if err != nil {
			return nil, err
		}
		u.attached = append(u.attached, DynamoDBFullAccessARN)
	}
	return u, nil
}

// denyFacts is what both checks of the user's access need.
type denyFacts struct {
	md       *kmstypes.KeyMetadata
	u        *labUser
	identity []policy.NamedPolicy
	keyDoc   string
	req      policy.Request
}

// readDenyFacts reads the key, the user and their policies. A verdict is returned instead
// when something they need is missing.
func (l *Lab) readDenyFacts(ctx context.Context, step string) (*denyFacts, *Verdict, error) {
	md, err := l.describeAlias(ctx, step, true)
	if err != nil {
		return nil, nil, err
	}
	if v := keyVerdict(md, l.Alias); v.Status != Done {
		return nil, &Verdict{Status: NotDone, Cause: "KEY_MISSING", Detail: v.Detail + " The lab's key comes first (step 1)."}, nil
	}
	u, err := l.readUser(ctx, step, true)
	if err != nil {
		return nil, nil, err
	}
	if u == nil {
		return nil, &Verdict{Status: NotDone, Cause: "USER_MISSING", Detail: "There is no IAM user named " + l.User + " yet."}, nil
	}
	identity, err := l.identityPolicies(ctx, step, u)
	if err != nil {
		return nil, nil, err
	}
	keyDoc, err := l.keyPolicy(ctx, step, true, aws.ToString(md.KeyId))
	if err != nil {
		return nil, nil, err
	}
	return &denyFacts{md: md, u: u, identity: identity, keyDoc: keyDoc, req: l.decryptRequest(u, aws.ToString(md.Arn))}, nil, nil
}

func checkDenyUser(ctx context.Context, l *Lab) (Verdict, error) {
	f, v, err := l.readDenyFacts(ctx, DenyUser)
	if err != nil || v != nil {
		return deref(v), err
	}
	keyARN := aws.ToString(f.md.Arn)
	ev := map[string]string{"userArn": f.u.arn, "keyArn": keyARN, "action": "kms:Decrypt"}
	switch {
	case !f.u.hasPolicy(DynamoDBFullAccessARN):
		return Verdict{Status: NotDone, Cause: "DDB_POLICY_MISSING", Detail: l.User + " does not have AmazonDynamoDBFullAccess attached.", Evidence: ev}, nil
	case len(f.u.keys) == 0:
		return Verdict{Status: NotDone, Cause: "ACCESS_KEY_MISSING", Detail: l.User + " has no access key to sign requests with.", Evidence: ev}, nil
	}
	scan := policy.Request{Principal: f.req.Principal, Action: "dynamodb:Scan", Resource: l.tableARN()}
	if d := policy.Evaluate(scan, policy.Input{Identity: f.identity}); !d.Allowed() {
		return Verdict{Status: NotDone, Cause: "SCAN_NOT_ALLOWED", Detail: l.User + "'s IAM policies do not allow dynamodb:Scan, so a denial would not be about the key: " + d.Reason, Evidence: ev}, nil
	}
	// The lab's point: with IAM alone (the key policy delegating to IAM through its root
	// statement), is kms:Decrypt denied?
	alone, err := decide(f.req, f.identity, string(policy.DefaultKeyPolicy(l.T.Account)), l.T.Account)
	if err != nil {
		return Verdict{}, err
	}
	if alone.Allowed() {
		return Verdict{Status: NotDone, Cause: "USER_ALREADY_HAS_DECRYPT", Detail: l.User + "'s own IAM policies allow kms:Decrypt on the key, so there is no denial to see: " + alone.Reason, Evidence: ev}, nil
	}
	ev["awsWouldSay"] = alone.Message(f.req)
	now, err := decide(f.req, f.identity, f.keyDoc, l.T.Account)
	if err != nil {
		return Verdict{}, err
	}
	// Look at the live answer when this process can sign as the user and the key policy
	// does not (yet) let them in.
	if !now.Allowed() && l.HasTestUserKey() {
		r := l.scanAsUser(ctx, DenyUser, true, f.u, keyARN)
		switch {
		case r.err != nil:
			return Verdict{}, r.err
		case r.intended:
			l.note(NoteDenialCode, r.code)
			l.note(NoteDenialMessage, r.msg)
			if l.noted(NoteDenialAt) == "" {
				l.note(NoteDenialAt, l.opts.Now().UTC().Format(time.RFC3339))
			}
		case r.code == "" && l.T.Enforces != target.Enforces:
			l.note(NoteReadAsUser, "true")
		case r.code == "":
			return Verdict{Status: NotDone, Cause: "UNEXPECTED_ACCESS", Detail: l.User + " could read the table although nothing should allow kms:Decrypt; look for another statement or grant.", Evidence: ev}, nil
		case iamNotYet(r):
			return Verdict{Status: Propagating, Cause: "IAM_PROPAGATING", Detail: "IAM has not applied " + l.User + "'s DynamoDB policy everywhere yet.", Evidence: withErr(ev, r)}, nil
		default:
			return Verdict{Status: NotDone, Cause: "DENIED_FOR_OTHER_REASON", Detail: "The read failed, but not with the lab's denial (kms:Decrypt for this user on this key).", Evidence: withErr(ev, r)}, nil
		}
	}
	if msg := l.noted(NoteDenialMessage); msg != "" {
		ev["errorCode"], ev["errorMessage"] = l.noted(NoteDenialCode), msg
		if at := l.noted(NoteDenialAt); at != "" {
			ev["deniedAt"] = at
		}
	}
	notEnforced := l.T.Enforces == target.DoesNotEnforce || (l.T.Enforces == target.EnforcementUnknown && l.noted(NoteReadAsUser) == "true" && ev["errorMessage"] == "")
	switch {
	case notEnforced:
		reason := strings.TrimSuffix(strings.TrimSpace(l.T.EnforcementReason), ".")
		if reason != "" {
			reason = strings.ToLower(reason[:1]) + reason[1:]
		}
		if reason == "" {
			reason = "it served " + l.User + "'s read of the table although the key policy does not allow kms:Decrypt"
		}
		return Verdict{Status: CannotDemonstrate, Cause: "NOT_ENFORCED",
			Detail:   fmt.Sprintf("This target (%s) cannot show the denial: %s. On AWS the read would fail with AccessDeniedException: %s", l.T.Label, reason, ev["awsWouldSay"]),
			Evidence: ev}, nil
	case ev["errorMessage"] != "":
		return Verdict{Status: Done, Detail: l.User + " has full DynamoDB rights, yet reading the table was denied because KMS refused kms:Decrypt on your key.", Evidence: ev}, nil
	case l.T.Enforces == target.Enforces && now.Allowed():
		return Verdict{Status: Done, Detail: l.User + " has full DynamoDB rights but no kms:Decrypt of its own: without the grant in the key policy, KMS denies its reads.", Evidence: ev}, nil
	case l.T.Enforces == target.Enforces:
		return Verdict{Status: Done, Detail: l.User + " has full DynamoDB rights but no kms:Decrypt, so KMS denies its reads of the table.", Evidence: ev}, nil
	}
	return Verdict{Status: NotDone, Cause: "DENIAL_NOT_SEEN", Detail: "Everything is set up, but the denial has not been seen on this target yet: run the step to try the read as " + l.User + ".", Evidence: ev}, nil
}

func withErr(ev map[string]string, r readAs) map[string]string {
	ev["errorCode"], ev["errorMessage"] = r.code, r.msg
	return ev
}

func deref(v *Verdict) Verdict {
	if v == nil {
		return Verdict{}
	}
	return *v
}

func undoDenyUser(ctx context.Context, l *Lab) error {
	acts, err := l.planDeleteUser(ctx, DenyUser)
	if err != nil {
		return err
	}
	if err := l.execute(ctx, acts); err != nil {
		return err
	}
	return nil
}

// planDeleteUser removes the test user the way IAM requires: access keys, policies, then
// the user. Only a user the lab tagged.
func (l *Lab) planDeleteUser(ctx context.Context, step string) ([]action, error) {
	u, err := l.readUser(ctx, step, false)
	if err != nil || u == nil {
		return nil, err
	}
	if !u.tagged {
		l.info(step, "User "+l.User+" was "+ErrNotLabResource.Error()+".")
		return nil, nil
	}
	var acts []action
	for _, k := range u.keys {
		id := aws.ToString(k.AccessKeyId)
		acts = append(acts, action{l.adminCall(step, "iam", "DeleteAccessKey", l.User+" "+target.MaskKeyID(id), "aws iam delete-access-key --user-name "+l.User+" --access-key-id "+target.MaskKeyID(id)),
			func(ctx context.Context) (string, error) {
				_, err := l.IAM.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(l.User), AccessKeyId: aws.String(id)})
				if isCode(err, "NoSuchEntity") {
					return "already gone", nil
				}
				return "deleted", err
			}})
	}
	for _, arn := range u.attached {
		acts = append(acts, action{l.adminCall(step, "iam", "DetachUserPolicy", l.User+" ← "+arn, "aws iam detach-user-policy --user-name "+l.User+" --policy-arn "+arn),
			func(ctx context.Context) (string, error) {
				_, err := l.IAM.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String(l.User), PolicyArn: aws.String(arn)})
				if isCode(err, "NoSuchEntity") {
					return "already detached", nil
				}
				return "detached", err
			}})
	}
	for _, name := range u.inline {
		acts = append(acts, action{l.adminCall(step, "iam", "DeleteUserPolicy", l.User+" / "+name, "aws iam delete-user-policy --user-name "+l.User+" --policy-name "+name),
			func(ctx context.Context) (string, error) {
				_, err := l.IAM.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String(l.User), PolicyName: aws.String(name)})
				if isCode(err, "NoSuchEntity") {
					return "already gone", nil
				}
				return "deleted", err
			}})
	}
	acts = append(acts, action{l.adminCall(step, "iam", "DeleteUser", l.User, "aws iam delete-user --user-name "+l.User),
		func(ctx context.Context) (string, error) {
			_, err := l.IAM.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(l.User)})
			l.forgetTestUserKey()
			if isCode(err, "NoSuchEntity") {
				return "already gone", nil
			}
			return "user deleted", err
		}})
	return acts, nil
}
