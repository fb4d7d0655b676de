package tui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/kmslab/kmslab/steps"
)

// presentScreen draws one presenter screen, exactly m.width×m.height: a header, the
// progress line, the step's banner, the body (pause or run) and the keys.
func (m Model) presentScreen() string {
	w, h := m.width, m.height
	if len(m.list) == 0 {
		return m.tooSmall()
	}
	roomy := h >= 32 // a taller projector gets air around the banner
	lines := []string{
		m.st.Header.Render(fit(m.presHeader(), w)),
		fit(m.presProgress(), w),
	}
	lines = append(lines, m.banner(w, roomy)...)
	if roomy {
		lines = append(lines, fit("", w))
	}
	bodyH := h - len(lines) - 1
	var body []string
	if m.pres.screen == presPause {
		body = m.pauseBody(bodyW(w), bodyH, roomy)
	} else {
		body = m.runBody(bodyW(w), bodyH, roomy)
	}
	for i := range bodyH {
		s := ""
		if i < len(body) {
			s = " " + body[i]
		}
		lines = append(lines, fit(s, w))
	}
	lines = append(lines, fit(m.presFooter(), w))
	return strings.Join(lines, "\n")
}

// bodyW is the text width under the banner: a cell of margin each side, and no wider than
// a reader can follow on a wide screen.
func bodyW(w int) int { return min(w-2, 100) }

func (m Model) presHeader() string {
	parts := []string{"kmslab presenter"}
	if t := m.deps.Target; t != nil {
		parts = append(parts, t.Label)
	}
	if p := m.prefix(); p != "" {
		parts = append(parts, "prefix "+p)
	}
	return " " + strings.Join(parts, " · ")
}

// presProgress is the thin progress line: where we are and how much is done, in words.
func (m Model) presProgress() string {
	done := 0
	for _, st := range m.state {
		if st.v != nil && st.err == nil && st.v.Passed() && !st.running {
			done++
		}
	}
	where := "before it runs"
	if m.pres.screen == presRun {
		where = "the run"
	}
	return fmt.Sprintf(" Step %d of %d · %s · %d of %d done", m.sel+1, len(m.list), where, done, len(m.list))
}

// banner is the step number and title in a double-lined box, uppercase and letter-spaced
// when that fits, so it reads from the back of a room without colour.
func (m Model) banner(w int, roomy bool) []string {
	inner := w - 2
	num := spaced(fmt.Sprintf("STEP %d OF %d", m.sel+1, len(m.list)))
	title := strings.ToUpper(m.list[m.sel].Title)
	if s := spaced(title); lipgloss.Width(s) <= inner-4 {
		title = s
	}
	text := []string{num}
	if roomy {
		text = append([]string{""}, num, "")
	}
	text = append(text, wrap(title, inner-4)...)
	if roomy {
		text = append(text, "")
	}
	out := []string{"╔" + strings.Repeat("═", inner) + "╗"}
	for _, t := range text {
		out = append(out, "║"+m.st.Title.Render(centre(t, inner))+"║")
	}
	return append(out, "╚"+strings.Repeat("═", inner)+"╝")
}

// spaced puts a space between letters and three between words: "STEP 1" → "S T E P   1".
func spaced(s string) string {
	words := strings.Fields(s)
	for i, wd := range words {
		words[i] = strings.Join(strings.Split(wd, ""), " ")
	}
	return strings.Join(words, "   ")
}

func centre(s string, w int) string {
	pad := max((w-lipgloss.Width(s))/2, 0)
	return fit(strings.Repeat(" ", pad)+s, w)
}

// presStatus is a step's status as an uppercase word: nothing here depends on colour.
func (m Model) presStatus(st stepState) string {
	_, word, _ := m.statusWord(st)
	return strings.ToUpper(word)
}

