// Package gateway is the sandbox's single front door: it reads the protocol, verifies the
// SigV4 signature against the stored secret, asks the policy evaluator whether the caller may
// make the call, and only then hands it to the service.
package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kmslab/kmslab/sandbox/api"
	"github.com/kmslab/kmslab/sandbox/protocol"
	"github.com/kmslab/kmslab/sandbox/sigv4"
)

// MaxBody is the largest request accepted: DynamoDB's 16 MB BatchWriteItem limit plus room.
const MaxBody = 17 << 20

// Entry is one served request, for the request log.
type Entry struct {
	Who       string // user name, or the access key id when unknown
	Service   string
	Operation string
	Status    int
	Code      string // error code; "" on success
	Duration  time.Duration
	RequestID string
}

// Config wires a Gateway.
type Config struct {
	Services   []api.Service
	Identities Identities
	Authorizer *Authorizer
	Faults     Faults
	// Log receives one Entry per request; nil for none.
	Log func(Entry)
	// Hooks serves /_kmslab/… teaching endpoints; nil for none.
	Hooks http.Handler
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Gateway is the sandbox's http.Handler.
type Gateway struct {
	cfg      Config
	services map[string]api.Service
}

// New builds a Gateway.
func New(cfg Config) *Gateway {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	g := &Gateway{cfg: cfg, services: map[string]api.Service{}}
	for _, s := range cfg.Services {
		g.services[s.Name()] = s
	}
	return g
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_kmslab/") && g.cfg.Hooks != nil {
		g.cfg.Hooks.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	rid := uuid.NewString()
	entry := Entry{RequestID: rid}
	call, err := g.serve(w, r, rid, &entry)
	if err != nil {
		entry.Status, entry.Code = err.Status, err.Code
		if entry.Status == 0 {
			entry.Status = http.StatusBadRequest
		}
		protocol.WriteError(w, call.Protocol, call.Service, rid, g.shape(call, err))
	} else {
		entry.Status = http.StatusOK
	}
	entry.Service, entry.Operation = call.Service, call.Operation
	entry.Duration = time.Since(start)
	if g.cfg.Log != nil {
		g.cfg.Log(entry)
	}
}

// serve runs the request and writes the success; it returns the error to write otherwise.
func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, rid string, entry *Entry) (call protocol.Call, apiErr *api.Error) {
	defer func() {
		// A bug in a service must never reach the wire as a Go panic or stack trace.
		if p := recover(); p != nil {
			apiErr = internal(fmt.Sprint(p))
		}
	}()
	body, err := readBody(w, r)
	if err != nil {
		var tooBig *http.MaxBytesError
		call, _ = protocol.Detect(r, nil, "")
		if errors.As(err, &tooBig) {
			return call, &api.Error{Code: "RequestEntityTooLarge", Message: fmt.Sprintf("Request size %d exceeded %d bytes", r.ContentLength, MaxBody), Status: http.StatusRequestEntityTooLarge}
		}
		return call, &api.Error{Code: "IncompleteBody", Message: "The request body could not be read", Status: http.StatusBadRequest}
	}
	auth, authErr := sigv4.Parse(r)
	scope := ""
	if auth != nil {
		scope = auth.Service
	}
	call, derr := protocol.Detect(r, body, scope)
	if derr != nil {
		if derr.Code == "UnknownOperationException" {
			derr.Message = ""
		}
		return call, derr
	}
	svc := g.services[call.Service]
	if svc == nil {
		return call, &api.Error{Code: "UnknownOperationException", Status: http.StatusBadRequest}
	}
	now := g.cfg.Now()
	principal, aerr := g.authenticate(r, body, auth, authErr, call, now)
	if aerr != nil {
		if auth != nil {
			entry.Who = auth.AccessKeyID
		}
		return call, aerr
	}
	entry.Who = principal.UserName
	if f := g.cfg.Faults; f.Active() {
		if f.Latency > 0 {
			select {
			case <-time.After(f.Latency):
			case <-r.Context().Done():
			}
		}
		if e := f.pick(call.Service); e != nil {
			return call, e
		}
	}
	req := &api.Request{
		Ctx: r.Context(), Service: call.Service, Operation: call.Operation, Region: auth.Region,
		Caller: principal, RequestID: rid, Now: now, Body: body, Form: call.Form,
	}
	targets, err := svc.Targets(req)
	if err != nil {
		return call, asAPIError(err)
	}
	for _, t := range targets {
		if err := g.cfg.Authorizer.Authorize(r.Context(), principal, t); err != nil {
			return call, asAPIError(err)
		}
	}
	result, err := svc.Handle(req)
	if err != nil {
		return call, asAPIError(err)
	}
	if call.Protocol == api.Query {
		protocol.WriteQuery(w, call.Service, call.Operation, rid, result)
	} else {
		protocol.WriteJSON(w, call.Protocol, rid, result)
	}
	return call, nil
}

