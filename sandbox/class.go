package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kmslab/kmslab/sandbox/datadir"
	"github.com/kmslab/kmslab/sandbox/gateway"
	"github.com/kmslab/kmslab/sandbox/sigv4"
)

// MaxStudents bounds a classroom sandbox.
const MaxStudents = 200

// ClassOptions configures a classroom sandbox: one process, one isolated account per student.
type ClassOptions struct {
	DataDir  string
	Students int // 1…MaxStudents
	Region   string
	Faults   gateway.Faults
	// Log receives each request with the account that served it; nil for none.
	Log     func(accountID string, e gateway.Entry)
	Now     func() time.Time
	Realism Realism
}

// Class is a classroom sandbox. Each account is a whole sandbox with its own state in
// <DataDir>/accounts/<account id>, so nothing is shared between students by construction;
// the class routes each request to the account that issued its access key.
type Class struct {
	opts     ClassOptions
	accounts []*Sandbox
	byKey    sync.Map // access key id → *Sandbox, filled on first use

	srv *http.Server
	url string
}

// ClassAccountID is the account of student n (1-based): 000000000001, 000000000002, …
// The single sandbox keeps 000000000000, so the two never mix.
func ClassAccountID(student int) string { return fmt.Sprintf("%012d", student) }

// OpenClass opens (or creates) the accounts of a class. It returns ErrLocked when another
// process serves this directory.
func OpenClass(o ClassOptions) (*Class, error) {
	if o.Students < 1 || o.Students > MaxStudents {
		return nil, fmt.Errorf("a class has 1 to %d students, not %d", MaxStudents, o.Students)
	}
	if err := datadir.Ensure(o.DataDir); err != nil {
		return nil, err
	}
	c := &Class{opts: o, accounts: make([]*Sandbox, o.Students)}
	// Opening an account waits for the disk (its bootstrap is fsynced), so a few open at
	// once: 200 accounts take seconds instead of many.
	errs := make([]error, o.Students)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(openWorkers, o.Students) {
		wg.Go(func() {
			for i := range next {
				c.accounts[i], errs[i] = openAccount(o, i+1)
			}
		})
	}
	for i := range o.Students {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil { // the first is enough: a locked directory fails every account alike
			_ = c.closeAccounts()
			return nil, err
		}
	}
	for _, sb := range c.accounts {
		sb.kms.SetOtherAccounts(c.keyExists)
	}
	return c, nil
}

const openWorkers = 8

func openAccount(o ClassOptions, student int) (*Sandbox, error) {
	acct := ClassAccountID(student)
	so := Options{
		DataDir: filepath.Join(o.DataDir, "accounts", acct), Region: o.Region, AccountID: acct,
		Faults: o.Faults, Now: o.Now, Realism: o.Realism,
	}
	if o.Log != nil {
		so.Log = func(e gateway.Entry) { o.Log(acct, e) }
	}
	sb, err := Open(so)
	if err != nil {
		return nil, fmt.Errorf("open account %s: %w", acct, err)
	}
	return sb, nil
}

// keyExists reports whether keyARN names a key of one of the class's accounts, for the
// AccessDeniedException AWS gives a caller from another account.
func (c *Class) keyExists(region, keyARN string) bool {
	parts := strings.SplitN(keyARN, ":", 6)
	if len(parts) != 6 {
		return false
	}
	n, err := strconv.Atoi(parts[4])
	if err != nil || len(parts[4]) != 12 || n < 1 || n > len(c.accounts) {
		return false
	}
	return c.accounts[n-1].kms.HasKey(region, keyARN)
}

// Accounts are the students' sandboxes, student 1 first.
func (c *Class) Accounts() []*Sandbox { return c.accounts }

// Region is the region printed for clients.
func (c *Class) Region() string { return c.accounts[0].Region() }

// URL is where the class listens once Listen has returned.
func (c *Class) URL() string { return c.url }

// Handler routes requests to the accounts; for tests that serve it themselves.
func (c *Class) Handler() http.Handler { return c }

// ServeHTTP sends a request to the account that owns its access key. Requests with no
// key, or a key no account knows, go to student 1's account, which answers them with the
// same error any account would (a missing or unknown key), so nothing is learned about
// the other accounts.
func (c *Class) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_kmslab/health" && r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "ok", "pid": os.Getpid(), "class": len(c.accounts)})
		return
	}
	c.route(r).gw.ServeHTTP(w, r)
}

func (c *Class) route(r *http.Request) *Sandbox {
	auth, err := sigv4.Parse(r)
	if err != nil || auth == nil || auth.AccessKeyID == "" {
		return c.accounts[0]
	}
	if sb, ok := c.byKey.Load(auth.AccessKeyID); ok {
		return sb.(*Sandbox)
	}
	// Access keys are random and never move between accounts, so the first answer holds.
	for _, sb := range c.accounts {
		if _, _, _, found := sb.iam.Authenticate(auth.AccessKeyID); found {
			c.byKey.Store(auth.AccessKeyID, sb)
			return sb
		}
	}
	return c.accounts[0]
}

// Listen binds addr and serves in the background; it returns the base URL.
func (c *Class) Listen(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen on %s: %w", addr, err)
	}
	return c.Serve(ln)
}

// Serve serves on an existing listener in the background.
func (c *Class) Serve(ln net.Listener) (string, error) {
	c.url = "http://" + ln.Addr().String()
	c.srv = &http.Server{Handler: c, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() { _ = c.srv.Serve(ln) }()
	return c.url, nil
}

// WriteFiles writes the credentials the instructor hands out (class.csv and class.env in
// the data directory, 0600), naming endpoint as the URL students use.
func (c *Class) WriteFiles(endpoint string) (csvPath, envPath string, err error) {
	rows := make([]datadir.ClassAccount, len(c.accounts))
	for i, sb := range c.accounts {
		id, secret := sb.Admin()
		rows[i] = datadir.ClassAccount{Student: i + 1, AccountID: sb.AccountID(), AccessKeyID: id, SecretAccessKey: secret, Region: sb.Region(), Endpoint: endpoint}
	}
	return datadir.WriteClass(c.opts.DataDir, rows)
}

// Close stops serving (letting calls in flight finish, up to 5 s) and closes every account.
func (c *Class) Close() error {
	var errs []error
	if c.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.srv.Shutdown(ctx); err != nil {
			errs = append(errs, c.srv.Close())
		}
	}
	errs = append(errs, c.closeAccounts())
	return errors.Join(errs...)
}

func (c *Class) closeAccounts() error {
	var errs []error
	for _, sb := range c.accounts {
		if sb != nil { // nil when opening it failed
			errs = append(errs, sb.Close())
		}
	}
	c.accounts = nil
	return errors.Join(errs...)
}
