package tui

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/kmslab/kmslab/steps"
)

// presSteps are the fake lab's steps with an Undo on the grant step that takes it back.
func presSteps(f *fakeLab) []steps.Step {
	list := f.steps()
	for i := range list {
		if list[i].ID == steps.GrantAccess {
			list[i].Undo = func(ctx context.Context, _ *steps.Lab) error {
				f.mu.Lock()
				defer f.mu.Unlock()
				f.done[steps.GrantAccess] = false
				f.runs = append(f.runs, "undo:"+steps.GrantAccess)
				return nil
			}
		}
	}
	return list
}

func presModel(t *testing.T, f *fakeLab, w, h int, noColor bool) Model {
	t.Helper()
	m := New(Deps{Steps: presSteps(f), Lessons: fakeLessons(), NoColor: noColor, Now: fixedNow,
		Target: goldenTarget, Prefix: "nextwork", Present: true})
	m, _ = settle(t, m, m.Init())
	m, _ = send(t, m, sizeMsg(w, h))
	return m
}

func (f *fakeLab) runCount(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.runs {
		if r == id {
			n++
		}
	}
	return n
}

func presPaused(t *testing.T, w, h int) Model { return presModel(t, newFakeLab(), w, h, true) }

// presCall: step 1's CreateKey has started and not come back: its command shows.
func presCall(t *testing.T, w, h int) Model {
	m := presPaused(t, w, h)
	next, _ := m.Update(keyMsg("enter")) // the run's Cmd is never run: it stays in flight
	m, _ = send(t, next.(Model), eventsMsg{{Step: steps.CreateKey, Phase: steps.CallStart, Service: "kms", Operation: "CreateKey",
		As: "admin", Summary: "SYMMETRIC_DEFAULT", CLI: "aws kms create-key --description \"kmslab nextwork\""}})
	return m
}

func denyLab() *fakeLab {
	f := newFakeLab()
	for _, id := range []string{steps.CreateKey, steps.EncryptTable, steps.AddItems, steps.DenyUser} {
		f.done[id] = true
	}
	f.verdict[steps.DenyUser] = steps.Verdict{Status: steps.Done, Detail: "denied", Evidence: map[string]string{
		"userArn": goldenUser, "action": "kms:Decrypt", "keyArn": goldenKey,
		"errorMessage": "User: " + goldenUser + " is not authorized to perform: kms:Decrypt on resource: " + goldenKey + " because no resource-based policy allows the kms:Decrypt action",
	}}
	f.verdict[steps.GrantAccess] = steps.Verdict{Status: steps.Done, Detail: "The key policy lets nextwork-kms-user use the key.", Evidence: map[string]string{
		"userArn": goldenUser, "action": "kms:Decrypt", "keyArn": goldenKey, "allowedBy": "key policy: Allow use of the key",
	}}
	return f
}

// presDenied: step 4 run again on the projector; the user's Scan was refused.
func presDenied(t *testing.T, w, h int) Model {
	m := presModel(t, denyLab(), w, h, true) // opens on step 5's pause
	m = press(t, m, "p", "p", "enter")       // step 4's run screen, its pause, run it
	scan := steps.Event{Step: steps.DenyUser, Phase: steps.CallStart, Service: "dynamodb", Operation: "Scan", As: "nextwork-kms-user",
		Summary: "nextwork-kms-table", CLI: "aws dynamodb scan --table-name nextwork-kms-table --profile nextwork-kms-user"}
	end := scan
	end.Phase, end.Duration = steps.CallEnd, 41_000_000
	end.ErrCode, end.ErrMessage = "AccessDeniedException", "not authorized to perform: kms:Decrypt"
	m, _ = send(t, m, eventsMsg{scan, end})
	return m
}

