package kms

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kmslab/kmslab/sandbox/api"
)

var tableCtx = map[string]string{"aws:dynamodb:tableName": "nextwork-kms-table", "aws:dynamodb:subscriberId": testAcct}

func TestCreateAndOpenTableKey(t *testing.T) {
	h := newHarness(t)
	id, arn := h.createKey(nil)
	h.must("CreateAlias", map[string]any{"AliasName": "alias/nextwork-kms-key", "TargetKeyId": id})
	h.authz.taken()
	ctx := context.Background()
	for _, ref := range []string{"alias/nextwork-kms-key", "arn:aws:kms:us-east-1:111122223333:alias/nextwork-kms-key", id, arn} {
		gotARN, wrapped, err := h.s.CreateTableKey(ctx, h.caller, "us-east-1", ref, tableCtx)
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if gotARN != arn || len(wrapped) < minBlobLen {
			t.Fatalf("%s: %s %d bytes", ref, gotARN, len(wrapped))
		}
	}
	calls := h.authz.taken()
	if len(calls) != 8 || calls[0].Action != "kms:DescribeKey" || calls[1].Action != "kms:CreateGrant" {
		t.Fatalf("authorizer calls = %+v", calls)
	}
	for _, c := range calls[:2] {
		if c.Resource != arn || !c.KeyPolicy || string(c.ResourcePolicy) != defaultPolicy(testAcct) ||
			c.Context["kms:ViaService"][0] != "dynamodb.us-east-1.amazonaws.com" || c.Context["kms:CallerAccount"][0] != testAcct ||
			c.Context["kms:EncryptionContext:aws:dynamodb:tableName"][0] != "nextwork-kms-table" ||
			c.Context["kms:EncryptionContext:aws:dynamodb:subscriberId"][0] != testAcct {
			t.Fatalf("target = %+v", c)
		}
	}
	if calls[1].Context["kms:GrantIsForAWSResource"][0] != "true" || calls[0].Context["kms:GrantIsForAWSResource"] != nil {
		t.Fatalf("GrantIsForAWSResource: %+v", calls[:2])
	}
	// DynamoDB's grant is on the key.
	grants := h.must("ListGrants", map[string]any{"KeyId": id})["Grants"].([]any)
	if len(grants) != 4 {
		t.Fatalf("grants = %v", grants)
	}
	g := grants[0].(map[string]any)
	if g["GranteePrincipal"] != "dynamodb.us-east-1.amazonaws.com" || g["RetiringPrincipal"] != "dynamodb.us-east-1.amazonaws.com" ||
		len(g["Operations"].([]any)) != 7 || g["Constraints"].(map[string]any)["EncryptionContextSubset"].(map[string]any)["aws:dynamodb:tableName"] != "nextwork-kms-table" {
		t.Fatalf("grant = %v", g)
	}

	_, wrapped, err := h.s.CreateTableKey(ctx, h.caller, "us-east-1", id, tableCtx)
	if err != nil {
		t.Fatal(err)
	}
	h.authz.taken()
	k1, err := h.s.OpenTableKey(ctx, h.caller, "us-east-1", arn, wrapped, tableCtx)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := h.s.OpenTableKey(ctx, h.caller, "us-east-1", arn, wrapped, tableCtx)
	if err != nil || len(k1) != 32 || !bytes.Equal(k1, k2) {
		t.Fatalf("table key %x / %x, %v", k1, k2, err)
	}
	dec := h.authz.taken()[0]
	if dec.Action != "kms:Decrypt" || dec.Resource != arn || !dec.KeyPolicy || dec.Context["kms:ViaService"][0] != "dynamodb.us-east-1.amazonaws.com" {
		t.Fatalf("decrypt target = %+v", dec)
	}
	// The wrapped key is bound to its table.
	other := map[string]string{"aws:dynamodb:tableName": "other", "aws:dynamodb:subscriberId": testAcct}
	_, err = h.s.OpenTableKey(ctx, h.caller, "us-east-1", arn, wrapped, other)
	wantCode(t, err, "InvalidCiphertextException")
	_, err = h.s.OpenTableKey(ctx, h.caller, "us-east-1", arn, flip(wrapped, len(wrapped)-3), tableCtx)
	wantCode(t, err, "InvalidCiphertextException")
	// It survives a restart.
	h.reopen()
	k3, err := h.s.OpenTableKey(ctx, h.caller, "us-east-1", arn, wrapped, tableCtx)
	if err != nil || !bytes.Equal(k1, k3) {
		t.Fatalf("after reopen: %v", err)
	}
}

