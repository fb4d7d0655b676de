package dynamodb

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash"
	"sync"
)

// Items at rest are AES-256-GCM ciphertext under a subkey of the table key. Their storage keys
// are HMACs (under another subkey) of the partition key and of the full primary key, so no
// attribute value, key values included, is on disk in the clear:
//
//	storage key   = HMAC(loc, "P"‖canon(pk)) ‖ HMAC(loc, "I"‖canon(pk)‖canon(sk))   (64 bytes)
//	storage value = 0x01 ‖ size(4, big endian) ‖ nonce(12) ‖ GCM(item JSON, AAD = tableARN‖0‖storage key)
//
// The AAD binds each ciphertext to its table and to its primary key (through the key's
// HMAC, so a Scan can open items without knowing their keys first). size is DynamoDB's item
// size, kept beside the ciphertext so DescribeTable can report TableSizeBytes without the
// table key.

const (
	partLen       = 32
	storageKeyLen = 64
	sealVersion   = 1
	sealHeader    = 1 + 4 + 12
)

var errCorrupt = errors.New("stored item does not decrypt under the table key")

// tableCrypto is the material derived from one table key.
type tableCrypto struct {
	aead cipher.AEAD
	loc  []byte
	macs sync.Pool // keyed HMAC states under loc: keying one costs two hashes
}

func newTableCrypto(tableKey []byte) (*tableCrypto, error) {
	if len(tableKey) != 32 {
		return nil, errors.New("table key must be 256 bits")
	}
	block, err := aes.NewCipher(derive(tableKey, "kmslab dynamodb item encryption"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &tableCrypto{aead: aead, loc: derive(tableKey, "kmslab dynamodb item location")}, nil
}

func derive(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

func (c *tableCrypto) mac(tag byte, parts ...[]byte) []byte {
	m, _ := c.macs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, c.loc)
	}
	m.Reset()
	m.Write([]byte{tag})
	for _, p := range parts {
		m.Write(p)
	}
	sum := m.Sum(make([]byte, 0, sha256.Size))
	c.macs.Put(m)
	return sum
}

// partition is the storage key prefix of a partition.
func (c *tableCrypto) partition(hashCanon []byte) []byte { return c.mac('P', hashCanon) }

// storageKey is the storage key of an item.
func (c *tableCrypto) storageKey(hashCanon, fullCanon []byte) []byte {
	k := make([]byte, 0, storageKeyLen)
	k = append(k, c.partition(hashCanon)...)
	return append(k, c.mac('I', fullCanon)...)
}

func aad(tableARN string, skey []byte) []byte {
	a := make([]byte, 0, len(tableARN)+1+len(skey))
	a = append(append(append(a, tableARN...), 0), skey...)
	return a
}

// seal encrypts an item's JSON for storage.
func (c *tableCrypto) seal(tableARN string, skey, plain []byte, size int) []byte {
	out := make([]byte, sealHeader, sealHeader+len(plain)+c.aead.Overhead())
	out[0] = sealVersion
	binary.BigEndian.PutUint32(out[1:5], uint32(size))
	nonce := out[5:sealHeader]
	if _, err := rand.Read(nonce); err != nil {
		panic("crypto/rand failed: " + err.Error()) // cannot happen on supported platforms
	}
	return c.aead.Seal(out, nonce, plain, aad(tableARN, skey))
}

// open decrypts a stored item; the result does not alias stored.
func (c *tableCrypto) open(tableARN string, skey, stored []byte) ([]byte, error) {
	if len(stored) < sealHeader+c.aead.Overhead() || stored[0] != sealVersion {
		return nil, errCorrupt
	}
	plain, err := c.aead.Open(nil, stored[5:sealHeader], stored[sealHeader:], aad(tableARN, skey))
	if err != nil {
		return nil, errCorrupt
	}
	return plain, nil
}

// storedSize reads the item size kept beside a ciphertext.
func storedSize(stored []byte) int {
	if len(stored) < sealHeader {
		return 0
	}
	return int(binary.BigEndian.Uint32(stored[1:5]))
}

func randomKey() []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return k
}
