// Package dynamodb is the sandbox's DynamoDB (awsJson1_0, X-Amz-Target
// DynamoDB_20120810.<Op>). Tables live in memory and in the store; items live only in the
// store, encrypted under a per-table key (see crypto.go). On a table encrypted with a
// customer managed key every data-plane call first asks KMS, as the caller, to open the
// table key: that is what lets a key policy deny a user the table's data.
package dynamodb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/store"
)

const bucketRoot = "dynamodb"

// Service implements api.Service for DynamoDB.
type Service struct {
	st      *store.Store
	account string
	keys    api.KeyBroker

	mu     sync.RWMutex
	tables map[string]*table // region + "/" + name

	ctl sync.Mutex // serializes CreateTable/DeleteTable/UpdateTable
}

// New loads the tables of every region from the store.
func New(st *store.Store, accountID string, keys api.KeyBroker) (*Service, error) {
	s := &Service{st: st, account: accountID, keys: keys, tables: map[string]*table{}}
	err := st.View(func(tx *store.Tx) error {
		root := tx.Bucket([]byte(bucketRoot))
		if root == nil {
			return nil
		}
		return root.ForEachBucket(func(region []byte) error {
			return store.ForEachJSON(tx, []string{bucketRoot, string(region), "tables"}, func(_ string, raw []byte) error {
				var m tableMeta
				if err := json.Unmarshal(raw, &m); err != nil {
					return fmt.Errorf("corrupt DynamoDB table record in %s: %w", region, err)
				}
				s.tables[m.Region+"/"+m.Name] = newTable(m)
				return nil
			})
		})
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Name is the signing name.
func (s *Service) Name() string { return "dynamodb" }

// Protocol is awsJson1_0.
func (s *Service) Protocol() api.Protocol { return api.JSON10 }

// operation is one API operation: decode+validate (no state), the resources it touches,
// and the work.
type operation struct {
	decode    func(s *Service, r *api.Request) (any, error)
	resources func(s *Service, r *api.Request, in any) []string
	handle    func(s *Service, r *api.Request, in any) (any, error)
}

var operations = map[string]operation{}

// register adds an operation whose input decodes into T.
func register[T any](name string, validate func(*Service, *api.Request, *T) error, resources func(*Service, *api.Request, *T) []string, handle func(*Service, *api.Request, *T) (any, error)) {
	operations[name] = operation{
		decode: func(s *Service, r *api.Request) (any, error) {
			in := new(T)
			if err := decodeBody(r.Body, in); err != nil {
				return nil, err
			}
			if validate != nil {
				if err := validate(s, r, in); err != nil {
					return nil, err
				}
			}
			return in, nil
		},
		resources: func(s *Service, r *api.Request, in any) []string { return resources(s, r, in.(*T)) },
		handle:    func(s *Service, r *api.Request, in any) (any, error) { return handle(s, r, in.(*T)) },
	}
}

func unknownOp(op string) error {
	e := api.Unknown("dynamodb", op)
	e.Type, e.MessageKey = nsService+"UnknownOperationException", "Message"
	return e
}

// Targets decodes and validates the input and names the tables it touches.
func (s *Service) Targets(r *api.Request) ([]api.Target, error) {
	op, ok := operations[r.Operation]
	if !ok {
		return nil, unknownOp(r.Operation)
	}
	if err := s.foreignTable(r); err != nil {
		return nil, err
	}
	in, err := op.decode(s, r)
	if err != nil {
		return nil, err
	}
	r.Input = in
	var ts []api.Target
	for _, res := range op.resources(s, r, in) {
		ts = append(ts, api.Target{Action: "dynamodb:" + r.Operation, Resource: res})
	}
	return ts, nil
}

// Handle performs the operation.
func (s *Service) Handle(r *api.Request) (result any, err error) {
	op, ok := operations[r.Operation]
	if !ok {
		return nil, unknownOp(r.Operation)
	}
	in := r.Input
	if in == nil {
		if in, err = op.decode(s, r); err != nil {
			return nil, err
		}
		r.Input = in
	}
	return op.handle(s, r, in)
}

// decodeBody reads a JSON request body; DynamoDB calls malformed input a SerializationException.
func decodeBody(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return serialization(typeErrorText(te))
		}
		return serialization("")
	}
	return nil
}

func typeErrorText(te *json.UnmarshalTypeError) string {
	switch te.Value {
	case "object":
		return "Start of structure or map found where not expected."
	case "array":
		return "Start of list found where not expected"
	}
	from := strings.ToUpper(te.Value) + "_VALUE"
	to := "String"
	switch te.Type.Kind().String() {
	case "int", "int64", "int32":
		to = "Long"
	case "bool":
		to = "Boolean"
	case "float64":
		to = "Double"
	}
	return fmt.Sprintf("%s can not be converted to %s", from, to)
}

// tableARN is the ARN of a table in this account.
func (s *Service) tableARN(region, name string) string {
	return "arn:aws:dynamodb:" + region + ":" + s.account + ":table/" + name
}

func (s *Service) lookup(region, name string) *table {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.tables[region+"/"+name]
}

func ctxOf(r *api.Request) context.Context {
	if r.Ctx != nil {
		return r.Ctx
	}
	return context.Background()
}

func nowOf(r *api.Request) time.Time {
	if r.Now.IsZero() {
		return time.Now()
	}
	return r.Now
}

// openTable starts a data-plane call: it finds the table, holds it shared and opens its
// key, as the caller for a customer managed key. done releases the table.
func (s *Service) openTable(r *api.Request, name string) (t *table, c *tableCrypto, done func(), err error) {
	t = s.lookup(r.Region, name)
	if t == nil {
		return nil, nil, nil, tableNotFound()
	}
	t.mu.RLock()
	if t.deleted {
		t.mu.RUnlock()
		return nil, nil, nil, tableNotFound()
	}
	c, err = s.crypto(ctxOf(r), r.Caller, t)
	if err != nil {
		t.mu.RUnlock()
		return nil, nil, nil, err
	}
	return t, c, t.mu.RUnlock, nil
}

// crypto returns the table's key material. For a customer managed key it asks the broker
// every time, as caller: the caller's kms:Decrypt permission is checked on every call, and
// only the derived material is cached. t.mu is held.
func (s *Service) crypto(ctx context.Context, caller api.Principal, t *table) (*tableCrypto, error) {
	var plain []byte
	switch t.meta.SSE.Mode {
	case sseCMK:
		if s.keys == nil {
			return nil, internalError()
		}
		p, err := s.keys.OpenTableKey(ctx, caller, t.meta.Region, t.meta.SSE.KeyARN, t.meta.SSE.Wrapped, t.meta.encCtx())
		if err != nil {
			return nil, kmsError(err)
		}
		plain = p
	default:
		plain = t.meta.SSE.Plain
	}
	t.keyMu.Lock()
	defer t.keyMu.Unlock()
	if t.keyCrypto != nil && string(t.keyPlain) == string(plain) {
		return t.keyCrypto, nil
	}
	c, err := newTableCrypto(plain)
	if err != nil {
		return nil, internalError()
	}
	t.keyPlain, t.keyCrypto = append([]byte(nil), plain...), c
	return c, nil
}

// cachedCrypto returns the key material last derived for the table, if any.
func (t *table) cachedCrypto() *tableCrypto {
	t.keyMu.Lock()
	defer t.keyMu.Unlock()
	return t.keyCrypto
}

// Store paths.
func tablesPath(region string) []string { return []string{bucketRoot, region, "tables"} }
func itemsPath(m *tableMeta) []string   { return []string{bucketRoot, m.Region, "items", m.ID} }

// itemsBucket returns the table's item bucket in tx, nil when the table is gone.
func itemsBucket(tx *store.Tx, m *tableMeta) *bucket {
	return store.Bucket(tx, itemsPath(m)...)
}

// saveMeta writes table metadata; callers apply it in memory after it returns nil.
func (s *Service) saveMeta(m tableMeta) error {
	return s.st.Update(func(tx *store.Tx) error { return store.PutJSON(tx, tablesPath(m.Region), m.Name, m) })
}

// tableNames lists a region's tables in name order.
func (s *Service) tableNames(region string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var names []string
	prefix := region + "/"
	for k := range s.tables {
		if strings.HasPrefix(k, prefix) {
			names = append(names, k[len(prefix):])
		}
	}
	sort.Strings(names)
	return names
}
