package dynamodb

import (
	"encoding/json"
	"regexp"
	"testing"
)

func TestSSESpecificationValidation(t *testing.T) {
	e := newEnv(t)
	cases := []struct{ sse, msg string }{
		{`{"Enabled":false,"SSEType":"KMS"}`, "One or more parameter values were invalid: SSEType can not be specified if Enabled is false"},
		{`{"Enabled":false,"KMSMasterKeyId":"alias/nextwork-kms-key"}`, "One or more parameter values were invalid: KMSMasterKeyId can not be specified if Enabled is false"},
		{`{"Enabled":true,"KMSMasterKeyId":"alias/nextwork-kms-key"}`, "One or more parameter values were invalid: SSEType KMS is required if KMSMasterKeyId is specified"},
		{`{"Enabled":true,"SSEType":"AES256"}`, "One or more parameter values were invalid: SSEType AES256 is not supported"},
		{`{"SSEType":"ROT13"}`, "1 validation error detected: Value 'ROT13' at 'sSESpecification.sSEType' failed to satisfy constraint: Member must satisfy enum value set: [AES256, KMS]"},
	}
	for _, c := range cases {
		body := `{"TableName":"enc","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST","SSESpecification":` + c.sse + `}`
		e.fails("CreateTable", body, "ValidationException", c.msg)
	}
	if len(e.broker.creates) != 0 {
		t.Fatal("the key was touched for an invalid request")
	}
}

func TestSSEModes(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, sse  string
		wantARN    string // "" = no SSEDescription
		wantCreate bool
	}{
		{"absent", "", "", false},
		{"empty", `{}`, "", false},
		{"disabled", `{"Enabled":false}`, "", false},
		{"enabled only", `{"Enabled":true}`, fakeManagedARN, true},
		{"kms no key", `{"SSEType":"KMS"}`, fakeManagedARN, true},
		{"cmk by alias", `{"Enabled":true,"SSEType":"KMS","KMSMasterKeyId":"alias/nextwork-kms-key"}`, keyARN, true},
		{"cmk no Enabled", `{"SSEType":"KMS","KMSMasterKeyId":"` + keyID + `"}`, keyARN, true},
		{"cmk by alias arn", `{"SSEType":"KMS","KMSMasterKeyId":"arn:aws:kms:us-east-1:000000000000:alias/nextwork-kms-key"}`, keyARN, true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := "enc-" + string(rune('a'+i))
			before := len(e.broker.creates)
			out := e.createSimple(name, c.sse)
			d := e.must("DescribeTable", `{"TableName":"`+name+`"}`)
			for _, desc := range []any{path(out, "TableDescription", "SSEDescription"), path(d, "Table", "SSEDescription")} {
				want := c.wantARN
				if want == "" {
					if desc != nil {
						t.Fatalf("want no SSEDescription, got %s", js(desc))
					}
					continue
				}
				if js(desc) != `{"KMSMasterKeyArn":"`+want+`","SSEType":"KMS","Status":"ENABLED"}` {
					t.Fatalf("SSEDescription %s", js(desc))
				}
			}
			if got := len(e.broker.creates) > before; got != c.wantCreate {
				t.Fatalf("CreateTableKey called: %v", got)
			}
			if c.wantCreate {
				ctx := e.broker.creates[len(e.broker.creates)-1]
				if ctx["aws:dynamodb:tableName"] != name || ctx["aws:dynamodb:subscriberId"] != acct || len(ctx) != 2 {
					t.Fatalf("encryption context %v", ctx)
				}
			}
			e.must("PutItem", `{"TableName":"`+name+`","Item":{"id":{"S":"x"}}}`)
			if g := e.must("GetItem", `{"TableName":"`+name+`","Key":{"id":{"S":"x"}}}`); path(g, "Item", "id", "S") != "x" {
				t.Fatalf("get: %s", js(g))
			}
		})
	}
}

