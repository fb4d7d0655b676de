package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

const (
	acct     = "000000000000"
	keyARN   = "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	adminARN = "arn:aws:iam::000000000000:user/admin"
	userARN  = "arn:aws:iam::000000000000:user/nextwork-kms-user"
	tableARN = "arn:aws:dynamodb:us-east-1:000000000000:table/nextwork-kms-table"
)

var (
	admin = Principal{ARN: adminARN, AccountID: acct, UserID: "AIDAADMINEXAMPLE0001", UserName: "admin"}
	user  = Principal{ARN: userARN, AccountID: acct, UserID: "AIDAUSEREXAMPLE00001", UserName: "nextwork-kms-user"}
	// deleted is a user whose unique id a key policy still names (deleted-user.json).
	deleted = Principal{ARN: "arn:aws:iam::000000000000:user/old", AccountID: acct, UserID: "AIDAIVA3UXATCEV3JOVNK", UserName: "old"}
	// recreated has the deleted user's name but a new unique id.
	recreated = Principal{ARN: "arn:aws:iam::000000000000:user/old", AccountID: acct, UserID: "AIDANEWIDFORSAMENAME", UserName: "old"}
	extUser   = Principal{ARN: "arn:aws:iam::444455556666:user/partner", AccountID: "444455556666", UserID: "AIDAPARTNEREXAMPLE01", UserName: "partner"}
)

var parsed sync.Map // source → *Policy, so the big managed documents parse once

// managedDoc returns the policy document of a managed policy file in testdata/managed.
func managedDoc(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "managed", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var wrap struct{ Document json.RawMessage }
	if err := json.Unmarshal(raw, &wrap); err != nil {
		t.Fatal(err)
	}
	return wrap.Document
}

func keyDoc(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "keypolicy", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func mustParse(t testing.TB, doc []byte) *Policy {
	t.Helper()
	if p, ok := parsed.Load(string(doc)); ok {
		return p.(*Policy)
	}
	p, err := Parse(doc)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, doc)
	}
	parsed.Store(string(doc), p)
	return p
}

// identity builds identity policies: a managed policy name, or inline JSON named "inline".
func identity(t testing.TB, specs []string) []NamedPolicy {
	var out []NamedPolicy
	for _, s := range specs {
		if strings.HasPrefix(s, "{") {
			out = append(out, NamedPolicy{Name: "inline", Policy: mustParse(t, []byte(s))})
			continue
		}
		out = append(out, NamedPolicy{Name: s, Policy: mustParse(t, managedDoc(t, s))})
	}
	return out
}

func resourcePolicy(t testing.TB, spec string) *Policy {
	switch {
	case spec == "":
		return nil
	case strings.HasPrefix(spec, "{"):
		return mustParse(t, []byte(spec))
	}
	return mustParse(t, keyDoc(t, spec))
}

