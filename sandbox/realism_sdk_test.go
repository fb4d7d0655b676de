package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/kmslab/kmslab/sandbox"
	"github.com/kmslab/kmslab/sandbox/sandboxtest"
)

// clock is the sandbox's time in these tests: it moves only when told, so each delay is
// crossed exactly, with no sleeps. It starts at the real time and moves by seconds, well
// inside SigV4's 15-minute window for the SDK's real-time signatures.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// startRealistic starts a sandbox in realistic mode on a test clock.
func startRealistic(t *testing.T, r sandbox.Realism) (*lab, *clock) {
	t.Helper()
	clk := newClock()
	r.Enabled = true
	env := sandboxtest.Start(t, func(o *sandbox.Options) { o.Now, o.Realism = clk.Now, r })
	return &lab{env: env}, clk
}

const (
	msgTokenJSON  = "The security token included in the request is invalid."
	msgTokenQuery = "The security token included in the request is invalid"
)

// assertStatus checks the HTTP status behind an SDK error.
func assertStatus(t *testing.T, what string, err error, status int) {
	t.Helper()
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("%s: want HTTP %d, got %v", what, status, err)
	}
}

func isCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

// keyPolicyWithUser is the key's current policy with an "Allow use of the key" statement
// for userARN added.
func keyPolicyWithUser(ctx context.Context, t *testing.T, l *lab, userARN string) string {
	t.Helper()
	got, err := l.env.KMS().GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(l.keyARN), PolicyName: aws.String("default")})
	if err != nil {
		t.Fatalf("GetKeyPolicy: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(got.Policy)), &doc); err != nil {
		t.Fatal(err)
	}
	doc["Statement"] = append(doc["Statement"].([]any), map[string]any{
		"Sid": "Allow use of the key", "Effect": "Allow",
		"Principal": map[string]any{"AWS": userARN},
		"Action":    []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"},
		"Resource":  "*",
	})
	raw, _ := json.Marshal(doc)
	return string(raw)
}

func putKeyPolicy(ctx context.Context, l *lab, doc string) error {
	_, err := l.env.KMS().PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(l.keyARN), PolicyName: aws.String("default"), Policy: aws.String(doc)})
	return err
}

func getKeyPolicy(ctx context.Context, t *testing.T, l *lab) string {
	t.Helper()
	got, err := l.env.KMS().GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(l.keyARN), PolicyName: aws.String("default")})
	if err != nil {
		t.Fatalf("GetKeyPolicy: %v", err)
	}
	return aws.ToString(got.Policy)
}

func TestRealisticNewAccessKeyIsUnknownForAWhile(t *testing.T) {
	ctx := context.Background()
	l, clk := startRealistic(t, sandbox.Realism{Scale: 10}) // access key: 10s / 10 = 1s
	if _, err := l.env.STS().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("the admin's bootstrap key must work at once: %v", err)
	}
	l.createUser(ctx, t)

	refused := func(when string) {
		t.Helper()
		_, err := sts.NewFromConfig(l.userCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		assertAPIError(t, "STS "+when, err, "InvalidClientTokenId", msgTokenQuery)
		assertStatus(t, "STS "+when, err, 403)
		_, err = iam.NewFromConfig(l.userCfg).ListUsers(ctx, &iam.ListUsersInput{})
		assertAPIError(t, "IAM "+when, err, "InvalidClientTokenId", msgTokenQuery)
		_, err = dynamodb.NewFromConfig(l.userCfg).ListTables(ctx, &dynamodb.ListTablesInput{})
		assertAPIError(t, "DynamoDB "+when, err, "UnrecognizedClientException", msgTokenJSON)
		assertStatus(t, "DynamoDB "+when, err, 400)
		_, err = kms.NewFromConfig(l.userCfg).ListAliases(ctx, &kms.ListAliasesInput{})
		assertAPIError(t, "KMS "+when, err, "UnrecognizedClientException", msgTokenJSON)
	}
	refused("at once")
	clk.Advance(999 * time.Millisecond)
	refused("after 999ms")
	clk.Advance(time.Millisecond)
	who, err := sts.NewFromConfig(l.userCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != l.userARN {
		t.Fatalf("the key must work after 1s: %v %v", who, err)
	}
	if _, err := dynamodb.NewFromConfig(l.userCfg).ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("DynamoDB with the key after 1s: %v", err)
	}

	// Only the bootstrap key is exempt: a second key of the admin waits like any other.
	k, err := l.env.IAM().CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("admin")})
	if err != nil {
		t.Fatal(err)
	}
	second := l.env.Config(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey))
	_, err = sts.NewFromConfig(second).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	assertAPIError(t, "the admin's new key", err, "InvalidClientTokenId", msgTokenQuery)
}

