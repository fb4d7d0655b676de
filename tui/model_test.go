package tui

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/kmslab/kmslab/steps"
)

func TestStartSelectsFirstStepNotDone(t *testing.T) {
	f := newFakeLab()
	f.done[steps.CreateKey] = true
	f.done[steps.EncryptTable] = true
	m := started(t, f, 100, 30)
	if m.sel != 2 {
		t.Fatalf("selected %d, want 2 (add-items)", m.sel)
	}
	if m.busy {
		t.Fatal("still busy after the first check")
	}
	out := screen(m)
	for _, want := range []string{"✓ 1 Create key", "· 3 Add items", "4 Deny test user", "5 Grant access", "done", "not done", "2/5", "3 · Add items to the table", "Lesson add-items"} {
		if !strings.Contains(out, want) {
			t.Errorf("view lacks %q:\n%s", want, out)
		}
	}
}

func TestSelectionKeys(t *testing.T) {
	m := started(t, newFakeLab(), 100, 30)
	if m.sel != 0 {
		t.Fatalf("start selection %d, want 0", m.sel)
	}
	steps := []struct {
		key  string
		want int
	}{{"up", 0}, {"down", 1}, {"j", 2}, {"j", 3}, {"j", 4}, {"j", 4}, {"k", 3}, {"up", 2}}
	for _, s := range steps {
		m = press(t, m, s.key)
		if m.sel != s.want {
			t.Fatalf("after %s selection is %d, want %d", s.key, m.sel, s.want)
		}
	}
	if !strings.Contains(screen(m), "Lesson add-items") {
		t.Errorf("lesson did not follow the selection:\n%s", screen(m))
	}
}