func TestOpenTableKeyDenied(t *testing.T) {
	h := newHarness(t)
	_, arn := h.createKey(nil)
	_, wrapped, err := h.s.CreateTableKey(context.Background(), h.caller, "us-east-1", arn, tableCtx)
	if err != nil {
		t.Fatal(err)
	}
	msg := "User: arn:aws:iam::111122223333:user/nextwork-kms-user is not authorized to perform: kms:Decrypt on resource: " + arn + " because no identity-based policy allows the kms:Decrypt action"
	h.authz.denyAction("kms:Decrypt", msg)
	_, err = h.s.OpenTableKey(context.Background(), h.caller, "us-east-1", arn, wrapped, tableCtx)
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Code != "AccessDeniedException" || ae.Message != msg {
		t.Fatalf("got %v", err)
	}
	h.authz.denyAction("kms:CreateGrant", "no grant for you")
	_, _, err = h.s.CreateTableKey(context.Background(), h.caller, "us-east-1", arn, tableCtx)
	wantErr(t, err, "AccessDeniedException", "no grant for you")
}

func TestTableKeyStates(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	id, arn := h.createKey(nil)
	_, wrapped, err := h.s.CreateTableKey(ctx, h.caller, "us-east-1", id, tableCtx)
	if err != nil {
		t.Fatal(err)
	}
	h.must("DisableKey", map[string]any{"KeyId": id})
	_, err = h.s.OpenTableKey(ctx, h.caller, "us-east-1", arn, wrapped, tableCtx)
	wantErr(t, err, "DisabledException", arn+" is disabled.")
	_, _, err = h.s.CreateTableKey(ctx, h.caller, "us-east-1", id, tableCtx)
	wantErr(t, err, "DisabledException", arn+" is disabled.")
	h.now = time.Now().UTC()
	h.must("ScheduleKeyDeletion", map[string]any{"KeyId": id, "PendingWindowInDays": 7})
	_, err = h.s.OpenTableKey(ctx, h.caller, "us-east-1", arn, wrapped, tableCtx)
	wantErr(t, err, "KMSInvalidStateException", arn+" is pending deletion.")
	_, _, err = h.s.CreateTableKey(ctx, h.caller, "us-east-1", id, tableCtx)
	wantErr(t, err, "KMSInvalidStateException", arn+" is pending deletion.")
	// Missing key and alias.
	_, _, err = h.s.CreateTableKey(ctx, h.caller, "us-east-1", "alias/none", tableCtx)
	wantErr(t, err, "NotFoundException", "Alias arn:aws:kms:us-east-1:111122223333:alias/none is not found.")
	missing := "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-0000-4000-8000-000000000000"
	_, _, err = h.s.CreateTableKey(ctx, h.caller, "us-east-1", missing, tableCtx)
	wantErr(t, err, "NotFoundException", "Key '"+missing+"' does not exist")
	_, err = h.s.OpenTableKey(ctx, h.caller, "us-east-1", missing, wrapped, tableCtx)
	wantErr(t, err, "NotFoundException", "Key '"+missing+"' does not exist")
	_, err = h.s.OpenTableKey(ctx, h.caller, "eu-west-1", arn, wrapped, tableCtx)
	wantErr(t, err, "NotFoundException", "Invalid arn us-east-1")
}