func TestRealisticNewUserIsAnInvalidPrincipalForAWhile(t *testing.T) {
	ctx := context.Background()
	l, clk := startRealistic(t, sandbox.Realism{Scale: 10, AccessKey: sandbox.Off}) // principal: 800ms
	l.createKey(ctx, t)
	l.createUser(ctx, t)
	before := getKeyPolicy(ctx, t, l)
	withUser := keyPolicyWithUser(ctx, t, l, l.userARN)
	const msg = "Policy contains a statement with one or more invalid principals."

	err := putKeyPolicy(ctx, l, withUser)
	assertAPIError(t, "PutKeyPolicy naming a new user", err, "MalformedPolicyDocumentException", msg)
	_, err = l.env.KMS().CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(withUser)})
	assertAPIError(t, "CreateKey naming a new user", err, "MalformedPolicyDocumentException", msg)
	if got := getKeyPolicy(ctx, t, l); got != before {
		t.Fatal("a refused PutKeyPolicy changed the policy")
	}

	clk.Advance(799 * time.Millisecond)
	err = putKeyPolicy(ctx, l, withUser)
	assertAPIError(t, "PutKeyPolicy after 799ms", err, "MalformedPolicyDocumentException", msg)
	// The user is already real to IAM; only KMS does not see them yet.
	if _, err := l.env.IAM().GetUser(ctx, &iam.GetUserInput{UserName: aws.String(userName)}); err != nil {
		t.Fatalf("GetUser: %v", err)
	}

	clk.Advance(time.Millisecond)
	if err := putKeyPolicy(ctx, l, withUser); err != nil {
		t.Fatalf("PutKeyPolicy after 800ms: %v", err)
	}
	if _, err := l.env.KMS().CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(withUser)}); err != nil {
		t.Fatalf("CreateKey after 800ms: %v", err)
	}
}

func TestRealisticKeyPolicyChangeTakesEffectLater(t *testing.T) {
	ctx := context.Background()
	// key policy: 5s / 10 = 500ms; the table-key cache is off to watch KMS alone.
	l, clk := startRealistic(t, sandbox.Realism{Scale: 10, AccessKey: sandbox.Off, Principal: sandbox.Off, TableKeyCache: sandbox.Off})
	l.createKey(ctx, t)
	l.createTable(ctx, t)
	l.addItems(ctx, t)
	l.createUser(ctx, t)
	encrypt := func() error {
		_, err := kms.NewFromConfig(l.userCfg).Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(l.keyARN), Plaintext: []byte("hi")})
		return err
	}
	original := getKeyPolicy(ctx, t, l)
	granted := keyPolicyWithUser(ctx, t, l, l.userARN)

	if err := putKeyPolicy(ctx, l, granted); err != nil {
		t.Fatal(err)
	}
	if got := getKeyPolicy(ctx, t, l); got != granted {
		t.Fatal("GetKeyPolicy must return the new policy at once")
	}
	clk.Advance(499 * time.Millisecond)
	if err := encrypt(); !isCode(err, "AccessDeniedException") {
		t.Fatalf("Encrypt 499ms after the grant: want AccessDeniedException (old policy), got %v", err)
	}
	if _, err := scanAll(ctx, l.userCfg); !isCode(err, "AccessDeniedException") {
		t.Fatalf("Scan 499ms after the grant: want AccessDeniedException, got %v", err)
	}
	clk.Advance(time.Millisecond)
	if err := encrypt(); err != nil {
		t.Fatalf("Encrypt 500ms after the grant: %v", err)
	}
	if items, err := scanAll(ctx, l.userCfg); err != nil || len(items) != 3 {
		t.Fatalf("Scan 500ms after the grant: %v %v", items, err)
	}

	// Revoke, then change again before the revoke arrived: each version takes effect in turn.
	if err := putKeyPolicy(ctx, l, original); err != nil {
		t.Fatal(err)
	}
	clk.Advance(300 * time.Millisecond)
	if err := putKeyPolicy(ctx, l, granted); err != nil {
		t.Fatal(err)
	}
	if err := encrypt(); err != nil {
		t.Fatalf("300ms after the revoke the grant still holds: %v", err)
	}
	clk.Advance(200 * time.Millisecond) // the revoke arrives
	if err := encrypt(); !isCode(err, "AccessDeniedException") {
		t.Fatalf("500ms after the revoke: want AccessDeniedException, got %v", err)
	}
	clk.Advance(300 * time.Millisecond) // the second grant arrives
	if err := encrypt(); err != nil {
		t.Fatalf("500ms after the second grant: %v", err)
	}
}

