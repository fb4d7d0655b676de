package dynamodb

import (
	"fmt"
	"strings"
	"testing"
)

func TestItemCRUD(t *testing.T) {
	e := newEnv(t)
	e.createSimple("items", "")
	e.must("PutItem", `{"TableName":"items","Item":{"id":{"S":"a"},"n":{"N":"1.50"},"tags":{"SS":["x","y"]},"m":{"M":{"k":{"L":[{"BOOL":true},{"NULL":true},{"B":"AAE="}]}}}}}`)
	g := e.must("GetItem", `{"TableName":"items","Key":{"id":{"S":"a"}},"ConsistentRead":true}`)
	if js(g["Item"]) != `{"id":{"S":"a"},"m":{"M":{"k":{"L":[{"BOOL":true},{"NULL":true},{"B":"AAE="}]}}},"n":{"N":"1.5"},"tags":{"SS":["x","y"]}}` {
		t.Fatalf("get: %s", js(g))
	}
	g = e.must("GetItem", `{"TableName":"items","Key":{"id":{"S":"a"}},"ProjectionExpression":"#n, m.k[2]","ExpressionAttributeNames":{"#n":"n"}}`)
	if js(g["Item"]) != `{"m":{"M":{"k":{"L":[{"B":"AAE="}]}}},"n":{"N":"1.5"}}` {
		t.Fatalf("projection: %s", js(g))
	}
	if g := e.must("GetItem", `{"TableName":"items","Key":{"id":{"S":"none"}}}`); len(g) != 0 {
		t.Fatalf("missing item: %s", js(g))
	}
	// Conditional put, ReturnValues ALL_OLD.
	e.fails("PutItem", `{"TableName":"items","Item":{"id":{"S":"a"}},"ConditionExpression":"attribute_not_exists(id)"}`, "ConditionalCheckFailedException", "The conditional request failed")
	p := e.must("PutItem", `{"TableName":"items","Item":{"id":{"S":"a"},"v":{"N":"2"}},"ConditionExpression":"n = :n","ExpressionAttributeValues":{":n":{"N":"1.5"}},"ReturnValues":"ALL_OLD"}`)
	if path(p, "Attributes", "n", "N") != "1.5" {
		t.Fatalf("ALL_OLD: %s", js(p))
	}
	// UpdateItem: counters, conditions, the return-value kinds.
	u := e.must("UpdateItem", `{"TableName":"items","Key":{"id":{"S":"a"}},"UpdateExpression":"SET v = v + :one, w = :w ADD c :one","ExpressionAttributeValues":{":one":{"N":"1"},":w":{"S":"ww"}},"ReturnValues":"UPDATED_NEW"}`)
	if js(u["Attributes"]) != `{"c":{"N":"1"},"v":{"N":"3"},"w":{"S":"ww"}}` {
		t.Fatalf("UPDATED_NEW: %s", js(u))
	}
	u = e.must("UpdateItem", `{"TableName":"items","Key":{"id":{"S":"a"}},"UpdateExpression":"REMOVE w","ReturnValues":"UPDATED_OLD"}`)
	if js(u["Attributes"]) != `{"w":{"S":"ww"}}` {
		t.Fatalf("UPDATED_OLD: %s", js(u))
	}
	u = e.must("UpdateItem", `{"TableName":"items","Key":{"id":{"S":"new"}},"UpdateExpression":"SET x = :x","ExpressionAttributeValues":{":x":{"S":"1"}},"ReturnValues":"ALL_NEW"}`)
	if js(u["Attributes"]) != `{"id":{"S":"new"},"x":{"S":"1"}}` {
		t.Fatalf("upsert: %s", js(u))
	}
	e.fails("UpdateItem", `{"TableName":"items","Key":{"id":{"S":"a"}},"UpdateExpression":"SET id = :x","ExpressionAttributeValues":{":x":{"S":"1"}}}`, "ValidationException",
		"One or more parameter values were invalid: Cannot update attribute id. This attribute is part of the key")
	e.fails("UpdateItem", `{"TableName":"items","Key":{"id":{"S":"a"}},"UpdateExpression":"SET v = v + :x","ExpressionAttributeValues":{":x":{"S":"1"}}}`, "ValidationException",
		"Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S")
	e.fails("UpdateItem", `{"TableName":"items","Key":{"id":{"S":"a"}},"UpdateExpression":"SET v = nothere + :x","ExpressionAttributeValues":{":x":{"N":"1"}}}`, "ValidationException",
		"The provided expression refers to an attribute that does not exist in the item")
	e.fails("UpdateItem", `{"TableName":"items","Key":{"id":{"S":"a"}},"UpdateExpression":"SET v = :x","ConditionExpression":"v > :x","ExpressionAttributeValues":{":x":{"N":"100"}}}`, "ConditionalCheckFailedException", "The conditional request failed")
	// DeleteItem with a condition and ALL_OLD.
	e.fails("DeleteItem", `{"TableName":"items","Key":{"id":{"S":"a"}},"ConditionExpression":"v = :x","ExpressionAttributeValues":{":x":{"N":"9"}}}`, "ConditionalCheckFailedException", "The conditional request failed")
	d := e.must("DeleteItem", `{"TableName":"items","Key":{"id":{"S":"a"}},"ReturnValues":"ALL_OLD","ReturnConsumedCapacity":"TOTAL"}`)
	if path(d, "Attributes", "v", "N") != "3" || path(d, "ConsumedCapacity", "TableName") != "items" || path(d, "ConsumedCapacity", "CapacityUnits") != 1.0 {
		t.Fatalf("delete: %s", js(d))
	}
	if d := e.must("DeleteItem", `{"TableName":"items","Key":{"id":{"S":"a"}},"ReturnValues":"ALL_OLD"}`); len(d) != 0 {
		t.Fatalf("second delete: %s", js(d))
	}
	e.fails("PutItem", `{"TableName":"items","Item":{"id":{"S":"a"}},"ReturnValues":"ALL_NEW"}`, "ValidationException", "Return values set to invalid value")
	e.fails("PutItem", `{"TableName":"items","Item":{"id":{"S":"a"}},"ReturnValues":"SOME"}`, "ValidationException",
		"1 validation error detected: Value 'SOME' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]")
	e.fails("PutItem", `{"TableName":"missing","Item":{"id":{"S":"a"}}}`, "ResourceNotFoundException", "Requested resource not found")
}