func TestReleaseTableKey(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	id, arn := h.createKey(nil)
	other := map[string]string{"aws:dynamodb:tableName": "other", "aws:dynamodb:subscriberId": testAcct}
	for _, ec := range []map[string]string{tableCtx, other} {
		if _, _, err := h.s.CreateTableKey(ctx, h.caller, "us-east-1", id, ec); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.s.ReleaseTableKey(ctx, "us-east-1", arn, tableCtx); err != nil {
		t.Fatal(err)
	}
	grants := h.must("ListGrants", map[string]any{"KeyId": id})["Grants"].([]any)
	if len(grants) != 1 || grants[0].(map[string]any)["Constraints"].(map[string]any)["EncryptionContextSubset"].(map[string]any)["aws:dynamodb:tableName"] != "other" {
		t.Fatalf("grants after release = %v", grants)
	}
	if err := h.s.ReleaseTableKey(ctx, "us-east-1", arn, tableCtx); err != nil {
		t.Fatalf("second release: %v", err)
	}
	if err := h.s.ReleaseTableKey(ctx, "us-east-1", "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-0000-4000-8000-000000000000", tableCtx); err != nil {
		t.Fatalf("release on a missing key: %v", err)
	}
	// Works while the key is pending deletion.
	h.now = time.Now().UTC()
	h.must("ScheduleKeyDeletion", map[string]any{"KeyId": id})
	if err := h.s.ReleaseTableKey(ctx, "us-east-1", arn, other); err != nil {
		t.Fatal(err)
	}
	if g := h.must("ListGrants", map[string]any{"KeyId": id})["Grants"].([]any); len(g) != 0 {
		t.Fatalf("grants = %v", g)
	}
}

// OpenTableKey runs on every DynamoDB read and write: it must stay well under 20 µs.
func TestOpenTableKeyIsFast(t *testing.T) {
	h := newHarness(t)
	_, arn := h.createKey(nil)
	_, wrapped, err := h.s.CreateTableKey(context.Background(), h.caller, "us-east-1", arn, tableCtx)
	if err != nil {
		t.Fatal(err)
	}
	h.s.authz = nil // measure KMS's own work, not the fake authorizer
	const n = 5000
	start := time.Now()
	for range n {
		if _, err := h.s.OpenTableKey(context.Background(), h.caller, "us-east-1", arn, wrapped, tableCtx); err != nil {
			t.Fatal(err)
		}
	}
	limit := 20 * time.Microsecond
	if raceEnabled {
		limit *= 20 // the race detector slows everything; the benchmark gives the real figure
	}
	if per := time.Since(start) / n; per > limit {
		t.Fatalf("OpenTableKey takes %v per call", per)
	}
}

func BenchmarkOpenTableKey(b *testing.B) {
	h := newHarness(b)
	_, arn := h.createKey(nil)
	_, wrapped, err := h.s.CreateTableKey(context.Background(), h.caller, "us-east-1", arn, tableCtx)
	if err != nil {
		b.Fatal(err)
	}
	h.s.authz = nil
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.s.OpenTableKey(context.Background(), h.caller, "us-east-1", arn, wrapped, tableCtx); err != nil {
			b.Fatal(err)
		}
	}
}

// Readers and writers at once: run with -race.
func TestConcurrentUse(t *testing.T) {
	h := newHarness(t)
	id, arn := h.createKey(nil)
	_, wrapped, err := h.s.CreateTableKey(context.Background(), h.caller, "us-east-1", arn, tableCtx)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				switch (i + j) % 4 {
				case 0:
					_, _ = h.s.OpenTableKey(context.Background(), h.caller, "us-east-1", arn, wrapped, tableCtx)
				case 1:
					r := &api.Request{Operation: "Encrypt", Region: "us-east-1", Body: []byte(`{"KeyId":"` + id + `","Plaintext":"eA=="}`)}
					if _, err := h.s.Targets(r); err == nil {
						_, _ = h.s.Handle(r)
					}
				case 2:
					r := &api.Request{Operation: "TagResource", Region: "us-east-1", Body: []byte(`{"KeyId":"` + id + `","Tags":[{"TagKey":"k","TagValue":"v"}]}`)}
					if _, err := h.s.Targets(r); err == nil {
						_, _ = h.s.Handle(r)
					}
				case 3:
					r := &api.Request{Operation: "ListKeys", Region: "us-east-1"}
					_, _ = h.s.Handle(r)
				}
			}
		}()
	}
	wg.Wait()
}
