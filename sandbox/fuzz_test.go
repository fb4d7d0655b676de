package sandbox_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/kmslab/kmslab/sandbox"
)

// FuzzSignedRequests sends arbitrary bodies, correctly signed by the admin, to every
// operation of every service: whatever the input, the answer is a well-formed AWS response,
// never a 500, a panic or a Go error text.
func FuzzSignedRequests(f *testing.F) {
	seeds := []struct{ target, body string }{
		{"TrentService.CreateKey", `{"Description":"k","Tags":[{"TagKey":"a","TagValue":"b"}]}`},
		{"TrentService.Encrypt", `{"KeyId":"alias/x","Plaintext":"aGk="}`},
		{"TrentService.Decrypt", `{"CiphertextBlob":"AAAA"}`},
		{"TrentService.PutKeyPolicy", `{"KeyId":"x","PolicyName":"default","Policy":"{\"Statement\":[]}"}`},
		{"TrentService.CreateAlias", `{"AliasName":"alias/a","TargetKeyId":"1234"}`},
		{"TrentService.ScheduleKeyDeletion", `{"KeyId":"x","PendingWindowInDays":3}`},
		{"DynamoDB_20120810.CreateTable", `{"TableName":"t","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST","SSESpecification":{"Enabled":true,"SSEType":"KMS","KMSMasterKeyId":"alias/x"}}`},
		{"DynamoDB_20120810.PutItem", `{"TableName":"t","Item":{"id":{"S":"1"},"n":{"N":"1e3"},"l":{"L":[{"M":{"a":{"BOOL":true}}}]}}}`},
		{"DynamoDB_20120810.UpdateItem", `{"TableName":"t","Key":{"id":{"S":"1"}},"UpdateExpression":"SET #a = :v ADD c :one","ExpressionAttributeNames":{"#a":"a"},"ExpressionAttributeValues":{":v":{"S":"x"},":one":{"N":"1"}}}`},
		{"DynamoDB_20120810.Query", `{"TableName":"t","KeyConditionExpression":"id = :v","ExpressionAttributeValues":{":v":{"S":"1"}}}`},
		{"DynamoDB_20120810.Scan", `{"TableName":"t","FilterExpression":"begins_with(id, :p)","ExpressionAttributeValues":{":p":{"S":"1"}}}`},
		{"DynamoDB_20120810.BatchWriteItem", `{"RequestItems":{"t":[{"PutRequest":{"Item":{"id":{"S":"2"}}}}]}}`},
		{"iam", "Action=CreateUser&Version=2010-05-08&UserName=u&Tags.member.1.Key=k&Tags.member.1.Value=v"},
		{"iam", "Action=PutUserPolicy&Version=2010-05-08&UserName=u&PolicyName=p&PolicyDocument=%7B%7D"},
		{"iam", "Action=AttachUserPolicy&Version=2010-05-08&UserName=u&PolicyArn=arn:aws:iam::aws:policy/AdministratorAccess"},
		{"sts", "Action=GetCallerIdentity&Version=2011-06-15"},
	}
	for _, s := range seeds {
		f.Add(s.target, s.body)
	}
	sb, err := sandbox.Open(sandbox.Options{DataDir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = sb.Close() })
	keyID, secret := sb.Admin()
	h := sb.Handler()
	signer := v4.NewSigner()
	f.Fuzz(func(t *testing.T, target, body string) {
		r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", bytes.NewReader([]byte(body)))
		service := "kms"
		switch {
		case target == "iam" || target == "sts" || target == "":
			service = target
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		case strings.HasPrefix(target, "DynamoDB_20120810."):
			service = "dynamodb"
			r.Header.Set("X-Amz-Target", target)
			r.Header.Set("Content-Type", "application/x-amz-json-1.0")
		default:
			r.Header.Set("X-Amz-Target", target)
			r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		}
		sum := sha256.Sum256([]byte(body))
		if service == "" {
			service = "iam"
		}
		if err := signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}, r, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
			t.Skip()
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %q → %d %s", target, body, w.Code, w.Body)
		}
		out := w.Body.Bytes()
		switch {
		case r.Header.Get("X-Amz-Target") == "": // no target: the Query protocol answers in XML
			if err := xml.Unmarshal(out, new(struct{})); err != nil {
				t.Fatalf("%s %q → not XML: %s", target, body, out)
			}
		default:
			if !json.Valid(out) {
				t.Fatalf("%s %q → not JSON: %s", target, body, out)
			}
		}
		if bytes.Contains(out, []byte("goroutine ")) || bytes.Contains(out, []byte("runtime error")) {
			t.Fatalf("%s %q leaked a Go error: %s", target, body, out)
		}
	})
}
