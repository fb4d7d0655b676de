package tui

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

func TestShortTitlesAndHeader(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		m := goldenStart(t, newFakeLab(), sz[0], sz[1])
		out := screen(m)
		for i, want := range []string{"Create key", "Encrypt table", "Add items", "Deny test user", "Grant access"} {
			if !strings.Contains(out, fmt.Sprintf("%d %s ", i+1, want)) {
				t.Errorf("%v: list lacks %q:\n%s", sz, want, out)
			}
		}
		// The lesson pane keeps the long title.
		if !strings.Contains(out, "1 · Create a customer managed key") {
			t.Errorf("%v: lesson title:\n%s", sz, out)
		}
		head := strings.Split(out, "\n")[0]
		for _, want := range []string{"sandbox (offline)", "account 000000000000", "us-east-1", "prefix nextwork"} {
			if !strings.Contains(head, want) {
				t.Errorf("%v: header %q lacks %q", sz, head, want)
			}
		}
	}
}

func TestConfirmScreen(t *testing.T) {
	f := newFakeLab()
	m := confirmModel(t, f, 80, 24)
	out := screen(m)
	for _, want := range []string{"123456789012", "arn:aws:iam::123456789012:user/student", "eu-west-1", "$1 a month",
		"billed by the hour", "7 days", "pending deletion is not billed", "y go on n / q quit without creating anything"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("confirmation lacks %q:\n%s", want, out)
		}
	}
	// Nothing is checked (no AWS call) before y; keys other than y, n, q do nothing.
	if m.state[0].v != nil {
		t.Fatal("checked before the confirmation")
	}
	m = press(t, m, "enter", "j", "c")
	if len(f.runs) != 0 || !m.confirming {
		t.Fatalf("keys acted behind the confirmation: runs %v", f.runs)
	}
	for _, k := range []string{"n", "q"} {
		_, special := send(t, m, keyMsg(k))
		if len(special) != 1 {
			t.Fatalf("%s: %v, want a quit", k, special)
		}
		if _, ok := special[0].(tea.QuitMsg); !ok {
			t.Fatalf("%s: %T, want a quit", k, special[0])
		}
	}
	m = press(t, m, "y")
	if m.confirming || m.state[0].v == nil {
		t.Fatal("y did not go on to the first check")
	}
	if !strings.Contains(screen(m), "1 Create key") || !strings.Contains(screen(m), "Lesson create-key") {
		t.Errorf("after y:\n%s", screen(m))
	}
}

func TestRunDeclined(t *testing.T) {
	f := newFakeLab()
	var out bytes.Buffer
	tg := &target.Target{Kind: target.AWS, Label: "AWS", Account: "123456789012", Region: "eu-west-1"}
	err := Run(t.Context(), Deps{Steps: f.steps(), Lessons: fakeLessons(), Target: tg, Confirm: true},
		Options{Input: strings.NewReader("n"), Output: &out, NoColor: true})
	if !errors.Is(err, ErrDeclined) {
		t.Fatalf("Run returned %v, want ErrDeclined", err)
	}
	if len(f.runs) != 0 {
		t.Errorf("ran %v", f.runs)
	}
}

func grantedModel(t *testing.T, w, h int) Model { return goldenGranted(t, w, h) }

func TestGrantedShowsItems(t *testing.T) {
	m := grantedModel(t, 120, 40)
	out := screen(m)
	for _, want := range []string{"Access granted", "Scan as nextwork-kms-user: 3 item(s) read", "id=customer-001", "id=customer-003",
		"allowed:  key policy: Allow use of the key"} {
		if !strings.Contains(out, want) {
			t.Errorf("granted box lacks %q:\n%s", want, out)
		}
	}
	// A new run forgets the old read until the new Scan comes back.
	next, _ := m.Update(keyMsg("enter"))
	if m2 := next.(Model); m2.userRead != nil {
		t.Error("items of the previous run kept while running again")
	}
	// A failed Scan or the admin's own Scan is not the user's read. (A fresh model: Update
	// shares the step states' backing array with the old value.)
	m = grantedModel(t, 120, 40)
	m.userRead = nil
	m, _ = send(t, m, eventsMsg{
		{Step: steps.GrantAccess, Phase: steps.CallEnd, Service: "dynamodb", Operation: "Scan", As: "admin", Result: "1 item(s) read", Detail: "id=x"},
		{Step: steps.GrantAccess, Phase: steps.CallEnd, Service: "dynamodb", Operation: "Scan", As: "u", ErrCode: "AccessDeniedException", Detail: "id=y"},
	})
	if m.userRead != nil {
		t.Errorf("kept %+v as the user's read", m.userRead)
	}
	if !strings.Contains(screen(m), "Run the step (enter) to read the table as the test user.") {
		t.Errorf("granted without a read:\n%s", screen(m))
	}
}

