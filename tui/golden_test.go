package tui

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// goldenModel is a fixed state: steps 1–4 done with the denial seen, a short log, the
// deny-user step selected; no colour, fixed lessons, fixed time.
func goldenModel(t *testing.T, w, h int) Model {
	f := newFakeLab()
	for _, id := range []string{steps.CreateKey, steps.EncryptTable, steps.AddItems, steps.DenyUser} {
		f.done[id] = true
	}
	f.verdict[steps.DenyUser] = steps.Verdict{Status: steps.Done, Detail: "denied", Evidence: map[string]string{
		"userArn": "arn:aws:iam::000000000000:user/nextwork-kms-user", "action": "kms:Decrypt",
		"keyArn":       "arn:aws:kms:us-east-1:000000000000:key/0f0e0d0c-0b0a-4908-8706-050403020100",
		"errorMessage": "User: arn:aws:iam::000000000000:user/nextwork-kms-user is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:000000000000:key/0f0e0d0c-0b0a-4908-8706-050403020100 because no resource-based policy allows the kms:Decrypt action",
	}}
	m := New(Deps{
		Steps: f.steps(), Lessons: fakeLessons(), NoColor: true, Now: fixedNow,
		Target: &target.Target{Kind: target.Sandbox, Label: "sandbox (offline)", Account: "000000000000", Region: "us-east-1"},
	})
	m, _ = settle(t, m, m.Init())
	m, _ = send(t, m, sizeMsg(w, h))
	m = press(t, m, "k") // from grant-access (first not done) to deny-user
	scan := steps.Event{Step: steps.DenyUser, Phase: steps.CallStart, Service: "dynamodb", Operation: "Scan", As: "nextwork-kms-user",
		Summary: "nextwork-kms-table", CLI: "aws dynamodb scan --table-name nextwork-kms-table --profile nextwork-kms-user"}
	end := scan
	end.Phase, end.Duration = steps.CallEnd, 41_000_000
	end.ErrCode, end.ErrMessage = "AccessDeniedException", "not authorized to perform: kms:Decrypt"
	user := steps.Event{Step: steps.DenyUser, Phase: steps.CallStart, Service: "iam", Operation: "GetUser", As: "admin",
		Summary: "nextwork-kms-user", CLI: "aws iam get-user --user-name nextwork-kms-user"}
	userEnd := user
	userEnd.Phase, userEnd.Duration, userEnd.Result = steps.CallEnd, 7_000_000, "exists"
	m, _ = send(t, m, eventsMsg{user, userEnd, scan, end})
	return m
}

func TestGolden(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 36}} {
		w, h := sz[0], sz[1]
		m := goldenModel(t, w, h)
		got := screen(m)
		if strings.Contains(got, "\x1b[") {
			t.Errorf("%dx%d: escape codes with NoColor", w, h)
		}
		assertFits(t, m, w, h)
		path := filepath.Join("testdata", "view_"+itoa(w)+"x"+itoa(h)+".golden")
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./tui -run TestGolden -update)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs; got:\n%s\nwant:\n%s", path, got, want)
		}
	}
}
