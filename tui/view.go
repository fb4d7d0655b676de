package tui

import (
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/kmslab/kmslab/steps"
)

// Minimum size for the full layout.
const (
	MinWidth  = 80
	MinHeight = 24
	resultH   = 5
)

// layout is where each pane goes for the current size.
type layout struct {
	ok                          bool
	footer                      []string
	bodyH, leftW, rightW        int
	lessonH, activityH, resultH int
}

func (m Model) layout() layout {
	if m.width < MinWidth || m.height < MinHeight {
		return layout{}
	}
	l := layout{ok: true}
	l.footer = strings.Split(m.help.View(m.keys), "\n")
	l.bodyH = m.height - 1 - len(l.footer)
	// The short titles fit in 24 cells ("› ✓ 4 Deny test user" and the box).
	l.leftW = min(max(m.width/4, 24), 32)
	l.rightW = m.width - l.leftW
	// The result pane grows to fit its text (the denial box needs the most), leaving the
	// lesson and the log at least one line each: the verdict is what the student needs now.
	l.resultH = min(max(len(m.resultBody(l.rightW-2))+2, resultH), max(l.bodyH-6, resultH))
	rest := l.bodyH - l.resultH
	l.lessonH = rest * 55 / 100
	l.activityH = rest - l.lessonH
	return l
}

// View draws the whole screen.
func (m Model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "kmslab"
	v.SetContent(m.render())
	return v
}

func (m Model) render() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	l := m.layout()
	if !l.ok {
		return m.tooSmall()
	}
	if m.confirming {
		return m.confirmScreen()
	}
	if m.deps.Present {
		return m.presentScreen()
	}
	lines := []string{m.st.Header.Render(fit(m.header(), m.width))}
	right := box(m.lessonTitle(), m.lessonLines(l, l.lessonH-2), l.rightW, l.lessonH, m.border(focusLesson))
	right = append(right, box("Activity", m.activityLines(l.activityH-2), l.rightW, l.activityH, m.border(focusActivity))...)
	right = append(right, m.resultBox(l.rightW, l.resultH)...)
	left := box("Steps", m.stepLines(l.leftW-2), l.leftW, l.bodyH, m.border(focusSteps))
	lines = append(lines, join(left, right)...)
	for _, f := range l.footer {
		lines = append(lines, fit(f, m.width))
	}
	return strings.Join(lines, "\n")
}

func (m Model) border(f focus) lipgloss.Style {
	if m.focus == f {
		return m.st.FocusBorder
	}
	return m.st.Border
}

// tooSmall centres a request for a bigger terminal.
func (m Model) tooSmall() string {
	msg := wrap(fmt.Sprintf("make the terminal larger (need %dx%d, have %dx%d)", MinWidth, MinHeight, m.width, m.height), m.width)
	top := max((m.height-len(msg))/2, 0)
	out := make([]string, m.height)
	for i := range out {
		s := ""
		if j := i - top; j >= 0 && j < len(msg) {
			t := strings.TrimSpace(msg[j])
			s = strings.Repeat(" ", max((m.width-lipgloss.Width(t))/2, 0)) + t
		}
		out[i] = fit(s, m.width)
	}
	return strings.Join(out, "\n")
}

func (m Model) header() string {
	parts := []string{"kmslab"}
	if t := m.deps.Target; t != nil {
		parts = append(parts, t.Label)
		if t.Account != "" {
			parts = append(parts, "account "+t.Account)
		}
		if t.Region != "" {
			parts = append(parts, t.Region)
		}
	}
	if p := m.prefix(); p != "" {
		parts = append(parts, "prefix "+p)
	}
	return " " + strings.Join(parts, " · ")
}

// statusWord is the mark and word shown for a step.
func (m Model) statusWord(st stepState) (string, string, lipgloss.Style) {
	switch {
	case st.running:
		return m.spin.View(), "running", m.st.Running
	case st.checking:
		return "…", "checking", m.st.Dim
	case st.err != nil:
		return "✗", "error", m.st.Failed
	case st.v == nil:
		return "?", "not checked", m.st.Dim
	}
	switch st.v.Status {
	case steps.Done:
		return "✓", "done", m.st.Done
	case steps.Propagating:
		return "~", "propagating", m.st.Propagating
	case steps.CannotDemonstrate:
		return "!", "cannot demonstrate", m.st.Cannot
	default:
		return "·", "not done", m.st.NotDone
	}
}

func (m Model) stepLines(w int) []string {
	var out []string
	passed := 0
	for i, s := range m.list {
		st := m.state[i]
		if st.v != nil && st.err == nil && st.v.Passed() && !st.running {
			passed++
		}
		cursor := "  "
		if i == m.sel {
			cursor = "› "
		}
		mark, word, style := m.statusWord(st)
		title := fmt.Sprintf("%s%s %d %s", cursor, style.Render(mark), i+1, shortTitle(s))
		if i == m.sel {
			title = m.st.Selected.Render(fit(title, w))
		}
		// The word sits under the step number, so "cannot demonstrate" fits the list.
		out = append(out, title, "    "+style.Render(word))
	}
	out = append(out, "", progressBar(passed, len(m.list), w))
	return out
}

