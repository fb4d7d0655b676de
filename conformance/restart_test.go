package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/kmslab/kmslab/conformance/sandboxproc"
)

const ddbFullAccess = "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"

// restartState is what the Go half of the restart test made before the restart.
type restartState struct {
	keyARN, keyID, userARN, userKeyID, userSecret string
}

// TestRestartKeepsState makes a key, an encrypted table with items and a granted user (with
// aws-sdk-go-v2 and, when present, boto3), stops the sandbox with SIGTERM, starts it again on
// the same data directory and checks that everything is still there and still works.
func TestRestartKeepsState(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	p1, err := sandboxproc.Start(ctx, kmslabBin(t), dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer p1.Kill()
	ex := p1.Exports
	st := makeLabState(ctx, t, ex)

	py, pyErr := havePythonBoto3()
	stateFile := filepath.Join(t.TempDir(), "persist.json")
	if pyErr == nil {
		runClient(t, clientEnv(t, ex), py, "lab_boto3.py", "persist-setup", stateFile)
	} else {
		t.Logf("boto3 half skipped: %v", pyErr)
	}

	// A second `kmslab sandbox` on a data directory in use points at the running one.
	second, err := sandboxproc.Start(ctx, kmslabBin(t), dataDir)
	if err != nil {
		t.Errorf("second kmslab sandbox on the same data dir: %v", err)
	} else {
		if second.Exports != ex {
			t.Errorf("second kmslab sandbox printed %+v, want the running sandbox's exports", redact(second.Exports))
		}
		if _, err := second.Stop(stopTimeout); err != nil {
			t.Errorf("second kmslab sandbox: %v", err)
		}
	}

	took, err := p1.Stop(stopTimeout)
	if err != nil {
		t.Fatalf("SIGTERM: %v\nstderr:\n%s", err, lastLines(p1.Stderr(), 40))
	}
	t.Logf("SIGTERM: exited %d after %v", p1.ExitCode(), took.Round(time.Millisecond))
	if code := p1.ExitCode(); code != 0 {
		t.Errorf("kmslab sandbox exit code after SIGTERM = %d, want 0", code)
	}

	p2 := startSandbox(t, dataDir)
	if p2.Exports.AccessKeyID != ex.AccessKeyID || p2.Exports.SecretAccessKey != ex.SecretAccessKey {
		t.Errorf("after a restart the sandbox printed other admin credentials (%s, was %s): shells holding the old exports break",
			p2.Exports.AccessKeyID, ex.AccessKeyID)
	}
	// The shell that exported the first run's lines only needs the new endpoint.
	old := ex
	old.EndpointURL = p2.Exports.EndpointURL
	checkLabState(ctx, t, old, st)
	if pyErr == nil {
		oldEnv := clientEnv(t, old)
		runClient(t, oldEnv, py, "lab_boto3.py", "persist-verify", stateFile)
	}
}

func makeLabState(ctx context.Context, t *testing.T, ex sandboxproc.Exports) restartState {
	t.Helper()
	cfg := ex.Admin(nil)
	kc, dc, ic := kms.NewFromConfig(cfg), dynamodb.NewFromConfig(cfg), iam.NewFromConfig(cfg)
	var st restartState

	key, err := kc.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("restart test"),
		Tags: []kmstypes.Tag{{TagKey: aws.String("kmslab:lab"), TagValue: aws.String("restart")}}})
	must(t, "CreateKey", err)
	st.keyARN, st.keyID = aws.ToString(key.KeyMetadata.Arn), aws.ToString(key.KeyMetadata.KeyId)
	_, err = kc.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/restart-kms-key"), TargetKeyId: key.KeyMetadata.KeyId})
	must(t, "CreateAlias", err)

	_, err = dc.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("restart-kms-table"),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		SSESpecification: &ddbtypes.SSESpecification{Enabled: aws.Bool(true), SSEType: ddbtypes.SSETypeKms,
			KMSMasterKeyId: aws.String("alias/restart-kms-key")},
	})
	must(t, "CreateTable", err)
	w := dynamodb.NewTableExistsWaiter(dc, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay, o.MaxDelay = 100*time.Millisecond, time.Second })
	must(t, "TableExistsWaiter", w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("restart-kms-table")}, time.Minute))
	for _, id := range []string{"a", "b", "c"} {
		_, err := dc.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("restart-kms-table"), Item: map[string]ddbtypes.AttributeValue{
			"id": &ddbtypes.AttributeValueMemberS{Value: id}, "v": &ddbtypes.AttributeValueMemberS{Value: "value " + id}}})
		must(t, "PutItem", err)
	}

	u, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("restart-kms-user")})
	must(t, "CreateUser", err)
	st.userARN = aws.ToString(u.User.Arn)
	_, err = ic.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("restart-kms-user"), PolicyArn: aws.String(ddbFullAccess)})
	must(t, "AttachUserPolicy", err)
	ak, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("restart-kms-user")})
	must(t, "CreateAccessKey", err)
	st.userKeyID, st.userSecret = aws.ToString(ak.AccessKey.AccessKeyId), aws.ToString(ak.AccessKey.SecretAccessKey)

	pol, err := kc.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: key.KeyMetadata.KeyId, PolicyName: aws.String("default")})
	must(t, "GetKeyPolicy", err)
	var doc map[string]any
	must(t, "decode key policy", json.Unmarshal([]byte(aws.ToString(pol.Policy)), &doc))
	doc["Statement"] = append(doc["Statement"].([]any), map[string]any{
		"Sid": "Allow use of the key", "Effect": "Allow", "Principal": map[string]any{"AWS": st.userARN},
		"Action": []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"}, "Resource": "*",
	})
	b, _ := json.Marshal(doc)
	_, err = kc.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: key.KeyMetadata.KeyId, PolicyName: aws.String("default"), Policy: aws.String(string(b))})
	must(t, "PutKeyPolicy", err)

	// Before the restart: the user reads the table.
	user := dynamodb.NewFromConfig(ex.Config(st.userKeyID, st.userSecret, nil))
	out, err := user.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("restart-kms-table")})
	must(t, "Scan as the user before the restart", err)
	if out.Count != 3 {
		t.Fatalf("Scan as the user before the restart: Count = %d, want 3", out.Count)
	}
	return st
}

