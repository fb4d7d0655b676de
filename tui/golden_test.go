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

var goldenTarget = &target.Target{Kind: target.Sandbox, Label: "sandbox (offline)", Account: "000000000000", Region: "us-east-1"}

const (
	goldenUser = "arn:aws:iam::000000000000:user/nextwork-kms-user"
	goldenKey  = "arn:aws:kms:us-east-1:000000000000:key/0f0e0d0c-0b0a-4908-8706-050403020100"
)

// goldenStart is a fresh lab: nothing done, step 1 selected, its lesson rendered. No
// colour, fixed lessons, fixed time.
func goldenStart(t *testing.T, f *fakeLab, w, h int) Model {
	m := New(Deps{Steps: f.steps(), Lessons: fakeLessons(), NoColor: true, Now: fixedNow, Target: goldenTarget, Prefix: "nextwork"})
	m, _ = settle(t, m, m.Init())
	m, _ = send(t, m, sizeMsg(w, h))
	return m
}

// goldenRunning: step 1 running with its CreateKey call in flight.
func goldenRunning(t *testing.T, w, h int) Model {
	m := goldenStart(t, newFakeLab(), w, h)
	next, _ := m.Update(keyMsg("enter")) // the run's Cmd is never run: it stays in flight
	m, _ = send(t, next.(Model), eventsMsg{{Step: steps.CreateKey, Phase: steps.CallStart, Service: "kms", Operation: "CreateKey",
		As: "admin", Summary: "SYMMETRIC_DEFAULT", CLI: "aws kms create-key --description \"kmslab nextwork\""}})
	return m
}

// goldenDenied: steps 1–4 done with the denial seen, a short log, deny-user selected.
func goldenDenied(t *testing.T, w, h int) Model {
	f := newFakeLab()
	for _, id := range []string{steps.CreateKey, steps.EncryptTable, steps.AddItems, steps.DenyUser} {
		f.done[id] = true
	}
	f.verdict[steps.DenyUser] = steps.Verdict{Status: steps.Done, Detail: "denied", Evidence: map[string]string{
		"userArn": goldenUser, "action": "kms:Decrypt", "keyArn": goldenKey,
		"errorMessage": "User: " + goldenUser + " is not authorized to perform: kms:Decrypt on resource: " + goldenKey + " because no resource-based policy allows the kms:Decrypt action",
	}}
	m := goldenStart(t, f, w, h)
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

// goldenGranted: step 5 run to done; the user's Scan read three items.
func goldenGranted(t *testing.T, w, h int) Model {
	f := newFakeLab()
	for _, id := range []string{steps.CreateKey, steps.EncryptTable, steps.AddItems, steps.DenyUser} {
		f.done[id] = true
	}
	f.verdict[steps.GrantAccess] = steps.Verdict{Status: steps.Done, Detail: "The key policy lets nextwork-kms-user use the key.", Evidence: map[string]string{
		"userArn": goldenUser, "action": "kms:Decrypt", "keyArn": goldenKey, "allowedBy": "key policy: Allow use of the key", "itemsRead": "3",
	}}
	m := goldenStart(t, f, w, h)
	m = press(t, m, "enter")
	scan := steps.Event{Step: steps.GrantAccess, Phase: steps.CallStart, Service: "dynamodb", Operation: "Scan", As: "nextwork-kms-user",
		Summary: "nextwork-kms-table as nextwork-kms-user", CLI: "aws dynamodb scan --table-name nextwork-kms-table --profile nextwork-kms-user"}
	end := scan
	end.Phase, end.Duration, end.Result = steps.CallEnd, 23_000_000, "3 item(s) read"
	end.Detail = "id=customer-001 · email=ada.park@example.com · name=Ada Park · plan=pro\n" +
		"id=customer-002 · email=ben.osei@example.com · name=Ben Osei · plan=free\n" +
		"id=customer-003 · email=chen.li@example.com · name=Chen Li · plan=team"
	m, _ = send(t, m, eventsMsg{scan, end})
	return m
}

func goldenConfirm(t *testing.T, w, h int) Model { return confirmModel(t, newFakeLab(), w, h) }

func confirmModel(t *testing.T, f *fakeLab, w, h int) Model {
	tg := &target.Target{Kind: target.AWS, Label: "AWS", Account: "123456789012", Region: "eu-west-1",
		CallerARN: "arn:aws:iam::123456789012:user/student"}
	m := New(Deps{Steps: f.steps(), Lessons: fakeLessons(), NoColor: true, Now: fixedNow, Target: tg, Prefix: "nextwork", Confirm: true})
	m, _ = settle(t, m, m.Init())
	m, _ = send(t, m, sizeMsg(w, h))
	return m
}

func TestGolden(t *testing.T) {
	screens := map[string]func(t *testing.T, w, h int) Model{
		"start":   func(t *testing.T, w, h int) Model { return goldenStart(t, newFakeLab(), w, h) },
		"running": goldenRunning,
		"denied":  goldenDenied,
		"granted": goldenGranted,
		"help": func(t *testing.T, w, h int) Model {
			return press(t, goldenStart(t, newFakeLab(), w, h), "?")
		},
		"confirm": goldenConfirm,
	}
	for name, make := range screens {
		for _, sz := range [][2]int{{80, 24}, {120, 40}} {
			checkGolden(t, name, make(t, sz[0], sz[1]), sz[0], sz[1])
		}
	}
	// Too small has no full layout to show at the two sizes: two sizes just under.
	for _, sz := range [][2]int{{79, 24}, {60, 15}} {
		checkGolden(t, "toosmall", goldenStart(t, newFakeLab(), sz[0], sz[1]), sz[0], sz[1])
	}
}

func checkGolden(t *testing.T, name string, m Model, w, h int) {
	t.Helper()
	got := screen(m)
	if strings.Contains(got, "\x1b[") {
		t.Errorf("%s %dx%d: escape codes with NoColor", name, w, h)
	}
	assertFits(t, m, w, h)
	path := filepath.Join("testdata", name+"_"+itoa(w)+"x"+itoa(h)+".golden")
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
