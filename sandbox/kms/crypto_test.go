package kms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/kmslab/kmslab/sandbox/api"
)

func TestEncryptDecryptRoundTrip(t *testing.T) {
	h := newHarness(t)
	id, arn := h.createKey(nil)
	ec := map[string]string{"purpose": "lab", "table": "nextwork"}
	enc, ts, err := h.call("Encrypt", map[string]any{"KeyId": id, "Plaintext": []byte("hello kms"), "EncryptionContext": ec})
	if err != nil {
		t.Fatal(err)
	}
	if ts[0].Action != "kms:Encrypt" || ts[0].Resource != arn || ts[0].Context["kms:EncryptionContext:purpose"][0] != "lab" ||
		strings.Join(ts[0].Context["kms:EncryptionContextKeys"], ",") != "purpose,table" || ts[0].Context["kms:CallerAccount"][0] != testAcct {
		t.Fatalf("Encrypt targets = %+v", ts)
	}
	if enc["KeyId"] != arn || enc["EncryptionAlgorithm"] != "SYMMETRIC_DEFAULT" {
		t.Fatalf("Encrypt = %v", enc)
	}
	ct := blob(t, enc, "CiphertextBlob")
	if bytes.Contains(ct, []byte("hello kms")) {
		t.Fatal("plaintext visible in the ciphertext")
	}
	// Without KeyId the blob names its key; the target is that key.
	dec, ts, err := h.call("Decrypt", map[string]any{"CiphertextBlob": ct, "EncryptionContext": map[string]string{"table": "nextwork", "purpose": "lab"}})
	if err != nil {
		t.Fatal(err)
	}
	if ts[0].Action != "kms:Decrypt" || ts[0].Resource != arn || !ts[0].KeyPolicy {
		t.Fatalf("Decrypt targets = %+v", ts)
	}
	if string(blob(t, dec, "Plaintext")) != "hello kms" || dec["KeyId"] != arn || dec["EncryptionAlgorithm"] != "SYMMETRIC_DEFAULT" {
		t.Fatalf("Decrypt = %v", dec)
	}
	// With KeyId in any form.
	h.must("CreateAlias", map[string]any{"AliasName": "alias/rt", "TargetKeyId": id})
	for _, ref := range []string{id, arn, "alias/rt"} {
		h.must("Decrypt", map[string]any{"CiphertextBlob": ct, "KeyId": ref, "EncryptionContext": ec})
	}
	// Two encryptions of the same text differ (fresh nonce).
	ct2 := blob(t, h.must("Encrypt", map[string]any{"KeyId": id, "Plaintext": []byte("hello kms"), "EncryptionContext": ec}), "CiphertextBlob")
	if bytes.Equal(ct, ct2) {
		t.Fatal("deterministic ciphertext")
	}
}

func TestDecryptFailures(t *testing.T) {
	h := newHarness(t)
	id, _ := h.createKey(nil)
	other, _ := h.createKey(nil)
	ec := map[string]string{"a": "1"}
	ct := blob(t, h.must("Encrypt", map[string]any{"KeyId": id, "Plaintext": []byte("secret"), "EncryptionContext": ec}), "CiphertextBlob")
	for name, in := range map[string]map[string]any{
		"no context":     {"CiphertextBlob": ct},
		"wrong value":    {"CiphertextBlob": ct, "EncryptionContext": map[string]string{"a": "2"}},
		"extra pair":     {"CiphertextBlob": ct, "EncryptionContext": map[string]string{"a": "1", "b": "2"}},
		"garbage":        {"CiphertextBlob": []byte("not a kms ciphertext blob at all, clearly too short?")},
		"tiny":           {"CiphertextBlob": []byte{1}},
		"tampered tail":  {"CiphertextBlob": flip(ct, len(ct)-1), "EncryptionContext": ec},
		"tampered nonce": {"CiphertextBlob": flip(ct, 25), "EncryptionContext": ec},
		"bad material":   {"CiphertextBlob": flip(ct, 20), "EncryptionContext": ec},
	} {
		_, _, err := h.call("Decrypt", in)
		if ae := wantCode(t, err, "InvalidCiphertextException"); ae.Message != "" {
			t.Errorf("%s: message %q", name, ae.Message)
		}
	}
	_, _, err := h.call("Decrypt", map[string]any{"CiphertextBlob": ct, "KeyId": other, "EncryptionContext": ec})
	wantErr(t, err, "IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.")
	_, _, err = h.call("Decrypt", map[string]any{"CiphertextBlob": ct, "KeyId": "alias/none"})
	wantCode(t, err, "NotFoundException")
	_, _, err = h.call("Decrypt", map[string]any{})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null")
	// A blob whose key-id byte is changed names no key: still just an invalid ciphertext.
	_, _, err = h.call("Decrypt", map[string]any{"CiphertextBlob": flip(ct, 3), "EncryptionContext": ec})
	wantCode(t, err, "InvalidCiphertextException")
	// So is a blob from another region.
	h.region = "eu-west-1"
	_, _, err = h.call("Decrypt", map[string]any{"CiphertextBlob": ct, "EncryptionContext": ec})
	wantCode(t, err, "InvalidCiphertextException")
	h.region = "us-east-1"
	// Disabled key: DisabledException before any decryption.
	h.must("DisableKey", map[string]any{"KeyId": id})
	_, _, err = h.call("Decrypt", map[string]any{"CiphertextBlob": ct, "EncryptionContext": ec})
	wantCode(t, err, "DisabledException")
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x01
	return c
}

