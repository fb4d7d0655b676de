// Package sdkhttp gives aws-sdk-go-v2 clients an HTTP client that never loses a keep-alive
// connection halfway through a response.
//
// The SDK hands net/http its request body as io.NopCloser(stream). net/http unwraps a
// NopCloser and, after sending Content-Length bytes, reads the stream once more to make sure
// it is empty. When the answer arrives first, the SDK has already closed or rewound that
// stream; the late read then fails, and net/http closes the connection under the response
// being read: "deserialization failed, failed to decode response body, read tcp …: use of
// closed network connection" (aws/aws-sdk-go-v2#1825, #2737). On loopback, where answers
// come in microseconds, it happened to about one call in thirty. Wrapping the body in a type
// net/http cannot unwrap sends every read through the SDK's own close-safe reader.
package sdkhttp

import (
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// Client wraps an SDK HTTP client.
type Client struct{ next aws.HTTPClient }

// New wraps next; nil means the SDK's default client.
func New(next aws.HTTPClient) *Client {
	if next == nil {
		next = awshttp.NewBuildableClient()
	}
	return &Client{next: next}
}

// Do sends r with its body made opaque to net/http.
func (c *Client) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = opaque{r.Body}
	}
	return c.next.Do(r)
}

type opaque struct{ io.ReadCloser }