func TestRealisticTableKeyCacheOutlivesARevoke(t *testing.T) {
	ctx := context.Background()
	// table-key cache: 5m / 10 = 30s; key-policy changes are immediate to watch the cache alone.
	l, clk := startRealistic(t, sandbox.Realism{Scale: 10, AccessKey: sandbox.Off, Principal: sandbox.Off, KeyPolicy: sandbox.Off})
	l.createKey(ctx, t)
	l.createTable(ctx, t)
	l.addItems(ctx, t)
	l.createUser(ctx, t)
	original := getKeyPolicy(ctx, t, l)

	// A denial is never cached: the grant works at once.
	if _, err := scanAll(ctx, l.userCfg); !isCode(err, "AccessDeniedException") {
		t.Fatalf("Scan before the grant: %v", err)
	}
	if err := putKeyPolicy(ctx, l, keyPolicyWithUser(ctx, t, l, l.userARN)); err != nil {
		t.Fatal(err)
	}
	if items, err := scanAll(ctx, l.userCfg); err != nil || len(items) != 3 {
		t.Fatalf("Scan right after the grant: %v %v", items, err)
	}

	// The entry lasts 30s from KMS's answer, however often it is used.
	clk.Advance(20 * time.Second)
	if _, err := scanAll(ctx, l.userCfg); err != nil {
		t.Fatalf("Scan at 20s: %v", err)
	}
	if err := putKeyPolicy(ctx, l, original); err != nil {
		t.Fatal(err)
	}
	if _, err := kms.NewFromConfig(l.userCfg).Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(l.keyARN), Plaintext: []byte("x")}); !isCode(err, "AccessDeniedException") {
		t.Fatalf("KMS itself must deny at once after the revoke: %v", err)
	}
	clk.Advance(10*time.Second - time.Millisecond)
	if items, err := scanAll(ctx, l.userCfg); err != nil || len(items) != 3 {
		t.Fatalf("Scan from the cache after the revoke: %v %v", items, err)
	}
	clk.Advance(time.Millisecond)
	_, err := scanAll(ctx, l.userCfg)
	assertAPIError(t, "Scan once the entry expired", err, "AccessDeniedException", "KMS key access denied error: ")

	// The cache is per caller: the admin's own entry is separate, and lost on restart.
	if _, err := scanAll(ctx, l.env.Admin); err != nil {
		t.Fatalf("admin Scan: %v", err)
	}
	if err := putKeyPolicy(ctx, l, keyPolicyWithUser(ctx, t, l, l.userARN)); err != nil {
		t.Fatal(err)
	}
	if _, err := scanAll(ctx, l.userCfg); err != nil {
		t.Fatalf("Scan after the second grant: %v", err)
	}
	if err := putKeyPolicy(ctx, l, original); err != nil {
		t.Fatal(err)
	}
	l.env.Restart(t)
	l.userCfg.BaseEndpoint = aws.String(l.env.URL)
	_, err = scanAll(ctx, l.userCfg)
	assertAPIError(t, "Scan after a restart (cache lost)", err, "AccessDeniedException", "KMS key access denied error: ")
}

