package target

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/kmslab/kmslab/sandbox"
	"github.com/kmslab/kmslab/sandbox/datadir"
)

const sandboxReason = "kmslab's sandbox asks KMS for kms:Decrypt as the caller on every read of a KMS-encrypted table, as AWS does, so the key policy decides who can read."

// openSandbox serves the sandbox from this process, or joins the kmslab process that
// already serves this data directory.
func openSandbox(ctx context.Context, o Options) (*Target, error) {
	dir, err := o.dataDir()
	if err != nil {
		return nil, err
	}
	region := o.Region
	if region == "" {
		region = sandbox.DefaultRegion
	}
	sb, err := sandbox.Open(sandbox.Options{DataDir: dir, Region: region, Faults: o.Faults})
	if errors.Is(err, sandbox.ErrLocked) {
		return joinSandbox(ctx, o, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("open the sandbox in %s: %w", dir, err)
	}
	url, err := sb.Listen("127.0.0.1:0")
	if err != nil {
		_ = sb.Close()
		return nil, fmt.Errorf("serve the sandbox in %s: %w", dir, err)
	}
	id, secret := sb.Admin()
	t := &Target{
		Kind: Sandbox, Label: "sandbox (offline)", Endpoint: url, Region: sb.Region(),
		Enforces: Enforces, EnforcementReason: sandboxReason,
		DataDir: dir, InProcess: true, KeyID: MaskKeyID(id),
		Admin:   localConfig(url, sb.Region(), credentials.NewStaticCredentialsProvider(id, secret, ""), o),
		closeFn: sb.Close,
	}
	t.setConfigFor()
	return t, nil
}

func (o Options) dataDir() (string, error) {
	if o.DataDir != "" {
		return o.DataDir, nil
	}
	return datadir.Default()
}

// The other process records its endpoint just after it takes the lock, so a record may be
// missing or stale for a moment: look a few times before giving up.
const (
	joinAttempts = 10
	joinPause    = 200 * time.Millisecond
)

// joinSandbox uses the sandbox another kmslab process serves from dir, over HTTP with the
// admin credentials it recorded.
func joinSandbox(ctx context.Context, o Options, dir string) (*Target, error) {
	var (
		rec     datadir.Endpoint
		lastErr error
	)
	for i := range joinAttempts {
		if i > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(joinPause):
			}
		}
		rec, lastErr = datadir.ReadEndpoint(dir)
		if lastErr != nil {
			continue
		}
		if lastErr = sandboxAnswers(ctx, o.httpClient(), rec.URL, rec.PID); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		return nil, &Problem{
			Code: "SANDBOX_BUSY",
			What: fmt.Sprintf("the sandbox in %s is held by another kmslab process that does not answer", dir),
			Fix:  "let that process (the TUI or `kmslab sandbox`) finish or stop it, then try again, or pass --data-dir to use another directory",
			Err:  lastErr,
		}
	}
	region := o.Region
	if region == "" {
		region = rec.Region
	}
	if region == "" {
		region = sandbox.DefaultRegion
	}
	creds := credentials.NewStaticCredentialsProvider(rec.AccessKeyID, rec.SecretAccessKey, "")
	t := &Target{
		Kind: Sandbox, Label: fmt.Sprintf("sandbox (offline, shared with pid %d)", rec.PID),
		Endpoint: rec.URL, Region: region,
		Enforces: Enforces, EnforcementReason: sandboxReason,
		DataDir: dir, KeyID: MaskKeyID(rec.AccessKeyID),
		Admin: localConfig(rec.URL, region, creds, o),
	}
	t.setConfigFor()
	return t, nil
}

// sandboxAnswers checks that a kmslab sandbox answers /_kmslab/health at base; pid, when
// not 0, must be the process that answers (a stale record may name a port someone else
// took since).
func sandboxAnswers(ctx context.Context, c *http.Client, base string, pid int) error {
	res, err := probeGet(ctx, c, base, sandboxHealthPath)
	if err != nil {
		return err
	}
	if res.status != http.StatusOK {
		return fmt.Errorf("%s%s answered %d", base, sandboxHealthPath, res.status)
	}
	got, ok := sandboxHealth(res.body)
	if !ok {
		return fmt.Errorf("%s%s did not answer like a kmslab sandbox", base, sandboxHealthPath)
	}
	if pid != 0 && got != pid {
		return fmt.Errorf("%s is served by pid %d, not by pid %d that holds the data directory", base, got, pid)
	}
	return nil
}

// sandboxHealth reads a /_kmslab/health answer: ok when it is a kmslab sandbox's.
func sandboxHealth(body []byte) (pid int, ok bool) {
	var h struct {
		Status string `json:"status"`
		PID    int    `json:"pid"`
	}
	if err := json.Unmarshal(body, &h); err != nil || h.Status != "ok" {
		return 0, false
	}
	return h.PID, true
}

const (
	sandboxHealthPath    = "/_kmslab/health"
	localstackHealthPath = "/_localstack/health"
	probeTimeout         = 5 * time.Second
	probeBodyLimit       = 64 << 10
)

type probeResult struct {
	status     int
	localstack bool // the answer carried an x-localstack header
	body       []byte
}

// probeGet fetches base+path with a short deadline. An error means no HTTP answer at all.
func probeGet(ctx context.Context, c *http.Client, base, path string) (probeResult, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+path, nil)
	if err != nil {
		return probeResult{}, err
	}
	res, err := c.Do(req)
	if err != nil {
		return probeResult{}, err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, probeBodyLimit))
	return probeResult{status: res.StatusCode, localstack: hasLocalStackHeader(res.Header), body: body}, nil
}

func (o Options) httpClient() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return http.DefaultClient
}

// hasLocalStackHeader: LocalStack marks its answers with x-localstack ("true" or its
// version); its presence is the signal, whatever the value.
func hasLocalStackHeader(h http.Header) bool {
	_, ok := h[http.CanonicalHeaderKey("x-localstack")]
	return ok
}
