package bench

import (
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// noopHandler is a DynamoDB endpoint that does no work at all: it checks nothing and
// answers PutItem with {} and GetItem with a canned four-attribute item. Whatever ops/s it
// reaches is what the four SDK clients and Go's HTTP stack allow on this machine: no server,
// kmslab's or dynalite's, can beat it, so it bounds what ratio the goal can ask for.
func noopHandler() http.Handler {
	getBody := []byte(`{"Item":{"id":{"S":"x"},"payload":{"S":"` + payload + `"},"n":{"N":"42"},"kind":{"S":"bench"}}}`)
	putBody := []byte(`{}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		body := putBody
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".GetItem") {
			body = getBody
		}
		h := w.Header()
		h.Set("Content-Type", "application/x-amz-json-1.0")
		h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
		h.Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
}

func ceilingTarget(name, note, url string) target {
	return target{
		name: name, note: note, table: "bench",
		config: func(c *http.Client) aws.Config {
			return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url), HTTPClient: c,
				Credentials: credentials.NewStaticCredentialsProvider("AKIDCEILING", "ceiling-secret", "")}
		},
	}
}

// startCeiling serves the no-op endpoint from this process, beside the clients.
func startCeiling(b *testing.B) target {
	b.Helper()
	srv := httptest.NewServer(noopHandler())
	b.Cleanup(srv.Close)
	return ceilingTarget("ceiling", "no-op server in this process: the clients' own cost (an upper bound for any server)", srv.URL)
}

// noopServerEnv makes the test binary serve the no-op endpoint on that port (see TestMain).
const noopServerEnv = "KMSLAB_BENCH_NOOP_PORT"

// startCeilingProc serves the no-op endpoint from a process of its own, as kmslab and
// dynalite are served: the bound for servers that pay for a second process.
func startCeilingProc(b *testing.B) target {
	b.Helper()
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	port := freePort(b)
	startEnv(b, "ceiling-proc", []string{noopServerEnv + "=" + strconv.Itoa(port)}, self)
	waitReady(b, "ceiling-proc", port)
	return ceilingTarget("noop-proc", "no-op Go server in its own process: the bound for any server process",
		fmt.Sprintf("http://127.0.0.1:%d", port))
}

// serveNoop is the child's whole life when noopServerEnv is set.
func serveNoop(port string) {
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_ = http.Serve(ln, noopHandler())
	os.Exit(0)
}

func TestMain(m *testing.M) {
	if port := os.Getenv(noopServerEnv); port != "" {
		serveNoop(port)
	}
	os.Exit(m.Run())
}
