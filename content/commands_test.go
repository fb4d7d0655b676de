package content_test

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kmslab/kmslab/content"
)

// The AWS CLI commands the content may show. Each was run against the sandbox with the
// AWS CLI when it was written; a typo in a service or operation shows up here.
var knownOps = map[string][]string{
	"kms": {"create-key", "create-alias", "update-alias", "delete-alias", "describe-key", "get-key-policy",
		"put-key-policy", "enable-key", "cancel-key-deletion", "schedule-key-deletion", "list-grants",
		"enable-key-rotation", "list-aliases"},
	"dynamodb": {"create-table", "update-table", "describe-table", "delete-table", "put-item", "scan", "wait"},
	"iam": {"create-user", "delete-user", "attach-user-policy", "detach-user-policy", "list-attached-user-policies",
		"list-user-policies", "delete-user-policy", "create-access-key", "list-access-keys", "delete-access-key"},
	"sts":       {"get-caller-identity"},
	"configure": {"", "get", "set"},
}

// KMS operations that take an alias as --key-id; the others want a key id or key ARN.
var aliasKeyIDOps = []string{"describe-key"}

const ddbFullAccess = "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"

// placeholder is a value the student copies from an earlier command's output.
var placeholder = regexp.MustCompile(`^<[A-Z][A-Z_]*>$`)

// TestCommandsAreAWSCLI: every hint command and solution is AWS CLI (or a comment saying
// what to do by hand), uses known operations, and names the lab's resources only through
// template fields.
func TestCommandsAreAWSCLI(t *testing.T) {
	m := load(t)
	for _, s := range m.Steps {
		for cause, h := range s.Hints {
			checkCommands(t, s.ID+" hint "+cause, h.Command)
		}
		for i, c := range s.Solution {
			checkCommands(t, fmt.Sprintf("%s solution %d", s.ID, i+1), c)
		}
	}
}

// TestCommandsFitTheScreen: rendered with real-length names, no command line is wider than
// a lesson line may be, so commands stay readable in a narrow pane.
func TestCommandsFitTheScreen(t *testing.T) {
	m := load(t)
	for _, s := range m.Steps {
		var texts []string
		for cause := range s.Hints {
			h, _ := s.Hint(cause, fixed)
			texts = append(texts, h.Command)
		}
		texts = append(texts, s.SolutionFor(fixed)...)
		for _, text := range texts {
			for _, line := range strings.Split(text, "\n") {
				if len(line) > 100 {
					t.Errorf("%s: %d characters: %s", s.ID, len(line), line)
				}
			}
		}
	}
}

// TestLessonShellBlocks: the ```sh blocks in lessons follow the same rules.
func TestLessonShellBlocks(t *testing.T) {
	blocks := 0
	for _, id := range content.LessonIDs() {
		for i, block := range fencedBlocks(t, id, "sh") {
			blocks++
			checkCommands(t, fmt.Sprintf("lesson %s sh block %d", id, i+1), block)
		}
	}
	if blocks < len(content.LessonIDs())-2 {
		t.Errorf("found only %d sh blocks; is the fence syntax still ```sh?", blocks)
	}
}

// TestCommandRulesBite: the checker rejects what it should (so the tests above can fail).
func TestCommandRulesBite(t *testing.T) {
	bad := map[string]string{
		"not aws":              "kmslab run --step 1",
		"hard-coded table":     "aws dynamodb scan --table-name nextwork-kms-table",
		"unknown operation":    "aws kms put-policy --key-id {{.KeyARN}}",
		"alias where not ok":   "aws kms enable-key --key-id {{.Alias}}",
		"wrong field":          "aws iam create-user --user-name {{.Table}}",
		"hard-coded key ARN":   "aws kms enable-key --key-id arn:aws:kms:us-east-1:111122223333:key/x",
		"missing flag value":   "aws dynamodb scan --table-name",
		"sse without our key":  "aws dynamodb update-table --table-name {{.Table}} --sse-specification Enabled=true",
		"only a comment":       "# do something by hand",
		"stray continuation":   "aws dynamodb scan \\",
		"hard-coded principal": "aws iam detach-user-policy --user-name {{.User}} --policy-arn arn:aws:iam::111122223333:policy/x",
	}
	for name, cmd := range bad {
		if problems := commandProblems(cmd); len(problems) == 0 {
			t.Errorf("%s: %q passed the checks", name, cmd)
		}
	}
	good := "aws kms get-key-policy --key-id {{.KeyARN}} --policy-name default \\\n  --query Policy --output text > key-policy.json\n# edit it, then:\naws kms put-key-policy --key-id {{.KeyARN}} --policy-name default --policy file://key-policy.json"
	if problems := commandProblems(good); len(problems) > 0 {
		t.Errorf("a good command was refused: %v", problems)
	}
}

