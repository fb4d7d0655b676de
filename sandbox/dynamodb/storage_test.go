package dynamodb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kmslab/kmslab/sandbox/store"
)

// TestNoPlaintextOnDisk reads every raw file of the state: neither attribute values nor key values
// may appear in it, for a customer managed key table and an AWS owned key table alike.
func TestNoPlaintextOnDisk(t *testing.T) {
	e := newEnv(t)
	e.createSimple("cmk-table", `{"SSEType":"KMS","KMSMasterKeyId":"alias/nextwork-kms-key"}`)
	e.createSimple("owned-table", "")
	secrets := []string{"Zebra-Partition-Key-4711", "Marmalade-Sandwich-Secret", "Quokka-Owned-Key", "Ocelot-Owned-Value"}
	e.must("PutItem", `{"TableName":"cmk-table","Item":{"id":{"S":"Zebra-Partition-Key-4711"},"note":{"S":"Marmalade-Sandwich-Secret"},"n":{"N":"31415926535"}}}`)
	e.must("PutItem", `{"TableName":"owned-table","Item":{"id":{"S":"Quokka-Owned-Key"},"note":{"S":"Ocelot-Owned-Value"}}}`)
	e.must("UpdateItem", `{"TableName":"cmk-table","Key":{"id":{"S":"Zebra-Partition-Key-4711"}},"UpdateExpression":"SET extra = :e","ExpressionAttributeValues":{":e":{"S":"Marmalade-Sandwich-Secret"}}}`)
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	var raw []byte
	files, err := filepath.Glob(filepath.Join(e.dir, store.DirName, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no state files: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, b...)
	}
	for _, s := range append(secrets, "31415926535", "Marmalade") {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("%q is on disk in the clear", s)
		}
	}
	if !bytes.Contains(raw, []byte("cmk-table")) {
		t.Fatal("sanity: table metadata should be in the file")
	}
	e.open()
	if g := e.must("GetItem", `{"TableName":"cmk-table","Key":{"id":{"S":"Zebra-Partition-Key-4711"}}}`); path(g, "Item", "extra", "S") != "Marmalade-Sandwich-Secret" {
		t.Fatalf("reopen: %s", js(g))
	}
}

func TestRestartPersistence(t *testing.T) {
	e := newEnv(t)
	e.createRange("events")
	e.createSimple("enc", `{"SSEType":"KMS","KMSMasterKeyId":"`+keyARN+`"}`)
	for i := 0; i < 5; i++ {
		e.must("PutItem", fmt.Sprintf(`{"TableName":"events","Item":{"pk":{"S":"a"},"sk":{"N":"%d"}}}`, i))
	}
	e.must("PutItem", `{"TableName":"enc","Item":{"id":{"S":"x"},"v":{"S":"kept"}}}`)
	before := e.must("DescribeTable", `{"TableName":"enc"}`)
	e.restart()
	after := e.must("DescribeTable", `{"TableName":"enc"}`)
	if js(before) != js(after) {
		t.Fatalf("describe changed across restart:\n%s\n%s", js(before), js(after))
	}
	q := e.must("Query", `{"TableName":"events","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}}}`)
	if q["Count"] != 5.0 {
		t.Fatalf("query after restart: %s", js(q))
	}
	if g := e.must("GetItem", `{"TableName":"enc","Key":{"id":{"S":"x"}}}`); path(g, "Item", "v", "S") != "kept" {
		t.Fatalf("get after restart: %s", js(g))
	}
	if l := e.must("ListTables", `{}`); js(l["TableNames"]) != `["enc","events"]` {
		t.Fatalf("list: %s", js(l))
	}
	e.must("DeleteTable", `{"TableName":"events"}`)
	e.restart()
	if l := e.must("ListTables", `{}`); js(l["TableNames"]) != `["enc"]` {
		t.Fatalf("list after delete+restart: %s", js(l))
	}
}

func TestRawItem(t *testing.T) {
	e := newEnv(t)
	e.createSimple("enc", `{"SSEType":"KMS","KMSMasterKeyId":"alias/nextwork-kms-key"}`)
	e.must("PutItem", `{"TableName":"enc","Item":{"id":{"S":"1"},"secret":{"S":"top secret"}}}`)
	key := map[string]json.RawMessage{"id": json.RawMessage(`{"S":"1"}`)}
	stored, arn, err := e.svc.RawItem(region, "enc", key)
	if err != nil || arn != keyARN {
		t.Fatalf("RawItem: %v %q", err, arn)
	}
	if stored[0] != sealVersion || bytes.Contains(stored, []byte("top secret")) || len(stored) < sealHeader+16 {
		t.Fatalf("stored bytes: %x", stored)
	}
	// After a restart nothing is cached: the key is opened as the account root.
	e.restart()
	again, _, err := e.svc.RawItem(region, "enc", key)
	if err != nil || !bytes.Equal(again, stored) {
		t.Fatalf("RawItem after restart: %v", err)
	}
	if _, _, err := e.svc.RawItem(region, "enc", map[string]json.RawMessage{"id": json.RawMessage(`{"S":"2"}`)}); err == nil {
		t.Fatal("missing item found")
	}
	if _, _, err := e.svc.RawItem(region, "nope", key); err == nil {
		t.Fatal("missing table found")
	}
	if _, _, err := e.svc.RawItem(region, "enc", map[string]json.RawMessage{"id": json.RawMessage(`{"N":"1"}`)}); err == nil {
		t.Fatal("wrong key type accepted")
	}
}

// TestConcurrentWriters runs writers and readers together (under -race in CI), with
// conditional updates that must not lose increments.
func TestConcurrentWriters(t *testing.T) {
	e := newEnv(t)
	e.createSimple("hot", `{"SSEType":"KMS","KMSMasterKeyId":"alias/nextwork-kms-key"}`)
	e.must("PutItem", `{"TableName":"hot","Item":{"id":{"S":"counter"},"n":{"N":"0"}}}`)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if _, err := e.call("PutItem", fmt.Sprintf(`{"TableName":"hot","Item":{"id":{"S":"w%d-%d"}}}`, w, i)); err != nil {
					t.Error(err)
				}
				if _, err := e.call("UpdateItem", `{"TableName":"hot","Key":{"id":{"S":"counter"}},"UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"1"}}}`); err != nil {
					t.Error(err)
				}
				if _, err := e.call("GetItem", fmt.Sprintf(`{"TableName":"hot","Key":{"id":{"S":"w%d-%d"}}}`, w, i)); err != nil {
					t.Error(err)
				}
			}
		}(w)
	}
	wg.Wait()
	if g := e.must("GetItem", `{"TableName":"hot","Key":{"id":{"S":"counter"}}}`); path(g, "Item", "n", "N") != "160" {
		t.Fatalf("counter: %s", js(g))
	}
	if d := e.must("DescribeTable", `{"TableName":"hot"}`); path(d, "Table", "ItemCount") != 161.0 {
		t.Fatalf("count: %v", path(d, "Table", "ItemCount"))
	}
}
