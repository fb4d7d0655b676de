package sandbox_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/kmslab/kmslab/sandbox/sandboxtest"
)

func rawItem(t *testing.T, env *sandboxtest.Env, keyID, secret, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/_kmslab/raw-item", bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}, req, hex.EncodeToString(sum[:]), "kmslab", env.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func TestRawItemShowsCiphertextToTheAdminOnly(t *testing.T) {
	ctx := context.Background()
	l := &lab{env: sandboxtest.Start(t)}
	l.createKey(ctx, t)
	l.createTable(ctx, t)
	secretWord := "PlainTextThatMustNotBeStored"
	_, err := l.env.DynamoDB().PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tableName), Item: map[string]ddbtypes.AttributeValue{
		"id": &ddbtypes.AttributeValueMemberS{Value: "k1"}, "note": &ddbtypes.AttributeValueMemberS{Value: secretWord},
	}})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"TableName":"` + tableName + `","Key":{"id":{"S":"k1"}}}`
	status, m := rawItem(t, l.env, l.env.AdminKeyID, l.env.AdminSecret, body)
	if status != 200 {
		t.Fatalf("raw-item as admin: %d %v", status, m)
	}
	stored, _ := m["Stored"].(string)
	if stored == "" || m["KMSMasterKeyArn"] != l.keyARN {
		t.Fatalf("raw-item result %v (want the key ARN %s)", m, l.keyARN)
	}
	if bytes.Contains([]byte(stored), []byte(secretWord)) {
		t.Fatal("stored bytes contain the plaintext")
	}

	k, err := l.env.IAM().CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("peeker")})
	if err != nil {
		t.Fatal(err)
	}
	key, err := l.env.IAM().CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: k.User.UserName})
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := rawItem(t, l.env, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), body); status != http.StatusForbidden {
		t.Fatalf("raw-item as another user: status %d, want 403", status)
	}
	if status, _ := rawItem(t, l.env, l.env.AdminKeyID, "wrong-secret", body); status != http.StatusForbidden {
		t.Fatalf("raw-item with a bad signature: status %d, want 403", status)
	}
}

func TestHealth(t *testing.T) {
	env := sandboxtest.Start(t)
	resp, err := http.Get(env.URL + "/_kmslab/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("health: %d", resp.StatusCode)
	}
}
