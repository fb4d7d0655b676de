// Package protocol reads the operation out of a request and writes results and errors in
// each AWS protocol's real shape: awsJson1_0/1_1 bodies with __type, and awsQuery XML
// envelopes with <ErrorResponse>.
package protocol

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"hash/crc32"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kmslab/kmslab/sandbox/api"
)

// Call is what the gateway learned from the request before authentication.
type Call struct {
	Protocol  api.Protocol
	Service   string // "kms", "dynamodb", "iam", "sts"; "" when unknown
	Operation string
	Form      url.Values // Query protocol parameters
}

// JSON target prefixes and Query versions of the services the sandbox serves.
var (
	jsonTargets = map[string]string{"TrentService": "kms", "DynamoDB_20120810": "dynamodb"}
	queryByVer  = map[string]string{"2010-05-08": "iam", "2011-06-15": "sts"}
	// XMLNS is the response namespace of each Query service.
	XMLNS = map[string]string{
		"iam": "https://iam.amazonaws.com/doc/2010-05-08/",
		"sts": "https://sts.amazonaws.com/doc/2011-06-15/",
	}
)

// Detect reads the protocol and operation. scopeService is the signing name from the
// Authorization header, used when the Query Version is missing.
func Detect(r *http.Request, body []byte, scopeService string) (Call, *api.Error) {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		prefix, op, ok := strings.Cut(target, ".")
		svc := jsonTargets[prefix]
		proto := api.JSON11
		if svc == "dynamodb" {
			proto = api.JSON10
		}
		if !ok || svc == "" || op == "" {
			return Call{Protocol: proto}, &api.Error{Code: "UnknownOperationException", Status: http.StatusBadRequest}
		}
		return Call{Protocol: proto, Service: svc, Operation: op}, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		form = url.Values{}
	}
	for k, v := range r.URL.Query() {
		if _, ok := form[k]; !ok {
			form[k] = v
		}
	}
	call := Call{Protocol: api.Query, Form: form, Operation: form.Get("Action")}
	call.Service = queryByVer[form.Get("Version")]
	if call.Service == "" && (scopeService == "iam" || scopeService == "sts") {
		call.Service = scopeService
	}
	if call.Operation == "" {
		return call, &api.Error{Code: "MissingAction", Message: "Missing Action", Status: http.StatusBadRequest}
	}
	if call.Service == "" {
		return call, &api.Error{Code: "InvalidAction", Message: "Could not find operation " + call.Operation + " for version " + form.Get("Version"), Status: http.StatusBadRequest}
	}
	return call, nil
}

// WriteJSON writes a JSON protocol success.
func WriteJSON(w http.ResponseWriter, p api.Protocol, requestID string, result any) {
	body := []byte("{}")
	if result != nil {
		b, err := json.Marshal(result)
		if err != nil {
			WriteError(w, p, "", requestID, &api.Error{Code: "InternalFailure", Message: "The request processing has failed because of an unknown error, exception or failure.", Status: 500, Receiver: true})
			return
		}
		body = b
	}
	writeJSONBody(w, p, requestID, http.StatusOK, body)
}

func writeJSONBody(w http.ResponseWriter, p api.Protocol, requestID string, status int, body []byte) {
	h := w.Header()
	ct := "application/x-amz-json-1.1"
	if p == api.JSON10 {
		ct = "application/x-amz-json-1.0"
		// DynamoDB sends a CRC32 of the body; the SDKs verify it when present.
		h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	}
	h.Set("Content-Type", ct)
	h.Set("X-Amzn-Requestid", requestID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// WriteError writes an error in the protocol's shape. service picks the Query namespace.
func WriteError(w http.ResponseWriter, p api.Protocol, service, requestID string, e *api.Error) {
	for k, vs := range e.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	if p == api.Query {
		writeQueryError(w, service, requestID, status, e)
		return
	}
	typ := e.Type
	if typ == "" {
		typ = e.Code
	}
	key := e.MessageKey
	if key == "" {
		key = "message"
	}
	var b bytes.Buffer
	b.WriteString(`{"__type":`)
	writeJSONString(&b, typ)
	if e.Message != "" || key == "Message" {
		b.WriteString(`,"` + key + `":`)
		writeJSONString(&b, e.Message)
	}
	writeExtra(&b, e.Extra)
	b.WriteString("}")
	writeJSONBody(w, p, requestID, status, b.Bytes())
}

// writeExtra appends an error's extra members in key order. A member that would repeat
// __type or the message (in any case), or that does not encode, is left out.
func writeExtra(b *bytes.Buffer, extra map[string]any) {
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		if k == "__type" || strings.EqualFold(k, "message") {
			continue
		}
		v, err := json.Marshal(extra[k])
		if err != nil {
			continue
		}
		b.WriteByte(',')
		writeJSONString(b, k)
		b.WriteByte(':')
		b.Write(v)
	}
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s)
	b.Write(enc)
}

type queryError struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

func writeQueryError(w http.ResponseWriter, service, requestID string, status int, e *api.Error) {
	typ := "Sender"
	if e.Receiver {
		typ = "Receiver"
	}
	ns := XMLNS[service]
	if ns == "" {
		ns = XMLNS["iam"]
	}
	body, _ := xml.Marshal(queryError{Xmlns: ns, Type: typ, Code: e.Code, Message: e.Message, RequestID: requestID})
	writeXML(w, requestID, status, body)
}

func writeXML(w http.ResponseWriter, requestID string, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("X-Amzn-Requestid", requestID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// WriteQuery writes a Query protocol success: <OpResponse><OpResult>…</OpResult><ResponseMetadata>.
func WriteQuery(w http.ResponseWriter, service, op, requestID string, result any) {
	var b bytes.Buffer
	b.WriteString(`<` + op + `Response xmlns="` + XMLNS[service] + `">`)
	enc := xml.NewEncoder(&b)
	if result != nil {
		if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: op + "Result"}}); err != nil {
			WriteError(w, api.Query, service, requestID, &api.Error{Code: "ServiceFailure", Message: "The request processing has failed because of an unknown error, exception or failure.", Status: 500, Receiver: true})
			return
		}
		_ = enc.Flush()
	}
	b.WriteString(`<ResponseMetadata><RequestId>` + requestID + `</RequestId></ResponseMetadata></` + op + `Response>`)
	writeXML(w, requestID, http.StatusOK, b.Bytes())
}