// presGranted: step 5 run; the user's Scan read three items.
func presGranted(t *testing.T, w, h int) Model {
	m := presModel(t, denyLab(), w, h, true)
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

// presRevoked: after the grant, r revoked it; reads were served from the cache, then denied.
func presRevoked(t *testing.T, w, h int) Model {
	m := presGranted(t, w, h)
	clock := fixedNow()
	m.deps.Now = func() time.Time { clock = clock.Add(1500 * time.Millisecond); return clock }
	next, cmd := m.Update(keyMsg("r"))
	m = next.(Model)
	// The revoke's events arrive while it is in flight, as the pump delivers them.
	put := steps.Event{Step: steps.GrantAccess, Phase: steps.CallStart, Service: "kms", Operation: "PutKeyPolicy", As: "admin",
		CLI: "aws kms put-key-policy --key-id 0f0e0d0c --policy-name default --policy file://key-policy.json"}
	putEnd := put
	putEnd.Phase, putEnd.Duration, putEnd.Result = steps.CallEnd, 12_000_000, "key policy updated: the user is no longer in it"
	wait := steps.Event{Step: steps.GrantAccess, Phase: steps.Waiting, Note: "waiting for nextwork-kms-user's reads to stop",
		Result: "still served from DynamoDB's cached table key", Elapsed: 2_400_000_000}
	m, _ = send(t, m, eventsMsg{put, putEnd, wait})
	m, _ = settle(t, m, cmd)
	return m
}

func TestPresentGolden(t *testing.T) {
	screens := map[string]func(t *testing.T, w, h int) Model{
		"present_pause":   presPaused,
		"present_call":    presCall,
		"present_denied":  presDenied,
		"present_granted": presGranted,
		"present_revoked": presRevoked,
	}
	for name, make := range screens {
		for _, sz := range [][2]int{{80, 24}, {120, 40}} {
			checkGolden(t, name, make(t, sz[0], sz[1]), sz[0], sz[1])
		}
	}
	// Below 80×24: the same screen as the normal mode.
	for _, sz := range [][2]int{{79, 24}, {60, 15}} {
		checkGolden(t, "toosmall", presPaused(t, sz[0], sz[1]), sz[0], sz[1])
	}
}

func TestPresentScreensSay(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		w, h := sz[0], sz[1]
		want := map[string][]string{
			"pause":   {"S T E P   1   O F   5", "C R E A T E   A   C U S T O M E R", "This lesson explains the step create-key", "Status now: NOT DONE", "PRESS ENTER TO RUN", "Step 1 of 5"},
			"call":    {"$ aws kms create-key", "RUNNING…"},
			"denied":  {"╔═ ✗ ACCESS DENIED TO KMS:DECRYPT", "FAILED", "AccessDeniedException", "PRESS ENTER FOR THE NEXT STEP"},
			"granted": {"┌─ ✓ ACCESS GRANTED", "OK 23ms 3 item(s) read", "customer-003", "THE LAB IS COMPLETE", "r revoke"},
			"revoked": {"ACCESS DENIED AGAIN", "cached table key for 2.4s", "reads as nextwork-kms-user are denied again (1.5s after the", "PRESS ENTER TO GRANT ACCESS AGAIN", "aws kms put-key-policy"},
		}
		got := map[string]string{
			"pause": screen(presPaused(t, w, h)), "call": screen(presCall(t, w, h)), "denied": screen(presDenied(t, w, h)),
			"granted": screen(presGranted(t, w, h)), "revoked": screen(presRevoked(t, w, h)),
		}
		for name, words := range want {
			for _, s := range words {
				if !strings.Contains(got[name], s) {
					t.Errorf("%dx%d %s: no %q in\n%s", w, h, name, s, got[name])
				}
			}
		}
		// One step per screen: no step list column.
		if strings.Contains(got["pause"], "Grant access") || strings.Contains(got["pause"], "┌ Steps") {
			t.Errorf("%dx%d: the pause screen lists other steps:\n%s", w, h, got["pause"])
		}
	}
}

func TestPresentNavigation(t *testing.T) {
	f := newFakeLab()
	m := presModel(t, f, 80, 24, true)
	if m.pres.screen != presPause || m.sel != 0 || len(f.runs) != 0 {
		t.Fatalf("start: screen %v sel %d runs %v", m.pres.screen, m.sel, f.runs)
	}
	m = press(t, m, "enter")
	if m.pres.screen != presRun || f.runCount(steps.CreateKey) != 1 || !m.state[0].v.Passed() {
		t.Fatalf("enter did not run step 1: screen %v runs %v", m.pres.screen, f.runs)
	}
	if !strings.Contains(screen(m), "PRESS ENTER FOR THE NEXT STEP") {
		t.Errorf("no next-step prompt after the verdict:\n%s", screen(m))
	}
	m = press(t, m, "n")
	if m.sel != 1 || m.pres.screen != presPause || len(f.runs) != 1 {
		t.Fatalf("n: sel %d screen %v runs %v", m.sel, m.pres.screen, f.runs)
	}
	m = press(t, m, "right")
	if m.pres.screen != presRun || f.runCount(steps.EncryptTable) != 1 {
		t.Fatalf("→ did not run step 2: %v", f.runs)
	}
	// Back twice: step 2's pause, then step 1's result; nothing runs or is undone.
	m = press(t, m, "p")
	if m.sel != 1 || m.pres.screen != presPause {
		t.Fatalf("p: sel %d screen %v", m.sel, m.pres.screen)
	}
	m = press(t, m, "left")
	if m.sel != 0 || m.pres.screen != presRun || len(f.runs) != 2 || !f.done[steps.EncryptTable] {
		t.Fatalf("←: sel %d screen %v runs %v", m.sel, m.pres.screen, f.runs)
	}
	if !strings.Contains(screen(m), "$ ") && !strings.Contains(screen(m), "No calls") {
		t.Errorf("step 1's run screen shows neither calls nor their absence:\n%s", screen(m))
	}
	// p at the very first pause stays there.
	m = press(t, m, "p", "p")
	if m.sel != 0 || m.pres.screen != presPause {
		t.Fatalf("p at the start: sel %d screen %v", m.sel, m.pres.screen)
	}
}