// uuidRE matches the request id DynamoDB puts in the wrapped KMS text.
const uuidRE = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`

func TestCreateTableWithUnusableKey(t *testing.T) {
	e := newEnv(t)
	body := func(ref string) string {
		return `{"TableName":"enc","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST","SSESpecification":{"Enabled":true,"SSEType":"KMS","KMSMasterKeyId":"` + ref + `"}}`
	}
	e.broker.state[key2ARN] = "Disabled"
	err := e.fails("CreateTable", body(key2ARN), "ValidationException", "KMS key disabled error: com.amazonaws.services.kms.model.DisabledException: "+key2ARN+" is disabled. (Service: AWSKMS; Status Code: 400; Error Code: DisabledException; Request ID: ")
	if !regexp.MustCompile(`Request ID: ` + uuidRE + `; Proxy: null\)$`).MatchString(err.Message) {
		t.Fatalf("wrapper tail: %s", err.Message)
	}
	e.broker.state[key2ARN] = "PendingDeletion"
	e.fails("CreateTable", body(key2ARN), "ValidationException", "KMS validation error: com.amazonaws.services.kms.model.KMSInvalidStateException: "+key2ARN+" is pending deletion. (Service: AWSKMS; Status Code: 400; Error Code: KMSInvalidStateException; Request ID: ")
	e.fails("CreateTable", body("alias/missing"), "ValidationException", "KMS validation error: com.amazonaws.services.kms.model.NotFoundException: Alias arn:aws:kms:us-east-1:000000000000:alias/missing is not found. (Service: AWSKMS;")
	e.fails("CreateTable", body("arn:aws:kms:us-east-1:000000000000:key/99999999-0000-0000-0000-000000000000"), "ValidationException",
		"KMS validation error: com.amazonaws.services.kms.model.NotFoundException: Key 'arn:aws:kms:us-east-1:000000000000:key/99999999-0000-0000-0000-000000000000' does not exist (Service: AWSKMS;")
	ie := e.fails("CreateTable", body("alias/asymmetric"), "InternalServerError",
		"KMS internal error: com.amazonaws.services.kms.model.AWSKMSException: EncryptionContext is supported only when creating a grant for a symmetric encryption KMS key. (Service: AWSKMS; Status Code: 400; Error Code: ValidationException;")
	if ie.Status != 500 || ie.Type != "com.amazonaws.dynamodb.v20120810#InternalServerError" {
		t.Fatalf("asymmetric key: %+v", ie)
	}
	e.broker.deny[student.UserName] = true
	e.failsAs(student, "CreateTable", body(keyARN), "AccessDeniedException", "KMS key access denied error: com.amazonaws.services.kms.model.AWSKMSException: User: "+student.ARN+" is not authorized to perform: kms:CreateGrant")
	// None of these left a table behind.
	e.fails("DescribeTable", `{"TableName":"enc"}`, "ResourceNotFoundException", "Requested resource not found: Table: enc not found")
	e.createSimple("enc", `{"Enabled":true,"SSEType":"KMS","KMSMasterKeyId":"alias/nextwork-kms-key"}`)
}

// TestAccessDeniedWrapper is the lab's step 4: a user without kms:Decrypt is refused every
// data-plane call with DynamoDB's exact wrapping of the KMS error.
func TestAccessDeniedWrapper(t *testing.T) {
	e := newEnv(t)
	e.createSimple("nextwork-kms-table", `{"Enabled":true,"SSEType":"KMS","KMSMasterKeyId":"alias/nextwork-kms-key"}`)
	e.must("PutItem", `{"TableName":"nextwork-kms-table","Item":{"id":{"S":"1"},"secret":{"S":"s3cr3t"}}}`)
	e.broker.deny[student.UserName] = true
	want := regexp.MustCompile(`^KMS key access denied error: com\.amazonaws\.services\.kms\.model\.AWSKMSException: User: arn:aws:iam::000000000000:user/nextwork-kms-user is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab because no identity-based policy allows the kms:Decrypt action \(Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: ` + uuidRE + `; Proxy: null\)$`)
	calls := []struct{ op, body string }{
		{"Scan", `{"TableName":"nextwork-kms-table"}`},
		{"GetItem", `{"TableName":"nextwork-kms-table","Key":{"id":{"S":"1"}}}`},
		{"PutItem", `{"TableName":"nextwork-kms-table","Item":{"id":{"S":"2"}}}`},
		{"DeleteItem", `{"TableName":"nextwork-kms-table","Key":{"id":{"S":"1"}}}`},
		{"UpdateItem", `{"TableName":"nextwork-kms-table","Key":{"id":{"S":"1"}},"UpdateExpression":"SET a = :a","ExpressionAttributeValues":{":a":{"S":"x"}}}`},
		{"Query", `{"TableName":"nextwork-kms-table","KeyConditionExpression":"id = :i","ExpressionAttributeValues":{":i":{"S":"1"}}}`},
		{"BatchGetItem", `{"RequestItems":{"nextwork-kms-table":{"Keys":[{"id":{"S":"1"}}]}}}`},
		{"BatchWriteItem", `{"RequestItems":{"nextwork-kms-table":[{"PutRequest":{"Item":{"id":{"S":"3"}}}}]}}`},
	}
	for _, c := range calls {
		err := e.failsAs(student, c.op, c.body, "AccessDeniedException", "KMS key access denied error: ")
		if err.Type != "com.amazon.coral.service#AccessDeniedException" || !want.MatchString(err.Message) {
			t.Fatalf("%s: %s\n%s", c.op, err.Type, err.Message)
		}
	}
	// Control-plane calls do not use the key.
	before := e.broker.openCount()
	e.must("DescribeTable", `{"TableName":"nextwork-kms-table"}`)
	e.must("ListTables", `{}`)
	if e.broker.openCount() != before {
		t.Fatal("control plane opened the table key")
	}
	// The key is asked on every call, cached or not: granting access takes effect at once.
	e.must("Scan", `{"TableName":"nextwork-kms-table"}`)
	e.must("Scan", `{"TableName":"nextwork-kms-table"}`)
	if e.broker.openCount() != before+2 {
		t.Fatalf("opens %d, want %d", e.broker.openCount(), before+2)
	}
	delete(e.broker.deny, student.UserName)
	out, err := e.callAs(student, "Scan", `{"TableName":"nextwork-kms-table"}`)
	if err != nil || out["Count"] != 1.0 || path(out["Items"].([]any)[0], "secret", "S") != "s3cr3t" {
		t.Fatalf("after grant: %v %s", err, js(out))
	}
	e.broker.deny[student.UserName] = true
	e.failsAs(student, "GetItem", `{"TableName":"nextwork-kms-table","Key":{"id":{"S":"1"}}}`, "AccessDeniedException", "KMS key access denied error: ")
	e.must("DeleteTable", `{"TableName":"nextwork-kms-table"}`)
	if len(e.broker.releases) != 1 || e.broker.releases[0] != keyARN {
		t.Fatalf("releases %v", e.broker.releases)
	}
}

func TestDisabledKeyDataPlane(t *testing.T) {
	e := newEnv(t)
	e.createSimple("enc", `{"SSEType":"KMS","KMSMasterKeyId":"`+keyARN+`"}`)
	e.broker.state[keyARN] = "Disabled"
	e.fails("GetItem", `{"TableName":"enc","Key":{"id":{"S":"1"}}}`, "ValidationException",
		"KMS key disabled error: com.amazonaws.services.kms.model.DisabledException: "+keyARN+" is disabled. (Service: AWSKMS; Status Code: 400; Error Code: DisabledException; Request ID: ")
	e.must("DescribeTable", `{"TableName":"enc"}`)
}

// TestUnconfirmed_PendingDeletionDataPlane: AWS's data-plane text for a key pending deletion
// is unconfirmed; the sandbox uses CreateTable's KMSInvalidStateException form.
func TestUnconfirmed_PendingDeletionDataPlane(t *testing.T) {
	e := newEnv(t)
	e.createSimple("enc", `{"SSEType":"KMS","KMSMasterKeyId":"`+keyARN+`"}`)
	e.broker.state[keyARN] = "PendingDeletion"
	e.fails("Scan", `{"TableName":"enc"}`, "ValidationException",
		"KMS validation error: com.amazonaws.services.kms.model.KMSInvalidStateException: "+keyARN+" is pending deletion. (Service: AWSKMS; Status Code: 400; Error Code: KMSInvalidStateException; Request ID: ")
	// DeleteTable does not touch the key (also unconfirmed on AWS): the student can clean up.
	e.must("DeleteTable", `{"TableName":"enc"}`)
}

func TestUpdateTableChangesKey(t *testing.T) {
	e := newEnv(t)
	e.createSimple("enc", "")
	for i := 0; i < 5; i++ {
		e.must("PutItem", `{"TableName":"enc","Item":{"id":{"S":"k`+string(rune('0'+i))+`"},"v":{"N":"`+string(rune('0'+i))+`"}}}`)
	}
	before, _, err := e.svc.RawItem(region, "enc", map[string]json.RawMessage{"id": json.RawMessage(`{"S":"k1"}`)})
	if err != nil {
		t.Fatal(err)
	}
	u := e.must("UpdateTable", `{"TableName":"enc","SSESpecification":{"Enabled":true,"SSEType":"KMS","KMSMasterKeyId":"alias/nextwork-kms-key"}}`)
	if path(u, "TableDescription", "SSEDescription", "KMSMasterKeyArn") != keyARN || path(u, "TableDescription", "SSEDescription", "Status") != "UPDATING" {
		t.Fatalf("update: %s", js(u))
	}
	after, arn, err := e.svc.RawItem(region, "enc", map[string]json.RawMessage{"id": json.RawMessage(`{"S":"k1"}`)})
	if err != nil || arn != keyARN || string(after) == string(before) {
		t.Fatalf("raw after re-key: %v %q", err, arn)
	}
	s := e.must("Scan", `{"TableName":"enc"}`)
	if s["Count"] != 5.0 {
		t.Fatalf("scan after re-key: %s", js(s))
	}
	e.broker.deny[student.UserName] = true
	e.failsAs(student, "UpdateTable", `{"TableName":"enc","SSESpecification":{"Enabled":false}}`, "AccessDeniedException", "KMS key access denied error: ")
	e.must("UpdateTable", `{"TableName":"enc","SSESpecification":{"Enabled":false}}`)
	d := e.must("DescribeTable", `{"TableName":"enc"}`)
	if path(d, "Table", "SSEDescription") != nil || path(d, "Table", "ItemCount") != 5.0 {
		t.Fatalf("back to owned: %s", js(d))
	}
	if g := e.must("GetItem", `{"TableName":"enc","Key":{"id":{"S":"k3"}}}`); path(g, "Item", "v", "N") != "3" {
		t.Fatalf("get: %s", js(g))
	}
	if len(e.broker.releases) != 1 {
		t.Fatalf("old grant not released: %v", e.broker.releases)
	}
}