// progressBar draws "█████░░░░░ 2/5" in w cells.
func progressBar(done, total, w int) string {
	label := fmt.Sprintf(" %d/%d", done, total)
	n := max(w-lipgloss.Width(label)-1, 1)
	full := 0
	if total > 0 {
		full = n * done / total
	}
	return strings.Repeat("█", full) + strings.Repeat("░", n-full) + label
}

func (m Model) lessonTitle() string {
	if len(m.list) == 0 {
		return "Lesson"
	}
	return fmt.Sprintf("%d · %s", m.sel+1, m.list[m.sel].Title)
}

func (m Model) lessonAll(l layout) []string {
	k, ok := m.lessonKeyFor(l)
	if !ok {
		return nil
	}
	text, hit := m.lessons[k]
	if !hit {
		return []string{"rendering the lesson…"}
	}
	return strings.Split(text, "\n")
}

func (m Model) lessonLines(l layout, h int) []string {
	all := m.lessonAll(l)
	off := min(m.lessonOff, max(len(all)-h, 0))
	return all[off:min(off+h, len(all))]
}

func (m Model) activityLines(h int) []string {
	total := m.act.height()
	if total == 0 {
		return []string{m.st.Dim.Render("AWS calls appear here as a step runs.")}
	}
	maxOff := max(total-h, 0)
	off := maxOff
	if !m.act.follow {
		off = min(m.act.offset, maxOff)
	}
	return m.act.window(m.st, m.spin.View(), off, h)
}

// scroll moves the focused pane by n lines (the lesson when the step list has focus).
func (m *Model) scroll(n int) {
	l := m.layout()
	if !l.ok {
		return
	}
	if m.focus == focusResult {
		maxOff := max(len(m.resultBody(l.rightW-2))-(l.resultH-2), 0)
		m.resultOff = min(max(m.resultOff+n, 0), maxOff)
		return
	}
	if m.focus == focusActivity {
		h := l.activityH - 2
		total := m.act.height()
		maxOff := max(total-h, 0)
		off := m.act.offset
		if m.act.follow {
			off = maxOff
		}
		off = min(max(off+n, 0), maxOff)
		m.act.offset, m.act.follow = off, off == maxOff
		return
	}
	h := l.lessonH - 2
	maxOff := max(len(m.lessonAll(l))-h, 0)
	m.lessonOff = min(max(m.lessonOff+n, 0), maxOff)
}

func (m Model) pageSize() int {
	l := m.layout()
	switch m.focus {
	case focusActivity:
		return max(l.activityH-3, 1)
	case focusResult:
		return max(l.resultH-3, 1)
	}
	return max(l.lessonH-3, 1)
}

// resultBody is the text of the result pane, wrapped to inner cells.
func (m Model) resultBody(inner int) []string {
	if len(m.list) == 0 {
		return nil
	}
	if m.panel.kind != panelNone {
		return m.panelBody(inner)
	}
	st := m.state[m.sel]
	if vb, ok := m.verdictBox(); ok {
		return vb.lines(inner)
	}
	var body []string
	mark, word, style := m.statusWord(st)
	switch {
	case m.hintLevel > 0:
		levels := m.hintLevels()
		n := min(m.hintLevel, len(levels))
		head := "Hint:"
		if len(levels) > 1 {
			head = fmt.Sprintf("Hint %d/%d:", n, len(levels))
		}
		body = wrap(head+" "+levels[n-1], inner)
	case st.running:
		body = []string{style.Render(mark + " running…")}
	case st.err != nil:
		var pe *steps.PrereqError
		if errors.As(st.err, &pe) {
			body = wrap("Not yet: "+pe.Error(), inner)
		} else {
			body = wrap("Error: "+st.err.Error(), inner)
		}
	case st.v != nil:
		head := style.Render(mark + " " + word)
		if st.v.Cause != "" {
			head += m.st.Dim.Render("  (" + st.v.Cause + ")")
		}
		body = append([]string{head}, wrap(st.v.Detail, inner)...)
	default:
		body = []string{style.Render(word)}
	}
	return body
}

// hanging wraps "label:   value" lines so continuation lines start under the value.
func hanging(lines []string, w, indent int) []string {
	if w <= indent+8 {
		indent = 0
	}
	pad := strings.Repeat(" ", indent)
	var out []string
	for _, l := range lines {
		head, rest := l, ""
		if len(l) > indent {
			head, rest = l[:indent], l[indent:]
		}
		for i, part := range wrapIDs(rest, w-indent) {
			if i == 0 {
				out = append(out, head+part)
			} else {
				out = append(out, pad+part)
			}
		}
	}
	return out
}

// hintLevels are the manifest's hints for the current cause, else the verdict's own words.
func (m Model) hintLevels() []string {
	if len(m.list) == 0 {
		return nil
	}
	st := m.state[m.sel]
	switch {
	case st.err != nil:
		return []string{st.err.Error()}
	case st.v == nil:
		return []string{"check the step first (c)."}
	case st.v.Cause == "":
		if st.v.Passed() {
			return []string{"nothing to fix: this step is " + string(st.v.Status) + "."}
		}
		return []string{st.v.Detail}
	}
	if m.deps.Hints != nil {
		if h, ok := m.deps.Hints.Hint(m.list[m.sel].ID, st.v.Cause); ok {
			var out []string
			for _, l := range h {
				if strings.TrimSpace(l) != "" {
					out = append(out, l)
				}
			}
			if len(out) > 0 {
				return out
			}
		}
	}
	return []string{st.v.Detail}
}
