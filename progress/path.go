package progress

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"regexp"
	"strings"
)

const (
	// partMax bounds each sanitised part so a name stays far below the usual
	// 255-byte limit: 4×40 + separators + hash + ".json" ≈ 185 bytes.
	partMax = 40
	// hashLen hex digits (64 bits) of the raw key's hash tell apart keys that
	// sanitise to the same text ("a/b" and "a_b", "Lab" and "lab").
	hashLen = 16
)

// fileNameRE is the shape of every name fileName returns; RemoveAll and List look
// only at files of this shape.
var fileNameRE = regexp.MustCompile(`^[a-z0-9_-][a-z0-9._-]*\.[0-9a-f]{16}\.json$`)

// fileName is target_account_region_prefix.<hash>.json, e.g.
// sandbox_000000000000_us-east-1_nextwork.3f0c…e1.json.
func fileName(k Key) string {
	parts := []string{k.Target, k.Account, k.Region, k.Prefix}
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('_')
		}
		b.WriteString(sanitise(p))
	}
	b.WriteByte('.')
	b.WriteString(keyHash(k))
	b.WriteString(".json")
	return b.String()
}

// sanitise keeps [a-z0-9._-] (ASCII letters lowered), turns every other rune into
// '_', never starts with '.', and is never empty, so no part can name a hidden
// file, a parent directory or a path separator.
func sanitise(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == partMax {
			break
		}
		switch {
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
		case r == '.' && n > 0:
		default:
			r = '_'
		}
		b.WriteRune(r)
		n++
	}
	if n == 0 {
		return "-"
	}
	return b.String()
}

// keyHash hashes the raw key with each part length-prefixed, so no two keys
// share an encoding.
func keyHash(k Key) string {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	for _, p := range []string{k.Target, k.Account, k.Region, k.Prefix} {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(p)))])
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))[:hashLen]
}