// pauseBody: the summary, the status now, and what enter will do.
func (m Model) pauseBody(w, h int, roomy bool) []string {
	id := m.list[m.sel].ID
	summary, ok := m.pres.summaries[id]
	if !ok {
		summary = "loading the summary…"
		if m.deps.Lessons == nil {
			summary = ""
		}
	}
	prompt := m.promptBox("PRESS ENTER TO RUN THIS STEP", w, roomy)
	st := m.state[m.sel]
	status := "Status now: " + m.presStatus(st)
	switch {
	case st.checking:
		prompt = []string{"Checking the lab first…"}
	case st.v != nil && st.v.Passed():
		status += " (running it again is safe: it checks before it changes anything)"
	}
	tail := append([]string{"", status, ""}, prompt...)
	sum := wrap(summary, w)
	if room := h - len(tail); len(sum) > room {
		sum = sum[:max(room, 0)]
		if room > 0 {
			sum[room-1] = fit(sum[room-1], max(w-1, 0)) + "…"
		}
	}
	return append(sum, tail...)
}

// promptBox is the call to action: a three-line box when there is room, else one line.
func (m Model) promptBox(text string, w int, roomy bool) []string {
	t := "▶  " + text
	if !roomy {
		return []string{m.st.Title.Render(fit(t, w))}
	}
	n := min(lipgloss.Width(t)+4, w)
	return []string{
		"┏" + strings.Repeat("━", n-2) + "┓",
		"┃ " + m.st.Title.Render(fit(t, n-4)) + " ┃",
		"┗" + strings.Repeat("━", n-2) + "┛",
	}
}

// runBody: the calls (each CLI command, then its result), the verdict and the prompt.
// The verdict and the prompt always show; the calls get the rest, newest last.
func (m Model) runBody(w, h int, roomy bool) []string {
	verdict := m.presVerdict(w)
	prompt := m.runPrompt(w, roomy)
	// Blank lines between the parts, unless the calls would get fewer than two lines.
	gap := []string{""}
	callsH := h - len(verdict) - len(prompt) - 2
	if callsH < 2 {
		gap, callsH = nil, callsH+2
	}
	if callsH < 1 { // a long denial on a short screen: the verdict wins, cut at its end
		verdict = verdict[:max(min(len(verdict), h-len(prompt)-1), 0)]
		callsH = 0
	}
	calls := tailCalls(m.presCalls(), w, callsH)
	var out []string
	if callsH > 0 {
		out = append(out, calls...)
		out = append(out, gap...)
	}
	out = append(out, verdict...)
	out = append(out, gap...)
	return append(out, prompt...)
}

// callLine is one call on the projector: its CLI command (empty for a wait or a note)
// and its result; the command shows as soon as the call starts.
type callLine struct{ cmd, res string }

func (c callLine) lines(w int) []string {
	var out []string
	if c.cmd != "" {
		out = hanging([]string{"$ " + c.cmd}, w, 2)
		return append(out, hanging([]string{"  → " + c.res}, w, 4)...)
	}
	return hanging([]string{c.res}, w, 8)
}

// squeezed is the call in h lines when its full form is taller: the command whole if it
// fits with a line of result, else both cut to a line each; a cut line ends in "…".
func (c callLine) squeezed(w, h int) []string {
	if all := c.lines(w); c.cmd != "" && len(hanging([]string{"$ " + c.cmd}, w, 2)) < h {
		out := all[:h]
		out[h-1] = strings.TrimRight(fit(out[h-1], max(w-2, 0)), " ") + " …"
		return out
	}
	if c.cmd == "" {
		return []string{fit(c.res, w)}
	}
	out := []string{fit("$ "+c.cmd, w)}
	if h > 1 {
		out = append(out, fit("  → "+c.res, w))
	}
	return out
}

