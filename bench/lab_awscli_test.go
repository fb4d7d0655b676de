package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/kmslab/kmslab/conformance/sandboxproc"
)

// labTitles name the steps the CLI lab counts calls for, as kmslab prints them.
var labTitles = []string{
	"1 Create a customer managed key",
	"2 Encrypt a DynamoDB table with the key",
	"3 Add items to the table",
	"4 Watch a user without kms:Decrypt be denied",
	"5 Grant the user access in the key policy",
}

var cliMajor = regexp.MustCompile(`^aws-cli/(\d+)\.\S+`)

// pickAWSCLI returns AWS CLI v2 at /usr/bin/aws when it is there, else the aws on PATH,
// with its version; "" when there is none.
func pickAWSCLI() (path, version string) {
	var found []string
	if _, err := os.Stat("/usr/bin/aws"); err == nil {
		found = append(found, "/usr/bin/aws")
	}
	if p, err := exec.LookPath("aws"); err == nil {
		found = append(found, p)
	}
	for _, p := range found {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := exec.CommandContext(ctx, p, "--version").CombinedOutput()
		cancel()
		m := cliMajor.FindStringSubmatch(strings.TrimSpace(string(out)))
		if err != nil || m == nil {
			continue
		}
		if path == "" || m[1] == "2" && !strings.HasPrefix(version, "aws-cli/2.") {
			path, version = p, m[0]
		}
	}
	return path, version
}

// cliLab is one run of the lab with the AWS CLI.
type cliLab struct {
	ctx context.Context
	cli string
	ex  sandboxproc.Exports
	dir string
	// calls counts the CLI processes per step; step is the current one (0-based).
	calls []int
	step  int
}

const (
	cliAlias = "alias/bench-kms-key"
	cliTable = "bench-kms-table"
	cliUser  = "bench-kms-user"
)

// run does the five steps and checks the two reads that are the lab's point.
func (l *cliLab) run() error {
	l.calls = make([]int, len(labTitles))
	admin := []string{l.ex.AccessKeyID, l.ex.SecretAccessKey}

	l.step = 0
	keyID, err := l.aws(admin, "kms", "create-key", "--description", "bench lab key", "--query", "KeyMetadata.KeyId", "--output", "text")
	if err != nil {
		return err
	}
	if _, err := l.aws(admin, "kms", "create-alias", "--alias-name", cliAlias, "--target-key-id", keyID); err != nil {
		return err
	}

	l.step = 1
	if _, err := l.aws(admin, "dynamodb", "create-table", "--table-name", cliTable,
		"--attribute-definitions", "AttributeName=id,AttributeType=S", "--key-schema", "AttributeName=id,KeyType=HASH",
		"--billing-mode", "PAY_PER_REQUEST", "--sse-specification", "Enabled=true,SSEType=KMS,KMSMasterKeyId="+cliAlias); err != nil {
		return err
	}
	if _, err := l.aws(admin, "dynamodb", "wait", "table-exists", "--table-name", cliTable); err != nil {
		return err
	}

	l.step = 2
	for i := 1; i <= 3; i++ {
		item := fmt.Sprintf(`{"id":{"S":"customer-%03d"},"name":{"S":"Customer %d"}}`, i, i)
		if _, err := l.aws(admin, "dynamodb", "put-item", "--table-name", cliTable, "--item", item); err != nil {
			return err
		}
	}
	if _, err := l.aws(admin, "dynamodb", "scan", "--table-name", cliTable); err != nil {
		return err
	}

	l.step = 3
	userARN, err := l.aws(admin, "iam", "create-user", "--user-name", cliUser, "--query", "User.Arn", "--output", "text")
	if err != nil {
		return err
	}
	if _, err := l.aws(admin, "iam", "attach-user-policy", "--user-name", cliUser, "--policy-arn", "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"); err != nil {
		return err
	}
	pair, err := l.aws(admin, "iam", "create-access-key", "--user-name", cliUser, "--query", "AccessKey.[AccessKeyId,SecretAccessKey]", "--output", "text")
	if err != nil {
		return err
	}
	user := strings.Fields(pair)
	if len(user) != 2 {
		return fmt.Errorf("create-access-key printed %d fields, want 2", len(user))
	}
	if _, err := l.aws(user, "sts", "get-caller-identity"); err != nil {
		return err
	}
	if _, err := l.aws(user, "dynamodb", "scan", "--table-name", cliTable); err == nil || !strings.Contains(err.Error(), "AccessDeniedException") {
		return fmt.Errorf("scan as %s before the grant: want AccessDeniedException, got %v", cliUser, err)
	}

	l.step = 4
	policy, err := l.aws(admin, "kms", "get-key-policy", "--key-id", keyID, "--policy-name", "default", "--query", "Policy", "--output", "text")
	if err != nil {
		return err
	}
	file, err := l.grantedPolicy(policy, userARN)
	if err != nil {
		return err
	}
	if _, err := l.aws(admin, "kms", "put-key-policy", "--key-id", keyID, "--policy-name", "default", "--policy", "file://"+file); err != nil {
		return err
	}
	n, err := l.aws(user, "dynamodb", "scan", "--table-name", cliTable, "--query", "Count", "--output", "text")
	if err != nil {
		return fmt.Errorf("scan as %s after the grant: %w", cliUser, err)
	}
	if n != "3" {
		return fmt.Errorf("scan as %s after the grant read %s items, want 3", cliUser, n)
	}
	return nil
}

// grantedPolicy adds "Allow use of the key" for userARN to the key policy, as the lab's
// student does in an editor, and writes it to a file for --policy file://.
func (l *cliLab) grantedPolicy(policy, userARN string) (string, error) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		return "", fmt.Errorf("key policy is not JSON: %w", err)
	}
	stmts, _ := doc["Statement"].([]any)
	doc["Statement"] = append(stmts, map[string]any{
		"Sid": "Allow use of the key", "Effect": "Allow", "Principal": map[string]any{"AWS": userARN},
		"Action":   []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"},
		"Resource": "*",
	})
	raw, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return "", err
	}
	file := filepath.Join(l.dir, "key-policy.json")
	return file, os.WriteFile(file, raw, 0o600)
}

// aws runs one AWS CLI process with the credentials creds (key id, secret) and returns its
// trimmed stdout; a failure carries stderr.
func (l *cliLab) aws(creds []string, args ...string) (string, error) {
	l.calls[l.step]++
	// CLI v2 before 2.13 ignores AWS_ENDPOINT_URL: name the endpoint on every call.
	cmd := exec.CommandContext(l.ctx, l.cli, append([]string{"--endpoint-url", l.ex.EndpointURL}, args...)...)
	cmd.Env = l.env(creds)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("aws %s: %w: %s", strings.Join(args[:2], " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// env is the machine's environment without AWS_ settings or the user's config, plus creds.
func (l *cliLab) env(creds []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	none := filepath.Join(l.dir, "none")
	return append(env, "HOME="+l.dir, "AWS_ACCESS_KEY_ID="+creds[0], "AWS_SECRET_ACCESS_KEY="+creds[1],
		"AWS_REGION="+l.ex.Region, "AWS_DEFAULT_REGION="+l.ex.Region, "AWS_CONFIG_FILE="+none,
		"AWS_SHARED_CREDENTIALS_FILE="+none, "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true")
}
