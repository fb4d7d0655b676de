package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmslab/kmslab/conformance/sandboxproc"
)

// target is one DynamoDB endpoint under load, with the credentials to use and a table ready.
type target struct {
	name   string
	note   string // what kind of table and auth
	config func(*http.Client) aws.Config
	table  string
}

// kmslabBin is $KMSLAB_BIN, or cmd/kmslab built once into a temp dir.
func kmslabBin(b testing.TB) string {
	b.Helper()
	bin, err := sandboxproc.BuildOnce()
	if err != nil {
		b.Fatalf("build kmslab: %v", err)
	}
	return bin
}

// startKmslab runs `kmslab sandbox --quiet` and makes a table encrypted with a customer
// managed key; it uses the admin credentials.
func startKmslab(b *testing.B) target {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := sandboxproc.Start(ctx, kmslabBin(b), b.TempDir(), "--quiet")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if _, err := p.Stop(10 * time.Second); err != nil {
			b.Errorf("stop kmslab: %v", err)
		}
	})
	return kmslabTable(ctx, b, p.Exports)
}

// kmslabTable makes a customer managed key and a table encrypted with it, as the admin.
func kmslabTable(ctx context.Context, b *testing.B, ex sandboxproc.Exports) target {
	b.Helper()
	cfg := ex.Admin(nil)
	key, err := kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("bench")})
	if err != nil {
		b.Fatalf("kmslab CreateKey: %v", err)
	}
	createTable(ctx, b, dynamodb.NewFromConfig(cfg), &ddbtypes.SSESpecification{
		Enabled: aws.Bool(true), SSEType: ddbtypes.SSETypeKms, KMSMasterKeyId: key.KeyMetadata.Arn})
	return target{
		name:   "kmslab-process",
		note:   "`kmslab sandbox` process; KMS-encrypted table (customer managed key), SigV4 verified",
		config: func(c *http.Client) aws.Config { return ex.Admin(c) },
		table:  benchTable,
	}
}

var dynaliteBin = filepath.Join("node_modules", ".bin", "dynalite")

func dynaliteMissing() string {
	if _, err := os.Stat(dynaliteBin); err != nil {
		return fmt.Sprintf("dynalite is not installed (npm ci --prefix bench): %v", err)
	}
	return ""
}

func motoMissing() string {
	if _, err := exec.LookPath("moto_server"); err != nil {
		return fmt.Sprintf("moto_server is not installed: %v", err)
	}
	return ""
}

// startDynalite runs dynalite from bench/node_modules (in memory, no auth).
func startDynalite(b *testing.B) target {
	b.Helper()
	bin, err := filepath.Abs(dynaliteBin)
	if err != nil {
		b.Fatal(err)
	}
	port := freePort(b)
	start(b, "dynalite", bin, "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--createTableMs", "0")
	return plainTarget(b, "dynalite", "plain table, no auth (in memory)", port)
}

// startMoto runs moto_server (plain table, no auth).
func startMoto(b *testing.B) target {
	b.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		b.Fatal(err)
	}
	port := freePort(b)
	start(b, "moto", bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	return plainTarget(b, "moto", "plain table, no auth", port)
}

func plainTarget(b *testing.B, name, note string, port int) target {
	b.Helper()
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	ex := sandboxproc.Exports{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		Region: "us-east-1", EndpointURL: endpoint}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	waitPort(ctx, b, name, port)
	createTable(ctx, b, dynamodb.NewFromConfig(ex.Admin(nil)), nil)
	return target{name: name, note: note, config: func(c *http.Client) aws.Config { return ex.Admin(c) }, table: benchTable}
}

const benchTable = "bench-table"

func createTable(ctx context.Context, b *testing.B, c *dynamodb.Client, sse *ddbtypes.SSESpecification) {
	b.Helper()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(benchTable),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		SSESpecification:     sse,
	})
	if err != nil {
		b.Fatalf("CreateTable: %v", err)
	}
	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 500*time.Millisecond
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(benchTable)}, 20*time.Second); err != nil {
		b.Fatalf("wait for %s: %v", benchTable, err)
	}
}

// start runs a server in its own process group and kills the group when the benchmark ends.
func start(b *testing.B, name, bin string, args ...string) {
	b.Helper()
	startEnv(b, name, nil, bin, args...)
}

// startEnv is start with extra environment variables.
func startEnv(b *testing.B, name string, env []string, bin string, args ...string) {
	b.Helper()
	cmd := exec.Command(bin, args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	log, err := os.Create(filepath.Join(b.TempDir(), name+".log"))
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	server, err := sandboxproc.StartGroup(cmd)
	if err != nil {
		b.Fatalf("start %s: %v", name, err)
	}
	b.Cleanup(func() {
		server.Stop(5 * time.Second)
		_ = log.Close()
	})
}

// freePort asks the kernel for a free loopback port (dynalite cannot take port 0).
func freePort(b *testing.B) int {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitReady is waitPort with its own 30 s limit.
func waitReady(b *testing.B, name string, port int) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	waitPort(ctx, b, name, port)
}

func waitPort(ctx context.Context, b *testing.B, name string, port int) {
	b.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return
		}
		select {
		case <-ctx.Done():
			b.Fatalf("%s did not listen on %s: %v", name, addr, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