func TestItemValidation(t *testing.T) {
	e := newEnv(t)
	e.createSimple("items", "")
	e.createRange("ranged")
	big := strings.Repeat("x", 400*1024)
	cases := []struct{ op, body, code, msg string }{
		{"PutItem", `{"TableName":"items","Item":{"id":{"N":"1"}}}`, "ValidationException", "One or more parameter values were invalid: Type mismatch for key id expected: S actual: N"},
		{"PutItem", `{"TableName":"items","Item":{"x":{"S":"1"}}}`, "ValidationException", "One or more parameter values were invalid: Missing the key id in the item"},
		{"PutItem", `{"TableName":"ranged","Item":{"pk":{"S":"1"}}}`, "ValidationException", "One or more parameter values were invalid: Missing the key sk in the item"},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":""}}}`, "ValidationException", "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: id"},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"},"big":{"S":"` + big + `"}}}`, "ValidationException", "Item size has exceeded the maximum allowed size"},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"},"e":{}}}`, "ValidationException", "One or more parameter values were invalid: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"},"e":{"S":"x","N":"1"}}}`, "ValidationException", "One or more parameter values were invalid: Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"},"e":{"SS":[]}}}`, "ValidationException", "One or more parameter values were invalid: An string set  may not be empty"},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"},"e":{"SS":["a","a"]}}}`, "ValidationException", "One or more parameter values were invalid: Input collection [a, a] contains duplicates."},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"},"e":{"N":"abc"}}}`, "ValidationException", "The parameter cannot be converted to a numeric value: abc"},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"},"e":{"N":"1e126"}}}`, "ValidationException", "Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"},"e":{"N":"123456789012345678901234567890123456789"}}}`, "ValidationException", "Attempting to store more than 38 significant digits in a Number"},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"},"e":{"NULL":false}}}`, "ValidationException", "One or more parameter values were invalid: Null attribute value types must have the value of true"},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"},"e":{"B":"%%%"}}}`, "SerializationException", "Base64 encoded length"},
		{"PutItem", `{"TableName":"items"}`, "ValidationException", "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null"},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"` + strings.Repeat("k", 2049) + `"}}}`, "ValidationException", "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"},
		{"GetItem", `{"TableName":"items","Key":{"id":{"S":"a"},"x":{"S":"b"}}}`, "ValidationException", "The provided key element does not match the schema"},
		{"GetItem", `{"TableName":"items","Key":{"id":{"N":"1"}}}`, "ValidationException", "The provided key element does not match the schema"},
		{"GetItem", `{"TableName":"ranged","Key":{"pk":{"S":"a"}}}`, "ValidationException", "The provided key element does not match the schema"},
		{"GetItem", `{"TableName":"items","Key":{"id":{"S":""}}}`, "ValidationException", "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: id"},
		{"GetItem", `{"TableName":"items"}`, "ValidationException", "1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null"},
	}
	for _, c := range cases {
		name := c.msg
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) { e.fails(c.op, c.body, c.code, c.msg) })
	}
}

func TestExpressionErrorsOnTheWire(t *testing.T) {
	e := newEnv(t)
	e.createSimple("items", "")
	cases := []struct{ op, body, msg string }{
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"}},"ConditionExpression":"attribute_not_exists(id)","ExpressionAttributeValues":{":x":{"S":"1"}}}`,
			"Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}"},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"}},"ConditionExpression":"#a = :x","ExpressionAttributeNames":{"#a":"a","#b":"b"},"ExpressionAttributeValues":{":x":{"S":"1"}}}`,
			"Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"}},"ConditionExpression":"a = :nope","ExpressionAttributeValues":{":x":{"S":"1"}}}`,
			"Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope"},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"}},"ConditionExpression":"#nope = :x","ExpressionAttributeValues":{":x":{"S":"1"}}}`,
			"Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #nope"},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"}},"ConditionExpression":"a = = :x","ExpressionAttributeValues":{":x":{"S":"1"}}}`,
			`Invalid ConditionExpression: Syntax error; token: "="`},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"}},"ExpressionAttributeValues":{":x":{"S":"1"}}}`,
			"ExpressionAttributeValues can only be specified when using expressions"},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"}},"ConditionExpression":"a = :x","ExpressionAttributeValues":{}}`,
			"ExpressionAttributeValues must not be empty"},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"}},"ConditionExpression":"a = :x","ExpressionAttributeValues":{"x":{"S":"1"}}}`,
			`ExpressionAttributeValues contains invalid key: Syntax error; key: "x"`},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"}},"ConditionExpression":"a = :x","ExpressionAttributeValues":{":x":{"SS":[]}}}`,
			"ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: An string set  may not be empty for key :x"},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"}},"ConditionExpression":"data = :x","ExpressionAttributeValues":{":x":{"S":"1"}}}`,
			"Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: data"},
		{"GetItem", `{"TableName":"items","Key":{"id":{"S":"a"}},"ProjectionExpression":"a, a.b"}`,
			"Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"},
		{"GetItem", `{"TableName":"items","Key":{"id":{"S":"a"}},"ProjectionExpression":"a","AttributesToGet":["a"]}`,
			"Can not use both expression and non-expression parameters in the same request"},
		{"UpdateItem", `{"TableName":"items","Key":{"id":{"S":"a"}},"UpdateExpression":""}`,
			"Invalid UpdateExpression: The expression can not be empty;"},
		{"Scan", `{"TableName":"items","FilterExpression":"size(a) > :n","ExpressionAttributeValues":{":n":{"N":"1"},":m":{"N":"2"}}}`,
			"Value provided in ExpressionAttributeValues unused in expressions: keys: {:m}"},
		{"Query", `{"TableName":"items","KeyConditionExpression":"id = :i","ExpressionAttributeValues":{":i":{"S":"a"},":j":{"S":"b"}}}`,
			"Value provided in ExpressionAttributeValues unused in expressions: keys: {:j}"},
		{"Query", `{"TableName":"items","KeyConditionExpression":"id = :i","FilterExpression":"id = :i","ExpressionAttributeValues":{":i":{"S":"a"}}}`,
			"Filter Expression can only contain non-primary key attributes: Primary key attribute: id"},
		{"Query", `{"TableName":"items"}`,
			"Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."},
		{"PutItem", `{"TableName":"items","Item":{"id":{"S":"a"}},"Expected":{"a":{"Exists":false}}}`,
			"The kmslab sandbox does not support the legacy parameter Expected"},
	}
	for _, c := range cases {
		name := c.msg
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			err := e.fails(c.op, c.body, "ValidationException", c.msg)
			if err.Type != "com.amazon.coral.validate#ValidationException" {
				t.Fatalf("type %s", err.Type)
			}
		})
	}
	// AttributesToGet still works on its own.
	e.must("PutItem", `{"TableName":"items","Item":{"id":{"S":"a"},"x":{"S":"1"},"y":{"S":"2"}}}`)
	if g := e.must("GetItem", `{"TableName":"items","Key":{"id":{"S":"a"}},"AttributesToGet":["y"]}`); js(g["Item"]) != `{"y":{"S":"2"}}` {
		t.Fatalf("AttributesToGet: %s", js(g))
	}
}

