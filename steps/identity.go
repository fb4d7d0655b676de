package steps

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmslab/kmslab/policy"
	"github.com/kmslab/kmslab/target"
)

// labUser is what the lab knows of the test user.
type labUser struct {
	arn, id, name string
	tagged        bool
	attached      []string // policy ARNs
	inline        []string // inline policy names
	keys          []iamtypes.AccessKeyMetadata
}

func (u *labUser) hasPolicy(arn string) bool {
	for _, a := range u.attached {
		if a == arn {
			return true
		}
	}
	return false
}

// readUser reads the test user, its tags, policies and access keys; nil when missing.
func (l *Lab) readUser(ctx context.Context, step string, check bool) (*labUser, error) {
	return l.readUserNamed(ctx, step, check, l.User)
}

// readUserNamed is readUser for any IAM user of the account (the admin is one too).
func (l *Lab) readUserNamed(ctx context.Context, step string, check bool, name string) (*labUser, error) {
	mk := func(op, summary, cli string) call {
		c := l.adminCall(step, "iam", op, summary, cli)
		if check {
			c = c.forCheck()
		}
		return c
	}
	var u *labUser
	err := l.do(ctx, mk("GetUser", name, "aws iam get-user --user-name "+name), func(ctx context.Context) (string, string, error) {
		out, err := l.IAM.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(name)})
		if isCode(err, "NoSuchEntity") {
			return "no such user", "", nil
		}
		if err != nil {
			return "", "", err
		}
		u = &labUser{arn: aws.ToString(out.User.Arn), id: aws.ToString(out.User.UserId), name: aws.ToString(out.User.UserName)}
		for _, t := range out.User.Tags {
			if aws.ToString(t.Key) == TagKey && aws.ToString(t.Value) == l.Prefix {
				u.tagged = true
			}
		}
		return u.arn, "", nil
	})
	if err != nil || u == nil {
		return nil, err
	}
	err = l.do(ctx, mk("ListAttachedUserPolicies", name, "aws iam list-attached-user-policies --user-name "+name), func(ctx context.Context) (string, string, error) {
		p := iam.NewListAttachedUserPoliciesPaginator(l.IAM, &iam.ListAttachedUserPoliciesInput{UserName: aws.String(name)})
		var names []string
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return "", "", err
			}
			for _, ap := range page.AttachedPolicies {
				u.attached = append(u.attached, aws.ToString(ap.PolicyArn))
				names = append(names, aws.ToString(ap.PolicyName))
			}
		}
		return listOrNone(names), "", nil
	})
	if err != nil {
		return nil, err
	}
	err = l.do(ctx, mk("ListUserPolicies", name, "aws iam list-user-policies --user-name "+name), func(ctx context.Context) (string, string, error) {
		p := iam.NewListUserPoliciesPaginator(l.IAM, &iam.ListUserPoliciesInput{UserName: aws.String(name)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return "", "", err
			}
			u.inline = append(u.inline, page.PolicyNames...)
		}
		return listOrNone(u.inline), "", nil
	})
	if err != nil {
		return nil, err
	}
	err = l.do(ctx, mk("ListAccessKeys", name, "aws iam list-access-keys --user-name "+name), func(ctx context.Context) (string, string, error) {
		out, err := l.IAM.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(name)})
		if err != nil {
			return "", "", err
		}
		u.keys = out.AccessKeyMetadata
		var ids []string
		for _, k := range u.keys {
			ids = append(ids, target.MaskKeyID(aws.ToString(k.AccessKeyId))+" "+string(k.Status))
		}
		return listOrNone(ids), "", nil
	})
	return u, err
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// identityPolicies fetches the documents of the user's attached and inline policies.
func (l *Lab) identityPolicies(ctx context.Context, step string, u *labUser) ([]policy.NamedPolicy, error) {
	var out []policy.NamedPolicy
	for _, arn := range u.attached {
		name := arn[strings.LastIndex(arn, "/")+1:]
		var version string
		err := l.do(ctx, l.adminCall(step, "iam", "GetPolicy", name, "aws iam get-policy --policy-arn "+arn).forCheck(),
			func(ctx context.Context) (string, string, error) {
				p, err := l.IAM.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
				if err != nil {
					return "", "", err
				}
				version = aws.ToString(p.Policy.DefaultVersionId)
				return "default version " + version, "", nil
			})
		if err != nil {
			return nil, err
		}
		var doc string
		err = l.do(ctx, l.adminCall(step, "iam", "GetPolicyVersion", name+" "+version,
			"aws iam get-policy-version --policy-arn "+arn+" --version-id "+version).forCheck(),
			func(ctx context.Context) (string, string, error) {
				v, err := l.IAM.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(version)})
				if err != nil {
					return "", "", err
				}
				doc = aws.ToString(v.PolicyVersion.Document)
				return "policy document read", "", nil
			})
		if err != nil {
			return nil, err
		}
		np, err := namedPolicy(name, doc)
		if err != nil {
			return nil, err
		}
		out = append(out, np)
	}
	for _, name := range u.inline {
		var doc string
		err := l.do(ctx, l.adminCall(step, "iam", "GetUserPolicy", u.name+" / "+name,
			"aws iam get-user-policy --user-name "+u.name+" --policy-name "+name).forCheck(),
			func(ctx context.Context) (string, string, error) {
				p, err := l.IAM.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String(u.name), PolicyName: aws.String(name)})
				if err != nil {
					return "", "", err
				}
				doc = aws.ToString(p.PolicyDocument)
				return "inline policy", "", nil
			})
		if err != nil {
			return nil, err
		}
		np, err := namedPolicy(name, doc)
		if err != nil {
			return nil, err
		}
		out = append(out, np)
	}
	return out, nil
}

