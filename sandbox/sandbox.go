// Package sandbox assembles the embedded AWS emulator: the state store, the four services
// and the gateway in front of them, served on loopback.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/datadir"
	"github.com/kmslab/kmslab/sandbox/dynamodb"
	"github.com/kmslab/kmslab/sandbox/gateway"
	"github.com/kmslab/kmslab/sandbox/iam"
	"github.com/kmslab/kmslab/sandbox/kms"
	"github.com/kmslab/kmslab/sandbox/store"
	"github.com/kmslab/kmslab/sandbox/sts"
)

// ErrLocked means another kmslab process is serving this data directory.
var ErrLocked = store.ErrLocked

// DefaultRegion is the region printed for clients; the sandbox answers in any region.
const DefaultRegion = "us-east-1"

// Options configures a sandbox.
type Options struct {
	DataDir   string
	Region    string // region for the printed exports; default us-east-1
	AccountID string // default 000000000000
	Faults    gateway.Faults
	Log       func(gateway.Entry)
	Now       func() time.Time
	// Realism reproduces AWS's delays and caches; off by default.
	Realism Realism
}

// Sandbox is an opened emulator.
type Sandbox struct {
	opts   Options
	store  *store.Store
	iam    *iam.Service
	kms    *kms.Service
	ddb    *dynamodb.Service
	authz  *gateway.Authorizer
	gw     *gateway.Gateway
	keyID  string
	secret string
	// Bootstrapped is true when this Open created the account.
	Bootstrapped bool

	srv *http.Server
	url string
}

// Open opens (or creates) the sandbox state in opts.DataDir. It returns ErrLocked when
// another process has it open; ReadEndpoint then tells where that process listens.
func Open(opts Options) (*Sandbox, error) {
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.AccountID == "" {
		opts.AccountID = api.DefaultAccountID
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := opts.Realism.Validate(); err != nil {
		return nil, fmt.Errorf("realistic mode: %w", err)
	}
	if err := datadir.Ensure(opts.DataDir); err != nil {
		return nil, err
	}
	st, err := store.Open(opts.DataDir)
	if err != nil {
		return nil, err
	}
	s := &Sandbox{opts: opts, store: st}
	if err := s.wire(); err != nil {
		_ = st.Close()
		return nil, err
	}
	return s, nil
}

func (s *Sandbox) wire() error {
	var err error
	acct := s.opts.AccountID
	if s.iam, err = iam.New(s.store, acct); err != nil {
		return fmt.Errorf("load IAM state: %w", err)
	}
	created, id, secret, err := s.iam.Bootstrap(s.opts.Now())
	if err != nil {
		return fmt.Errorf("create the sandbox account: %w", err)
	}
	s.Bootstrapped, s.keyID, s.secret = created, id, secret
	s.authz = gateway.NewAuthorizer(s.iam)
	slow := s.Realism()
	var ids gateway.Identities = s.iam
	var dir api.Directory = s.iam
	if slow.AccessKey > 0 {
		ids = &youngKeys{Service: s.iam, delay: slow.AccessKey, exempt: s.keyID, now: s.opts.Now}
	}
	if slow.Principal > 0 {
		_, admin, _, _ := s.iam.Authenticate(s.keyID)
		dir = &youngUsers{iam: s.iam, delay: slow.Principal, exempt: admin.ARN, now: s.opts.Now}
	}
	if s.kms, err = kms.New(s.store, acct, s.authz, dir); err != nil {
		return fmt.Errorf("load KMS state: %w", err)
	}
	s.kms.SetClock(s.opts.Now)
	s.kms.SetPolicyPropagation(slow.KeyPolicy)
	// Key policies name a deleted user by its unique id from then on, as on AWS.
	if err := s.iam.OnUserDeleted(s.kms.UserDeleted); err != nil {
		return fmt.Errorf("update key policies for deleted users: %w", err)
	}
	var broker api.KeyBroker = s.kms
	if slow.TableKeyCache > 0 {
		broker = newTableKeyCache(s.kms, slow.TableKeyCache, s.opts.Now)
	}
	if s.ddb, err = dynamodb.New(s.store, acct, broker); err != nil {
		return fmt.Errorf("load DynamoDB state: %w", err)
	}
	s.gw = gateway.New(gateway.Config{
		Services:   []api.Service{s.iam, sts.New(s.iam, acct), s.kms, s.ddb},
		Identities: ids,
		Authorizer: s.authz,
		Faults:     s.opts.Faults,
		Log:        s.opts.Log,
		Hooks:      s.hooks(),
		Now:        s.opts.Now,
	})
	return nil
}

// Realism is what the realistic mode applies: scaled delays, each 0 when off (all of
// them when the mode is off).
func (s *Sandbox) Realism() Realism {
	if !s.opts.Realism.Enabled {
		return Realism{Scale: 1}
	}
	return s.opts.Realism.Effective()
}

// Handler is the gateway, for tests that serve it themselves.
func (s *Sandbox) Handler() http.Handler { return s.gw }

// Admin returns the admin's access key id and secret.
func (s *Sandbox) Admin() (keyID, secret string) { return s.keyID, s.secret }

// AccountID is the sandbox account.
func (s *Sandbox) AccountID() string { return s.opts.AccountID }

// Region is the region printed for clients.
func (s *Sandbox) Region() string { return s.opts.Region }

// URL is where the sandbox listens once Listen has returned.
func (s *Sandbox) URL() string { return s.url }

// Listen binds addr, serves in the background and records the endpoint in the data
// directory. It returns the base URL, e.g. http://127.0.0.1:4566.
func (s *Sandbox) Listen(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen on %s: %w", addr, err)
	}
	return s.Serve(ln)
}

// Serve serves on an existing listener in the background and records the endpoint.
func (s *Sandbox) Serve(ln net.Listener) (string, error) {
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s.gw, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() { _ = s.srv.Serve(ln) }()
	err := datadir.WriteEndpoint(s.opts.DataDir, datadir.Endpoint{
		URL: s.url, PID: os.Getpid(), Region: s.opts.Region, AccountID: s.opts.AccountID,
		AccessKeyID: s.keyID, SecretAccessKey: s.secret,
	})
	if err != nil {
		_ = s.srv.Close()
		return "", fmt.Errorf("record the endpoint: %w", err)
	}
	return s.url, nil
}

// Close stops serving (letting calls in flight finish, up to 5 s), removes the endpoint
// record and closes the state.
func (s *Sandbox) Close() error {
	var errs []error
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			errs = append(errs, s.srv.Close())
		}
		errs = append(errs, datadir.RemoveEndpoint(s.opts.DataDir))
	}
	errs = append(errs, s.store.Close())
	return errors.Join(errs...)
}
