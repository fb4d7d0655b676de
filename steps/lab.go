package steps

import (
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kmslab/kmslab/target"
)

// DefaultPrefix gives the lab's own names: alias/nextwork-kms-key, nextwork-kms-table,
// nextwork-kms-user.
const DefaultPrefix = "nextwork"

// TagKey marks everything the lab creates, so clean-up never touches anything else.
const TagKey = "kmslab:lab"

// DynamoDBFullAccessARN is the managed policy the test user gets.
const DynamoDBFullAccessARN = "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"

var prefixPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// ValidPrefix explains what a prefix may be; nil when it is fine.
func ValidPrefix(p string) error {
	if !prefixPattern.MatchString(p) {
		return fmt.Errorf("prefix %q: use 1 to 32 lower-case letters, digits or hyphens, starting with a letter (like %s)", p, DefaultPrefix)
	}
	return nil
}

// Names are the lab's resource names for one prefix.
type Names struct {
	Prefix string
	Alias  string // alias/<prefix>-kms-key
	Table  string // <prefix>-kms-table
	User   string // <prefix>-kms-user
}

// NamesFor derives the names from a prefix.
func NamesFor(prefix string) Names {
	return Names{Prefix: prefix, Alias: "alias/" + prefix + "-kms-key", Table: prefix + "-kms-table", User: prefix + "-kms-user"}
}

// Options tune a Lab. The zero value suits the target.
type Options struct {
	Prefix string
	// Emit receives every event. It is called from the goroutine running the step.
	Emit func(Event)
	// MaxWait bounds each wait for AWS to catch up (a new access key, a key-policy change).
	MaxWait time.Duration
	// RevokeWait bounds the wait for a revoked user's reads to stop: DynamoDB keeps a table
	// key it decrypted for up to five minutes.
	RevokeWait time.Duration
	// PollStart and PollMax shape the backoff of those waits.
	PollStart, PollMax time.Duration
	// Items are added to the table besides the sample items.
	Items []Item
	// Notes restores what earlier runs recorded (see Lab.Notes).
	Notes map[string]string
	Now   func() time.Time
}

// Lab runs the steps against one target with one set of names. The test user's secret key
// is held here, in memory only.
type Lab struct {
	T *target.Target
	Names
	opts Options

	KMS      *kms.Client
	DynamoDB *dynamodb.Client
	IAM      *iam.Client
	STS      *sts.Client

	mu    sync.Mutex
	user  *testKey
	seq   int
	notes map[string]string
	// lastDenied is the message of the most recent access denial a call met.
	lastDenied string
}

type testKey struct {
	id, secret string
	userARN    string
}

// New prepares a lab on an opened target.
func New(t *target.Target, o Options) (*Lab, error) {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if err := ValidPrefix(o.Prefix); err != nil {
		return nil, err
	}
	local := t.Kind != target.AWS
	if o.MaxWait == 0 {
		o.MaxWait = 2 * time.Minute
		if local {
			o.MaxWait = 15 * time.Second
		}
	}
	if o.RevokeWait == 0 {
		o.RevokeWait = 6 * time.Minute
		if local {
			o.RevokeWait = 15 * time.Second
		}
	}
	if o.PollStart == 0 {
		o.PollStart = time.Second
		if local {
			o.PollStart = 20 * time.Millisecond
		}
	}
	if o.PollMax == 0 {
		// Short enough that a read allowed by a change is seen within seconds of KMS seeing it.
		o.PollMax = 3 * time.Second
		if local {
			o.PollMax = 500 * time.Millisecond
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	l := &Lab{T: t, Names: NamesFor(o.Prefix), opts: o, notes: map[string]string{}}
	for k, v := range o.Notes {
		l.notes[k] = v
	}
	for _, it := range o.Items {
		if err := it.Valid(); err != nil {
			return nil, err
		}
	}
	l.KMS = kms.NewFromConfig(t.Admin)
	l.DynamoDB = dynamodb.NewFromConfig(t.Admin)
	l.IAM = iam.NewFromConfig(t.Admin)
	l.STS = sts.NewFromConfig(t.Admin)
	return l, nil
}

// Notes are facts worth keeping for reports and later checks (the denial seen, the key
// policy before and after the grant). They never hold secrets.
func (l *Lab) Notes() map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]string, len(l.notes))
	for k, v := range l.notes {
		out[k] = v
	}
	return out
}

// SetNote records a fact for reports (a quiz score, say). Never a secret.
func (l *Lab) SetNote(k, v string) { l.note(k, v) }

func (l *Lab) note(k, v string) {
	l.mu.Lock()
	l.notes[k] = v
	l.mu.Unlock()
}

func (l *Lab) noted(k string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.notes[k]
}

// Note keys.
const (
	NoteDenialCode    = "denial.code"
	NoteDenialMessage = "denial.message"
	NoteDenialAt      = "denial.at"
	NotePolicyBefore  = "grant.policyBefore"
	NotePolicyAfter   = "grant.policyAfter"
	NoteGrantedAt     = "grant.at"
	NoteFirstReadAt   = "grant.firstReadAt"
	NoteReadAsUser    = "deny.readServed" // "true" when a non-enforcing target served the user's read
)

// HasTestUserKey is true when this process holds a working key for the test user.
func (l *Lab) HasTestUserKey() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.user != nil
}

func (l *Lab) accountARN(kind, name string) string {
	return "arn:aws:iam::" + l.T.Account + ":" + kind + "/" + name
}

func (l *Lab) userARN() string { return l.accountARN("user", l.User) }

func (l *Lab) tableARN() string {
	return "arn:aws:dynamodb:" + l.T.Region + ":" + l.T.Account + ":table/" + l.Table
}
