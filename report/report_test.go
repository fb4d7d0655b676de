package report

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kmslab/kmslab/policy"
)

var update = flag.Bool("update", false, "rewrite the golden file")

func fixed() Data {
	at := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	key := "arn:aws:kms:us-east-1:000000000000:key/11111111-2222-3333-4444-555555555555"
	user := "arn:aws:iam::000000000000:user/nextwork-kms-user"
	before := string(policy.DefaultKeyPolicy("000000000000"))
	after, _, err := policy.GrantKeyUse([]byte(before), user)
	if err != nil {
		panic(err)
	}
	return Data{
		Target: "sandbox", Label: "sandbox (offline)", Account: "000000000000", Region: "us-east-1", Prefix: "nextwork",
		Generated: at.Add(time.Hour), Version: "v1.2.3",
		Steps: []Step{
			{ID: "create-key", Title: "Create a customer managed key", Status: "done", CompletedAt: at, ARNs: []string{key}},
			{ID: "encrypt-table", Title: "Encrypt a DynamoDB table with the key", Status: "done", CompletedAt: at.Add(time.Minute),
				ARNs: []string{key, "arn:aws:dynamodb:us-east-1:000000000000:table/nextwork-kms-table"}},
			{ID: "add-items", Title: "Add items to the table", Status: "done", CompletedAt: at.Add(2 * time.Minute)},
			{ID: "deny-user", Title: "Watch a user without kms:Decrypt be denied", Status: "done", CompletedAt: at.Add(3 * time.Minute), ARNs: []string{key, user}},
			{ID: "grant-access", Title: "Grant the user access in the key policy", Status: "not-done", Cause: "GRANT_MISSING"},
		},
		DenialCode:    "AccessDeniedException",
		DenialMessage: "User: " + user + " is not authorized to perform: kms:Decrypt on resource: " + key + " because no identity-based policy allows the kms:Decrypt action",
		DenialAt:      "2026-11-22T21:03:00Z",
		PolicyBefore:  before, PolicyAfter: string(after),
		Quiz: []Score{{"create-key", "2/3"}, {"deny-user", "3/3"}},
		Live: Live{At: at.Add(time.Hour), Passed: 4, Total: 5, NotPassedSteps: []string{"grant-access"}},
	}
}

func TestMarkdownGolden(t *testing.T) {
	got := Markdown(fixed())
	path := filepath.Join("testdata", "report.golden.md")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("report differs from %s:\n%s", path, got)
	}
}

func TestMarkdownShowsTheGrantAsAddedLines(t *testing.T) {
	got := Markdown(fixed())
	diff := got[strings.Index(got, "```diff"):]
	if !strings.Contains(diff, "+ ") || !strings.Contains(diff, `"arn:aws:iam::000000000000:user/nextwork-kms-user"`) {
		t.Errorf("diff block does not add the user:\n%s", diff)
	}
	for _, l := range strings.Split(diff, "\n") {
		if strings.HasPrefix(l, "+ ") && strings.Contains(l, "nextwork-kms-user") {
			return
		}
	}
	t.Error("no added line names the user")
}

func TestMarkdownWithNothingRecorded(t *testing.T) {
	got := Markdown(Data{Label: "AWS", Live: Live{Total: 5, NotPassedSteps: []string{"create-key"}}})
	for _, want := range []string{"No denial was recorded", "No key-policy change was recorded", "No quiz taken", "0 of 5 steps pass", "Not passing now: create-key"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestEvidenceARNs(t *testing.T) {
	got := EvidenceARNs(map[string]string{"userArn": "arn:aws:iam::1:user/u", "keyArn": "arn:aws:kms:r:1:key/k", "alsoKey": "arn:aws:kms:r:1:key/k", "errorCode": "AccessDeniedException"})
	if want := []string{"arn:aws:kms:r:1:key/k", "arn:aws:iam::1:user/u"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestCellKeepsTheTableWhole(t *testing.T) {
	if got := cell("a|b\nc"); got != `a\|b c` {
		t.Errorf("cell: %q", got)
	}
}
