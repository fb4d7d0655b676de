package kms

import (
	"crypto/rand"
	"encoding/binary"
	"maps"
	"slices"

	"github.com/google/uuid"
)

// Ciphertext blob, version 1:
//
//	[0]      version (1)
//	[1:17]   key id (UUID bytes), so Decrypt can find the key without a KeyId
//	[17:21]  material index (big endian), so rotated keys still decrypt old blobs
//	[21:33]  GCM nonce
//	[33:]    AES-256-GCM ciphertext and tag
//
// The AAD is the 21-byte header followed by the canonical encryption context, so neither
// the header nor the context can change without the tag failing.
const (
	blobVersion = 1
	headerLen   = 1 + 16 + 4
	nonceLen    = 12
	tagLen      = 16
	minBlobLen  = headerLen + nonceLen + tagLen
)

// blobHeader is what a blob says about itself before it is authenticated.
type blobHeader struct {
	keyID    uuid.UUID
	material uint32
}

// parseBlob reads the header of a ciphertext blob; ok is false for anything that is not
// one of ours.
func parseBlob(b []byte) (h blobHeader, ok bool) {
	if len(b) < minBlobLen || b[0] != blobVersion {
		return h, false
	}
	copy(h.keyID[:], b[1:17])
	h.material = binary.BigEndian.Uint32(b[17:21])
	return h, true
}

// canonicalContext encodes an encryption context deterministically: pairs sorted by key,
// each length-prefixed, so {"a":"bc"} and {"ab":"c"} differ.
func canonicalContext(dst []byte, ec map[string]string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(ec)))
	if len(ec) == 0 {
		return dst
	}
	for _, k := range slices.Sorted(maps.Keys(ec)) {
		v := ec[k]
		dst = binary.AppendUvarint(dst, uint64(len(k)))
		dst = append(dst, k...)
		dst = binary.AppendUvarint(dst, uint64(len(v)))
		dst = append(dst, v...)
	}
	return dst
}

// seal encrypts plaintext under the key's current material, bound to ec.
func (k *key) seal(plaintext []byte, ec map[string]string) ([]byte, error) {
	idx := k.current()
	id, err := uuid.Parse(k.rec.ID)
	if err != nil {
		return nil, err
	}
	out := make([]byte, headerLen+nonceLen, minBlobLen+len(plaintext))
	out[0] = blobVersion
	copy(out[1:17], id[:])
	binary.BigEndian.PutUint32(out[17:21], uint32(idx))
	if _, err := rand.Read(out[headerLen : headerLen+nonceLen]); err != nil {
		return nil, err
	}
	aad := canonicalContext(append(make([]byte, 0, 64), out[:headerLen]...), ec)
	return k.aeads[idx].Seal(out, out[headerLen:headerLen+nonceLen], plaintext, aad), nil
}

// open decrypts a blob made by seal with this key. Any mismatch (other key, unknown
// material, wrong context, changed byte) is InvalidCiphertextException.
func (k *key) open(blob []byte, ec map[string]string) (plaintext []byte, materialIdx int, err error) {
	h, ok := parseBlob(blob)
	if !ok || h.keyID.String() != k.rec.ID || int64(h.material) >= int64(len(k.aeads)) {
		return nil, 0, errInvalidCiphertext()
	}
	var buf [128]byte
	aad := canonicalContext(append(buf[:0], blob[:headerLen]...), ec)
	pt, err := k.aeads[h.material].Open(nil, blob[headerLen:headerLen+nonceLen], blob[headerLen+nonceLen:], aad)
	if err != nil {
		return nil, 0, errInvalidCiphertext()
	}
	return pt, int(h.material), nil
}