func TestQueryOrderAndPagination(t *testing.T) {
	e := newEnv(t)
	e.createRange("events")
	for i := 0; i < 12; i++ {
		// Sort keys as numbers: 10 must come after 9 (string order would not).
		e.must("PutItem", fmt.Sprintf(`{"TableName":"events","Item":{"pk":{"S":"u1"},"sk":{"N":"%d"},"odd":{"BOOL":%v}}}`, i, i%2 == 1))
	}
	e.must("PutItem", `{"TableName":"events","Item":{"pk":{"S":"u2"},"sk":{"N":"-1.5"}}}`)
	sks := func(out map[string]any) string {
		var s []string
		for _, it := range out["Items"].([]any) {
			s = append(s, path(it, "sk", "N").(string))
		}
		return strings.Join(s, ",")
	}
	vals := `"ExpressionAttributeValues":{":p":{"S":"u1"}`
	q := e.must("Query", `{"TableName":"events","KeyConditionExpression":"pk = :p",`+vals+`}}`)
	if sks(q) != "0,1,2,3,4,5,6,7,8,9,10,11" || q["Count"] != 12.0 || q["LastEvaluatedKey"] != nil {
		t.Fatalf("forward: %s", sks(q))
	}
	q = e.must("Query", `{"TableName":"events","KeyConditionExpression":"pk = :p","ScanIndexForward":false,`+vals+`}}`)
	if sks(q) != "11,10,9,8,7,6,5,4,3,2,1,0" {
		t.Fatalf("backward: %s", sks(q))
	}
	q = e.must("Query", `{"TableName":"events","KeyConditionExpression":"pk = :p AND sk BETWEEN :a AND :b",`+vals+`,":a":{"N":"3"},":b":{"N":"10"}},"FilterExpression":"odd = :t","ExpressionAttributeValues":{":p":{"S":"u1"},":a":{"N":"3"},":b":{"N":"10"},":t":{"BOOL":true}}}`)
	if sks(q) != "3,5,7,9" || q["ScannedCount"] != 8.0 {
		t.Fatalf("between+filter: %s %s", sks(q), js(q))
	}
	// Pages of 5, forward and backward, join up exactly.
	for _, fwd := range []bool{true, false} {
		var all []string
		start := ""
		for page := 0; page < 10; page++ {
			body := fmt.Sprintf(`{"TableName":"events","KeyConditionExpression":"pk = :p","Limit":5,"ScanIndexForward":%v,%s}%s}`, fwd, vals, start)
			q := e.must("Query", body)
			if s := sks(q); s != "" {
				all = append(all, s)
			}
			lek := q["LastEvaluatedKey"]
			if lek == nil {
				break
			}
			start = `,"ExclusiveStartKey":` + js(lek)
		}
		want := "0,1,2,3,4,5,6,7,8,9,10,11"
		if !fwd {
			want = "11,10,9,8,7,6,5,4,3,2,1,0"
		}
		if strings.Join(all, ",") != want {
			t.Fatalf("paged (forward=%v): %v", fwd, all)
		}
	}
	c := e.must("Query", `{"TableName":"events","KeyConditionExpression":"pk = :p AND sk > :a","Select":"COUNT",`+vals+`,":a":{"N":"5"}}}`)
	if c["Count"] != 6.0 || c["Items"] != nil {
		t.Fatalf("COUNT: %s", js(c))
	}
	e.fails("Query", `{"TableName":"events","KeyConditionExpression":"pk = :p","Limit":0,`+vals+`}}`, "ValidationException",
		"1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
	e.fails("Query", `{"TableName":"events","KeyConditionExpression":"sk = :a",`+`"ExpressionAttributeValues":{":a":{"N":"1"}}}`, "ValidationException", "Query condition missed key schema element: pk")
	e.fails("Query", `{"TableName":"events","KeyConditionExpression":"pk = :p","ExclusiveStartKey":{"pk":{"S":"u2"},"sk":{"N":"1"}},`+vals+`}}`, "ValidationException",
		"The provided starting key is outside query boundaries based on provided conditions")
	e.fails("Query", `{"TableName":"events","KeyConditionExpression":"pk = :p","ExclusiveStartKey":{"pk":{"S":"u1"}},`+vals+`}}`, "ValidationException",
		"The provided starting key is invalid: The provided key element does not match the schema")
	e.must("CreateTable", `{"TableName":"words","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"w","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"w","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`)
	for _, w := range []string{"apple", "apricot", "banana", "ap"} {
		e.must("PutItem", `{"TableName":"words","Item":{"pk":{"S":"x"},"w":{"S":"`+w+`"}}}`)
	}
	q = e.must("Query", `{"TableName":"words","KeyConditionExpression":"pk = :p AND begins_with(w, :ap)","ExpressionAttributeValues":{":p":{"S":"x"},":ap":{"S":"ap"}}}`)
	if js(q["Items"]) != `[{"pk":{"S":"x"},"w":{"S":"ap"}},{"pk":{"S":"x"},"w":{"S":"apple"}},{"pk":{"S":"x"},"w":{"S":"apricot"}}]` {
		t.Fatalf("begins_with: %s", js(q))
	}
}

func TestScanPaginationAndSegments(t *testing.T) {
	e := newEnv(t)
	e.createRange("events")
	want := map[string]bool{}
	for i := 0; i < 60; i++ {
		e.must("PutItem", fmt.Sprintf(`{"TableName":"events","Item":{"pk":{"S":"p%d"},"sk":{"N":"%d"},"v":{"N":"%d"}}}`, i%7, i, i))
		want[fmt.Sprintf("p%d/%d", i%7, i)] = true
	}
	scanAll := func(extra string) []string {
		var got []string
		start := ""
		for page := 0; page < 100; page++ {
			out := e.must("Scan", `{"TableName":"events","Limit":7`+extra+start+`}`)
			for _, it := range out["Items"].([]any) {
				got = append(got, path(it, "pk", "S").(string)+"/"+path(it, "sk", "N").(string))
			}
			if out["LastEvaluatedKey"] == nil {
				return got
			}
			start = `,"ExclusiveStartKey":` + js(out["LastEvaluatedKey"])
		}
		t.Fatal("scan never ended")
		return nil
	}
	check := func(got []string, label string) {
		seen := map[string]bool{}
		for _, g := range got {
			if seen[g] {
				t.Fatalf("%s: %s twice", label, g)
			}
			seen[g] = true
		}
		if len(seen) != len(want) {
			t.Fatalf("%s: %d items, want %d", label, len(seen), len(want))
		}
	}
	all := scanAll("")
	check(all, "paged scan")
	// Within a partition, items come in sort-key order.
	last := map[string]int{}
	for _, g := range all {
		var p string
		var n int
		fmt.Sscanf(strings.Replace(g, "/", " ", 1), "%s %d", &p, &n)
		if prev, ok := last[p]; ok && n < prev {
			t.Fatalf("partition %s out of order: %v", p, all)
		}
		last[p] = n
	}
	var segs []string
	for s := 0; s < 3; s++ {
		segs = append(segs, scanAll(fmt.Sprintf(`,"Segment":%d,"TotalSegments":3`, s))...)
	}
	check(segs, "segments")
	f := e.must("Scan", `{"TableName":"events","FilterExpression":"v >= :n","ProjectionExpression":"v","ExpressionAttributeValues":{":n":{"N":"50"}}}`)
	if f["Count"] != 10.0 || f["ScannedCount"] != 60.0 || len(f["Items"].([]any)[0].(map[string]any)) != 1 {
		t.Fatalf("filter: %s", js(f))
	}
	e.fails("Scan", `{"TableName":"events","Segment":1}`, "ValidationException", "The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	e.fails("Scan", `{"TableName":"events","Segment":3,"TotalSegments":3}`, "ValidationException", "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 3 is not less than TotalSegments: 3")
}

func TestBatch(t *testing.T) {
	e := newEnv(t)
	e.createSimple("one", "")
	e.createSimple("two", `{"SSEType":"KMS","KMSMasterKeyId":"alias/nextwork-kms-key"}`)
	var puts []string
	for i := 0; i < 20; i++ {
		puts = append(puts, fmt.Sprintf(`{"PutRequest":{"Item":{"id":{"S":"k%d"}}}}`, i))
	}
	w := e.must("BatchWriteItem", `{"RequestItems":{"one":[`+strings.Join(puts, ",")+`],"two":[{"PutRequest":{"Item":{"id":{"S":"z"},"v":{"S":"secret"}}}}]}}`)
	if js(w["UnprocessedItems"]) != `{}` {
		t.Fatalf("write: %s", js(w))
	}
	g := e.must("BatchGetItem", `{"RequestItems":{"one":{"Keys":[{"id":{"S":"k1"}},{"id":{"S":"k19"}},{"id":{"S":"none"}}]},"two":{"Keys":[{"id":{"S":"z"}}],"ProjectionExpression":"v"}}}`)
	if len(path(g, "Responses", "one").([]any)) != 2 || js(path(g, "Responses", "two")) != `[{"v":{"S":"secret"}}]` || js(g["UnprocessedKeys"]) != `{}` {
		t.Fatalf("get: %s", js(g))
	}
	e.must("BatchWriteItem", `{"RequestItems":{"one":[{"DeleteRequest":{"Key":{"id":{"S":"k1"}}}}]}}`)
	if g := e.must("GetItem", `{"TableName":"one","Key":{"id":{"S":"k1"}}}`); g["Item"] != nil {
		t.Fatal("batch delete did not delete")
	}
	puts = append(puts, puts[:6]...)
	e.fails("BatchWriteItem", `{"RequestItems":{"one":[`+strings.Join(puts, ",")+`]}}`, "ValidationException", "Too many items requested for the BatchWriteItem call")
	e.fails("BatchWriteItem", `{"RequestItems":{"one":[`+strings.Join(puts[:2], ",")+`,`+puts[0]+`]}}`, "ValidationException", "Provided list of item keys contains duplicates")
	e.fails("BatchGetItem", `{"RequestItems":{"one":{"Keys":[{"id":{"S":"a"}},{"id":{"S":"a"}}]}}}`, "ValidationException", "Provided list of item keys contains duplicates")
	var keys []string
	for i := 0; i < 101; i++ {
		keys = append(keys, fmt.Sprintf(`{"id":{"S":"k%d"}}`, i))
	}
	e.fails("BatchGetItem", `{"RequestItems":{"one":{"Keys":[`+strings.Join(keys, ",")+`]}}}`, "ValidationException", "Too many items requested for the BatchGetItem call")
	e.fails("BatchGetItem", `{"RequestItems":{"nope":{"Keys":[{"id":{"S":"a"}}]}}}`, "ResourceNotFoundException", "Requested resource not found")
	e.fails("BatchWriteItem", `{}`, "ValidationException", "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null")
}