func TestPresentNoAdvanceWhileRunning(t *testing.T) {
	f := newFakeLab()
	m := presModel(t, f, 80, 24, true)
	next, _ := m.Update(keyMsg("enter")) // in flight
	m = next.(Model)
	for _, k := range []string{"enter", "n", "p", "r"} {
		next, _ = m.Update(keyMsg(k))
		m = next.(Model)
	}
	if m.sel != 0 || m.pres.screen != presRun || !m.busy {
		t.Fatalf("keys moved a screen during a run: sel %d screen %v busy %v", m.sel, m.pres.screen, m.busy)
	}
}

func TestPresentQuitAndInterrupt(t *testing.T) {
	for k, want := range map[string]tea.Msg{"q": tea.QuitMsg{}, "ctrl+c": tea.InterruptMsg{}} {
		m := presModel(t, newFakeLab(), 80, 24, true)
		_, special := send(t, m, keyMsg(k))
		if len(special) != 1 || special[0] != want {
			t.Errorf("%s: got %v, want %T", k, special, want)
		}
	}
	// ctrl+c during a run cancels it and interrupts once it has returned.
	f := newFakeLab()
	f.block = true
	m := presModel(t, f, 80, 24, true)
	next, run := m.Update(keyMsg("enter"))
	next, cmd := next.(Model).Update(keyMsg("ctrl+c"))
	if cmd != nil {
		t.Fatalf("interrupt went before the run returned")
	}
	_, special := settle(t, next.(Model), run)
	if len(special) != 1 || special[0] != (tea.InterruptMsg{}) {
		t.Fatalf("after the cancelled run: %v", special)
	}
}

func TestPresentRevokeThenGrant(t *testing.T) {
	f := denyLab()
	m := presModel(t, f, 80, 24, true)
	m = press(t, m, "enter") // grant
	if !f.done[steps.GrantAccess] {
		t.Fatal("grant did not run")
	}
	m = press(t, m, "r")
	if f.runCount("undo:"+steps.GrantAccess) != 1 || f.done[steps.GrantAccess] {
		t.Fatalf("r did not revoke: %v", f.runs)
	}
	if m.state[m.sel].v.Status != steps.NotDone || m.pres.revoked == nil || !m.pres.revoked.deniedAgain {
		t.Fatalf("after revoke: %+v %+v", m.state[m.sel].v, m.pres.revoked)
	}
	if s := screen(m); !strings.Contains(s, "ACCESS DENIED AGAIN") || !strings.Contains(s, "GRANT ACCESS AGAIN") {
		t.Errorf("revoke screen:\n%s", s)
	}
	m = press(t, m, "enter")
	if f.runCount(steps.GrantAccess) != 2 || !f.done[steps.GrantAccess] || m.pres.revoked != nil {
		t.Fatalf("enter did not grant again: %v", f.runs)
	}
	if !strings.Contains(screen(m), "ACCESS GRANTED") {
		t.Errorf("no grant box after granting again:\n%s", screen(m))
	}
}

func TestPresentRevokeOnlyOnGrantStep(t *testing.T) {
	f := denyLab()
	m := presModel(t, f, 80, 24, true)
	m = press(t, m, "p", "r") // step 4
	if f.runCount("undo:"+steps.GrantAccess) != 0 || m.busy {
		t.Fatalf("r revoked from step 4: %v", f.runs)
	}
	// A grant step without Undo says so and changes nothing.
	f2 := denyLab()
	m2 := New(Deps{Steps: f2.steps(), Lessons: fakeLessons(), NoColor: true, Now: fixedNow, Present: true})
	m2, _ = settle(t, m2, m2.Init())
	m2, _ = send(t, m2, sizeMsg(80, 24))
	m2 = press(t, m2, "r")
	if !strings.Contains(screen(m2), "Revoke is not available here.") || m2.busy {
		t.Errorf("no word that revoke is unavailable:\n%s", screen(m2))
	}
}