func TestRealisticDisabledKeyServesFromTheCacheThenFails(t *testing.T) {
	ctx := context.Background()
	l, clk := startRealistic(t, sandbox.Realism{Scale: 10, AccessKey: sandbox.Off, Principal: sandbox.Off, KeyPolicy: sandbox.Off})
	l.createKey(ctx, t)
	l.createTable(ctx, t)
	l.addItems(ctx, t) // fills the admin's entry
	l.createUser(ctx, t)
	if err := putKeyPolicy(ctx, l, keyPolicyWithUser(ctx, t, l, l.userARN)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.env.KMS().DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(l.keyARN)}); err != nil {
		t.Fatal(err)
	}
	want := "KMS key disabled error: com.amazonaws.services.kms.model.DisabledException: " + l.keyARN +
		" is disabled. (Service: AWSKMS; Status Code: 400; Error Code: DisabledException; Request ID: "

	// The user never read the table: no entry, so KMS answers at once.
	_, err := scanAll(ctx, l.userCfg)
	assertAPIError(t, "user Scan with no cache entry", err, "ValidationException", want)

	clk.Advance(30*time.Second - time.Millisecond)
	if items, err := scanAll(ctx, l.env.Admin); err != nil || len(items) != 3 {
		t.Fatalf("admin Scan from the cache while the key is disabled: %v %v", items, err)
	}
	clk.Advance(time.Millisecond)
	_, err = scanAll(ctx, l.env.Admin)
	assertAPIError(t, "admin Scan once the entry expired", err, "ValidationException", want)

	if _, err := l.env.KMS().EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(l.keyARN)}); err != nil {
		t.Fatal(err)
	}
	if _, err := scanAll(ctx, l.env.Admin); err != nil {
		t.Fatalf("admin Scan after EnableKey: %v", err)
	}
}

// UNCONFIRMED (aws-facts §3.4): the data-plane text for a key pending deletion; the sandbox
// uses the KMSInvalidStateException form DynamoDB gives at CreateTable.
func TestUnconfirmed_RealisticPendingDeletionKeyServesFromTheCacheThenFails(t *testing.T) {
	ctx := context.Background()
	l, clk := startRealistic(t, sandbox.Realism{Scale: 10, AccessKey: sandbox.Off, Principal: sandbox.Off, KeyPolicy: sandbox.Off})
	l.createKey(ctx, t)
	l.createTable(ctx, t)
	l.addItems(ctx, t)
	if _, err := l.env.KMS().ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(l.keyARN), PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(29 * time.Second)
	if items, err := scanAll(ctx, l.env.Admin); err != nil || len(items) != 3 {
		t.Fatalf("Scan from the cache while the key is pending deletion: %v %v", items, err)
	}
	clk.Advance(time.Second)
	_, err := scanAll(ctx, l.env.Admin)
	assertAPIError(t, "Scan once the entry expired", err, "ValidationException",
		"KMS validation error: com.amazonaws.services.kms.model.KMSInvalidStateException: "+l.keyARN+" is pending deletion. (Service: AWSKMS; Status Code: 400; Error Code: KMSInvalidStateException; Request ID: ")
}

func TestRealismOffIsInstant(t *testing.T) {
	ctx := context.Background()
	// Delays given but the mode not enabled: nothing waits.
	l := &lab{env: sandboxtest.Start(t, func(o *sandbox.Options) {
		o.Realism = sandbox.Realism{Scale: 1, AccessKey: time.Hour, Principal: time.Hour, KeyPolicy: time.Hour}
	})}
	if r := l.env.Sandbox.Realism(); r.AccessKey != 0 || r.TableKeyCache != 0 {
		t.Fatalf("Realism() of an instant sandbox = %+v", r)
	}
	l.createKey(ctx, t)
	l.createUser(ctx, t)
	if _, err := sts.NewFromConfig(l.userCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("new key: %v", err)
	}
	if err := putKeyPolicy(ctx, l, keyPolicyWithUser(ctx, t, l, l.userARN)); err != nil {
		t.Fatalf("PutKeyPolicy naming the new user: %v", err)
	}
	if _, err := kms.NewFromConfig(l.userCfg).Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(l.keyARN), Plaintext: []byte("x")}); err != nil {
		t.Fatalf("grant not in effect at once: %v", err)
	}
}

// poll calls try every interval of the test clock until it succeeds, up to limit, and
// returns how long that took and the errors seen before.
func poll(t *testing.T, clk *clock, interval, limit time.Duration, try func() error) (time.Duration, []error) {
	t.Helper()
	var errs []error
	for waited := time.Duration(0); waited <= limit; waited += interval {
		err := try()
		if err == nil {
			return waited, errs
		}
		errs = append(errs, err)
		clk.Advance(interval)
	}
	t.Fatalf("still failing after %s: %v", limit, errs[len(errs)-1])
	return 0, nil
}

func allCode(t *testing.T, what string, errs []error, code string) {
	t.Helper()
	if len(errs) == 0 {
		t.Fatalf("%s: worked at once, want %s first", what, code)
	}
	for _, err := range errs {
		if !isCode(err, code) {
			t.Fatalf("%s: want only %s while waiting, got %v", what, code, err)
		}
	}
}

