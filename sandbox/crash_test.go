package sandbox_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmslab/kmslab/sandbox"
	"github.com/kmslab/kmslab/sandbox/sandboxtest"
)

const crashChildEnv = "KMSLAB_CRASH_CHILD_DIR"

// TestCrashChild is the child half of TestKillNineLosesNoAcknowledgedWrite: it writes items
// from four goroutines and prints "ACK <id>" after each acknowledged PutItem until killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestKillNineLosesNoAcknowledgedWrite")
	}
	env := sandboxtest.Start(t, func(o *sandbox.Options) { o.DataDir = dir })
	ctx := context.Background()
	db := env.DynamoDB()
	if _, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("crash")}); err != nil {
		k, err := env.KMS().CreateKey(ctx, &kms.CreateKeyInput{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName:            aws.String("crash"),
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
			KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
			BillingMode:          ddbtypes.BillingModePayPerRequest,
			SSESpecification:     &ddbtypes.SSESpecification{Enabled: aws.Bool(true), SSEType: ddbtypes.SSETypeKms, KMSMasterKeyId: k.KeyMetadata.KeyId},
		}); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Println("READY")
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("%s-%d-%d", os.Getenv("KMSLAB_CRASH_ROUND"), w, i)
				_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("crash"), Item: map[string]ddbtypes.AttributeValue{
					"id": &ddbtypes.AttributeValueMemberS{Value: id}, "v": &ddbtypes.AttributeValueMemberS{Value: strings.Repeat("x", 100)},
				}})
				if err != nil {
					fmt.Println("ERR", err)
					return
				}
				mu.Lock()
				fmt.Println("ACK", id)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// TestKillNineLosesNoAcknowledgedWrite kills a writing sandbox with SIGKILL at random
// moments and checks that the state still loads and holds every acknowledged item.
func TestKillNineLosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	var acked []string
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, fmt.Sprintf("KMSLAB_CRASH_ROUND=%d", round))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		killAfter := 20 + rand.IntN(200)
		sc := bufio.NewScanner(out)
		n := 0
		deadline := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
		for sc.Scan() {
			line := sc.Text()
			if id, ok := strings.CutPrefix(line, "ACK "); ok {
				acked = append(acked, id)
				if n++; n == killAfter {
					_ = cmd.Process.Signal(syscall.SIGKILL)
				}
			}
			if strings.HasPrefix(line, "ERR ") || strings.HasPrefix(line, "--- FAIL") {
				t.Logf("child: %s", line)
			}
		}
		deadline.Stop()
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: child did not die by SIGKILL after %d acks: %v", round, n, err)
		}
	}
	if len(acked) < 60 {
		t.Fatalf("only %d acknowledged writes; the child did not run", len(acked))
	}
	env := sandboxtest.Start(t, func(o *sandbox.Options) { o.DataDir = dir })
	ctx := context.Background()
	db := env.DynamoDB()
	for _, id := range acked {
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("crash"), Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: id}}})
		if err != nil {
			t.Fatalf("GetItem %s after kill -9: %v", id, err)
		}
		if out.Item == nil {
			t.Fatalf("acknowledged item %s lost after kill -9", id)
		}
	}
	t.Logf("%d acknowledged writes over 3 kills, all present", len(acked))
}

// TestSecondOpenIsRefused: the state is never opened twice.
func TestSecondOpenIsRefused(t *testing.T) {
	env := sandboxtest.Start(t)
	_, err := sandbox.Open(sandbox.Options{DataDir: env.DataDir})
	if !errors.Is(err, sandbox.ErrLocked) {
		t.Fatalf("second Open: want ErrLocked, got %v", err)
	}
	fi, err := os.Stat(env.DataDir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data dir mode %v %v", fi.Mode(), err)
	}
	entries, _ := os.ReadDir(env.DataDir)
	for _, e := range entries {
		info, _ := e.Info()
		if info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is readable by others: %v", e.Name(), info.Mode())
		}
	}
}
