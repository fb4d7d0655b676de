package content_test

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kmslab/kmslab/content"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the lessons")

// fixed is the Vars the golden files are rendered with.
var fixed = content.Vars{
	Prefix:  "nextwork",
	Alias:   "alias/nextwork-kms-key",
	Table:   "nextwork-kms-table",
	User:    "nextwork-kms-user",
	Account: "111122223333",
	Region:  "eu-west-1",
	KeyARN:  "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	UserARN: "arn:aws:iam::111122223333:user/nextwork-kms-user",
	Target:  "AWS",
}

func load(t *testing.T) *content.Manifest {
	t.Helper()
	m, err := content.Load()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func lesson(t *testing.T, id string, v content.Vars) string {
	t.Helper()
	out, err := content.Lesson(id, v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLessonGolden(t *testing.T) {
	for _, id := range content.LessonIDs() {
		got := lesson(t, id, fixed)
		path := filepath.Join("testdata", id+".golden")
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./content -update to write it)", err)
		}
		if got != string(want) {
			t.Errorf("lesson %s differs from %s (if the change is meant, run with -update and review the diff)", id, path)
		}
	}
}

func TestLessonUnknown(t *testing.T) {
	if _, err := content.Lesson("step-9", fixed); err == nil {
		t.Error("an unknown lesson id gave no error")
	}
}

// TestLessonsReadable: short enough for a terminal. The sources keep to 80 columns; a line
// holding a long ARN may reach 100 once rendered.
func TestLessonsReadable(t *testing.T) {
	for _, id := range content.LessonIDs() {
		src, err := os.ReadFile("lessons/" + id + ".md")
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if !strings.Contains(line, "{{") && utf8.RuneCountInString(line) > 80 {
				t.Errorf("lessons/%s.md:%d is %d columns wide (80 at most)", id, i+1, utf8.RuneCountInString(line))
			}
		}
		out := lesson(t, id, fixed)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) > 80 {
			t.Errorf("lesson %s has %d lines (80 at most)", id, len(lines))
		}
		for i, line := range lines {
			if n := utf8.RuneCountInString(line); n > 100 {
				t.Errorf("lesson %s line %d is %d characters once rendered (100 at most)", id, i+1, n)
			}
		}
		if !strings.HasPrefix(out, "# ") {
			t.Errorf("lesson %s does not open with a heading", id)
		}
	}
}

// TestTemplateFieldsInCode: in prose, a field sits inside a `code span`, so a placeholder
// like <your key ARN> is shown as is, not taken for HTML by the markdown renderer.
func TestTemplateFieldsInCode(t *testing.T) {
	for _, id := range content.LessonIDs() {
		src, err := os.ReadFile("lessons/" + id + ".md")
		if err != nil {
			t.Fatal(err)
		}
		fenced := false
		for n, line := range strings.Split(string(src), "\n") {
			if strings.HasPrefix(line, "```") {
				fenced = !fenced
				continue
			}
			if fenced {
				continue
			}
			inCode := false
			for i := 0; i < len(line); i++ {
				switch {
				case line[i] == '`':
					inCode = !inCode
				case strings.HasPrefix(line[i:], "{{") && !inCode:
					t.Errorf("lessons/%s.md:%d: a template field outside a code span", id, n+1)
				}
			}
		}
	}
}

