package iam

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"strings"
	"time"
)

// AWS ids use the base32 alphabet (A–Z, 2–7) after a four-letter type prefix.
var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// randomID returns prefix + n base32 characters.
func randomID(prefix string, n int) string {
	b := make([]byte, (n*5+7)/8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	return prefix + idEncoding.EncodeToString(b)[:n]
}

// newUserID is a unique user id: "AIDA" + 17 characters, 21 in all, like AWS's
// (IAM User Guide reference_identifiers: AIDAJQABLZS4A3QDU576Q).
func newUserID() string { return randomID("AIDA", 17) }

// newAccessKeyID is a long-term access key id: "AKIA" + 16 characters (20 in all).
func newAccessKeyID() string { return randomID("AKIA", 16) }

// newSecret is a 40-character secret access key of base64 characters, like AWS's.
func newSecret() string {
	b := make([]byte, 30)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// isoTime formats a time the way IAM's XML does (ISO 8601, UTC, seconds).
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// urlEncodeDocument percent-encodes a policy document as IAM returns it: every byte
// except RFC 3986's unreserved characters (so a space is %20 and * is %2A).
func urlEncodeDocument(doc string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(doc) * 2)
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
