// Package sigv4 verifies AWS Signature Version 4 on incoming requests, the way AWS does:
// it rebuilds the canonical request from what the client says it signed and compares
// signatures computed with the stored secret.
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Algorithm is the only signing algorithm accepted.
const Algorithm = "AWS4-HMAC-SHA256"

// MaxSkew is how far the request time may be from the server's clock.
const MaxSkew = 15 * time.Minute

// Kind classifies a failure so each protocol can word it its own way.
type Kind int

const (
	// Missing: no Authorization header.
	Missing Kind = iota + 1
	// Incomplete: the header is malformed or lacks a part.
	Incomplete
	// Mismatch: the signature does not match.
	Mismatch
	// Expired: the request time is outside the skew window.
	Expired
	// BadScope: wrong service, terminator or date in the credential scope.
	BadScope
)

// Error is a verification failure.
type Error struct {
	Kind    Kind
	Message string
}

func (e *Error) Error() string { return e.Message }

// Auth is a parsed Authorization header.
type Auth struct {
	AccessKeyID   string
	Date          string // YYYYMMDD from the scope
	Region        string
	Service       string
	Terminator    string
	SignedHeaders []string
	Signature     string
}

// Parse reads the Authorization header.
func Parse(r *http.Request) (*Auth, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, &Error{Missing, "Request is missing Authentication Token"}
	}
	alg, rest, _ := strings.Cut(h, " ")
	if alg != Algorithm {
		return nil, &Error{Incomplete, fmt.Sprintf("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Unsupported algorithm %q.", alg)}
	}
	a := &Auth{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "Credential":
			f := strings.Split(v, "/")
			if len(f) != 5 {
				return nil, &Error{Incomplete, fmt.Sprintf("Credential should have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", v)}
			}
			a.AccessKeyID, a.Date, a.Region, a.Service, a.Terminator = f[0], f[1], f[2], f[3], f[4]
		case "SignedHeaders":
			a.SignedHeaders = strings.Split(v, ";")
		case "Signature":
			a.Signature = v
		}
	}
	var missing []string
	if a.AccessKeyID == "" {
		missing = append(missing, "'Credential'")
	}
	if len(a.SignedHeaders) == 0 {
		missing = append(missing, "'SignedHeaders'")
	}
	if a.Signature == "" {
		missing = append(missing, "'Signature'")
	}
	if len(missing) > 0 {
		return nil, &Error{Incomplete, "Authorization header requires " + strings.Join(missing, ", ") + " parameter. Authorization=" + h}
	}
	return a, nil
}

// Verify checks the signature of r, whose body has been read into body, against secret.
// service is the signing name the endpoint expects.
func Verify(r *http.Request, body []byte, a *Auth, secret, service string, now time.Time) error {
	if a.Terminator != "aws4_request" {
		return &Error{BadScope, fmt.Sprintf("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", a.Terminator)}
	}
	if service != "" && a.Service != service {
		return &Error{BadScope, fmt.Sprintf("Credential should be scoped to correct service: '%s'. ", service)}
	}
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		amzDate = r.Header.Get("Date")
	}
	t, err := parseTime(amzDate)
	if err != nil {
		return &Error{Incomplete, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."}
	}
	if t.Format("20060102") != a.Date {
		return &Error{BadScope, fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", a.Date, t.Format("20060102"), amzDate)}
	}
	if d := now.Sub(t); d > MaxSkew {
		return &Error{Expired, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			t.Format("20060102T150405Z"), now.Add(-MaxSkew).UTC().Format("20060102T150405Z"), now.UTC().Format("20060102T150405Z"))}
	} else if d < -MaxSkew {
		return &Error{Expired, fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)",
			t.Format("20060102T150405Z"), now.Add(MaxSkew).UTC().Format("20060102T150405Z"), now.UTC().Format("20060102T150405Z"))}
	}
	want := Signature(secret, a, StringToSign(amzDate, a, CanonicalRequest(r, body, a.SignedHeaders)))
	if !hmac.Equal([]byte(want), []byte(a.Signature)) {
		return &Error{Mismatch, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}
	}
	return nil
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse("20060102T150405Z", s); err == nil {
		return t, nil
	}
	return http.ParseTime(s)
}