func checkLabState(ctx context.Context, t *testing.T, ex sandboxproc.Exports, st restartState) {
	t.Helper()
	cfg := ex.Admin(nil)
	kc, dc, ic := kms.NewFromConfig(cfg), dynamodb.NewFromConfig(cfg), iam.NewFromConfig(cfg)

	if who, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("the admin's old credentials after the restart: %v", err)
	} else {
		t.Logf("admin after restart: %s", aws.ToString(who.Arn))
	}
	if k, err := kc.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/restart-kms-key")}); err != nil {
		t.Errorf("DescribeKey by alias after the restart: %v", err)
	} else if aws.ToString(k.KeyMetadata.Arn) != st.keyARN || k.KeyMetadata.KeyState != kmstypes.KeyStateEnabled {
		t.Errorf("key after the restart: %s %s, want %s Enabled", aws.ToString(k.KeyMetadata.Arn), k.KeyMetadata.KeyState, st.keyARN)
	}
	if tags, err := kc.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: aws.String(st.keyID)}); err != nil {
		t.Errorf("ListResourceTags after the restart: %v", err)
	} else if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].TagValue) != "restart" {
		t.Errorf("key tags after the restart: %+v", tags.Tags)
	}
	if d, err := dc.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("restart-kms-table")}); err != nil {
		t.Errorf("DescribeTable after the restart: %v", err)
	} else if d.Table.TableStatus != ddbtypes.TableStatusActive || d.Table.SSEDescription == nil ||
		aws.ToString(d.Table.SSEDescription.KMSMasterKeyArn) != st.keyARN {
		t.Errorf("table after the restart: status %s, SSE %+v", d.Table.TableStatus, d.Table.SSEDescription)
	}
	if s, err := dc.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("restart-kms-table")}); err != nil {
		t.Errorf("Scan as admin after the restart: %v", err)
	} else {
		var got []string
		for _, it := range s.Items {
			id, _ := it["id"].(*ddbtypes.AttributeValueMemberS)
			v, _ := it["v"].(*ddbtypes.AttributeValueMemberS)
			if id != nil && v != nil && v.Value == "value "+id.Value {
				got = append(got, id.Value)
			}
		}
		slices.Sort(got)
		if strings.Join(got, ",") != "a,b,c" {
			t.Errorf("items after the restart: %v", s.Items)
		}
	}
	if u, err := ic.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("restart-kms-user")}); err != nil {
		t.Errorf("GetUser after the restart: %v", err)
	} else if aws.ToString(u.User.Arn) != st.userARN {
		t.Errorf("user after the restart: %s, want %s", aws.ToString(u.User.Arn), st.userARN)
	}
	user := ex.Config(st.userKeyID, st.userSecret, nil)
	if who, err := sts.NewFromConfig(user).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("the user's access key after the restart: %v", err)
	} else if aws.ToString(who.Arn) != st.userARN {
		t.Errorf("the user's access key after the restart is %s, want %s", aws.ToString(who.Arn), st.userARN)
	}
	if s, err := dynamodb.NewFromConfig(user).Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("restart-kms-table")}); err != nil {
		t.Errorf("Scan as the granted user after the restart: %v", describeErr(err))
	} else if s.Count != 3 {
		t.Errorf("Scan as the granted user after the restart: Count = %d, want 3", s.Count)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, describeErr(err))
	}
}

func describeErr(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return err.Error()
}

func redact(e sandboxproc.Exports) sandboxproc.Exports {
	if e.SecretAccessKey != "" {
		e.SecretAccessKey = "****"
	}
	return e
}