// tailCalls fits the newest calls whole in h lines, oldest first, and says how many
// earlier calls did not fit; the newest is squeezed when even it does not fit.
func tailCalls(calls []callLine, w, h int) []string {
	if h <= 0 {
		return nil
	}
	fill := func(h int) (out []string, first, groups int) {
		first = len(calls)
		for i := len(calls) - 1; i >= 0; i-- {
			l := calls[i].lines(w)
			if len(out)+len(l) > h {
				if i == len(calls)-1 {
					out, first, groups = calls[i].squeezed(w, h), i, 1
				}
				break
			}
			out, first, groups = append(l, out...), i, groups+1
		}
		return out, first, groups
	}
	out, first, groups := fill(h)
	if first > 0 && len(out) == h && groups > 1 {
		out, first, _ = fill(h - 1) // make room to say that earlier calls are not shown
	}
	if first > 0 && len(out) < h {
		out = append([]string{fmt.Sprintf("… %d earlier call(s)", first)}, out...)
	}
	return out
}

// presCalls is the step's calls this session, oldest first.
func (m Model) presCalls() []callLine {
	a := m.pres.calls[m.list[m.sel].ID]
	st := m.state[m.sel]
	if a == nil || len(a.entries) == 0 {
		if st.running || m.pres.revoking {
			return []callLine{{res: "Starting…"}}
		}
		return []callLine{{res: "No calls shown for this step in this session (enter runs it again on the pause screen)."}}
	}
	var out []callLine
	for _, x := range a.entries {
		e := x.ev
		switch e.Phase {
		case steps.Waiting:
			line := fmt.Sprintf("WAITING %s: %s", e.Elapsed.Round(100*time.Millisecond), e.Note)
			if e.Result != "" {
				line += " (" + e.Result + ")"
			}
			out = append(out, callLine{res: line})
			continue
		case steps.Info:
			out = append(out, callLine{res: "NOTE    " + e.Note})
			continue
		}
		cmd := e.CLI
		if cmd == "" {
			cmd = e.Service + " " + e.Operation + " " + e.Summary
		}
		var res string
		switch {
		case x.open:
			res = "RUNNING…"
		case x.end != nil && x.end.Failed():
			res = m.st.Failed.Render("FAILED") + " " + dur(x.end.Duration) + " " + errText(*x.end)
		case x.end != nil:
			res = m.st.Done.Render("OK") + " " + dur(x.end.Duration)
			if x.end.Result != "" {
				res += " " + x.end.Result
			}
		}
		if e.As != "" && e.As != "admin" {
			res += " (as " + e.As + ")"
		}
		out = append(out, callLine{cmd: cmd, res: res})
	}
	return out
}

// presVerdict is the verdict in words; the denial and the grant are boxes whose titles
// and borders say which they are.
func (m Model) presVerdict(w int) []string {
	st := m.state[m.sel]
	switch {
	case m.pres.revoking:
		return wrap("REVOKING… removing the user from the key policy, then reading as the user until KMS refuses.", w)
	case m.pres.revoked != nil:
		return m.revokedBox(w)
	case st.running:
		return []string{"RUNNING… (ctrl+c cancels)"}
	case st.checking:
		return []string{"CHECKING…"}
	case st.err != nil:
		var pe *steps.PrereqError
		if errors.As(st.err, &pe) {
			return wrap("NOT YET: "+pe.Error(), w)
		}
		return wrap("ERROR: "+st.err.Error(), w)
	case st.v == nil:
		return []string{"NOT CHECKED"}
	}
	if vb, ok := m.verdictBox(); ok {
		if vb.title == grantedTitle {
			return m.lineBox("✓ ACCESS GRANTED", m.st.Granted, vb.lines(w-4), w, single)
		}
		return m.lineBox("✗ "+strings.ToUpper(vb.title), m.st.Denied, vb.lines(w-4), w, double)
	}
	head := "RESULT: " + m.presStatus(st)
	if st.v.Cause != "" {
		head += " (" + st.v.Cause + ")"
	}
	return append([]string{head}, wrap(st.v.Detail, w)...)
}

