package bench

import (
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// startCeiling is a DynamoDB endpoint that does no work at all: it checks nothing and
// answers PutItem with {} and GetItem with a canned four-attribute item. Whatever ops/s it
// reaches is what the four SDK clients and Go's HTTP stack allow on this machine: no server,
// kmslab's or dynalite's, can beat it, so it bounds what ratio the goal can ask for.
func startCeiling(b *testing.B) target {
	b.Helper()
	getBody := []byte(`{"Item":{"id":{"S":"x"},"payload":{"S":"` + payload + `"},"n":{"N":"42"},"kind":{"S":"bench"}}}`)
	putBody := []byte(`{}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	}))
	b.Cleanup(srv.Close)
	return target{
		name: "ceiling", note: "no-op server in this process: the clients' own cost (an upper bound for any server)",
		table: "bench",
		config: func(c *http.Client) aws.Config {
			return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: c,
				Credentials: credentials.NewStaticCredentialsProvider("AKIDCEILING", "ceiling-secret", "")}
		},
	}
}
