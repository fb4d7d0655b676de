package dynamodb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kmslab/kmslab/sandbox/api"
)

// FuzzPutItemJSON sends arbitrary bodies to the item operations of a real table: every
// failure must be an AWS-shaped error and nothing may panic.
func FuzzPutItemJSON(f *testing.F) {
	for _, s := range []string{
		`{"TableName":"fzz","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"m":{"M":{"l":{"L":[{"NULL":true},{"BS":["AA=="]}]}}}}}`,
		`{"TableName":"fzz","Item":{"pk":{"S":"a"},"sk":{"N":"1e3"}},"ConditionExpression":"attribute_not_exists(pk) OR #n < :v","ExpressionAttributeNames":{"#n":"n"},"ExpressionAttributeValues":{":v":{"N":"5"}}}`,
		`{"TableName":"fzz","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"UpdateExpression":"SET a = list_append(if_not_exists(a, :l), :l) ADD n :v","ExpressionAttributeValues":{":l":{"L":[]},":v":{"N":"1"}}}`,
		`{"TableName":"fzz","KeyConditionExpression":"pk = :p AND sk BETWEEN :a AND :b","ExpressionAttributeValues":{":p":{"S":"a"},":a":{"N":"0"},":b":{"N":"9"}},"Limit":1}`,
		`{"TableName":"fzz","Item":{"pk":{"S":""},"sk":{"N":"x"}}}`, `{"TableName":"fzz","Item":{"pk":{}}}`, `{"Item":[]}`, `{`, `null`, `[]`, `{"TableName":5}`,
		`{"TableName":"fzz","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"s":{"SS":["a","a"]}}}`, `{"TableName":"fzz","Segment":0,"TotalSegments":2,"ExclusiveStartKey":{"pk":{"S":"a"},"sk":{"N":"1"}}}`,
	} {
		f.Add(s, uint8(0))
	}
	e := newEnv(f)
	e.createRange("fzz")
	ops := []string{"PutItem", "UpdateItem", "Query", "GetItem", "DeleteItem", "Scan", "BatchWriteItem", "BatchGetItem", "CreateTable", "UpdateTable"}
	f.Fuzz(func(t *testing.T, body string, op uint8) {
		r := &api.Request{Ctx: context.Background(), Operation: ops[int(op)%len(ops)], Region: region, Caller: admin, Body: []byte(body)}
		_, err := e.svc.Targets(r)
		if err == nil {
			var res any
			res, err = e.svc.Handle(r)
			if err == nil {
				if _, jerr := json.Marshal(res); jerr != nil {
					t.Fatalf("result does not encode: %v", jerr)
				}
			}
		}
		var ae *api.Error
		if err != nil && (!errors.As(err, &ae) || ae.Code == "InternalFailure") {
			t.Fatalf("%s %q: not an AWS error: %v", r.Operation, body, err)
		}
	})
}

func benchEnv(b *testing.B) *env {
	e := newEnv(b)
	e.createSimple("bench", `{"SSEType":"KMS","KMSMasterKeyId":"alias/nextwork-kms-key"}`)
	return e
}

func benchCall(b *testing.B, s *Service, op, body string) {
	r := &api.Request{Ctx: context.Background(), Operation: op, Region: region, Caller: admin, Body: []byte(body)}
	if _, err := s.Targets(r); err != nil {
		b.Fatal(err)
	}
	res, err := s.Handle(r)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := json.Marshal(res); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPutGet is one PutItem then one GetItem per op, as the gateway drives them
// (Targets, Handle, JSON encoding), on a customer-managed-key table with the fake broker.
func BenchmarkPutGet(b *testing.B) {
	e := benchEnv(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := fmt.Sprintf("item-%d", i)
		benchCall(b, e.svc, "PutItem", `{"TableName":"bench","Item":{"id":{"S":"`+id+`"},"name":{"S":"Ada Lovelace"},"n":{"N":"42"}}}`)
		benchCall(b, e.svc, "GetItem", `{"TableName":"bench","Key":{"id":{"S":"`+id+`"}}}`)
	}
}

// BenchmarkPutGet4 is the same with 4 concurrent clients, whose updates queue on the store.
func BenchmarkPutGet4(b *testing.B) {
	e := benchEnv(b)
	b.ReportAllocs()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				id := fmt.Sprintf("item-%d", i)
				benchCall(b, e.svc, "PutItem", `{"TableName":"bench","Item":{"id":{"S":"`+id+`"},"name":{"S":"Ada Lovelace"},"n":{"N":"42"}}}`)
				benchCall(b, e.svc, "GetItem", `{"TableName":"bench","Key":{"id":{"S":"`+id+`"}}}`)
			}
		}()
	}
	wg.Wait()
}
