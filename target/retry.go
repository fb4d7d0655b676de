package target

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/kmslab/kmslab/internal/sdkhttp"
)

// Retry budgets for lab calls. Local targets answer fast and may inject faults, so they
// get more attempts with short waits; AWS keeps the SDK's backoff.
const (
	localMaxAttempts = 8
	localMaxBackoff  = time.Second
	awsMaxAttempts   = 5
)

// labRetryer is the standard retryer without the client-side token bucket: injected
// faults must not drain it and turn later calls into "retry quota exceeded".
// maxBackoff 0 keeps the SDK default.
func labRetryer(maxAttempts int, maxBackoff time.Duration) func() aws.Retryer {
	return func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = maxAttempts
			if maxBackoff > 0 {
				o.MaxBackoff = maxBackoff
			}
			o.RateLimiter = ratelimit.None
		})
	}
}

// withStatic is cfg signing with other static credentials; everything else is shared.
func withStatic(cfg aws.Config, keyID, secret string) aws.Config {
	c := cfg.Copy()
	c.Credentials = credentials.NewStaticCredentialsProvider(keyID, secret, "")
	return c
}

// localConfig is the admin configuration for an endpoint that is not AWS. It is built by
// hand, not loaded, so that no AWS_ENDPOINT_URL_<SERVICE> or shared-config endpoint can
// send one service somewhere else.
func localConfig(endpoint, region string, creds aws.CredentialsProvider, o Options) aws.Config {
	cfg := aws.Config{
		Region:       region,
		Credentials:  creds,
		BaseEndpoint: aws.String(endpoint),
		Retryer:      labRetryer(localMaxAttempts, localMaxBackoff),
	}
	var next aws.HTTPClient
	if o.HTTPClient != nil {
		next = o.HTTPClient
	}
	cfg.HTTPClient = sdkhttp.New(next)
	return cfg
}

// setConfigFor makes ConfigFor copy Admin with the given credentials.
func (t *Target) setConfigFor() {
	t.configFor = func(keyID, secret string) aws.Config { return withStatic(t.Admin, keyID, secret) }
}
