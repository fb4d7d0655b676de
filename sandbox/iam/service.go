// Package iam is the sandbox's IAM: users, access keys, AWS managed policies and inline
// user policies, spoken over the Query protocol (Version 2010-05-08). It also answers the
// gateway's hot-path questions: which secret belongs to an access key, and which identity
// policies a caller has.
package iam

import (
	"errors"
	"sync"
	"time"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/store"
)

// Service is the IAM service. It is safe for concurrent use.
type Service struct {
	st      *store.Store
	account string

	managed     map[string]*managedPolicy // by ARN
	managedList []*managedPolicy          // by name

	// wmu serialises changes: a change reads the current user, persists the new one and
	// publishes it while holding wmu, so two changes to one user never interleave.
	wmu sync.Mutex
	// mu guards the indexes below; readers hold it only for a map lookup.
	mu         sync.RWMutex
	users      map[string]*user // by lower-cased name
	byARN      map[string]*user
	byLowerARN map[string]*user
	keys       map[string]*keyEntry    // by access key id
	deleted    map[string]*deletedUser // deleted users by unique id

	hooks []DeletionHook // guarded by wmu
}

var _ api.Service = (*Service)(nil)
var _ api.Directory = (*Service)(nil)

// New loads IAM's state from the store.
func New(st *store.Store, accountID string) (*Service, error) {
	if st == nil {
		return nil, errors.New("iam: nil store")
	}
	if accountID == "" {
		accountID = api.DefaultAccountID
	}
	byARN, list, err := loadManaged()
	if err != nil {
		return nil, err
	}
	s := &Service{
		st: st, account: accountID, managed: byARN, managedList: list,
		users: map[string]*user{}, byARN: map[string]*user{}, byLowerARN: map[string]*user{},
		keys: map[string]*keyEntry{}, deleted: map[string]*deletedUser{},
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// Name is the SigV4 signing name.
func (s *Service) Name() string { return "iam" }

// Protocol is awsQuery.
func (s *Service) Protocol() api.Protocol { return api.Query }

// op is one IAM operation: decode validates the form and names what to authorize;
// handle performs it with the decoded input.
type op struct {
	decode func(s *Service, r *api.Request, p *params) (any, []api.Target, *api.Error)
	handle func(s *Service, r *api.Request, in any) (any, error)
}

// opFor builds an op from typed functions; handle gets the value decode produced.
func opFor[I any](decode func(*Service, *api.Request, *params) (I, []api.Target, *api.Error), handle func(*Service, *api.Request, I) (any, error)) op {
	return op{
		decode: func(s *Service, r *api.Request, p *params) (any, []api.Target, *api.Error) {
			return decode(s, r, p)
		},
		handle: func(s *Service, r *api.Request, in any) (any, error) {
			return handle(s, r, in.(I))
		},
	}
}

var ops map[string]op

func init() {
	ops = map[string]op{
		"CreateUser":   opFor(decodeCreateUser, (*Service).createUser),
		"GetUser":      opFor(decodeUserOpt("GetUser"), (*Service).getUser),
		"ListUsers":    opFor(decodeListUsers, (*Service).listUsers),
		"DeleteUser":   opFor(decodeUser("DeleteUser"), (*Service).deleteUser),
		"TagUser":      opFor(decodeTagUser, (*Service).tagUser),
		"UntagUser":    opFor(decodeUntagUser, (*Service).untagUser),
		"ListUserTags": opFor(decodeListUserTags, (*Service).listUserTags),

		"CreateAccessKey": opFor(decodeUserOpt("CreateAccessKey"), (*Service).createAccessKey),
		"ListAccessKeys":  opFor(decodeListAccessKeys, (*Service).listAccessKeys),
		"UpdateAccessKey": opFor(decodeUpdateAccessKey, (*Service).updateAccessKey),
		"DeleteAccessKey": opFor(decodeDeleteAccessKey, (*Service).deleteAccessKey),

		"AttachUserPolicy":         opFor(decodeAttach("AttachUserPolicy"), (*Service).attachUserPolicy),
		"DetachUserPolicy":         opFor(decodeAttach("DetachUserPolicy"), (*Service).detachUserPolicy),
		"ListAttachedUserPolicies": opFor(decodeListAttached, (*Service).listAttachedUserPolicies),
		"PutUserPolicy":            opFor(decodePutUserPolicy, (*Service).putUserPolicy),
		"GetUserPolicy":            opFor(decodeInline("GetUserPolicy"), (*Service).getUserPolicy),
		"DeleteUserPolicy":         opFor(decodeInline("DeleteUserPolicy"), (*Service).deleteUserPolicy),
		"ListUserPolicies":         opFor(decodeListUserPolicies, (*Service).listUserPolicies),
		"GetPolicy":                opFor(decodeGetPolicy, (*Service).getPolicy),
		"GetPolicyVersion":         opFor(decodeGetPolicyVersion, (*Service).getPolicyVersion),
		"ListPolicies":             opFor(decodeListPolicies, (*Service).listPolicies),
	}
}

// Operations lists the operations the service implements.
func Operations() []string {
	out := make([]string, 0, len(ops))
	for name := range ops {
		out = append(out, name)
	}
	return out
}

func operation(r *api.Request) string {
	if r.Operation != "" {
		return r.Operation
	}
	return r.Form.Get("Action")
}

// decoded is what Targets leaves in Request.Input for Handle.
type decoded struct {
	op string
	in any
}

// decode validates the request once; Handle reuses what Targets decoded.
func (s *Service) decode(r *api.Request) (op, any, []api.Target, error) {
	name := operation(r)
	if v := r.Form.Get("Version"); v != "" && v != Version {
		return op{}, nil, nil, InvalidAction(name, v)
	}
	o, ok := ops[name]
	if !ok {
		return op{}, nil, nil, InvalidAction(name, Version)
	}
	p := newParams(r.Form)
	in, targets, aerr := o.decode(s, r, p)
	if verr := p.err(); verr != nil {
		return op{}, nil, nil, verr
	}
	if aerr != nil {
		return op{}, nil, nil, aerr
	}
	return o, in, targets, nil
}

// Targets decodes and validates the request and names what the caller must be allowed.
func (s *Service) Targets(r *api.Request) ([]api.Target, error) {
	_, in, targets, err := s.decode(r)
	if err != nil {
		return nil, err
	}
	r.Input = decoded{op: operation(r), in: in}
	return targets, nil
}

// Handle performs the operation.
func (s *Service) Handle(r *api.Request) (any, error) {
	name := operation(r)
	d, ok := r.Input.(decoded)
	if !ok || d.op != name {
		_, in, _, err := s.decode(r)
		if err != nil {
			return nil, err
		}
		d = decoded{op: name, in: in}
	}
	o := ops[name]
	if r.Now.IsZero() {
		r.Now = time.Now()
	}
	return o.handle(s, r, d.in)
}

// now is the request time at IAM's precision (seconds, UTC).
func now(r *api.Request) time.Time { return r.Now.UTC().Truncate(time.Second) }
