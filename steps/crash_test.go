package steps_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmslab/kmslab/sandbox/gateway"
	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

// countCalls runs the whole lab once and returns how many AWS calls it makes.
func countCalls(t *testing.T) int {
	tg := openSandbox(t)
	rec := &recorder{}
	runAll(t, newLab(t, tg, rec))
	return len(rec.calls("", false))
}

// runUntilCancelled runs the lab with a context cancelled when the n-th call starts (or,
// with afterCall, once the n-th call has come back: the server did it, the lab never
// carried on).
func runUntilCancelled(t *testing.T, tg *target.Target, n int, afterCall bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seen := 0
	emit := func(e steps.Event) {
		want := steps.CallStart
		if afterCall {
			want = steps.CallEnd
		}
		if e.Phase == want {
			seen++
			if seen == n {
				cancel()
			}
		}
	}
	l, err := steps.New(tg, steps.Options{Emit: emit})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps.All() {
		if _, err := s.Run(ctx, l); err != nil {
			if !errors.Is(err, context.Canceled) && ctx.Err() == nil {
				t.Fatalf("call %d: step %s failed with something other than the cancel: %v", n, s.ID, err)
			}
			return
		}
	}
}

// TestCrashAtEveryCall stops the lab at each AWS call in turn, then runs it again in a new
// lab (as after a restart: the test user's secret is gone) and expects it to complete with
// exactly one key, one table, one user and one access key.
func TestCrashAtEveryCall(t *testing.T) {
	total := countCalls(t)
	if total < 20 {
		t.Fatalf("a full run made only %d calls", total)
	}
	for _, afterCall := range []bool{false, true} {
		for n := 1; n <= total; n++ {
			t.Run(fmt.Sprintf("after=%v/call=%d", afterCall, n), func(t *testing.T) {
				t.Parallel() // each has its own sandbox; fsync waits overlap
				tg := openSandbox(t)
				runUntilCancelled(t, tg, n, afterCall)
				l := newLab(t, tg, nil)
				for _, v := range runAll(t, l) {
					if v.Status != steps.Done {
						t.Fatalf("re-run: %s %s", v.Cause, v.Detail)
					}
				}
				for id, v := range checkAll(t, newLab(t, tg, nil)) {
					if v.Status != steps.Done {
						t.Errorf("check %s after re-run: %s %s", id, v.Cause, v.Detail)
					}
				}
				assertSingleResources(t, tg)
			})
		}
	}
}

// assertSingleResources: no second key paid for, no stray access key.
func assertSingleResources(t *testing.T, tg *target.Target) {
	t.Helper()
	ctx := context.Background()
	k := kms.NewFromConfig(tg.Admin)
	keys, err := k.ListKeys(ctx, &kms.ListKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	customer := 0
	for _, key := range keys.Keys {
		md, err := k.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: key.KeyId})
		if err != nil {
			t.Fatal(err)
		}
		if md.KeyMetadata.KeyManager == kmstypes.KeyManagerTypeCustomer {
			customer++
		}
	}
	if customer != 1 {
		t.Errorf("%d customer managed keys, want 1", customer)
	}
	ak, err := iam.NewFromConfig(tg.Admin).ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("nextwork-kms-user")})
	if err != nil {
		t.Fatal(err)
	}
	if len(ak.AccessKeyMetadata) != 1 {
		t.Errorf("the test user has %d access keys, want 1", len(ak.AccessKeyMetadata))
	}
}

// TestLabUnderFaults: the sandbox answers a share of calls with throttling errors and 500s;
// the SDK's retries and the steps' idempotence still bring the lab to the end.
func TestLabUnderFaults(t *testing.T) {
	tg := openSandbox(t, func(o *target.Options) { o.Faults = gateway.Faults{Throttle: 0.15, Errors: 0.1} })
	rec := &recorder{}
	l := newLab(t, tg, rec)
	for round := 0; round < 3; round++ {
		for _, v := range runAll(t, l) {
			if v.Status != steps.Done {
				t.Fatalf("round %d: %s %s", round, v.Cause, v.Detail)
			}
		}
	}
	for id, v := range checkAll(t, l) {
		if v.Status != steps.Done {
			t.Errorf("check %s: %s", id, v.Status)
		}
	}
	assertSingleResources(t, tg)
}