// revokedBox says what the revoke showed: reads still served from the cache for a while,
// then the user denied again.
func (m Model) revokedBox(w int) []string {
	o := m.pres.revoked
	if o.err != nil {
		return wrap("REVOKE FAILED: "+o.err.Error(), w)
	}
	user := m.testUser()
	body := []string{"The user is no longer in the key policy."}
	if o.servedFor > 0 {
		body = append(body, fmt.Sprintf("Reads were still served from DynamoDB's cached table key for %s.", o.servedFor.Round(100*time.Millisecond)))
	}
	if !o.deniedAgain {
		st := m.state[m.sel]
		body = append(body, "Step 5 is now "+m.presStatus(st)+"; the denial did not come back on this target.")
		return m.lineBox("REVOKED", m.st.Title, wrapAll(body, w-4), w, single)
	}
	body = append(body, fmt.Sprintf("Revoked: reads as %s are denied again (%s after the change).", user, dur(o.took)))
	return m.lineBox("✗ ACCESS DENIED AGAIN", m.st.Denied, wrapAll(body, w-4), w, double)
}

func wrapAll(lines []string, w int) []string {
	var out []string
	for _, l := range lines {
		out = append(out, wrap(l, w)...)
	}
	return out
}

func (m Model) runPrompt(w int, roomy bool) []string {
	st := m.state[m.sel]
	switch {
	case m.busy:
		return nil // the verdict line says it is running
	case m.pres.revoked != nil && m.pres.revoked.err == nil:
		return m.promptBox("PRESS ENTER TO GRANT ACCESS AGAIN", w, roomy)
	case st.err != nil && m.sel < len(m.list)-1:
		return m.promptBox("P GOES BACK · ENTER SHOWS THE NEXT STEP", w, roomy)
	case m.sel < len(m.list)-1:
		return m.promptBox("PRESS ENTER FOR THE NEXT STEP", w, roomy)
	case st.v != nil && st.v.Passed():
		return m.promptBox("THE LAB IS COMPLETE · R REVOKES TO SHOW THE DENIAL AGAIN", w, roomy)
	}
	return m.promptBox("P GOES BACK TO THE PAUSE SCREEN", w, roomy)
}

func (m Model) presFooter() string {
	keys := " enter/n/→ next · p/← back · q quit · ctrl+c cancel"
	if m.list[m.sel].ID == steps.GrantAccess {
		keys = " enter/n/→ next · p/← back · r revoke · q quit · ctrl+c cancel"
	}
	if m.pres.note != "" {
		keys = " " + m.pres.note + " ·" + keys
	}
	return keys
}

// borders: the denial is double-lined, everything else single, so they differ in shape.
type borders struct{ tl, tr, bl, br, h, v string }

var (
	double = borders{"╔", "╗", "╚", "╝", "═", "║"}
	single = borders{"┌", "┐", "└", "┘", "─", "│"}
)

// lineBox draws body in a box w wide with title in its top edge.
func (m Model) lineBox(title string, style lipgloss.Style, body []string, w int, b borders) []string {
	inner := w - 2
	t := fit(" "+title+" ", min(lipgloss.Width(title)+2, inner))
	out := []string{b.tl + b.h + style.Render(t) + strings.Repeat(b.h, max(inner-1-lipgloss.Width(t), 0)) + b.tr}
	for _, l := range body {
		out = append(out, b.v+" "+fit(l, inner-2)+" "+b.v)
	}
	return append(out, b.bl+strings.Repeat(b.h, inner)+b.br)
}

// testUser names the lab's test user: the Lab's, else the user in a verdict's evidence.
func (m Model) testUser() string {
	if m.deps.Lab != nil && m.deps.Lab.User != "" {
		return m.deps.Lab.User
	}
	for _, st := range m.state {
		if st.v == nil {
			continue
		}
		if arn := st.v.Evidence["userArn"]; arn != "" {
			return arn[strings.LastIndex(arn, "/")+1:]
		}
	}
	return "the test user"
}