func TestEncryptLimits(t *testing.T) {
	h := newHarness(t)
	id, _ := h.createKey(nil)
	h.must("Encrypt", map[string]any{"KeyId": id, "Plaintext": make([]byte, 4096)})
	_, _, err := h.call("Encrypt", map[string]any{"KeyId": id, "Plaintext": make([]byte, 4097)})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096")
	_, _, err = h.call("Encrypt", map[string]any{"KeyId": id, "Plaintext": []byte{}})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1")
	_, _, err = h.call("Encrypt", map[string]any{"KeyId": id})
	wantCode(t, err, "ValidationException")
	_, _, err = h.call("Encrypt", map[string]any{"KeyId": id, "Plaintext": []byte("x"), "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"})
	wantCode(t, err, "InvalidKeyUsageException")
	_, _, err = h.call("Encrypt", map[string]any{"KeyId": id, "Plaintext": []byte("x"), "DryRun": true})
	wantCode(t, err, "DryRunOperationException")
}

func TestContextEncodingIsUnambiguous(t *testing.T) {
	a := canonicalContext(nil, map[string]string{"a": "bc"})
	b := canonicalContext(nil, map[string]string{"ab": "c"})
	if bytes.Equal(a, b) {
		t.Fatal("different contexts encode the same")
	}
	if !bytes.Equal(canonicalContext(nil, nil), canonicalContext(nil, map[string]string{})) {
		t.Fatal("nil and empty context differ")
	}
	x := canonicalContext(nil, map[string]string{"k1": "v1", "k2": "v2", "k3": "v3"})
	for range 20 {
		if !bytes.Equal(x, canonicalContext(nil, map[string]string{"k3": "v3", "k1": "v1", "k2": "v2"})) {
			t.Fatal("encoding depends on map order")
		}
	}
}