func checkCommands(t *testing.T, where, text string) {
	t.Helper()
	for _, p := range commandProblems(text) {
		t.Errorf("%s: %s", where, p)
	}
}

// commandProblems checks one command text (one or more lines) in its template form.
func commandProblems(text string) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	noDDB := strings.ReplaceAll(text, ddbFullAccess, "")
	for _, lit := range []string{"nextwork", "111122223333", "000000000000", "arn:aws:kms:", "arn:aws:iam::", "us-east-1"} {
		if strings.Contains(noDDB, lit) {
			bad("%q is written out; use a template field", lit)
		}
	}
	lines, err := logicalLines(text)
	if err != nil {
		return append(problems, err.Error())
	}
	commands := 0
	for _, line := range lines {
		if strings.HasPrefix(line, "# ") {
			continue
		}
		if !strings.HasPrefix(line, "aws ") {
			bad("%q does not start with \"aws \"", line)
			continue
		}
		commands++
		problems = append(problems, awsLineProblems(strings.Fields(line))...)
	}
	if commands == 0 {
		bad("no aws command in %q", text)
	}
	return problems
}

// logicalLines joins backslash continuations and drops blank lines.
func logicalLines(text string) ([]string, error) {
	var out []string
	cur := ""
	for _, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasSuffix(line, "\\") {
			cur += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		if line = strings.TrimSpace(cur + line); line != "" {
			out = append(out, line)
		}
		cur = ""
	}
	if cur != "" {
		return nil, fmt.Errorf("the last line ends with a continuation: %q", cur)
	}
	return out, nil
}

func awsLineProblems(tok []string) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	service := tok[1]
	op := ""
	if len(tok) > 2 && !strings.HasPrefix(tok[2], "--") {
		op = tok[2]
	}
	ops, ok := knownOps[service]
	if !ok || !slices.Contains(ops, op) {
		bad("aws %s %s is not a command the content knows", service, op)
	}
	for i, flag := range tok {
		if !strings.HasPrefix(flag, "--") {
			continue
		}
		val := ""
		if i+1 < len(tok) {
			val = strings.Trim(tok[i+1], `"'`)
		}
		if want := allowedValues(service, op, flag); want != nil && !slices.Contains(want, val) &&
			!(slices.Contains(want, "<PLACEHOLDER>") && placeholder.MatchString(val)) {
			bad("aws %s %s %s %q: want one of %v", service, op, flag, val, want)
		}
		if flag == "--sse-specification" && !strings.Contains(val, "KMSMasterKeyId={{.Alias}}") &&
			!strings.Contains(val, "KMSMasterKeyId={{.KeyARN}}") {
			bad("--sse-specification %q does not name the lab's key", val)
		}
	}
	return problems
}

// allowedValues says what a flag naming a lab resource may take; nil for other flags.
func allowedValues(service, op, flag string) []string {
	switch flag {
	case "--table-name":
		return []string{"{{.Table}}"}
	case "--user-name", "--profile":
		return []string{"{{.User}}"}
	case "--alias-name":
		return []string{"{{.Alias}}"}
	case "--key-id":
		if slices.Contains(aliasKeyIDOps, op) {
			return []string{"{{.Alias}}", "{{.KeyARN}}"}
		}
		return []string{"{{.KeyARN}}"}
	case "--target-key-id":
		return []string{"{{.KeyARN}}", "<PLACEHOLDER>"}
	case "--policy-arn":
		return []string{ddbFullAccess, "<PLACEHOLDER>"}
	case "--policy-name":
		if service == "kms" {
			return []string{"default"}
		}
		return []string{"<PLACEHOLDER>"}
	case "--access-key-id":
		return []string{"<PLACEHOLDER>"}
	case "--policy":
		return []string{"file://key-policy.json"}
	}
	return nil
}

// fencedBlocks returns the bodies of a lesson's code blocks in the given language.
func fencedBlocks(t *testing.T, id, lang string) []string {
	t.Helper()
	raw, err := os.ReadFile("lessons/" + id + ".md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	var cur *strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		switch {
		case cur == nil && line == "```"+lang:
			cur = &strings.Builder{}
		case cur != nil && line == "```":
			blocks = append(blocks, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
	return blocks
}