// readBody reads the whole body, into a buffer sized from Content-Length when it is given.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, MaxBody)
	if n := r.ContentLength; n > 0 && n <= MaxBody {
		var b bytes.Buffer
		b.Grow(int(n) + bytes.MinRead) // ReadFrom wants MinRead spare bytes before it grows
		_, err := b.ReadFrom(body)
		return b.Bytes(), err
	}
	return io.ReadAll(body)
}

// authenticate verifies the signature and resolves the caller.
func (g *Gateway) authenticate(r *http.Request, body []byte, auth *sigv4.Auth, parseErr error, call protocol.Call, now time.Time) (api.Principal, *api.Error) {
	if parseErr != nil {
		return api.Principal{}, authError(call, parseErr.(*sigv4.Error))
	}
	secret, p, active, found := g.cfg.Identities.Authenticate(auth.AccessKeyID)
	if !found || !active {
		if call.Protocol == api.Query {
			return p, &api.Error{Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid", Status: http.StatusForbidden}
		}
		return p, &api.Error{Code: "UnrecognizedClientException", Message: "The security token included in the request is invalid.", Status: http.StatusBadRequest}
	}
	if err := sigv4.Verify(r, body, auth, secret, call.Service, now); err != nil {
		return p, authError(call, err.(*sigv4.Error))
	}
	return p, nil
}

// authError words a signature failure as each protocol does.
func authError(call protocol.Call, e *sigv4.Error) *api.Error {
	if call.Protocol == api.Query {
		switch e.Kind {
		case sigv4.Missing:
			return &api.Error{Code: "MissingAuthenticationToken", Message: e.Message, Status: http.StatusForbidden}
		case sigv4.Incomplete:
			return &api.Error{Code: "IncompleteSignature", Message: e.Message, Status: http.StatusBadRequest}
		default:
			return &api.Error{Code: "SignatureDoesNotMatch", Message: e.Message, Status: http.StatusForbidden}
		}
	}
	switch e.Kind {
	case sigv4.Missing:
		return &api.Error{Code: "MissingAuthenticationTokenException", Message: e.Message, Status: http.StatusBadRequest}
	case sigv4.Incomplete:
		return &api.Error{Code: "IncompleteSignatureException", Message: e.Message, Status: http.StatusBadRequest}
	default:
		return &api.Error{Code: "InvalidSignatureException", Message: e.Message, Status: http.StatusBadRequest}
	}
}

// shape gives gateway-made errors each service's own JSON form.
func (g *Gateway) shape(call protocol.Call, e *api.Error) *api.Error {
	switch call.Service {
	case "dynamodb":
		if e.Type == "" {
			c := *e
			c.Type = "com.amazon.coral.service#" + e.Code
			if e.Code == "AccessDeniedException" {
				c.MessageKey = "Message"
			}
			return &c
		}
	case "iam", "sts":
		if e.Code == "AccessDeniedException" {
			c := *e
			c.Code, c.Status = "AccessDenied", http.StatusForbidden
			return &c
		}
	}
	return e
}

func asAPIError(err error) *api.Error {
	var e *api.Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, context.Canceled) {
		return &api.Error{Code: "RequestCanceled", Message: "The request was canceled", Status: 499}
	}
	return internal(err.Error())
}

// internal hides the cause from the wire; the request log keeps the code.
func internal(string) *api.Error {
	return &api.Error{Code: "InternalFailure", Message: "The request processing has failed because of an unknown error, exception or failure.", Status: http.StatusInternalServerError, Receiver: true}
}