// TestPresentNoColourNeeded: the coloured screens, shown on a terminal with no colour
// (profile Ascii), say the same words as the plain ones.
func TestPresentNoColourNeeded(t *testing.T) {
	colourSeq := regexp.MustCompile(`\x1b\[[0-9;]*(38|48)[;:]`)
	for name, make := range map[string]func(*testing.T, *fakeLab, int, int) Model{
		"pause":   func(t *testing.T, f *fakeLab, w, h int) Model { return presModel(t, f, w, h, false) },
		"granted": func(t *testing.T, f *fakeLab, w, h int) Model { return press(t, presModel(t, f, w, h, false), "enter") },
		"denied": func(t *testing.T, f *fakeLab, w, h int) Model {
			return press(t, presModel(t, f, w, h, false), "p", "p", "enter")
		},
	} {
		f := denyLab()
		if name == "pause" {
			f = newFakeLab()
		}
		m := make(t, f, 80, 24)
		coloured := screen(m)
		if !colourSeq.MatchString(coloured) {
			t.Errorf("%s: the colour screen has no colour, so this test shows nothing", name)
		}
		var buf bytes.Buffer
		w := &colorprofile.Writer{Forward: &buf, Profile: colorprofile.Ascii}
		if _, err := w.WriteString(coloured); err != nil {
			t.Fatal(err)
		}
		if colourSeq.MatchString(buf.String()) {
			t.Errorf("%s: colour left after the Ascii profile", name)
		}
		plain := ansi.Strip(buf.String())
		words := map[string][]string{
			"pause":   {"NOT DONE", "PRESS ENTER TO RUN"},
			"granted": {"ACCESS GRANTED", "THE LAB IS COMPLETE"},
			"denied":  {"ACCESS DENIED", "PRESS ENTER FOR THE NEXT STEP"},
		}[name]
		for _, s := range words {
			if !strings.Contains(plain, s) {
				t.Errorf("%s: %q missing without colour:\n%s", name, s, plain)
			}
		}
		// The same screen with NoColor: the text is identical, colour only decorates.
		f2 := denyLab()
		if name == "pause" {
			f2 = newFakeLab()
		}
		m2 := make(t, f2, 80, 24)
		m2.deps.NoColor = true
		m2.restyle()
		if got := screen(m2); got != plain {
			t.Errorf("%s: colour changes the text:\n%s\nplain:\n%s", name, plain, got)
		}
	}
}

func TestPresentFits(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {81, 25}, {100, 30}, {120, 40}, {200, 60}, {79, 24}, {80, 23}, {40, 10}} {
		w, h := sz[0], sz[1]
		for name, m := range map[string]Model{
			"pause": presPaused(t, w, h), "call": presCall(t, w, h), "denied": presDenied(t, w, h),
			"granted": presGranted(t, w, h), "revoked": presRevoked(t, w, h),
		} {
			t.Run(name+"_"+itoa(w)+"x"+itoa(h), func(t *testing.T) { assertFits(t, m, w, h) })
		}
	}
}

// TestPresentDenialShowsOnShortScreen: at 80×24 the whole denial box and the prompt show
// even when many calls came first; older calls give way.
func TestPresentDenialShowsOnShortScreen(t *testing.T) {
	m := presDenied(t, 80, 24)
	var evs eventsMsg
	for range 10 {
		e := steps.Event{Step: steps.DenyUser, Phase: steps.CallStart, Service: "iam", Operation: "GetUser", As: "admin", CLI: "aws iam get-user --user-name nextwork-kms-user"}
		end := e
		end.Phase, end.Result = steps.CallEnd, "exists"
		evs = append(evs, e, end)
	}
	m, _ = send(t, m, evs)
	s := screen(m)
	for _, want := range []string{"ACCESS DENIED", "kms:Decrypt action", "╚═", "PRESS ENTER FOR THE NEXT STEP", "earlier call(s)"} {
		if !strings.Contains(s, want) {
			t.Errorf("no %q:\n%s", want, s)
		}
	}
	assertFits(t, m, 80, 24)
}

func TestFirstParagraph(t *testing.T) {
	md := "# Title\n\n> a quote\n\n```sh\naws kms create-key\n```\n\nA **customer managed key** is yours:\nsee [the docs](https://x.example) and `kms:Decrypt`.\n\nSecond paragraph.\n"
	want := "A customer managed key is yours: see the docs and kms:Decrypt."
	if got := firstParagraph(md); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// A lead-in to a command takes the next paragraph of prose with it.
	md = "# Step 3\n\nPut data in the table:\n\n```sh\naws dynamodb put-item\n```\n\nThis is *transparent* encryption.\n\nMore.\n"
	if got, want := firstParagraph(md), "Put data in the table: This is transparent encryption."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPresentNoLessonRender(t *testing.T) {
	m := presPaused(t, 80, 24)
	if len(m.lessons) != 0 {
		t.Errorf("presenter rendered %d lessons with glamour; it shows only the summary", len(m.lessons))
	}
}