// CanonicalRequest builds the canonical request string over the signed headers.
func CanonicalRequest(r *http.Request, body []byte, signed []string) string {
	var b strings.Builder
	b.Grow(512)
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.Query()))
	b.WriteByte('\n')
	for _, h := range signed {
		b.WriteString(h)
		b.WriteByte(':')
		b.WriteString(headerValue(r, h))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	if ph := r.Header.Get("X-Amz-Content-Sha256"); ph != "" {
		b.WriteString(ph)
	} else {
		sum := sha256.Sum256(body)
		b.WriteString(hex.EncodeToString(sum[:]))
	}
	return b.String()
}

func headerValue(r *http.Request, name string) string {
	switch name {
	case "host":
		return r.Host
	case "content-length":
		if v := r.Header.Get("Content-Length"); v != "" {
			return v
		}
		return fmt.Sprint(r.ContentLength)
	}
	vals := r.Header.Values(name)
	if len(vals) == 1 && trimmed(vals[0]) {
		return vals[0]
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(out, ",")
}

// trimmed reports whether v is ASCII with no leading, trailing or repeated spaces, so
// that collapsing its whitespace would leave it as it is.
func trimmed(v string) bool {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= 0x80, c == '\t', c == '\n', c == '\v', c == '\f', c == '\r':
			return false
		case c == ' ' && (i == 0 || i == len(v)-1 || v[i-1] == ' '):
			return false
		}
	}
	return true
}

func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return p
}

func canonicalQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vs := append([]string(nil), q[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			parts = append(parts, escape(k)+"="+escape(v))
		}
	}
	return strings.Join(parts, "&")
}

// escape is RFC 3986 percent-encoding as SigV4 requires.
func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// StringToSign builds the string to sign.
func StringToSign(amzDate string, a *Auth, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return Algorithm + "\n" + amzDate + "\n" + a.Date + "/" + a.Region + "/" + a.Service + "/" + a.Terminator + "\n" + hex.EncodeToString(sum[:])
}

// Signature signs with the key derived from secret and the scope.
func Signature(secret string, a *Auth, stringToSign string) string {
	k := signingKey(secret, a)
	m, _ := k.macs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, k.key)
	}
	m.Reset()
	m.Write([]byte(stringToSign))
	var sum [sha256.Size]byte
	sig := hex.EncodeToString(m.Sum(sum[:0]))
	k.macs.Put(m)
	return sig
}

// keys caches derived signing keys: they change once a day per credential and scope, and
// deriving one costs four HMACs on every request otherwise.
// The cache is bounded: regions are caller-chosen, so it is emptied when it grows large.
var keys = struct {
	sync.RWMutex
	m map[keyID]*signer
}{m: map[keyID]*signer{}}

// keyID names a derived key without building a string per request.
type keyID struct{ date, region, service, terminator, secret string }

// signer is a derived key with keyed HMAC states to reuse: keying one costs two hashes.
type signer struct {
	key  []byte
	macs sync.Pool
}

const maxCachedKeys = 1024

func signingKey(secret string, a *Auth) *signer {
	id := keyID{a.Date, a.Region, a.Service, a.Terminator, secret}
	keys.RLock()
	s, ok := keys.m[id]
	keys.RUnlock()
	if ok {
		return s
	}
	k := hmacSHA256([]byte("AWS4"+secret), a.Date)
	k = hmacSHA256(k, a.Region)
	k = hmacSHA256(k, a.Service)
	k = hmacSHA256(k, a.Terminator)
	keys.Lock()
	if len(keys.m) >= maxCachedKeys {
		keys.m = map[keyID]*signer{}
	}
	s = &signer{key: k}
	keys.m[id] = s
	keys.Unlock()
	return s
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
