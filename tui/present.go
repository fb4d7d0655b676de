package tui

import (
	"context"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kmslab/kmslab/steps"
)

// Presenter mode (Deps.Present): one step per screen for a projector. Each step has two
// screens: a pause (title, summary, "press enter to run") and its run (each call's CLI
// command as it starts, then its result, then the verdict in words).

type presScreen int

const (
	presPause presScreen = iota
	presRun
)

// presenter is the presenter mode's own state; the steps' verdicts stay in Model.state.
type presenter struct {
	screen presScreen
	// calls holds, per step id, the calls of its last run or revoke this session.
	calls map[string]*activity
	// rec is the step whose events are being recorded (the run or revoke in flight).
	rec string
	// hideChecks drops the admin's read-only check calls (a revoke checks the steps again
	// after it); the reads as the test user, served or denied, still show.
	hideChecks bool
	// summaries caches the first paragraph of each lesson, loaded in a Cmd.
	summaries map[string]string
	// revoking: the grant step's Undo is in flight; revoked is its outcome once back.
	revoking bool
	revoked  *revokeOutcome
	// note is a one-line message for the presenter (e.g. revoke not available).
	note string
}

func newPresenter() presenter {
	return presenter{calls: map[string]*activity{}, summaries: map[string]string{}}
}

// revokeOutcome is what the revoke showed: how long reads were still served and whether
// the test user is denied again.
type revokeOutcome struct {
	err         error
	took        time.Duration
	servedFor   time.Duration // the last wait's elapsed time while reads were still served
	deniedAgain bool
}

type (
	summaryMsg struct{ id, text string }
	revokedMsg struct {
		err           error
		took          time.Duration
		grant, deny   stepResult
		grantI, denyI int
	}
)

// record files an event for the step being recorded. Events of other steps (a trailing
// check) are not shown on the projector.
func (p *presenter) record(e steps.Event) {
	if p.rec == "" || e.Step != p.rec || (p.hideChecks && e.Check && (e.As == "" || e.As == "admin")) {
		return
	}
	a := p.calls[e.Step]
	if a == nil {
		na := newActivity()
		a = &na
		p.calls[e.Step] = a
	}
	a.add(e)
}

// begin starts recording a fresh call list for step id.
func (p *presenter) begin(id string) {
	na := newActivity()
	p.calls[id] = &na
	p.rec, p.note, p.hideChecks = id, "", false
}

// presentKey is the presenter's keymap: enter/n/→ advance, p/← go back one screen, r
// revokes on the grant step, q quits and ctrl+c cancels as in normal mode.
func (m Model) presentKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "ctrl+c":
		return m.exit(tea.Interrupt)
	case "q":
		return m.exit(tea.Quit)
	case "enter", "n", "right", "space":
		return m.presAdvance()
	case "p", "left":
		return m.presBack()
	case "r":
		return m.presRevoke()
	}
	return m, nil
}

func (m Model) presAdvance() (tea.Model, tea.Cmd) {
	if m.busy || m.loads > 0 || len(m.list) == 0 {
		return m, nil
	}
	switch {
	case m.pres.screen == presPause:
		return m.presRun(m.sel)
	case m.pres.revoked != nil:
		return m.presRun(m.sel) // grant again after a revoke
	case m.sel < len(m.list)-1:
		m.sel++
		m.pres.screen, m.pres.note = presPause, ""
		return m, m.summaryCmd()
	}
	return m, nil
}

// presBack shows the previous screen; nothing is undone.
func (m Model) presBack() (tea.Model, tea.Cmd) {
	if m.busy || len(m.list) == 0 {
		return m, nil
	}
	m.pres.note, m.pres.revoked = "", nil
	switch {
	case m.pres.screen == presRun:
		m.pres.screen = presPause
	case m.sel > 0:
		m.sel--
		m.pres.screen = presRun
	}
	return m, m.summaryCmd()
}

// presRun runs step i on its run screen, recording its calls.
func (m Model) presRun(i int) (tea.Model, tea.Cmd) {
	m.pres.screen, m.pres.revoked = presRun, nil
	m.pres.begin(m.list[i].ID)
	return m.run(i)
}