func TestFocusAndScroll(t *testing.T) {
	m := started(t, newFakeLab(), 100, 30)
	for i, want := range []focus{focusLesson, focusActivity, focusResult, focusSteps} {
		m = press(t, m, "tab")
		if m.focus != want {
			t.Fatalf("tab %d: focus %v, want %v", i+1, m.focus, want)
		}
	}
	m = press(t, m, "tab") // lesson
	m = press(t, m, "j", "j")
	if m.sel != 0 || m.lessonOff != 2 {
		t.Fatalf("j with the lesson focused: sel %d offset %d, want 0 and 2", m.sel, m.lessonOff)
	}
	if strings.Contains(screen(m), "Lesson create-key") {
		t.Error("lesson heading still visible after scrolling past it")
	}
	m = press(t, m, "pgdown")
	if m.lessonOff <= 2 {
		t.Fatalf("pgdown did not scroll: offset %d", m.lessonOff)
	}
	for range 20 {
		m = press(t, m, "pgdown")
	}
	end := m.lessonOff
	if !strings.Contains(screen(m), "Paragraph 12 of the create-key lesson.") {
		t.Errorf("bottom of the lesson not visible at offset %d:\n%s", end, screen(m))
	}
	m = press(t, m, "pgdown")
	if m.lessonOff != end {
		t.Errorf("scrolled past the end: %d then %d", end, m.lessonOff)
	}
	m, _ = send(t, m, tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	if m.lessonOff != end-3 {
		t.Errorf("wheel up: offset %d, want %d", m.lessonOff, end-3)
	}
	m = press(t, m, "pgup", "pgup", "pgup", "pgup", "pgup", "pgup", "pgup", "pgup")
	if m.lessonOff != 0 {
		t.Errorf("pgup to the top: offset %d", m.lessonOff)
	}
}

func TestHelpToggle(t *testing.T) {
	m := started(t, newFakeLab(), 100, 30)
	if strings.Contains(screen(m), "cancel & quit") {
		t.Fatal("full help shown before ?")
	}
	m = press(t, m, "?")
	if !strings.Contains(screen(m), "cancel & quit") || !strings.Contains(screen(m), "pgdn") {
		t.Fatalf("full help missing after ?:\n%s", screen(m))
	}
	assertFits(t, m, 100, 30)
	m = press(t, m, "?")
	if strings.Contains(screen(m), "cancel & quit") {
		t.Fatal("full help still shown after second ?")
	}
}

func TestRunStepSavesVerdict(t *testing.T) {
	f := newFakeLab()
	m := started(t, f, 100, 30)
	f.saved = nil
	next, cmd := m.Update(keyMsg("enter"))
	m = next.(Model)
	if !m.state[0].running || !strings.Contains(screen(m), "running") {
		t.Fatalf("step not shown running:\n%s", screen(m))
	}
	// A second enter while busy must not start another run.
	next, _ = m.Update(keyMsg("enter"))
	m = next.(Model)
	m, _ = settle(t, m, cmd)
	if len(f.runs) != 1 || f.runs[0] != steps.CreateKey {
		t.Fatalf("runs %v, want one create-key", f.runs)
	}
	if v := m.state[0].v; v == nil || v.Status != steps.Done {
		t.Fatalf("verdict %+v, want done", v)
	}
	if len(f.saved) != 1 || f.saved[0] != "create-key=done" {
		t.Errorf("saved %v", f.saved)
	}
	if !strings.Contains(screen(m), "1/5") || !strings.Contains(screen(m), "Step create-key is done.") {
		t.Errorf("view after run:\n%s", screen(m))
	}
}

func TestPrereqErrorShown(t *testing.T) {
	f := newFakeLab()
	f.runErr[steps.AddItems] = &steps.PrereqError{Step: steps.AddItems, Need: steps.EncryptTable, Why: "there is no table nextwork-kms-table to put items in"}
	m := started(t, f, 120, 36)
	m = press(t, m, "j", "j", "enter")
	out := screen(m)
	if !strings.Contains(out, "Not yet: add-items needs encrypt-table first") || !strings.Contains(out, "nextwork-kms-table") {
		t.Fatalf("prereq text missing:\n%s", out)
	}
	if !strings.Contains(out, "error") {
		t.Errorf("step word should say error:\n%s", out)
	}
}

func TestOtherErrorShown(t *testing.T) {
	f := newFakeLab()
	f.runErr[steps.CreateKey] = errors.New("connection refused")
	m := started(t, f, 100, 30)
	m = press(t, m, "enter")
	if !strings.Contains(screen(m), "Error: connection refused") {
		t.Fatalf("error missing:\n%s", screen(m))
	}
}

func TestCheckAllKey(t *testing.T) {
	f := newFakeLab()
	m := started(t, f, 100, 30)
	f.done[steps.CreateKey] = true
	m = press(t, m, "c")
	if m.state[0].v == nil || m.state[0].v.Status != steps.Done {
		t.Fatalf("c did not re-check: %+v", m.state[0].v)
	}
	if m.sel != 0 {
		t.Errorf("c moved the selection to %d", m.sel)
	}
}

func TestQuitAndInterrupt(t *testing.T) {
	m := started(t, newFakeLab(), 100, 30)
	_, special := send(t, m, keyMsg("q"))
	if len(special) != 1 {
		t.Fatalf("q gave %v", special)
	}
	if _, ok := special[0].(tea.QuitMsg); !ok {
		t.Fatalf("q gave %T", special[0])
	}

	f := newFakeLab()
	f.block = true
	m = started(t, f, 100, 30)
	next, runCmd := m.Update(keyMsg("enter"))
	m = next.(Model)
	next, cmd := m.Update(keyMsg("ctrl+c"))
	if cmd != nil {
		t.Fatalf("ctrl+c with a run in flight should wait for it, got %T", cmd())
	}
	// The blocked Run returns only because ctrl+c cancelled its context; the interrupt
	// follows once it has.
	m, special = settle(t, next.(Model), runCmd)
	if !errors.Is(m.state[0].err, errCanceled()) {
		t.Errorf("run error %v, want context canceled", m.state[0].err)
	}
	if len(special) != 1 {
		t.Fatalf("after the run returned: %v, want one interrupt", special)
	}
	if _, ok := special[0].(tea.InterruptMsg); !ok {
		t.Fatalf("after the run returned: %T, want an interrupt", special[0])
	}

	// A second ctrl+c does not wait.
	m = started(t, f, 100, 30)
	next, _ = m.Update(keyMsg("enter"))
	next, _ = next.(Model).Update(keyMsg("ctrl+c"))
	_, cmd = next.(Model).Update(keyMsg("ctrl+c"))
	if cmd == nil {
		t.Fatal("second ctrl+c returned no command")
	}
	if _, ok := cmd().(tea.InterruptMsg); !ok {
		t.Fatal("second ctrl+c did not interrupt")
	}
}

func TestHint(t *testing.T) {
	f := newFakeLab()
	m := started(t, f, 100, 30)
	m = press(t, m, "h")
	if !strings.Contains(screen(m), "Hint: Step create-key is not done yet.") {
		t.Fatalf("hint without manifest should fall back to the detail:\n%s", screen(m))
	}
	m = New(Deps{Steps: f.steps(), Lessons: fakeLessons(), NoColor: true,
		Hints: HintFunc(func(step, cause string) ([]string, bool) {
			return []string{"nudge for " + step + "/" + cause, "concept", "aws kms create-key"}, true
		})})
	m, _ = settle(t, m, m.Init())
	m, _ = send(t, m, tea.WindowSizeMsg{Width: 100, Height: 30})
	for _, want := range []string{"Hint 1/3: nudge for create-key/NOT_CREATE_KEY", "Hint 2/3: concept", "Hint 3/3: aws kms create-key"} {
		m = press(t, m, "h")
		if !strings.Contains(screen(m), want) {
			t.Fatalf("want %q:\n%s", want, screen(m))
		}
	}
	m = press(t, m, "h")
	if strings.Contains(screen(m), "Hint") {
		t.Fatal("h after the last level did not hide the hint")
	}
	m = press(t, m, "h", "j")
	if strings.Contains(screen(m), "Hint") {
		t.Fatal("moving to another step kept the hint")
	}
}

func TestEventsStreamIntoActivity(t *testing.T) {
	m := started(t, newFakeLab(), 120, 36)
	start := steps.Event{Step: steps.CreateKey, Phase: steps.CallStart, Service: "kms", Operation: "CreateKey", As: "admin",
		Summary: "SYMMETRIC_DEFAULT", CLI: "aws kms create-key --description lab"}
	m, _ = send(t, m, eventsMsg{start})
	out := screen(m)
	if !strings.Contains(out, "kms CreateKey SYMMETRIC_DEFAULT") || !strings.Contains(out, "$ aws kms create-key --description lab") {
		t.Fatalf("call start missing:\n%s", out)
	}
	if !m.act.inFlight() || !m.spinning {
		t.Error("call in flight should start the spinner")
	}
	end := start
	end.Phase, end.Duration, end.Result = steps.CallEnd, 312_000_000, "key 1234"
	denied := steps.Event{Step: steps.DenyUser, Phase: steps.CallEnd, Service: "dynamodb", Operation: "Scan", As: "nextwork-kms-user",
		ErrCode: "AccessDeniedException", ErrMessage: "not authorized to perform kms:Decrypt", Duration: 20_000_000}
	wait := steps.Event{Step: steps.DenyUser, Phase: steps.Waiting, Note: "waiting for the access key: IAM is slow", Elapsed: 1_500_000_000}
	m, _ = send(t, m, eventsMsg{end, wait, wait, denied})
	out = screen(m)
	for _, want := range []string{"kms CreateKey SYMMETRIC_DEFAULT 312ms ✓ key 1234", "(as nextwork-kms-user) 20ms ✗ AccessDeniedException: not authorized",
		"… waiting for the access key: IAM is slow (1.5s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("activity lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "waiting for the access key") != 1 {
		t.Error("a repeated wait should stay on one line")
	}
	if m.act.inFlight() {
		t.Error("call still in flight after its end event")
	}
	assertFits(t, m, 120, 36)
}

func TestActivityFollowsAndScrolls(t *testing.T) {
	m := started(t, newFakeLab(), 100, 30)
	var evs eventsMsg
	for i := range 40 {
		e := steps.Event{Step: steps.CreateKey, Phase: steps.Info, Note: "note " + string(rune('A'+i%26)) + strings.Repeat("x", i)}
		evs = append(evs, e)
	}
	m, _ = send(t, m, evs)
	last := "note N" + strings.Repeat("x", 39)
	if !strings.Contains(screen(m), last) {
		t.Fatalf("activity does not show the newest line:\n%s", screen(m))
	}
	m = press(t, m, "tab", "tab", "pgup")
	if m.act.follow || strings.Contains(screen(m), last) {
		t.Fatal("pgup on the activity pane did not scroll back")
	}
	m = press(t, m, "pgdown", "pgdown", "pgdown")
	if !m.act.follow {
		t.Fatal("scrolling to the bottom should follow new lines again")
	}
}

func TestDenialBox(t *testing.T) {
	f := newFakeLab()
	for _, id := range []string{steps.CreateKey, steps.EncryptTable, steps.AddItems, steps.DenyUser} {
		f.done[id] = true
	}
	ev := map[string]string{"userArn": "arn:aws:iam::000000000000:user/nextwork-kms-user", "keyArn": "arn:aws:kms:us-east-1:000000000000:key/abcd",
		"action": "kms:Decrypt", "errorMessage": "User is not authorized to perform kms:Decrypt on this key"}
	f.verdict[steps.DenyUser] = steps.Verdict{Status: steps.Done, Detail: "denied", Evidence: ev}
	m := started(t, f, 120, 36)
	m = press(t, m, "k")
	out := screen(m)
	for _, want := range []string{"Access denied to kms:Decrypt", "user:     arn:aws:iam::000000000000:user/nextwork-kms-user",
		"action:   kms:Decrypt", "resource: arn:aws:kms:us-east-1:000000000000:key/abcd", "reason:   User is not authorized"} {
		if !strings.Contains(out, want) {
			t.Errorf("denial box lacks %q:\n%s", want, out)
		}
	}
	assertFits(t, m, 120, 36)

	// On a target that cannot show it, the box says what AWS would do.
	delete(ev, "errorMessage")
	ev["awsWouldSay"] = "no statement allows kms:Decrypt"
	f.verdict[steps.DenyUser] = steps.Verdict{Status: steps.CannotDemonstrate, Cause: "NOT_ENFORCED", Evidence: ev}
	m = press(t, m, "c")
	out = screen(m)
	if !strings.Contains(out, "AWS would deny kms:Decrypt") || !strings.Contains(out, "no statement allows") || !strings.Contains(out, "cannot demonstrate") {
		t.Errorf("cannot-demonstrate box:\n%s", out)
	}
}

func TestTooSmallScreens(t *testing.T) {
	for _, sz := range [][2]int{{0, 0}, {1, 1}, {0, 24}, {80, 0}, {79, 24}, {80, 23}, {40, 10}, {10, 3}} {
		m := started(t, newFakeLab(), sz[0], sz[1])
		out := screen(m)
		if sz[0] == 0 || sz[1] == 0 {
			if out != "" {
				t.Errorf("%v: want empty view, got %q", sz, out)
			}
			continue
		}
		assertFits(t, m, sz[0], sz[1])
		if sz[0] >= 40 && !strings.Contains(strings.Join(strings.Fields(out), " "), "make the terminal larger (need 80x24, have") {
			t.Errorf("%v: no size message:\n%s", sz, out)
		}
	}
}

func TestWidthInvariant(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {100, 30}, {120, 36}} {
		w, h := sz[0], sz[1]
		f := newFakeLab()
		f.done[steps.CreateKey] = true
		m := started(t, f, w, h)
		assertFits(t, m, w, h)
		m, _ = send(t, m, eventsMsg{{Phase: steps.CallStart, Service: "dynamodb", Operation: "CreateTable",
			Summary: strings.Repeat("very-long-summary-", 12), CLI: "aws dynamodb create-table " + strings.Repeat("--flag value ", 20)}})
		assertFits(t, m, w, h)
		m = press(t, m, "?")
		assertFits(t, m, w, h)
		m = press(t, m, "h", "j", "j", "j")
		assertFits(t, m, w, h)
	}
}