// namedPolicy parses a document as IAM returns it: URL-encoded.
func namedPolicy(name, doc string) (policy.NamedPolicy, error) {
	if dec, err := url.PathUnescape(doc); err == nil {
		doc = dec
	}
	p, err := policy.Parse([]byte(doc))
	if err != nil {
		return policy.NamedPolicy{}, fmt.Errorf("read policy %s: %w", name, err)
	}
	return policy.NamedPolicy{Name: name, Policy: p}, nil
}

// keyPolicy reads the key's policy document.
func (l *Lab) keyPolicy(ctx context.Context, step string, check bool, keyID string) (string, error) {
	c := l.adminCall(step, "kms", "GetKeyPolicy", keyID, "aws kms get-key-policy --key-id "+keyID+" --policy-name default --output text")
	if check {
		c = c.forCheck()
	}
	var doc string
	err := l.do(ctx, c, func(ctx context.Context) (string, string, error) {
		out, err := l.KMS.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(keyID), PolicyName: aws.String("default")})
		if err != nil {
			return "", "", err
		}
		doc = aws.ToString(out.Policy)
		p, perr := policy.Parse([]byte(doc))
		if perr != nil {
			return "policy unreadable", "", nil
		}
		var sids []string
		for _, st := range p.Statements {
			sids = append(sids, st.Sid)
		}
		return fmt.Sprintf("%d statement(s): %s", len(p.Statements), strings.Join(sids, "; ")), "", nil
	})
	return doc, err
}

// decryptRequest is the question KMS answers when DynamoDB reads the table for the user.
func (l *Lab) decryptRequest(u *labUser, keyARN string) policy.Request {
	return policy.Request{
		Principal: policy.Principal{ARN: u.arn, AccountID: l.T.Account, UserID: u.id, UserName: u.name},
		Action:    "kms:Decrypt",
		Resource:  keyARN,
		Context: map[string][]string{
			"kms:ViaService":    {"dynamodb." + l.T.Region + ".amazonaws.com"},
			"kms:CallerAccount": {l.T.Account},
			"kms:EncryptionContext:aws:dynamodb:tableName":    {l.Table},
			"kms:EncryptionContext:aws:dynamodb:subscriberId": {l.T.Account},
		},
	}
}

// decide evaluates req over the identity policies and a key policy document.
func decide(req policy.Request, identity []policy.NamedPolicy, keyPolicyDoc string, account string) (policy.Decision, error) {
	kp, err := policy.Parse([]byte(keyPolicyDoc))
	if err != nil {
		return policy.Decision{}, fmt.Errorf("read the key policy: %w", err)
	}
	return policy.Evaluate(req, policy.Input{Identity: identity, Resource: kp, ResourceKind: policy.KeyPolicy, ResourceAccount: account}), nil
}