// TestEmptyFieldsShowPlaceholders: leave one field empty at a time; wherever a lesson, hint
// or solution uses it, a readable "<your …>" placeholder appears, and with every field set
// none does.
func TestEmptyFieldsShowPlaceholders(t *testing.T) {
	m := load(t)
	type text struct{ name, src, out string }
	all := func(v content.Vars) []text {
		var texts []text
		for _, id := range content.LessonIDs() {
			src, err := os.ReadFile("lessons/" + id + ".md")
			if err != nil {
				t.Fatal(err)
			}
			texts = append(texts, text{"lesson " + id, string(src), lesson(t, id, v)})
		}
		for _, s := range m.Steps {
			for cause, raw := range s.Hints {
				h, _ := s.Hint(cause, v)
				texts = append(texts, text{s.ID + " hint " + cause, raw.Nudge + raw.Concept + raw.Command, h.Nudge + h.Concept + h.Command})
			}
			texts = append(texts, text{s.ID + " solution", strings.Join(s.Solution, "\n"), strings.Join(s.SolutionFor(v), "\n")})
		}
		return texts
	}
	for _, x := range all(fixed) {
		if strings.Contains(x.out, "<your ") {
			t.Errorf("%s shows a placeholder although every field is set", x.name)
		}
	}
	rv := reflect.ValueOf(fixed)
	for f := 0; f < rv.NumField(); f++ {
		field := rv.Type().Field(f).Name
		v := fixed
		reflect.ValueOf(&v).Elem().Field(f).SetString("")
		used := 0
		for _, x := range all(v) {
			if !strings.Contains(x.src, "{{."+field+"}}") {
				continue
			}
			used++
			if !regexp.MustCompile(`<your [^<>]+>`).MatchString(x.out) {
				t.Errorf("%s with %s empty shows no placeholder", x.name, field)
			}
			if strings.Contains(x.out, "<no value>") {
				t.Errorf("%s with %s empty renders an empty value", x.name, field)
			}
		}
		if used == 0 {
			t.Logf("field %s is used nowhere", field)
		}
	}
	// A field of blanks counts as empty.
	if out := lesson(t, "intro", content.Vars{Target: "  "}); !strings.Contains(out, "<your target>") {
		t.Error("a blank Target did not become a placeholder")
	}
}

// TestLessonsCoverTopics: each topic the lab must teach is in the lesson that owns it.
func TestLessonsCoverTopics(t *testing.T) {
	topics := []struct{ lesson, phrase string }{
		{"intro", "does not store your data"},
		{"intro", "key policy"},
		{"create-key", "symmetric"},
		{"create-key", "asymmetric"},
		{"create-key", "customer managed key"},
		{"create-key", "Enable IAM User Permissions"},
		{"create-key", "$1 per month"},
		{"create-key", "prorated"},
		{"encrypt-table", "AWS owned key"},
		{"encrypt-table", "AWS managed key"},
		{"encrypt-table", "aws/dynamodb"},
		{"encrypt-table", "Customer managed key"},
		{"encrypt-table", "CreateGrant"},
		{"add-items", "transparent"},
		{"add-items", "table key"},
		{"add-items", "envelope encryption"},
		{"add-items", "CloudTrail"},
		{"deny-user", "AmazonDynamoDBFullAccess"},
		{"deny-user", "kms:DescribeKey"},
		{"deny-user", "kms:ListAliases"},
		{"deny-user", "implicit deny"},
		{"deny-user", "explicit deny"},
		{"deny-user", "eventually consistent"},
		{"deny-user", "access key"},
		{"grant-access", "kms:Encrypt"},
		{"grant-access", "kms:Decrypt"},
		{"grant-access", "kms:ReEncrypt*"},
		{"grant-access", "kms:GenerateDataKey*"},
		{"grant-access", "kms:DescribeKey"},
		{"grant-access", "Eventual consistency"},
		{"grant-access", "invalid principals"},
		{"grant-access", "least privilege"},
		{"grant-access", "kms:ViaService"},
		{"cleanup", "7 to 30 days"},
		{"cleanup", "pending"},
		{"cleanup", "not billed"},
		{"cleanup", "cancel-key-deletion"},
		{"wrap-up", "CloudTrail"},
		{"wrap-up", "PCI DSS"},
		{"wrap-up", "HIPAA"},
		{"wrap-up", "least privilege"},
		{"wrap-up", "key policy"},
	}
	space := regexp.MustCompile(`\s+`)
	for _, tc := range topics {
		// Phrases may wrap across lines; compare with runs of white space as one space.
		text := strings.ToLower(space.ReplaceAllString(lesson(t, tc.lesson, fixed), " "))
		if !strings.Contains(text, strings.ToLower(tc.phrase)) {
			t.Errorf("lesson %s does not mention %q", tc.lesson, tc.phrase)
		}
	}
}