func TestResizeRerendersLesson(t *testing.T) {
	m := started(t, newFakeLab(), 100, 30)
	n := len(m.lessons)
	m, _ = send(t, m, tea.WindowSizeMsg{Width: 120, Height: 36})
	if len(m.lessons) != n+1 {
		t.Fatalf("cache has %d renderings, want %d", len(m.lessons), n+1)
	}
	m, _ = send(t, m, tea.WindowSizeMsg{Width: 100, Height: 30})
	if len(m.lessons) != n+1 {
		t.Fatalf("going back to a cached width rendered again (%d)", len(m.lessons))
	}
}

func TestStatusWords(t *testing.T) {
	f := newFakeLab()
	f.done[steps.CreateKey], f.done[steps.EncryptTable], f.done[steps.AddItems] = true, true, true
	f.verdict[steps.EncryptTable] = steps.Verdict{Status: steps.Propagating, Cause: "X"}
	f.verdict[steps.AddItems] = steps.Verdict{Status: steps.CannotDemonstrate, Cause: "NOT_ENFORCED"}
	m := started(t, f, 100, 30)
	want := []string{"done", "propagating", "cannot demonstrate", "not done", "not done"}
	for i, w := range want {
		if _, got, _ := m.statusWord(m.state[i]); got != w {
			t.Errorf("step %d: %q, want %q", i+1, got, w)
		}
		if !strings.Contains(screen(m), "    "+w) {
			t.Errorf("word %q not on screen", w)
		}
	}
	// cannot-demonstrate counts as passed; propagating does not.
	if !strings.Contains(screen(m), "2/5") {
		t.Errorf("progress:\n%s", screen(m))
	}
}
