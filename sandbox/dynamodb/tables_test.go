package dynamodb

import (
	"strings"
	"testing"
)

func TestCreateTableValidation(t *testing.T) {
	e := newEnv(t)
	ks := `"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]`
	ad := `"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}]`
	cases := []struct{ name, body, msg string }{
		{"short name", `{"TableName":"ab",` + ks + `,` + ad + `,"BillingMode":"PAY_PER_REQUEST"}`,
			"1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3"},
		{"bad name", `{"TableName":"a b c",` + ks + `,` + ad + `,"BillingMode":"PAY_PER_REQUEST"}`,
			"1 validation error detected: Value 'a b c' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
		{"no key schema", `{"TableName":"tbl",` + ad + `,"BillingMode":"PAY_PER_REQUEST"}`,
			"1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: Member must not be null"},
		{"two errors", `{"TableName":"tbl","BillingMode":"PAY_PER_REQUEST"}`,
			"2 validation errors detected: Value null at 'keySchema' failed to satisfy constraint: Member must not be null; Value null at 'attributeDefinitions'"},
		{"bad attribute type", `{"TableName":"tbl",` + ks + `,"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"X"}],"BillingMode":"PAY_PER_REQUEST"}`,
			"1 validation error detected: Value 'X' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]"},
		{"bad key type", `{"TableName":"tbl","KeySchema":[{"AttributeName":"id","KeyType":"SORT"}],` + ad + `,"BillingMode":"PAY_PER_REQUEST"}`,
			"1 validation error detected: Value 'SORT' at 'keySchema.1.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]"},
		{"range first", `{"TableName":"tbl","KeySchema":[{"AttributeName":"id","KeyType":"RANGE"}],` + ad + `,"BillingMode":"PAY_PER_REQUEST"}`,
			"Invalid KeySchema: The first KeySchemaElement is not a HASH key type"},
		{"two hashes", `{"TableName":"tbl","KeySchema":[{"AttributeName":"id","KeyType":"HASH"},{"AttributeName":"x","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"x","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`,
			"Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"},
		{"undefined key", `{"TableName":"tbl",` + ks + `,"AttributeDefinitions":[{"AttributeName":"x","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`,
			"One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [id], AttributeDefinitions: [x]"},
		{"extra definition", `{"TableName":"tbl",` + ks + `,"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"x","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`,
			"One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"},
		{"provisioned without throughput", `{"TableName":"tbl",` + ks + `,` + ad + `}`,
			"One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"},
		{"on-demand with throughput", `{"TableName":"tbl",` + ks + `,` + ad + `,"BillingMode":"PAY_PER_REQUEST","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}`,
			"One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"},
		{"zero capacity", `{"TableName":"tbl",` + ks + `,` + ad + `,"ProvisionedThroughput":{"ReadCapacityUnits":0,"WriteCapacityUnits":1}}`,
			"1 validation error detected: Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"bad billing", `{"TableName":"tbl",` + ks + `,` + ad + `,"BillingMode":"FREE"}`,
			"1 validation error detected: Value 'FREE' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]"},
		{"lsi without range", `{"TableName":"tbl",` + ks + `,"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"x","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST","LocalSecondaryIndexes":[{"IndexName":"byX","KeySchema":[{"AttributeName":"id","KeyType":"HASH"},{"AttributeName":"x","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}]}`,
			"One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { e.fails("CreateTable", c.body, "ValidationException", c.msg) })
	}
	e.fails("CreateTable", `{"TableName":`, "SerializationException", "")
	e.fails("CreateTable", `{"TableName":5}`, "SerializationException", "NUMBER_VALUE can not be converted to String")
}

func TestCreateDescribeListDelete(t *testing.T) {
	e := newEnv(t)
	out := e.createSimple("nextwork-kms-table", "")
	if got := path(out, "TableDescription", "TableStatus"); got != "CREATING" {
		t.Fatalf("CreateTable status %v", got)
	}
	if path(out, "TableDescription", "SSEDescription") != nil {
		t.Fatal("AWS owned key tables have no SSEDescription")
	}
	e.fails("CreateTable", `{"TableName":"nextwork-kms-table","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`,
		"ResourceInUseException", "Table already exists: nextwork-kms-table")
	d := e.must("DescribeTable", `{"TableName":"nextwork-kms-table"}`)
	for k, want := range map[string]any{"TableStatus": "ACTIVE", "TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/nextwork-kms-table", "ItemCount": 0.0, "TableSizeBytes": 0.0} {
		if got := path(d, "Table", k); got != want {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	if path(d, "Table", "BillingModeSummary", "BillingMode") != "PAY_PER_REQUEST" || path(d, "Table", "CreationDateTime") == nil || path(d, "Table", "TableId") == "" {
		t.Errorf("describe: %s", js(d))
	}
	e.must("PutItem", `{"TableName":"nextwork-kms-table","Item":{"id":{"S":"a"},"x":{"S":"hello"}}}`)
	d = e.must("DescribeTable", `{"TableName":"nextwork-kms-table"}`)
	if path(d, "Table", "ItemCount") != 1.0 || path(d, "Table", "TableSizeBytes") != 9.0 {
		t.Errorf("counts: %v %v", path(d, "Table", "ItemCount"), path(d, "Table", "TableSizeBytes"))
	}
	e.fails("DescribeTable", `{"TableName":"nope-table"}`, "ResourceNotFoundException", "Requested resource not found: Table: nope-table not found")

	for _, n := range []string{"t-b", "t-c", "t-d"} {
		e.createSimple(n, "")
	}
	l := e.must("ListTables", `{"Limit":2}`)
	if js(l["TableNames"]) != `["nextwork-kms-table","t-b"]` || l["LastEvaluatedTableName"] != "t-b" {
		t.Fatalf("page 1: %s", js(l))
	}
	l = e.must("ListTables", `{"Limit":2,"ExclusiveStartTableName":"t-b"}`)
	if js(l["TableNames"]) != `["t-c","t-d"]` || l["LastEvaluatedTableName"] != nil {
		t.Fatalf("page 2: %s", js(l))
	}
	l = e.must("ListTables", `{"ExclusiveStartTableName":"t-d"}`)
	if js(l["TableNames"]) != `[]` || l["LastEvaluatedTableName"] != nil {
		t.Fatalf("page 3: %s", js(l))
	}
	e.fails("ListTables", `{"Limit":0}`, "ValidationException", "1 validation error detected: Value '0' at 'limit'")

	del := e.must("DeleteTable", `{"TableName":"nextwork-kms-table"}`)
	if path(del, "TableDescription", "TableStatus") != "DELETING" || path(del, "TableDescription", "ItemCount") != 1.0 {
		t.Fatalf("delete: %s", js(del))
	}
	e.fails("DescribeTable", `{"TableName":"nextwork-kms-table"}`, "ResourceNotFoundException", "Requested resource not found")
	e.fails("GetItem", `{"TableName":"nextwork-kms-table","Key":{"id":{"S":"a"}}}`, "ResourceNotFoundException", "Requested resource not found")
	e.fails("DeleteTable", `{"TableName":"nextwork-kms-table"}`, "ResourceNotFoundException", "Requested resource not found")
	// Same name again: a fresh, empty table.
	e.createSimple("nextwork-kms-table", "")
	if g := e.must("GetItem", `{"TableName":"nextwork-kms-table","Key":{"id":{"S":"a"}}}`); g["Item"] != nil {
		t.Fatalf("recreated table has old item: %s", js(g))
	}
}

func TestProvisionedAndUpdateTable(t *testing.T) {
	e := newEnv(t)
	e.must("CreateTable", `{"TableName":"prov","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5}}`)
	d := e.must("DescribeTable", `{"TableName":"prov"}`)
	if path(d, "Table", "ProvisionedThroughput", "ReadCapacityUnits") != 5.0 || path(d, "Table", "BillingModeSummary", "BillingMode") != "PROVISIONED" {
		t.Fatalf("describe: %s", js(d))
	}
	e.fails("UpdateTable", `{"TableName":"prov"}`, "ValidationException", "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required")
	e.fails("UpdateTable", `{"TableName":"prov","ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5}}`, "ValidationException", "The provisioned throughput for the table will not change.")
	u := e.must("UpdateTable", `{"TableName":"prov","ProvisionedThroughput":{"ReadCapacityUnits":7,"WriteCapacityUnits":3}}`)
	if path(u, "TableDescription", "TableStatus") != "UPDATING" || path(u, "TableDescription", "ProvisionedThroughput", "ReadCapacityUnits") != 7.0 {
		t.Fatalf("update: %s", js(u))
	}
	u = e.must("UpdateTable", `{"TableName":"prov","BillingMode":"PAY_PER_REQUEST"}`)
	if path(u, "TableDescription", "BillingModeSummary", "BillingMode") != "PAY_PER_REQUEST" || path(u, "TableDescription", "BillingModeSummary", "LastUpdateToPayPerRequestDateTime") == nil {
		t.Fatalf("to on-demand: %s", js(u))
	}
	e.fails("UpdateTable", `{"TableName":"prov","BillingMode":"PROVISIONED"}`, "ValidationException", "One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED")
	e.must("UpdateTable", `{"TableName":"prov","DeletionProtectionEnabled":true}`)
	e.fails("DeleteTable", `{"TableName":"prov"}`, "ValidationException", "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	e.must("UpdateTable", `{"TableName":"prov","DeletionProtectionEnabled":false}`)
	e.must("DeleteTable", `{"TableName":"prov"}`)
}

func TestIndexesDescribedAndQueryable(t *testing.T) {
	e := newEnv(t)
	e.must("CreateTable", `{"TableName":"idx","BillingMode":"PAY_PER_REQUEST",
		"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
		"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"},{"AttributeName":"email","AttributeType":"S"},{"AttributeName":"rank","AttributeType":"N"}],
		"GlobalSecondaryIndexes":[{"IndexName":"byEmail","KeySchema":[{"AttributeName":"email","KeyType":"HASH"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}],
		"LocalSecondaryIndexes":[{"IndexName":"byRank","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"rank","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}]}`)
	d := e.must("DescribeTable", `{"TableName":"idx"}`)
	if path(d, "Table", "GlobalSecondaryIndexes").([]any)[0].(map[string]any)["IndexArn"] != "arn:aws:dynamodb:us-east-1:000000000000:table/idx/index/byEmail" {
		t.Fatalf("describe: %s", js(d))
	}
	e.must("PutItem", `{"TableName":"idx","Item":{"pk":{"S":"u"},"sk":{"S":"1"},"email":{"S":"a@x"},"rank":{"N":"3"},"note":{"S":"n1"}}}`)
	e.must("PutItem", `{"TableName":"idx","Item":{"pk":{"S":"u"},"sk":{"S":"2"},"rank":{"N":"1"}}}`)
	e.fails("PutItem", `{"TableName":"idx","Item":{"pk":{"S":"u"},"sk":{"S":"3"},"rank":{"S":"x"}}}`, "ValidationException",
		"One or more parameter values were invalid: Type mismatch for Index Key rank Expected: N Actual: S IndexName: byRank")
	q := e.must("Query", `{"TableName":"idx","IndexName":"byEmail","KeyConditionExpression":"email = :e","ExpressionAttributeValues":{":e":{"S":"a@x"}}}`)
	if q["Count"] != 1.0 || js(q["Items"]) != `[{"email":{"S":"a@x"},"pk":{"S":"u"},"sk":{"S":"1"}}]` {
		t.Fatalf("GSI query: %s", js(q))
	}
	q = e.must("Query", `{"TableName":"idx","IndexName":"byRank","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"u"}}}`)
	if q["Count"] != 2.0 || path(q["Items"].([]any)[0], "sk", "S") != "2" {
		t.Fatalf("LSI order: %s", js(q))
	}
	e.fails("Query", `{"TableName":"idx","IndexName":"nope","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"u"}}}`, "ValidationException", "The table does not have the specified index: nope")
	e.fails("Query", `{"TableName":"idx","IndexName":"byEmail","Select":"ALL_ATTRIBUTES","KeyConditionExpression":"email = :e","ExpressionAttributeValues":{":e":{"S":"a@x"}}}`, "ValidationException",
		"One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index byEmail because its projection type is not ALL")
	s := e.must("Scan", `{"TableName":"idx","IndexName":"byEmail"}`)
	if s["Count"] != 1.0 {
		t.Fatalf("GSI scan: %s", js(s))
	}
}

func TestTags(t *testing.T) {
	e := newEnv(t)
	e.must("CreateTable", `{"TableName":"tagged","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST","Tags":[{"Key":"kmslab:lab","Value":"nextwork"}]}`)
	arn := "arn:aws:dynamodb:us-east-1:000000000000:table/tagged"
	l := e.must("ListTagsOfResource", `{"ResourceArn":"`+arn+`"}`)
	if js(l["Tags"]) != `[{"Key":"kmslab:lab","Value":"nextwork"}]` {
		t.Fatalf("tags: %s", js(l))
	}
	e.must("TagResource", `{"ResourceArn":"`+arn+`","Tags":[{"Key":"a","Value":"1"},{"Key":"kmslab:lab","Value":"x"}]}`)
	e.must("UntagResource", `{"ResourceArn":"`+arn+`","TagKeys":["a"]}`)
	e.restart()
	l = e.must("ListTagsOfResource", `{"ResourceArn":"`+arn+`"}`)
	if js(l["Tags"]) != `[{"Key":"kmslab:lab","Value":"x"}]` {
		t.Fatalf("tags after restart: %s", js(l))
	}
	e.fails("ListTagsOfResource", `{"ResourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/nope"}`, "ResourceNotFoundException", "Requested resource not found: ResourcArn: arn:aws:dynamodb:us-east-1:000000000000:table/nope not found")
	e.fails("TagResource", `{"ResourceArn":"`+arn+`"}`, "ValidationException", "1 validation error detected: Value null at 'tags'")
}

func TestUnknownOperation(t *testing.T) {
	e := newEnv(t)
	_, err := e.call("TransactWriteItems", `{}`)
	if err == nil || err.Code != "UnknownOperationException" || !strings.HasPrefix(err.Type, "com.amazon.coral.service#") {
		t.Fatalf("got %+v", err)
	}
}
