package sandbox

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/kmslab/kmslab/sandbox/sigv4"
)

// hooks serves the teaching endpoints under /_kmslab/:
//
//	GET  /_kmslab/health    liveness, for a second kmslab process and for tests
//	POST /_kmslab/raw-item  the bytes an item is stored as, to show encryption at rest;
//	                        loopback only, signed by the sandbox admin
func (s *Sandbox) hooks() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_kmslab/health", func(w http.ResponseWriter, _ *http.Request) {
		writeHookJSON(w, http.StatusOK, map[string]any{"status": "ok", "pid": os.Getpid(), "accountId": s.opts.AccountID})
	})
	mux.HandleFunc("POST /_kmslab/raw-item", s.rawItem)
	return mux
}

type rawItemRequest struct {
	TableName string                     `json:"TableName"`
	Key       map[string]json.RawMessage `json:"Key"`
}

type rawItemResponse struct {
	TableName       string `json:"TableName"`
	KMSMasterKeyArn string `json:"KMSMasterKeyArn,omitempty"`
	Stored          []byte `json:"Stored"` // base64 in JSON
	Size            int    `json:"Size"`
}

func (s *Sandbox) rawItem(w http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		hookError(w, http.StatusForbidden, "AccessDenied", "The raw-item endpoint answers only on loopback.")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		hookError(w, http.StatusBadRequest, "ValidationException", "The request body could not be read.")
		return
	}
	auth, err := sigv4.Parse(r)
	if err != nil {
		hookError(w, http.StatusForbidden, "MissingAuthenticationToken", err.Error())
		return
	}
	secret, p, active, found := s.iam.Authenticate(auth.AccessKeyID)
	if !found || !active || auth.AccessKeyID != s.keyID {
		hookError(w, http.StatusForbidden, "AccessDenied", "Only the sandbox admin may read stored item bytes.")
		return
	}
	_ = p
	if err := sigv4.Verify(r, body, auth, secret, "", s.opts.Now()); err != nil {
		hookError(w, http.StatusForbidden, "SignatureDoesNotMatch", err.Error())
		return
	}
	var in rawItemRequest
	if err := json.Unmarshal(body, &in); err != nil || in.TableName == "" || len(in.Key) == 0 {
		hookError(w, http.StatusBadRequest, "ValidationException", `Send {"TableName": "...", "Key": {"id": {"S": "..."}}}.`)
		return
	}
	stored, keyARN, err := s.ddb.RawItem(auth.Region, in.TableName, in.Key)
	if err != nil {
		hookError(w, http.StatusNotFound, "ResourceNotFoundException", err.Error())
		return
	}
	writeHookJSON(w, http.StatusOK, rawItemResponse{TableName: in.TableName, KMSMasterKeyArn: keyARN, Stored: stored, Size: len(stored)})
}

func hookError(w http.ResponseWriter, status int, code, msg string) {
	writeHookJSON(w, status, map[string]string{"__type": code, "message": msg})
}

func writeHookJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
