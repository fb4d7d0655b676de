package gateway

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kmslab/kmslab/sandbox/api"
)

// Faults makes a share of requests fail or slow down, for resilience tests and for
// showing students how the SDK retries.
type Faults struct {
	Throttle float64       // share of requests answered with a throttling error
	Errors   float64       // share answered with a 500
	Latency  time.Duration // added to every request
}

// ParseFaults reads "throttle=0.1,error=0.05,latency=50ms".
func ParseFaults(s string) (Faults, error) {
	var f Faults
	if strings.TrimSpace(s) == "" {
		return f, nil
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return f, fmt.Errorf("fault %q: want name=value (throttle=0.1, error=0.05, latency=50ms)", part)
		}
		switch strings.ToLower(k) {
		case "throttle", "error", "errors":
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || x < 0 || x > 1 {
				return f, fmt.Errorf("fault %s=%s: want a share between 0 and 1", k, v)
			}
			if k == "throttle" {
				f.Throttle = x
			} else {
				f.Errors = x
			}
		case "latency":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 || d > time.Minute {
				return f, fmt.Errorf("fault latency=%s: want a duration up to 1m, like 50ms", v)
			}
			f.Latency = d
		default:
			return f, fmt.Errorf("unknown fault %q (known: throttle, error, latency)", k)
		}
	}
	return f, nil
}

// Active reports whether any fault is configured.
func (f Faults) Active() bool { return f.Throttle > 0 || f.Errors > 0 || f.Latency > 0 }

// pick returns the injected error for this request, if any, in the service's own words.
func (f Faults) pick(service string) *api.Error {
	if f.Throttle > 0 && rand.Float64() < f.Throttle {
		switch service {
		case "dynamodb":
			return &api.Error{Code: "ThrottlingException", Type: "com.amazon.coral.availability#ThrottlingException", Message: "Rate of requests exceeds the allowed throughput.", Status: http.StatusBadRequest}
		case "kms":
			return &api.Error{Code: "ThrottlingException", Message: "Rate exceeded", Status: http.StatusBadRequest}
		default:
			return &api.Error{Code: "Throttling", Message: "Rate exceeded", Status: http.StatusBadRequest}
		}
	}
	if f.Errors > 0 && rand.Float64() < f.Errors {
		switch service {
		case "dynamodb":
			return &api.Error{Code: "InternalServerError", Type: "com.amazonaws.dynamodb.v20120810#InternalServerError", Message: "Internal server error", MessageKey: "message", Status: http.StatusInternalServerError, Receiver: true}
		case "kms":
			return &api.Error{Code: "KMSInternalException", Message: "An internal error occurred.", Status: http.StatusInternalServerError, Receiver: true}
		default:
			return &api.Error{Code: "ServiceFailure", Message: "The request processing has failed because of an unknown error, exception or failure.", Status: http.StatusInternalServerError, Receiver: true}
		}
	}
	return nil
}