// presRevoke takes the grant back (the grant step's Undo) in a Cmd, then checks the grant
// and the denial steps again so the screen can say the user is denied again.
func (m Model) presRevoke() (tea.Model, tea.Cmd) {
	if m.busy || m.loads > 0 || len(m.list) == 0 || m.list[m.sel].ID != steps.GrantAccess {
		return m, nil
	}
	gi, di := m.sel, stepIndex(m.list, steps.DenyUser)
	s := m.list[gi]
	if s.Undo == nil {
		m.pres.note = "Revoke is not available here."
		return m, nil
	}
	ctx, cancel := context.WithCancel(m.ctx)
	m.busy, m.cancel = true, cancel
	m.pres.screen, m.pres.revoking, m.pres.revoked = presRun, true, nil
	m.pres.begin(s.ID)
	m.pres.hideChecks = true
	list, lab, now := m.list, m.deps.Lab, m.deps.Now
	cmd := func() tea.Msg {
		t0 := now()
		out := revokedMsg{grantI: gi, denyI: di}
		out.err = s.Undo(ctx, lab)
		out.took = now().Sub(t0)
		if out.err != nil {
			return out
		}
		out.grant.v, out.grant.err = s.Check(ctx, lab)
		if di >= 0 {
			out.deny.v, out.deny.err = list[di].Check(ctx, lab)
		}
		return out
	}
	return m, tea.Batch(cmd, m.startSpin())
}

func (m Model) revokedMsg(msg revokedMsg) (tea.Model, tea.Cmd) {
	m.stop()
	m.busy, m.pres.revoking = false, false
	o := &revokeOutcome{err: msg.err, took: msg.took}
	var cmds []tea.Cmd
	if msg.err == nil {
		for _, r := range []struct {
			i int
			r stepResult
		}{{msg.grantI, msg.grant}, {msg.denyI, msg.deny}} {
			if r.i < 0 || r.i >= len(m.state) {
				continue
			}
			st := &m.state[r.i]
			st.err = r.r.err
			if r.r.err == nil {
				v := r.r.v
				st.v = &v
			}
			cmds = append(cmds, m.save(r.i, r.r))
		}
		if msg.denyI >= 0 && msg.deny.err == nil && msg.deny.v.Status == steps.Done {
			o.deniedAgain = true
		}
	}
	if a := m.pres.calls[steps.GrantAccess]; a != nil {
		for _, x := range a.entries {
			if x.ev.Phase == steps.Waiting && strings.Contains(x.ev.Result, "still served") {
				o.servedFor = x.ev.Elapsed
			}
		}
	}
	m.pres.revoked = o
	if m.exiting != nil {
		return m, then(tea.Batch(cmds...), m.exiting)
	}
	return m, tea.Batch(cmds...)
}

func stepIndex(list []steps.Step, id string) int {
	for i, s := range list {
		if s.ID == id {
			return i
		}
	}
	return -1
}

// summaryCmd loads the selected step's summary (the lesson's first paragraph) in a Cmd.
func (m Model) summaryCmd() tea.Cmd {
	if !m.deps.Present || len(m.list) == 0 || m.deps.Lessons == nil {
		return nil
	}
	id := m.list[m.sel].ID
	if _, ok := m.pres.summaries[id]; ok {
		return nil
	}
	lessons := m.deps.Lessons
	return func() tea.Msg {
		md, err := lessons.Lesson(id)
		if err != nil {
			return summaryMsg{id: id, text: "(no summary: " + err.Error() + ")"}
		}
		return summaryMsg{id: id, text: firstParagraph(md)}
	}
}

// firstParagraph is the lesson's first paragraph of prose as plain text: headings, code
// fences, lists and quotes are skipped; emphasis, code marks and link targets removed. A
// paragraph that only leads into a command ("…:") takes the next prose paragraph with it.
func firstParagraph(md string) string {
	var paras []string
	var para []string
	fence := false
	flush := func() {
		if len(para) > 0 {
			paras = append(paras, strings.Join(para, " "))
			para = nil
		}
	}
	for _, line := range strings.Split(md, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = !fence
			flush()
			continue
		}
		if fence {
			continue
		}
		if t == "" {
			flush()
			if len(paras) > 0 && !strings.HasSuffix(paras[len(paras)-1], ":") {
				break
			}
			continue
		}
		if len(para) == 0 && (strings.HasPrefix(t, "#") || strings.HasPrefix(t, ">") ||
			strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") || strings.HasPrefix(t, "|") ||
			strings.HasPrefix(t, "<")) {
			continue
		}
		para = append(para, t)
	}
	flush()
	if len(paras) > 2 {
		paras = paras[:2]
	}
	return plainMarkdown(strings.Join(paras, " "))
}

// plainMarkdown drops inline markdown: *, **, __, `, and [text](url) becomes text.
func plainMarkdown(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '`', c == '*':
			continue
		case (c == '*' || c == '_') && i+1 < len(s) && s[i+1] == c:
			i++
			continue
		case c == ']' && i+1 < len(s) && s[i+1] == '(':
			if j := strings.IndexByte(s[i:], ')'); j > 0 {
				i += j
				continue
			}
		case c == '[':
			if strings.Contains(s[i:], "](") {
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}