func TestReEncrypt(t *testing.T) {
	h := newHarness(t)
	src, srcARN := h.createKey(nil)
	dst, dstARN := h.createKey(nil)
	ct := blob(t, h.must("Encrypt", map[string]any{"KeyId": src, "Plaintext": []byte("move me"), "EncryptionContext": map[string]string{"s": "1"}}), "CiphertextBlob")
	out, ts, err := h.call("ReEncrypt", map[string]any{"CiphertextBlob": ct, "SourceEncryptionContext": map[string]string{"s": "1"},
		"DestinationKeyId": dst, "DestinationEncryptionContext": map[string]string{"d": "2"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[0].Action != "kms:ReEncryptFrom" || ts[0].Resource != srcARN || ts[1].Action != "kms:ReEncryptTo" || ts[1].Resource != dstARN {
		t.Fatalf("targets = %+v", ts)
	}
	if out["KeyId"] != dstARN || out["SourceKeyId"] != srcARN || out["SourceEncryptionAlgorithm"] != "SYMMETRIC_DEFAULT" {
		t.Fatalf("ReEncrypt = %v", out)
	}
	dec := h.must("Decrypt", map[string]any{"CiphertextBlob": blob(t, out, "CiphertextBlob"), "EncryptionContext": map[string]string{"d": "2"}})
	if string(blob(t, dec, "Plaintext")) != "move me" || dec["KeyId"] != dstARN {
		t.Fatalf("Decrypt after ReEncrypt = %v", dec)
	}
	_, _, err = h.call("ReEncrypt", map[string]any{"CiphertextBlob": ct, "DestinationKeyId": dst})
	wantCode(t, err, "InvalidCiphertextException")
	_, _, err = h.call("ReEncrypt", map[string]any{"CiphertextBlob": ct, "SourceKeyId": dst, "DestinationKeyId": dst, "SourceEncryptionContext": map[string]string{"s": "1"}})
	wantCode(t, err, "IncorrectKeyException")
	h.must("DisableKey", map[string]any{"KeyId": dst})
	_, _, err = h.call("ReEncrypt", map[string]any{"CiphertextBlob": ct, "SourceEncryptionContext": map[string]string{"s": "1"}, "DestinationKeyId": dst})
	wantErr(t, err, "DisabledException", dstARN+" is disabled.")
}

func TestGenerateDataKey(t *testing.T) {
	h := newHarness(t)
	id, arn := h.createKey(nil)
	for _, c := range []struct {
		in   map[string]any
		size int
	}{
		{map[string]any{"KeyId": id, "KeySpec": "AES_256"}, 32},
		{map[string]any{"KeyId": id, "KeySpec": "AES_128"}, 16},
		{map[string]any{"KeyId": id, "NumberOfBytes": 1}, 1},
		{map[string]any{"KeyId": id, "NumberOfBytes": 1024, "EncryptionContext": map[string]string{"x": "y"}}, 1024},
	} {
		out, ts, err := h.call("GenerateDataKey", c.in)
		if err != nil {
			t.Fatal(err)
		}
		if ts[0].Action != "kms:GenerateDataKey" {
			t.Fatalf("targets = %+v", ts)
		}
		pt := blob(t, out, "Plaintext")
		if len(pt) != c.size || out["KeyId"] != arn {
			t.Fatalf("GenerateDataKey %v = %d bytes, %v", c.in, len(pt), out["KeyId"])
		}
		dec := h.must("Decrypt", map[string]any{"CiphertextBlob": blob(t, out, "CiphertextBlob"), "EncryptionContext": c.in["EncryptionContext"]})
		if !bytes.Equal(blob(t, dec, "Plaintext"), pt) {
			t.Fatal("data key does not decrypt to its plaintext")
		}
	}
	out, ts, err := h.call("GenerateDataKeyWithoutPlaintext", map[string]any{"KeyId": id, "KeySpec": "AES_256"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := out["Plaintext"]; ok || ts[0].Action != "kms:GenerateDataKeyWithoutPlaintext" {
		t.Fatalf("WithoutPlaintext = %v %+v", out, ts)
	}
	if len(blob(t, h.must("Decrypt", map[string]any{"CiphertextBlob": blob(t, out, "CiphertextBlob")}), "Plaintext")) != 32 {
		t.Fatal("WithoutPlaintext blob does not hold 32 bytes")
	}
	for _, in := range []map[string]any{
		{"KeyId": id},
		{"KeyId": id, "KeySpec": "AES_256", "NumberOfBytes": 32},
	} {
		_, _, err := h.call("GenerateDataKey", in)
		wantErr(t, err, "ValidationException", "Please specify either number of bytes or key spec.")
	}
	for _, in := range []map[string]any{
		{"KeyId": id, "NumberOfBytes": 0},
		{"KeyId": id, "NumberOfBytes": 1025},
		{"KeyId": id, "KeySpec": "AES_512"},
	} {
		_, _, err := h.call("GenerateDataKey", in)
		wantCode(t, err, "ValidationException")
	}
}

// newFuzzKey is a bare key with fresh material, no store needed.
func newFuzzKey(t testing.TB) *key {
	m, err := newMaterial(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	k, err := newKey(keyRecord{ID: uuid.NewString(), State: stateEnabled, Materials: []material{m}})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// FuzzCiphertextParse: any bytes are either rejected or are the one real blob; never a panic.
func FuzzCiphertextParse(f *testing.F) {
	k := newFuzzKey(f)
	ec := map[string]string{"aws:dynamodb:tableName": "t"}
	good, err := k.seal([]byte("seed plaintext"), ec)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:minBlobLen])
	f.Add([]byte{})
	f.Add([]byte{blobVersion})
	f.Add(append([]byte{2}, good[1:]...))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, ok := parseBlob(b); ok && (len(b) < minBlobLen || b[0] != blobVersion) {
			t.Fatal("malformed blob accepted by parseBlob")
		}
		pt, _, err := k.open(b, ec)
		if err == nil && (!bytes.Equal(b, good) || string(pt) != "seed plaintext") {
			t.Fatalf("forged blob opened: %x", b)
		}
	})
}

// FuzzDecrypt drives the whole Decrypt operation (Targets then Handle) with arbitrary bodies.
func FuzzDecrypt(f *testing.F) {
	h := newHarness(f)
	id, _ := h.createKey(nil)
	h.must("CreateAlias", map[string]any{"AliasName": "alias/fuzz", "TargetKeyId": id})
	ct := blob(f, h.must("Encrypt", map[string]any{"KeyId": id, "Plaintext": []byte("p"), "EncryptionContext": map[string]string{"a": "b"}}), "CiphertextBlob")
	good, _ := json.Marshal(map[string]any{"CiphertextBlob": ct, "EncryptionContext": map[string]string{"a": "b"}})
	withKey, _ := json.Marshal(map[string]any{"CiphertextBlob": ct, "KeyId": "alias/fuzz"})
	f.Add(good)
	f.Add(withKey)
	f.Add([]byte(`{"CiphertextBlob":"AQ=="}`))
	f.Add([]byte(`{"CiphertextBlob":"` + strings.Repeat("A", 64) + `","KeyId":"arn:aws:kms:eu-west-1:1:key/x"}`))
	f.Add([]byte(`{"CiphertextBlob":null,"EncryptionContext":{"":""}}`))
	f.Add([]byte(`{`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r := &api.Request{Ctx: context.Background(), Service: "kms", Operation: "Decrypt", Region: h.region, Caller: h.caller, Now: h.now, Body: body}
		if _, err := h.s.Targets(r); err != nil {
			assertAPIError(t, err)
			return
		}
		if _, err := h.s.Handle(r); err != nil {
			assertAPIError(t, err)
		}
	})
}

func assertAPIError(t *testing.T, err error) {
	t.Helper()
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Code == "" || ae.Status == 0 {
		t.Fatalf("not an AWS-shaped error: %v", err)
	}
}
