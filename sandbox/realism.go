package sandbox

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Realism makes the sandbox wait the way AWS does, so code that works against it also works
// against AWS's eventual consistency (aws-facts §2, §3.2, §3.4, §5). It is off by default:
// the default sandbox is instant.
//
// A zero delay means its default; a negative one (Off) turns that behaviour off.
type Realism struct {
	Enabled bool
	// Scale speeds time up: 1 is real time, 10 divides every delay by ten. 0 means 1.
	Scale float64
	// AccessKey is how long a new access key stays unknown (UnrecognizedClientException /
	// InvalidClientTokenId). The admin's bootstrap key is exempt.
	AccessKey time.Duration
	// Principal is how long a new IAM user stays invisible to KMS: a key policy naming the
	// user is refused as naming an invalid principal.
	Principal time.Duration
	// KeyPolicy is how long after a PutKeyPolicy authorization keeps using the old policy.
	KeyPolicy time.Duration
	// TableKeyCache is how long DynamoDB reuses a table's plaintext key for a caller that KMS
	// once allowed, without asking KMS again (in memory only).
	TableKeyCache time.Duration
}

// Defaults of the realistic mode, from field reports and AWS's documentation.
const (
	DefaultAccessKeyDelay = 10 * time.Second
	DefaultPrincipalDelay = 8 * time.Second
	DefaultKeyPolicyDelay = 5 * time.Second
	DefaultTableKeyCache  = 5 * time.Minute

	// Off as a Realism delay turns that behaviour off.
	Off time.Duration = -1

	// maxDelay bounds each delay: longer waits would only look like a hang.
	maxDelay = time.Hour
)

// delayNames are the names --delays and ParseDelays take, in display order.
var delayNames = []string{"access-key", "principal", "key-policy", "table-key-cache"}

func (r *Realism) field(name string) *time.Duration {
	switch name {
	case "access-key":
		return &r.AccessKey
	case "principal":
		return &r.Principal
	case "key-policy":
		return &r.KeyPolicy
	case "table-key-cache":
		return &r.TableKeyCache
	}
	return nil
}

// WithDefaults fills zero delays and the scale with their defaults.
func (r Realism) WithDefaults() Realism {
	if r.Scale == 0 {
		r.Scale = 1
	}
	defaults := []time.Duration{DefaultAccessKeyDelay, DefaultPrincipalDelay, DefaultKeyPolicyDelay, DefaultTableKeyCache}
	for i, name := range delayNames {
		if d := r.field(name); *d == 0 {
			*d = defaults[i]
		}
	}
	return r
}

// Effective is what the sandbox applies: defaults filled, every delay divided by the scale,
// and a turned-off one 0. Scale is kept as given.
func (r Realism) Effective() Realism {
	r = r.WithDefaults()
	for _, name := range delayNames {
		d := r.field(name)
		if *d < 0 {
			*d = 0
			continue
		}
		*d = time.Duration(float64(*d) / r.Scale)
		if *d == 0 {
			*d = 1 // a delay scaled below a nanosecond is still a delay
		}
	}
	return r
}

// Validate reports a scale or delay the sandbox cannot honour.
func (r Realism) Validate() error {
	if math.IsNaN(r.Scale) || math.IsInf(r.Scale, 0) || r.Scale < 0 {
		return fmt.Errorf("time scale %v: want a positive number (1 is real time, 10 is ten times faster)", r.Scale)
	}
	for _, name := range delayNames {
		if d := *r.field(name); d > maxDelay {
			return fmt.Errorf("delay %s=%s: at most %s", name, d, maxDelay)
		}
	}
	return nil
}

// String lists the delays as ParseDelays reads them: "access-key=10s,principal=8s,…", a
// turned-off one as 0.
func (r Realism) String() string {
	parts := make([]string, 0, len(delayNames))
	for _, name := range delayNames {
		d := *r.field(name)
		if d < 0 {
			d = 0
		}
		parts = append(parts, name+"="+d.String())
	}
	return strings.Join(parts, ",")
}

// ParseDelays reads "access-key=10s,principal=8s,key-policy=5s,table-key-cache=5m" (any
// subset, any order) into an enabled Realism at scale 1; the delays not named keep their
// defaults, and 0 turns one off.
func ParseDelays(s string) (Realism, error) {
	r := Realism{Enabled: true, Scale: 1}
	seen := map[string]bool{}
	if strings.TrimSpace(s) != "" {
		for _, part := range strings.Split(s, ",") {
			name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			name, val = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(val)
			if !ok || name == "" {
				return Realism{}, fmt.Errorf("delay %q: want name=duration, like access-key=10s", part)
			}
			d := r.field(name)
			if d == nil {
				return Realism{}, fmt.Errorf("unknown delay %q (known: %s)", name, strings.Join(delayNames, ", "))
			}
			if seen[name] {
				return Realism{}, fmt.Errorf("delay %s is given twice", name)
			}
			seen[name] = true
			v, err := time.ParseDuration(val)
			if err != nil || v < 0 || v > maxDelay {
				return Realism{}, fmt.Errorf("delay %s=%s: want a duration from 0 to %s, like 10s or 5m (0 turns it off)", name, val, maxDelay)
			}
			if v == 0 {
				v = Off
			}
			*d = v
		}
	}
	return r.WithDefaults(), nil
}