// TestVerdictBoxesUncut: at the smallest full size the denial and the grant show every
// line: no "…" at the box's last line, the reason's last words on screen.
func TestVerdictBoxesUncut(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {100, 30}, {120, 40}} {
		for name, m := range map[string]Model{"denied": goldenDenied(t, sz[0], sz[1]), "granted": goldenGranted(t, sz[0], sz[1])} {
			out := screen(m)
			last := "kms:Decrypt action"
			if name == "granted" {
				last = "plan=team"
			}
			if !strings.Contains(out, last) {
				t.Errorf("%s %v: %q cut:\n%s", name, sz, last, out)
			}
			assertFits(t, m, sz[0], sz[1])
		}
	}
}

func TestQuitWaitsForRun(t *testing.T) {
	f := newFakeLab()
	f.block = true
	m := started(t, f, 100, 30)
	next, runCmd := m.Update(keyMsg("enter"))
	next, cmd := next.(Model).Update(keyMsg("q"))
	if cmd != nil {
		t.Fatal("q with a run in flight quit at once")
	}
	_, special := settle(t, next.(Model), runCmd)
	if len(special) != 1 {
		t.Fatalf("after the run: %v", special)
	}
	if _, ok := special[0].(tea.QuitMsg); !ok {
		t.Fatalf("after the run: %T, want quit", special[0])
	}
}

func TestWrapIDs(t *testing.T) {
	text := "User: arn:aws:iam::000000000000:user/nextwork-kms-user is not authorized to perform: kms:Decrypt on resource: " +
		"arn:aws:kms:us-east-1:000000000000:key/0f0e0d0c-0b0a-4908-8706-050403020100 because no resource-based policy allows it"
	for _, w := range []int{1, 5, 12, 20, 44, 60, 200} {
		lines := wrapIDs(text, w)
		for _, l := range lines {
			if lipgloss.Width(l) > w {
				t.Errorf("w=%d: %q is %d wide", w, l, lipgloss.Width(l))
			}
		}
		// Nothing lost or added but the breaks.
		if got := strings.ReplaceAll(strings.Join(lines, ""), " ", ""); got != strings.ReplaceAll(text, " ", "") {
			t.Errorf("w=%d: text changed: %q", w, got)
		}
	}
	if got := wrapIDs("arn:aws:iam::000000000000:user/nextwork-kms-user", 44); len(got) != 2 || got[0] != "arn:aws:iam::000000000000:user/" {
		t.Errorf("ARN split %q, want after the last '/' that fits", got)
	}
}

func TestActivityWindow(t *testing.T) {
	var a activity
	for i := range 25 {
		e := steps.Event{Step: "s", Phase: steps.CallStart, Service: "kms", Operation: fmt.Sprint("Op", i)}
		if i%3 == 0 {
			e.CLI = "aws kms op"
		}
		if i%5 == 0 {
			e = steps.Event{Step: "s", Phase: steps.Info, Note: fmt.Sprint("note ", i)}
		}
		a.add(e)
	}
	all := a.lines(Styles{}, "*")
	if len(all) != a.height() {
		t.Fatalf("height %d, %d lines", a.height(), len(all))
	}
	for from := 0; from <= len(all); from++ {
		for _, n := range []int{0, 1, 4, 50} {
			want := all[from:min(from+n, len(all))]
			if got := a.window(Styles{}, "*", from, n); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("window(%d,%d) = %q, want %q", from, n, got, want)
			}
		}
	}
}

// TestResultScrolls: with full help open at 80×24 the grant box is taller than its pane;
// focusing the result pane (tab ×3) and paging down shows its last line.
func TestResultScrolls(t *testing.T) {
	m := press(t, goldenGranted(t, 80, 24), "?")
	if strings.Contains(screen(m), "plan=team") {
		t.Skip("the box fits with full help: nothing to scroll")
	}
	m = press(t, m, "tab", "tab", "tab")
	if m.focus != focusResult {
		t.Fatalf("focus %v after three tabs", m.focus)
	}
	m = press(t, m, "pgdown")
	if !strings.Contains(screen(m), "plan=team") {
		t.Errorf("pgdown on the result pane did not reach the last item:\n%s", screen(m))
	}
	assertFits(t, m, 80, 24)
	m = press(t, m, "pgup")
	if m.resultOff != 0 || !strings.Contains(screen(m), "user:") {
		t.Errorf("pgup did not go back to the top (offset %d)", m.resultOff)
	}
}