// TestRealisticLabSequence is the lab as the steps engine meets it on AWS, every delay at
// its default, ten times faster, polled every 100ms.
func TestRealisticLabSequence(t *testing.T) {
	ctx := context.Background()
	l, clk := startRealistic(t, sandbox.Realism{Scale: 10})
	eff := l.env.Sandbox.Realism()
	if eff.AccessKey != time.Second || eff.Principal != 800*time.Millisecond || eff.KeyPolicy != 500*time.Millisecond || eff.TableKeyCache != 30*time.Second {
		t.Fatalf("effective delays %+v", eff)
	}
	const every = 100 * time.Millisecond
	l.createKey(ctx, t)
	l.createTable(ctx, t)
	l.addItems(ctx, t)
	original := getKeyPolicy(ctx, t, l)

	// Step 4: the new user's key fails, then works.
	l.createUser(ctx, t)
	took, errs := poll(t, clk, every, 10*time.Second, func() error {
		_, err := sts.NewFromConfig(l.userCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	})
	allCode(t, "new access key", errs, "InvalidClientTokenId")
	if took != eff.AccessKey {
		t.Fatalf("the key worked after %s, want %s", took, eff.AccessKey)
	}
	_, err := scanAll(ctx, l.userCfg)
	assertAPIError(t, "the user's Scan", err, "AccessDeniedException", "KMS key access denied error: ")

	// Step 5: PutKeyPolicy naming the new user. The key wait above (1s) already outlasted
	// the principal's (800ms), so make a second user to see the refusal.
	u2, err := l.env.IAM().CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("second-user")})
	if err != nil {
		t.Fatal(err)
	}
	took, errs = poll(t, clk, every, 10*time.Second, func() error {
		return putKeyPolicy(ctx, l, keyPolicyWithUser(ctx, t, l, aws.ToString(u2.User.Arn)))
	})
	allCode(t, "PutKeyPolicy naming a new user", errs, "MalformedPolicyDocumentException")
	if took != eff.Principal {
		t.Fatalf("the new user was accepted after %s, want %s", took, eff.Principal)
	}
	clk.Advance(eff.KeyPolicy) // let that change arrive before the grant under test

	if err := putKeyPolicy(ctx, l, keyPolicyWithUser(ctx, t, l, l.userARN)); err != nil {
		t.Fatalf("grant: %v", err)
	}
	took, errs = poll(t, clk, every, 10*time.Second, func() error { _, err := scanAll(ctx, l.userCfg); return err })
	allCode(t, "Scan after the grant", errs, "AccessDeniedException")
	if took != eff.KeyPolicy {
		t.Fatalf("the grant took %s to reach Scan, want the first poll at or after %s", took, eff.KeyPolicy)
	}

	// Clean-up's revoke: DynamoDB keeps serving the user from its cache, then stops.
	if err := putKeyPolicy(ctx, l, original); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	var reads int
	took, _ = poll(t, clk, time.Second, time.Minute, func() error {
		_, err := scanAll(ctx, l.userCfg)
		if err == nil {
			reads++
			return errors.New("still served")
		}
		assertAPIError(t, "Scan after the revoke", err, "AccessDeniedException", "KMS key access denied error: ")
		return nil
	})
	if took != eff.TableKeyCache || reads != 30 {
		t.Fatalf("reads stopped %s after the revoke (%d served), want %s: the cache entry was made at the grant's first read", took, reads, eff.TableKeyCache)
	}
}

// TestRealisticOnTheRealClock runs the access-key wait in real time, as `kmslab sandbox
// --realistic --time-scale 100` would: the key can never work before its delay.
func TestRealisticOnTheRealClock(t *testing.T) {
	ctx := context.Background()
	l := &lab{env: sandboxtest.Start(t, func(o *sandbox.Options) {
		o.Realism = sandbox.Realism{Enabled: true, Scale: 100} // access key: 100ms
	})}
	start := time.Now()
	l.createUser(ctx, t)
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := sts.NewFromConfig(l.userCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err == nil {
			break
		}
		if !isCode(err, "InvalidClientTokenId") {
			t.Fatalf("while waiting: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the key never worked")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Fatalf("the key worked after %s, before its 100ms delay", waited)
	}
}