// stmt wraps statements into a 2012-10-17 policy.
func stmt(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// rootStmt is the default key policy's statement for account 000000000000.
const rootStmt = `{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"kms:*","Resource":"*"}`

type evalCase struct {
	name     string
	who      Principal
	action   string
	resource string // default keyARN; "-" for ""
	ctx      map[string][]string
	ids      []string // managed names or inline JSON
	key      string   // key policy: testdata name or inline JSON; "" = none
	kind     ResourceKind
	kindSet  bool   // use kind instead of KeyPolicy/NoResourcePolicy
	resAcct  string // Input.ResourceAccount
	want     Effect
	wantType string
	matched  []Match // checked when not nil
	reason   string  // substring of Reason, when set
}

func (c evalCase) request() Request {
	r := Request{Principal: c.who, Action: c.action, Resource: c.resource, Context: c.ctx}
	switch r.Resource {
	case "":
		r.Resource = keyARN
	case "-":
		r.Resource = ""
	}
	return r
}

func (c evalCase) input(t testing.TB) Input {
	in := Input{Identity: identity(t, c.ids), Resource: resourcePolicy(t, c.key), ResourceAccount: c.resAcct}
	switch {
	case c.kindSet:
		in.ResourceKind = c.kind
	case c.key != "":
		in.ResourceKind = KeyPolicy
	}
	return in
}

func ctx(kv ...string) map[string][]string {
	m := map[string][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = append(m[kv[i]], kv[i+1])
	}
	return m
}

const denyDecryptInline = `{"Version":"2012-10-17","Statement":{"Sid":"NoDecrypt","Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}}`

func evalCases() []evalCase {
	kp := func(m ...Match) []Match { return m }
	return []evalCase{
		// The lab, with the real documents.
		{name: "lab/admin AdministratorAccess + default key policy: Decrypt", who: admin, action: "kms:Decrypt",
			ids: []string{"AdministratorAccess"}, key: "default", want: Allow,
			matched: kp(Match{"key policy", "Enable IAM User Permissions", "Allow"}, Match{"AdministratorAccess", "", "Allow"}),
			reason:  `The key policy lets IAM policies in account 000000000000 grant access (statement "Enable IAM User Permissions"), and the user's policy AdministratorAccess allows kms:Decrypt.`},
		{name: "lab/admin AdministratorAccess + default key policy: CreateGrant", who: admin, action: "kms:CreateGrant",
			ids: []string{"AdministratorAccess"}, key: "default", want: Allow},
		{name: "lab/user DynamoDBFullAccess + default key policy: Decrypt is an identity-based implicit deny", who: user,
			action: "kms:Decrypt", ids: []string{"AmazonDynamoDBFullAccess"}, key: "default",
			want: ImplicitDeny, wantType: "identity-based",
			matched: kp(Match{"key policy", "Enable IAM User Permissions", "Allow"}),
			reason:  `The key policy lets IAM policies in account 000000000000 grant access (statement "Enable IAM User Permissions"), but none of the user's policies (AmazonDynamoDBFullAccess) allows kms:Decrypt.`},
		{name: "lab/user DynamoDBFullAccess + default key policy: DescribeKey allowed", who: user, action: "kms:DescribeKey",
			ids: []string{"AmazonDynamoDBFullAccess"}, key: "default", want: Allow},
		{name: "lab/user DynamoDBFullAccess_v2 + default key policy: Decrypt denied", who: user, action: "kms:Decrypt",
			ids: []string{"AmazonDynamoDBFullAccess_v2"}, key: "default", want: ImplicitDeny, wantType: "identity-based"},
		{name: "lab/user DynamoDBFullAccess: GenerateDataKey denied too", who: user, action: "kms:GenerateDataKey",
			ids: []string{"AmazonDynamoDBFullAccess"}, key: "default", want: ImplicitDeny, wantType: "identity-based"},
		{name: "lab/user DynamoDBFullAccess: dynamodb:Scan allowed (no resource policy)", who: user, action: "dynamodb:Scan",
			resource: tableARN, ids: []string{"AmazonDynamoDBFullAccess"}, want: Allow,
			reason: `The user's policy AmazonDynamoDBFullAccess allows dynamodb:Scan (statement #1).`},
		{name: "lab/user DynamoDBFullAccess: kms:ListAliases allowed on *", who: user, action: "kms:ListAliases",
			resource: "*", ids: []string{"AmazonDynamoDBFullAccess"}, want: Allow},
		{name: "lab/console policy naming the admin only: user denied", who: user, action: "kms:Decrypt",
			ids: []string{"AmazonDynamoDBFullAccess"}, key: "console-admin", want: ImplicitDeny, wantType: "identity-based"},
		{name: "lab/console policy naming the admin only: admin allowed directly without IAM", who: admin, action: "kms:Decrypt",
			key: "console-admin", want: Allow, matched: kp(Match{"key policy", "Allow use of the key", "Allow"}),
			reason: `The key policy allows kms:Decrypt for this user directly (statement "Allow use of the key"), so no IAM policy is needed.`},
		{name: "lab/after step 5: user allowed Decrypt with no IAM change", who: user, action: "kms:Decrypt",
			ids: []string{"AmazonDynamoDBFullAccess"}, key: "console-admin-user", want: Allow,
			matched: kp(Match{"key policy", "Allow use of the key", "Allow"})},
		{name: "lab/after step 5: ReEncryptFrom matches kms:ReEncrypt*", who: user, action: "kms:ReEncryptFrom",
			key: "console-admin-user", want: Allow},
		{name: "lab/after step 5: GenerateDataKeyWithoutPlaintext matches kms:GenerateDataKey*", who: user,
			action: "kms:GenerateDataKeyWithoutPlaintext", key: "console-admin-user", want: Allow},
		{name: "lab/after step 5: CreateGrant by the user directly is denied", who: user, action: "kms:CreateGrant",
			ids: []string{"AmazonDynamoDBFullAccess"}, key: "console-admin-user", want: ImplicitDeny, wantType: "identity-based"},
		{name: "lab/after step 5: CreateGrant for an AWS resource (boolean true in policy)", who: user, action: "kms:CreateGrant",
			ctx: ctx("kms:GrantIsForAWSResource", "true"), key: "console-admin-user", want: Allow,
			matched: kp(Match{"key policy", "Allow attachment of persistent resources", "Allow"})},
		{name: "lab/console policy: admin CreateGrant for an AWS resource (string \"true\" in policy)", who: admin,
			action: "kms:CreateGrant", ctx: ctx("kms:GrantIsForAWSResource", "true"), key: "console-admin", want: Allow},
		{name: "lab/after step 5: user cannot schedule deletion", who: user, action: "kms:ScheduleKeyDeletion",
			ids: []string{"AmazonDynamoDBFullAccess"}, key: "console-admin-user", want: ImplicitDeny, wantType: "identity-based"},
		{name: "lab/no root statement, user not named: resource-based", who: user, action: "kms:Decrypt",
			ids: []string{"AmazonDynamoDBFullAccess"}, key: "no-root", want: ImplicitDeny, wantType: "resource-based",
			reason: "No statement in the key policy allows kms:Decrypt for this user or lets IAM policies in account 000000000000 grant it, so no IAM policy can allow it."},
		{name: "lab/no root statement: AdministratorAccess is not enough", who: user, action: "kms:Decrypt",
			ids: []string{"AdministratorAccess"}, key: "no-root", want: ImplicitDeny, wantType: "resource-based",
			matched: kp(Match{"AdministratorAccess", "", "Allow"}), reason: "but for a KMS key that is not enough"},
		{name: "lab/no root statement: admin named directly", who: admin, action: "kms:Decrypt", key: "no-root", want: Allow},
		{name: "lab/no identity policies + default key policy", who: user, action: "kms:Decrypt", key: "default",
			want: ImplicitDeny, wantType: "identity-based", reason: "but the user has no IAM policies, so nothing allows kms:Decrypt."},
		{name: "managed/ReadOnlyAccess allows DescribeKey", who: user, action: "kms:DescribeKey",
			ids: []string{"ReadOnlyAccess"}, key: "default", want: Allow},
		{name: "managed/ReadOnlyAccess does not allow Decrypt", who: user, action: "kms:Decrypt",
			ids: []string{"ReadOnlyAccess"}, key: "default", want: ImplicitDeny, wantType: "identity-based"},
		{name: "managed/KMS power user may GetKeyPolicy", who: user, action: "kms:GetKeyPolicy",
			ids: []string{"AWSKeyManagementServicePowerUser"}, key: "default", want: Allow},
		{name: "managed/KMS power user may not Decrypt", who: user, action: "kms:Decrypt",
			ids: []string{"AWSKeyManagementServicePowerUser"}, key: "default", want: ImplicitDeny, wantType: "identity-based"},
		{name: "managed/DynamoDBReadOnlyAccess has no Decrypt", who: user, action: "kms:Decrypt",
			ids: []string{"AmazonDynamoDBReadOnlyAccess"}, key: "default", want: ImplicitDeny, wantType: "identity-based"},
		{name: "managed/several policies are named in the reason", who: user, action: "kms:Decrypt",
			ids: []string{"AmazonDynamoDBFullAccess", "ReadOnlyAccess"}, key: "default", want: ImplicitDeny,
			wantType: "identity-based", reason: "(AmazonDynamoDBFullAccess, ReadOnlyAccess)"},

		// Explicit denies.
		{name: "deny/identity deny beats AdministratorAccess", who: admin, action: "kms:Decrypt",
			ids: []string{"AdministratorAccess", denyDecryptInline}, key: "default", want: ExplicitDeny, wantType: "identity-based",
			matched: kp(Match{"inline", "NoDecrypt", "Deny"}),
			reason:  `Statement "NoDecrypt" in the user's policy inline explicitly denies kms:Decrypt. An explicit deny overrides any allow.`},
		{name: "deny/identity deny beats a direct key-policy allow", who: user, action: "kms:Decrypt",
			ids: []string{denyDecryptInline}, key: "console-admin-user", want: ExplicitDeny, wantType: "identity-based"},
		{name: "deny/key policy deny naming the user", who: user, action: "kms:Decrypt", ids: []string{"AdministratorAccess"},
			key:  stmt(rootStmt, `{"Sid":"NoUser","Effect":"Deny","Principal":{"AWS":"`+userARN+`"},"Action":"kms:Decrypt","Resource":"*"}`),
			want: ExplicitDeny, wantType: "resource-based", matched: kp(Match{"key policy", "NoUser", "Deny"}),
			reason: `Statement "NoUser" in the key policy explicitly denies kms:Decrypt.`},
		{name: "deny/key policy deny naming the account applies to its users", who: user, action: "kms:Decrypt",
			ids:  []string{"AdministratorAccess"},
			key:  stmt(rootStmt, `{"Effect":"Deny","Principal":{"AWS":"000000000000"},"Action":"kms:Decrypt","Resource":"*"}`),
			want: ExplicitDeny, wantType: "resource-based", reason: "Statement #2 in the key policy"},
		{name: "deny/key policy deny * unless admin: user denied", who: user, action: "kms:Decrypt", ids: []string{"AdministratorAccess"},
			key:  stmt(rootStmt, `{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalArn":"`+adminARN+`"}}}`),
			want: ExplicitDeny, wantType: "resource-based"},
		{name: "deny/key policy deny * unless admin: admin allowed", who: admin, action: "kms:Decrypt", ids: []string{"AdministratorAccess"},
			key:  stmt(rootStmt, `{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalArn":"`+adminARN+`"}}}`),
			want: Allow},
		{name: "deny/NotPrincipal deny spares the admin", who: admin, action: "kms:Decrypt", ids: []string{"AdministratorAccess"},
			key:  stmt(rootStmt, `{"Effect":"Deny","NotPrincipal":{"AWS":["`+adminARN+`","arn:aws:iam::000000000000:root"]},"Action":"kms:Decrypt","Resource":"*"}`),
			want: Allow},
		{name: "deny/NotPrincipal deny hits the user", who: user, action: "kms:Decrypt", ids: []string{"AdministratorAccess"},
			key:  stmt(rootStmt, `{"Effect":"Deny","NotPrincipal":{"AWS":["`+adminARN+`","arn:aws:iam::000000000000:root"]},"Action":"kms:Decrypt","Resource":"*"}`),
			want: ExplicitDeny, wantType: "resource-based"},
		{name: "deny/deny for another action does not apply", who: admin, action: "kms:Encrypt",
			ids: []string{"AdministratorAccess", denyDecryptInline}, key: "default", want: Allow},

		// Principals.
		{name: "principal/unique id of a deleted user matches on UserID", who: deleted, action: "kms:Decrypt",
			key: "deleted-user", want: Allow},
		{name: "principal/a new user with the same name does not match the old id", who: recreated, action: "kms:Decrypt",
			ids: []string{"AdministratorAccess"}, key: "deleted-user", want: ImplicitDeny, wantType: "resource-based"},
		{name: "principal/Service principal never matches an IAM user", who: user, action: "kms:DescribeKey",
			ids: []string{"AdministratorAccess"}, key: "via-dynamodb", want: ImplicitDeny, wantType: "resource-based"},
		{name: "principal/* without conditions allows directly", who: user, action: "kms:Decrypt",
			key: stmt(`{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}`), want: Allow},
		{name: "principal/bare account id delegates like the root ARN (IAM allows)", who: user, action: "kms:Decrypt",
			ids: []string{"AdministratorAccess"}, key: stmt(`{"Effect":"Allow","Principal":{"AWS":"000000000000"},"Action":"kms:*","Resource":"*"}`), want: Allow},
		{name: "principal/bare account id delegates (IAM does not allow)", who: user, action: "kms:Decrypt",
			ids: []string{"AmazonDynamoDBFullAccess"}, key: stmt(`{"Effect":"Allow","Principal":{"AWS":"000000000000"},"Action":"kms:*","Resource":"*"}`),
			want: ImplicitDeny, wantType: "identity-based", reason: "statement #1"},
		{name: "principal/root statement of another account does not delegate to this one", who: user, action: "kms:Decrypt",
			ids: []string{"AdministratorAccess"}, key: stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"kms:*","Resource":"*"}`),
			want: ImplicitDeny, wantType: "resource-based"},
		{name: "principal/root delegation only for the actions it lists", who: user, action: "kms:Decrypt",
			ids: []string{"AdministratorAccess"}, key: stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"kms:Describe*","Resource":"*"}`),
			want: ImplicitDeny, wantType: "resource-based"},
		{name: "principal/cross-account root in the docs' policy + IAM allow", who: extUser, action: "kms:Decrypt",
			resource: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			ids:      []string{"AdministratorAccess"}, key: "docs-console", resAcct: "111122223333", want: Allow},
		{name: "principal/cross-account root without IAM allow", who: extUser, action: "kms:Decrypt",
			resource: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			ids:      []string{"AmazonDynamoDBFullAccess"}, key: "docs-console", resAcct: "111122223333",
			want: ImplicitDeny, wantType: "identity-based"},
		{name: "principal/cross-account user named directly still needs IAM", who: extUser, action: "kms:Decrypt",
			key:     stmt(`{"Effect":"Allow","Principal":{"AWS":"` + extUser.ARN + `"},"Action":"kms:Decrypt","Resource":"*"}`),
			resAcct: acct, want: ImplicitDeny, wantType: "identity-based", reason: "another account"},
		{name: "principal/docs' key user statement does not name our user", who: user, action: "kms:Decrypt",
			ids: []string{"AdministratorAccess"}, key: "docs-console", want: ImplicitDeny, wantType: "resource-based"},

		// Conditions.
		{name: "cond/StringLike kms:ViaService dynamodb.*.amazonaws.com matches", who: user, action: "kms:Decrypt",
			ctx: ctx("kms:ViaService", "dynamodb.us-east-1.amazonaws.com", "kms:CallerAccount", acct), key: "via-dynamodb", want: Allow},
		{name: "cond/ViaService of another service", who: user, action: "kms:Decrypt",
			ctx: ctx("kms:ViaService", "s3.us-east-1.amazonaws.com", "kms:CallerAccount", acct), key: "via-dynamodb",
			want: ImplicitDeny, wantType: "resource-based",
			reason: `Statement "Allow access through Amazon DynamoDB for all principals in the account that are authorized to use Amazon DynamoDB" would, but its conditions do not hold for this request.`},
		{name: "cond/ViaService absent (direct call)", who: user, action: "kms:Decrypt",
			ctx: ctx("kms:CallerAccount", acct), key: "via-dynamodb", want: ImplicitDeny, wantType: "resource-based"},
		{name: "cond/operators are ANDed (wrong caller account)", who: user, action: "kms:Decrypt",
			ctx: ctx("kms:ViaService", "dynamodb.us-east-1.amazonaws.com", "kms:CallerAccount", "111122223333"), key: "via-dynamodb",
			want: ImplicitDeny, wantType: "resource-based"},
		{name: "cond/condition keys are case-insensitive", who: user, action: "kms:Decrypt",
			ctx: ctx("KMS:VIASERVICE", "dynamodb.eu-west-1.amazonaws.com", "kms:calleraccount", acct), key: "via-dynamodb", want: Allow},
		{name: "cond/values under one key are ORed", who: user, action: "kms:Decrypt", ctx: ctx("kms:ViaService", "ec2.us-east-1.amazonaws.com"),
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":["dynamodb.us-east-1.amazonaws.com","ec2.us-east-1.amazonaws.com"]}}}`)},
			want: Allow},
		{name: "cond/ForAnyValue matches one of several", who: user, action: "kms:TagResource", ctx: map[string][]string{"aws:TagKeys": {"team", "cost"}},
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:TagResource","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["cost","owner"]}}}`)},
			want: Allow},
		{name: "cond/ForAnyValue with none matching", who: user, action: "kms:TagResource", ctx: map[string][]string{"aws:TagKeys": {"team"}},
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:TagResource","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["cost","owner"]}}}`)},
			want: ImplicitDeny, wantType: "identity-based"},
		{name: "cond/ForAnyValue with the key missing is false", who: user, action: "kms:TagResource",
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:TagResource","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":"cost"}}}`)},
			want: ImplicitDeny, wantType: "identity-based"},
		{name: "cond/ForAllValues subset", who: user, action: "kms:TagResource", ctx: map[string][]string{"aws:TagKeys": {"team", "cost"}},
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:TagResource","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["cost","team","owner"]}}}`)},
			want: Allow},
		{name: "cond/ForAllValues with one outsider", who: user, action: "kms:TagResource", ctx: map[string][]string{"aws:TagKeys": {"team", "secret"}},
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:TagResource","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["cost","team"]}}}`)},
			want: ImplicitDeny, wantType: "identity-based"},
		{name: "cond/ForAllValues with the key missing is true", who: user, action: "kms:TagResource",
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:TagResource","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["cost"]}}}`)},
			want: Allow},
		{name: "cond/ForAllValues:StringNotLike keeps all keys out", who: user, action: "kms:TagResource", ctx: map[string][]string{"aws:TagKeys": {"team", "cost"}},
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:TagResource","Resource":"*","Condition":{"ForAllValues:StringNotLike":{"aws:TagKeys":"aws:*"}}}`)},
			want: Allow},
		{name: "cond/ForAnyValue:StringLike on prefixed key", who: user, action: "kms:TagResource", ctx: map[string][]string{"aws:TagKeys": {"team", "aws:x"}},
			ids:  []string{stmt(`{"Effect":"Deny","Action":"kms:TagResource","Resource":"*","Condition":{"ForAnyValue:StringLike":{"aws:TagKeys":"aws:*"}}}`), "AdministratorAccess"},
			want: ExplicitDeny, wantType: "identity-based"},
		{name: "cond/IfExists with the key missing", who: user, action: "kms:Decrypt",
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEqualsIfExists":{"kms:ViaService":"dynamodb.us-east-1.amazonaws.com"}}}`)},
			want: Allow},
		{name: "cond/IfExists with the key present and different", who: user, action: "kms:Decrypt", ctx: ctx("kms:ViaService", "s3.us-east-1.amazonaws.com"),
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEqualsIfExists":{"kms:ViaService":"dynamodb.us-east-1.amazonaws.com"}}}`)},
			want: ImplicitDeny, wantType: "identity-based"},
		{name: "cond/Null false requires the key", who: user, action: "kms:Decrypt", ctx: ctx("kms:EncryptionContext:aws:dynamodb:tableName", "nextwork-kms-table"),
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"Null":{"kms:EncryptionContext:aws:dynamodb:tableName":"false"}}}`)},
			want: Allow},
		{name: "cond/Null false with the key missing", who: user, action: "kms:Decrypt",
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"Null":{"kms:EncryptionContext:aws:dynamodb:tableName":false}}}`)},
			want: ImplicitDeny, wantType: "identity-based"},
		{name: "cond/Null true with the key missing", who: user, action: "kms:Decrypt",
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"Null":{"aws:SourceVpc":"true"}}}`)},
			want: Allow},
		{name: "cond/StringNotEquals holds when the key is missing", who: user, action: "kms:Decrypt",
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestTag/env":"prod"}}}`)},
			want: Allow},
		{name: "cond/StringEquals fails when the key is missing", who: user, action: "kms:Decrypt",
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/env":"prod"}}}`)},
			want: ImplicitDeny, wantType: "identity-based"},
		{name: "cond/StringEqualsIgnoreCase", who: user, action: "kms:Decrypt", ctx: ctx("kms:EncryptionContext:project", "NextWork"),
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEqualsIgnoreCase":{"kms:EncryptionContext:project":"nextwork"}}}`)},
			want: Allow},
		{name: "cond/StringEquals is case-sensitive", who: user, action: "kms:Decrypt", ctx: ctx("kms:EncryptionContext:project", "NextWork"),
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:project":"nextwork"}}}`)},
			want: ImplicitDeny, wantType: "identity-based", reason: "Statement #1 in inline would, but its conditions do not hold for this request."},
		{name: "cond/NumericLessThan", who: user, action: "kms:Decrypt", ctx: ctx("aws:MultiFactorAuthAge", "120"),
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}}`)},
			want: Allow},
		{name: "cond/NumericLessThan too old", who: user, action: "kms:Decrypt", ctx: ctx("aws:MultiFactorAuthAge", "7200"),
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}`)},
			want: ImplicitDeny, wantType: "identity-based"},
		{name: "cond/NumericGreaterThanEquals and NumericNotEquals", who: user, action: "kms:Decrypt", ctx: ctx("kms:GrantCount", "5"),
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"NumericGreaterThanEquals":{"kms:GrantCount":5},"NumericNotEquals":{"kms:GrantCount":4}}}`)},
			want: Allow},
		{name: "cond/DateLessThan on aws:CurrentTime (now)", who: user, action: "kms:Decrypt",
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2999-01-01T00:00:00Z"}}}`)},
			want: Allow},
		{name: "cond/DateGreaterThan on aws:CurrentTime (now)", who: user, action: "kms:Decrypt",
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2999-01-01T00:00:00Z"}}}`)},
			want: ImplicitDeny, wantType: "identity-based"},
		{name: "cond/Date against an epoch value, time pinned in Context", who: user, action: "kms:Decrypt",
			ctx:  ctx("aws:CurrentTime", "2020-06-01T00:00:00Z"),
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":1577836800},"DateLessThanEquals":{"aws:CurrentTime":"2020-06-01"}}}`)},
			want: Allow},
		{name: "cond/DateEquals on aws:EpochTime", who: user, action: "kms:Decrypt", ctx: ctx("aws:EpochTime", "1577836800"),
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"DateEquals":{"aws:EpochTime":"2020-01-01T00:00:00Z"}}}`)},
			want: Allow},
		{name: "cond/IpAddress inside the block", who: user, action: "kms:Decrypt", ctx: ctx("aws:SourceIp", "203.0.113.7"),
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}}`)},
			want: Allow},
		{name: "cond/IpAddress outside the block", who: user, action: "kms:Decrypt", ctx: ctx("aws:SourceIp", "198.51.100.7"),
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}`)},
			want: ImplicitDeny, wantType: "identity-based"},
		{name: "cond/NotIpAddress deny outside the office", who: user, action: "kms:Decrypt", ctx: ctx("aws:SourceIp", "198.51.100.7"),
			ids: []string{"AdministratorAccess", stmt(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24","192.0.2.1"]}}}`)},
			key: "default", want: ExplicitDeny, wantType: "identity-based"},
		{name: "cond/NotIpAddress deny, single address inside", who: user, action: "kms:Decrypt", ctx: ctx("aws:SourceIp", "192.0.2.1"),
			ids: []string{"AdministratorAccess", stmt(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24","192.0.2.1"]}}}`)},
			key: "default", want: Allow},
		{name: "cond/ArnLike on aws:PrincipalArn (derived)", who: user, action: "kms:Decrypt",
			key:  stmt(`{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/nextwork-*"}}}`),
			want: Allow},
		{name: "cond/ArnLike on aws:PrincipalArn, other user", who: admin, action: "kms:Decrypt",
			key:  stmt(`{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/nextwork-*"}}}`),
			want: ImplicitDeny, wantType: "resource-based"},
		{name: "cond/ArnEquals: a trailing * does not span the remaining ARN parts", who: user, action: "kms:Decrypt",
			key:  stmt(`{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::*"}}}`),
			want: ImplicitDeny, wantType: "resource-based"},
		{name: "cond/ArnNotLike deny everyone but the admin role", who: admin, action: "kms:Decrypt", ids: []string{"AdministratorAccess"},
			key:  stmt(rootStmt, `{"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::000000000000:user/adm?n"}}}`),
			want: Allow},
		{name: "cond/StringEquals on aws:PrincipalType, aws:PrincipalAccount, aws:userid", who: user, action: "kms:Decrypt",
			key:  stmt(`{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalType":"User","aws:PrincipalAccount":"000000000000","aws:userid":"AIDAUSEREXAMPLE00001"}}}`),
			want: Allow},
		{name: "cond/Bool is case-insensitive on the request value", who: user, action: "kms:Decrypt", ctx: ctx("aws:SecureTransport", "True"),
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":true}}}`)},
			want: Allow},
		{name: "cond/policy variable in a condition value", who: user, action: "kms:Decrypt", ctx: ctx("kms:EncryptionContext:owner", "nextwork-kms-user"),
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:owner":"${aws:username}"}}}`)},
			want: Allow},
		{name: "cond/policy variable in StringLike stays literal", who: user, action: "kms:Decrypt", ctx: ctx("kms:EncryptionContext:owner", "nextwork-kms-user/x"),
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringLike":{"kms:EncryptionContext:owner":"${aws:username}/*"}}}`)},
			want: Allow},

		// Actions and resources.
		{name: "match/NotAction allows everything but KMS", who: user, action: "kms:Decrypt",
			ids:  []string{stmt(`{"Effect":"Allow","NotAction":"kms:*","Resource":"*"}`)},
			want: ImplicitDeny, wantType: "identity-based"},
		{name: "match/NotAction lets other services through", who: user, action: "dynamodb:Scan", resource: tableARN,
			ids: []string{stmt(`{"Effect":"Allow","NotAction":"kms:*","Resource":"*"}`)}, want: Allow},
		{name: "match/NotResource excludes one table", who: user, action: "dynamodb:Scan", resource: "arn:aws:dynamodb:us-east-1:000000000000:table/secret",
			ids:  []string{stmt(`{"Effect":"Allow","Action":"dynamodb:*","NotResource":"arn:aws:dynamodb:*:*:table/secret"}`)},
			want: ImplicitDeny, wantType: "identity-based", reason: "on arn:aws:dynamodb:us-east-1:000000000000:table/secret"},
		{name: "match/NotResource allows the others", who: user, action: "dynamodb:Scan", resource: tableARN,
			ids: []string{stmt(`{"Effect":"Allow","Action":"dynamodb:*","NotResource":"arn:aws:dynamodb:*:*:table/secret"}`)}, want: Allow},
		{name: "match/? matches one character", who: user, action: "kms:Decrypt",
			ids: []string{stmt(`{"Effect":"Allow","Action":"kms:?ecrypt","Resource":"*"}`)}, want: Allow},
		{name: "match/? does not match Encrypt", who: user, action: "kms:Encrypt",
			ids: []string{stmt(`{"Effect":"Allow","Action":"kms:?ecrypt","Resource":"*"}`)}, want: ImplicitDeny, wantType: "identity-based"},
		{name: "match/actions are case-insensitive (policy side)", who: user, action: "kms:Decrypt",
			ids: []string{stmt(`{"Effect":"Allow","Action":"KMS:decrypt","Resource":"*"}`)}, want: Allow},
		{name: "match/actions are case-insensitive (request side, wildcard)", who: user, action: "KMS:REENCRYPTFROM",
			ids: []string{stmt(`{"Effect":"Allow","Action":"kms:ReEncrypt*","Resource":"*"}`)}, want: Allow},
		{name: "match/resources are case-sensitive", who: user, action: "kms:Decrypt",
			ids:  []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:000000000000:key/1234ABCD-12ab-34cd-56ef-1234567890ab"}`)},
			want: ImplicitDeny, wantType: "identity-based"},
		{name: "match/resource wildcard in the middle", who: user, action: "kms:Decrypt",
			ids: []string{stmt(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:*:000000000000:key/*"}`)}, want: Allow},
		{name: "match/statement without Action matches nothing", who: user, action: "kms:Decrypt",
			key: stmt(`{"Effect":"Allow","Principal":"*","Resource":"*"}`), want: ImplicitDeny, wantType: "resource-based"},
		{name: "match/${aws:username} in Resource", who: user, action: "dynamodb:Scan",
			resource: "arn:aws:dynamodb:us-east-1:000000000000:table/nextwork-kms-user-items",
			ids:      []string{stmt(`{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:*:*:table/${aws:username}-*"}`)}, want: Allow},
		{name: "match/${aws:username} in Resource, someone else's table", who: admin, action: "dynamodb:Scan",
			resource: "arn:aws:dynamodb:us-east-1:000000000000:table/nextwork-kms-user-items",
			ids:      []string{stmt(`{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:*:*:table/${aws:username}-*"}`)},
			want:     ImplicitDeny, wantType: "identity-based"},
		{name: "match/variable with no value matches nothing", who: Principal{ARN: userARN, AccountID: acct}, action: "dynamodb:Scan",
			resource: "arn:aws:dynamodb:us-east-1:000000000000:table/-items",
			ids:      []string{stmt(`{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:*:*:table/${aws:username}-*"}`)},
			want:     ImplicitDeny, wantType: "identity-based"},
		{name: "match/variable default value", who: Principal{ARN: userARN, AccountID: acct}, action: "dynamodb:Scan",
			resource: "arn:aws:dynamodb:us-east-1:000000000000:table/nobody-items",
			ids:      []string{stmt(`{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:*:*:table/${aws:username, 'nobody'}-*"}`)}, want: Allow},
		{name: "match/${*} is a literal star", who: user, action: "s3:GetObject", resource: "arn:aws:s3:::bucket/x",
			ids:  []string{stmt(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/${*}"}`)},
			want: ImplicitDeny, wantType: "identity-based"},
		{name: "match/${*} matches a real star", who: user, action: "s3:GetObject", resource: "arn:aws:s3:::bucket/*",
			ids: []string{stmt(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/${*}"}`)}, want: Allow},
		{name: "match/no variables in a 2008-10-17 policy", who: user, action: "dynamodb:Scan",
			resource: "arn:aws:dynamodb:us-east-1:000000000000:table/nextwork-kms-user-items",
			ids:      []string{`{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:*:*:table/${aws:username}-*"}]}`},
			want:     ImplicitDeny, wantType: "identity-based"},
		{name: "match/empty resource", who: user, action: "sts:GetCallerIdentity", resource: "-",
			ids: []string{"AdministratorAccess"}, want: Allow},

		// Other resource kinds.
		{name: "kind/no identity policy at all", who: user, action: "dynamodb:Scan", resource: tableARN,
			want: ImplicitDeny, wantType: "identity-based", reason: "The user has no IAM policies, so nothing allows dynamodb:Scan."},
		{name: "kind/no resource policy: identity allow", who: admin, action: "iam:CreateUser", resource: "arn:aws:iam::000000000000:user/x",
			ids: []string{"AdministratorAccess"}, want: Allow},
		{name: "kind/ordinary resource policy naming the user suffices", who: user, action: "s3:GetObject", resource: "arn:aws:s3:::b/k",
			key:  stmt(`{"Effect":"Allow","Principal":{"AWS":"` + userARN + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`),
			kind: ResourcePolicy, kindSet: true, want: Allow, reason: "The resource policy allows s3:GetObject for this user directly"},
		{name: "kind/ordinary resource policy: identity allow suffices", who: user, action: "s3:GetObject", resource: "arn:aws:s3:::b/k",
			ids: []string{"AdministratorAccess"}, key: stmt(`{"Effect":"Allow","Principal":{"AWS":"` + adminARN + `"},"Action":"s3:GetObject","Resource":"*"}`),
			kind: ResourcePolicy, kindSet: true, want: Allow},
		{name: "kind/ordinary resource policy: neither allows", who: user, action: "s3:GetObject", resource: "arn:aws:s3:::b/k",
			ids: []string{"AmazonDynamoDBFullAccess"}, key: stmt(`{"Effect":"Allow","Principal":{"AWS":"` + adminARN + `"},"Action":"s3:GetObject","Resource":"*"}`),
			kind: ResourcePolicy, kindSet: true, want: ImplicitDeny, wantType: "identity-based", reason: "Neither the resource policy nor"},
		{name: "kind/key policy ignored when the kind says none", who: user, action: "kms:Decrypt", ids: []string{"AdministratorAccess"},
			key: "no-root", kind: NoResourcePolicy, kindSet: true, want: Allow},
		{name: "kind/KeyPolicy with no policy document", who: user, action: "kms:Decrypt", ids: []string{"AdministratorAccess"},
			kind: KeyPolicy, kindSet: true, want: ImplicitDeny, wantType: "resource-based"},
	}
}

func TestEvaluate(t *testing.T) {
	for _, c := range evalCases() {
		t.Run(c.name, func(t *testing.T) {
			req, in := c.request(), c.input(t)
			d := Evaluate(req, in)
			if d.Effect != c.want {
				t.Fatalf("Effect = %v, want %v (type %q, reason %q)", d.Effect, c.want, d.PolicyType, d.Reason)
			}
			if d.Allowed() != (c.want == Allow) {
				t.Errorf("Allowed() = %v", d.Allowed())
			}
			if d.PolicyType != c.wantType {
				t.Errorf("PolicyType = %q, want %q", d.PolicyType, c.wantType)
			}
			if c.matched != nil && !reflect.DeepEqual(d.Matched, c.matched) {
				t.Errorf("Matched = %+v, want %+v", d.Matched, c.matched)
			}
			if d.Reason == "" {
				t.Error("empty Reason")
			}
			if c.reason != "" && !strings.Contains(d.Reason, c.reason) {
				t.Errorf("Reason = %q, want it to contain %q", d.Reason, c.reason)
			}
			if msg := d.Message(req); (msg == "") != (c.want == Allow) {
				t.Errorf("Message = %q for effect %v", msg, d.Effect)
			}
		})
	}
}

func TestEvaluateCaseCount(t *testing.T) {
	if n := len(evalCases()); n < 60 {
		t.Errorf("only %d evaluation cases", n)
	}
}

func TestMessage(t *testing.T) {
	const head = "User: arn:aws:iam::000000000000:user/nextwork-kms-user is not authorized to perform: kms:Decrypt"
	req := Request{Principal: user, Action: "kms:Decrypt", Resource: keyARN}
	noRes := Request{Principal: user, Action: "kms:Decrypt"}
	cases := []struct {
		name string
		d    Decision
		req  Request
		want string
	}{
		{"implicit identity-based", Decision{Effect: ImplicitDeny, PolicyType: "identity-based"}, req,
			head + " on resource: " + keyARN + " because no identity-based policy allows the kms:Decrypt action"},
		{"implicit resource-based", Decision{Effect: ImplicitDeny, PolicyType: "resource-based"}, req,
			head + " on resource: " + keyARN + " because no resource-based policy allows the kms:Decrypt action"},
		{"explicit identity-based", Decision{Effect: ExplicitDeny, PolicyType: "identity-based"}, req,
			head + " on resource: " + keyARN + " with an explicit deny in an identity-based policy"},
		{"explicit resource-based", Decision{Effect: ExplicitDeny, PolicyType: "resource-based"}, req,
			head + " on resource: " + keyARN + " with an explicit deny in a resource-based policy"},
		{"no resource", Decision{Effect: ImplicitDeny, PolicyType: "identity-based"}, noRes,
			head + " because no identity-based policy allows the kms:Decrypt action"},
		{"explicit, no resource", Decision{Effect: ExplicitDeny, PolicyType: "service control"}, noRes,
			head + " with an explicit deny in a service control policy"},
		{"zero decision reads as identity-based", Decision{}, req,
			head + " on resource: " + keyARN + " because no identity-based policy allows the kms:Decrypt action"},
		{"allowed", Decision{Effect: Allow}, req, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.d.Message(c.req); got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

// TestLabMessages checks the whole path, documents to text, against aws-facts.md §3.3/§6.
func TestLabMessages(t *testing.T) {
	in := Input{Identity: identity(t, []string{"AmazonDynamoDBFullAccess"}), ResourceKind: KeyPolicy, ResourceAccount: acct}
	req := Request{Principal: user, Action: "kms:Decrypt", Resource: keyARN,
		Context: ctx("kms:ViaService", "dynamodb.us-east-1.amazonaws.com")}

	in.Resource = mustParse(t, keyDoc(t, "default"))
	want := "User: arn:aws:iam::000000000000:user/nextwork-kms-user is not authorized to perform: kms:Decrypt on resource: " +
		"arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab because no identity-based policy allows the kms:Decrypt action"
	if got := Evaluate(req, in).Message(req); got != want {
		t.Errorf("step 4:\n got %q\nwant %q", got, want)
	}

	in.Resource = mustParse(t, keyDoc(t, "no-root"))
	want = strings.Replace(want, "identity-based", "resource-based", 1)
	if got := Evaluate(req, in).Message(req); got != want {
		t.Errorf("no root statement:\n got %q\nwant %q", got, want)
	}

	granted, _, err := GrantKeyUse(keyDoc(t, "console-admin"), userARN)
	if err != nil {
		t.Fatal(err)
	}
	in.Resource = mustParse(t, granted)
	if d := Evaluate(req, in); !d.Allowed() || d.Message(req) != "" {
		t.Errorf("step 5: %+v %q", d, d.Message(req))
	}
}

func TestEvaluateConcurrent(t *testing.T) {
	c := evalCases()[2]
	req, in := c.request(), c.input(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if d := Evaluate(req, in); d.Effect != ImplicitDeny {
					t.Error("wrong decision")
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkEvaluate(b *testing.B) {
	for _, name := range []string{"lab/user DynamoDBFullAccess + default key policy: Decrypt is an identity-based implicit deny",
		"lab/after step 5: user allowed Decrypt with no IAM change",
		"lab/admin AdministratorAccess + default key policy: Decrypt"} {
		var c evalCase
		for _, e := range evalCases() {
			if e.name == name {
				c = e
			}
		}
		req, in := c.request(), c.input(b)
		b.Run(strings.SplitN(name, ":", 2)[0], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Evaluate(req, in)
			}
		})
	}
}
