package target

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmslab/kmslab/sandbox"
	"github.com/kmslab/kmslab/sandbox/datadir"
	"github.com/kmslab/kmslab/sandbox/gateway"
)

func TestInProcessSandbox(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	first, err := Open(ctx, Options{DataDir: dir, Getenv: envOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	wantTarget(t, first, Sandbox, Enforces)
	if !first.InProcess || first.Label != "sandbox (offline)" || first.Account != "000000000000" ||
		first.DataDir != dir || first.Region != "us-east-1" || !strings.HasPrefix(first.Endpoint, "http://127.0.0.1:") {
		t.Fatalf("got %+v", first)
	}
	if !strings.HasPrefix(first.CallerARN, "arn:aws:iam::000000000000:") {
		t.Fatalf("caller %s", first.CallerARN)
	}
	if _, err := kms.NewFromConfig(first.Admin).CreateKey(ctx, &kms.CreateKeyInput{}); err != nil {
		t.Fatalf("create a key: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, datadir.EndpointFile)); err != nil {
		t.Fatalf("no endpoint record: %v", err)
	}

	// A second Open on the same directory works through the first.
	second, err := Open(ctx, Options{DataDir: dir, Getenv: envOf(nil)})
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	wantTarget(t, second, Sandbox, Enforces)
	if second.InProcess || second.Endpoint != first.Endpoint || second.Account != first.Account ||
		second.Label != fmt.Sprintf("sandbox (offline, shared with pid %d)", os.Getpid()) {
		t.Fatalf("second: %+v", second)
	}
	keys, err := kms.NewFromConfig(second.Admin).ListKeys(ctx, &kms.ListKeysInput{})
	if err != nil || len(keys.Keys) != 1 {
		t.Fatalf("the second target does not see the first's key: %v", err)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	// Closing the joiner leaves the server alone.
	if _, err := dynamodb.NewFromConfig(first.Admin).ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("after the second Close: %v", err)
	}

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, datadir.EndpointFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("endpoint record left behind: %v", err)
	}
}

func TestSandboxRegion(t *testing.T) {
	t.Parallel()
	tg := open(t, Options{Region: "eu-west-3"})
	if tg.Region != "eu-west-3" || tg.Admin.Region != "eu-west-3" {
		t.Fatalf("region %s / %s", tg.Region, tg.Admin.Region)
	}
}

func TestDamagedSandboxState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	if err := os.WriteFile(state, []byte("not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), Options{DataDir: dir, Getenv: envOf(nil)})
	if err == nil || errors.Is(err, sandbox.ErrLocked) || errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("want an error naming %s, got %v", dir, err)
	}
	if raw, _ := os.ReadFile(state); string(raw) != "not a database" {
		t.Fatal("the damaged state was changed")
	}
}

func TestHeldSandboxThatDoesNotAnswer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sb, err := sandbox.Open(sandbox.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	// Holds the state but never serves it, and a stale record points at a dead port.
	if err := datadir.WriteEndpoint(dir, datadir.Endpoint{URL: deadURL(t), PID: os.Getpid()}); err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), Options{DataDir: dir, Getenv: envOf(nil)})
	var p *Problem
	if !errors.As(err, &p) || p.Code != "SANDBOX_BUSY" || !strings.Contains(err.Error(), dir) {
		t.Fatalf("want SANDBOX_BUSY naming the directory, got %v", err)
	}
}

func TestFailedOpenReleasesTheSandbox(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Every call fails, so the identity check gives up after its retries.
	_, err := Open(context.Background(), Options{DataDir: dir, Getenv: envOf(nil), Faults: gateway.Faults{Errors: 1}})
	if err == nil {
		t.Fatal("opened although every call fails")
	}
	if _, err := os.Stat(filepath.Join(dir, datadir.EndpointFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("endpoint record left behind: %v", err)
	}
	tg := open(t, Options{DataDir: dir})
	if !tg.InProcess {
		t.Fatal("the failed Open still holds the directory")
	}
}
