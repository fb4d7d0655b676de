package tui

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

// panelKind is which teaching view fills the result pane instead of the verdict.
type panelKind int

const (
	panelNone panelKind = iota
	panelWhy
	panelDiff
	panelViewAs
	panelPeek
	panelAskSolution
	panelSolution
	panelQuiz
)

// stepPanel: a view about the selected step, closed when the selection moves; the others
// are about the whole lab and stay.
func (k panelKind) stepPanel() bool {
	return k == panelAskSolution || k == panelSolution || k == panelQuiz
}

// notAvailable is what a key says when its source is not wired.
const notAvailable = "not available here"

// panel is the open teaching view. seq tells a late answer from an older request apart.
type panel struct {
	kind    panelKind
	seq     int
	loading bool
	text    string // why, peek, solution, or the error
	failed  bool
	admin   string // view-as
	user    string
	diff    []steps.DiffLine
	quiz    quizState
}

// insightMsg carries a teaching view's content back from its Cmd.
type insightMsg struct {
	seq         int
	text        string
	admin, user string
	diff        []steps.DiffLine
	err         error
}

// open shows kind in the result pane, loading it with load (nil: nothing to fetch).
func (m Model) open(kind panelKind, load func(ctx context.Context, seq int) tea.Cmd) (tea.Model, tea.Cmd) {
	m.panelSeq++
	m.panel = panel{kind: kind, seq: m.panelSeq}
	m.hintLevel, m.resultOff = 0, 0
	// One load at a time: the one before is for a view now gone.
	m.stopLoad()
	if load == nil {
		return m, nil
	}
	ctx, cancel := context.WithCancel(m.ctx)
	m.panel.loading, m.loadCancel = true, cancel
	m.loads++
	return m, load(ctx, m.panelSeq)
}

// stopLoad cancels the view's call in flight, if any; its answer will be dropped.
func (m *Model) stopLoad() {
	if m.loadCancel != nil {
		m.loadCancel()
		m.loadCancel = nil
	}
}

// toggle opens kind, or closes it when it is already open.
func (m Model) toggle(kind panelKind, load func(ctx context.Context, seq int) tea.Cmd) (tea.Model, tea.Cmd) {
	if m.panel.kind == kind {
		m.closePanel()
		return m, nil
	}
	return m.open(kind, load)
}

func (m *Model) closePanel() {
	m.stopLoad()
	m.panel = panel{}
	m.resultOff = 0
}

// unavailable opens kind with a fixed message and no call.
func (m Model) unavailable(kind panelKind, why string) (tea.Model, tea.Cmd) {
	next, cmd := m.toggle(kind, nil)
	nm := next.(Model)
	if nm.panel.kind == kind {
		nm.panel.text, nm.panel.failed = why, true
	}
	return nm, cmd
}

// panelKey handles the keys that open a teaching view; ok is false for other keys.
func (m Model) panelKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd, bool) {
	k := m.keys
	ins := m.deps.Insights
	var next tea.Model
	var cmd tea.Cmd
	switch {
	case key.Matches(msg, k.Back):
		m.closePanel()
		m.hintLevel = 0
		return m, nil, true
	case m.busy && (key.Matches(msg, k.Why) || key.Matches(msg, k.ViewAs) || key.Matches(msg, k.Peek)):
		// These read as the test user too: not beside a step that may be changing it.
		kind := map[string]panelKind{"w": panelWhy, "v": panelViewAs, "p": panelPeek}[msg.String()]
		next, cmd = m.unavailable(kind, "A step is running or being checked: try again when it is done.")
	case key.Matches(msg, k.Why):
		if ins == nil {
			next, cmd = m.unavailable(panelWhy, "Why: "+notAvailable+".")
			break
		}
		next, cmd = m.toggle(panelWhy, func(ctx context.Context, seq int) tea.Cmd {
			return func() tea.Msg {
				text, err := ins.Explain(ctx)
				return insightMsg{seq: seq, text: text, err: err}
			}
		})
	case key.Matches(msg, k.ViewAs):
		if ins == nil {
			next, cmd = m.unavailable(panelViewAs, "View as: "+notAvailable+".")
			break
		}
		next, cmd = m.toggle(panelViewAs, func(ctx context.Context, seq int) tea.Cmd {
			return func() tea.Msg {
				a, u, err := ins.ViewAs(ctx)
				return insightMsg{seq: seq, admin: a, user: u, err: err}
			}
		})
	case key.Matches(msg, k.Peek):
		if t := m.deps.Target; t != nil && t.Kind != target.Sandbox {
			next, cmd = m.unavailable(panelPeek, "Storage peek works on kmslab's sandbox only: it can show the bytes "+
				"it stores. "+t.Label+" gives no one a way to read a table's raw storage.")
			break
		}
		if ins == nil {
			next, cmd = m.unavailable(panelPeek, "Storage peek: "+notAvailable+".")
			break
		}
		next, cmd = m.toggle(panelPeek, func(ctx context.Context, seq int) tea.Cmd {
			return func() tea.Msg {
				text, err := ins.Peek(ctx)
				return insightMsg{seq: seq, text: text, err: err}
			}
		})
	case key.Matches(msg, k.Diff):
		notes := m.notesFunc()
		if notes == nil {
			next, cmd = m.unavailable(panelDiff, "Policy diff: "+notAvailable+".")
			break
		}
		next, cmd = m.toggle(panelDiff, func(_ context.Context, seq int) tea.Cmd {
			return func() tea.Msg {
				n := notes() // in memory: nothing to cancel
				before, after := n[steps.NotePolicyBefore], n[steps.NotePolicyAfter]
				if after == "" {
					return insightMsg{seq: seq}
				}
				if before == "" {
					before = after // the user was already named: kmslab changed nothing
				}
				return insightMsg{seq: seq, diff: steps.Diff(before, after)}
			}
		})
	case key.Matches(msg, k.Solution):
		if len(m.list) == 0 {
			return m, nil, true
		}
		if m.panel.kind == panelSolution || m.panel.kind == panelAskSolution {
			m.closePanel()
			return m, nil, true
		}
		next, cmd = m.open(panelAskSolution, nil)
	case key.Matches(msg, k.Quiz):
		if len(m.list) == 0 {
			return m, nil, true
		}
		next, cmd = m.startQuiz()
	default:
		return m, nil, false
	}
	return next, cmd, true
}

// notesFunc is where the lab's notes come from: Deps.Notes, else the Lab's.
func (m Model) notesFunc() func() map[string]string {
	if m.deps.Notes != nil {
		return m.deps.Notes
	}
	if m.deps.Lab != nil {
		return m.deps.Lab.Notes
	}
	return nil
}

// askKey answers "show the solution? y/n": y shows it, n or esc does not; quitting still
// works and other keys wait for the answer.
func (m Model) askKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd, bool) {
	switch msg.String() {
	case "y", "Y":
		m.panel.kind = panelSolution
		m.panel.text = m.solutionText()
		return m, nil, true
	case "n", "N", "esc", "s":
		m.closePanel()
		return m, nil, true
	case "q", "ctrl+c":
		return m, nil, false
	}
	return m, nil, true
}

// solutionText is the selected step's commands, one blank line between them.
func (m Model) solutionText() string {
	if m.deps.Solutions == nil {
		return "Solution: " + notAvailable + "."
	}
	cmds, ok := m.deps.Solutions.Solution(m.list[m.sel].ID)
	if !ok || len(cmds) == 0 {
		return "This step has no written solution."
	}
	return strings.Join(cmds, "\n\n")
}

// gotInsight files a Cmd's answer if it is for the view still open.
func (m Model) gotInsight(msg insightMsg) (tea.Model, tea.Cmd) {
	m.loads--
	if m.exiting != nil && m.loads == 0 && !m.busy {
		return m, m.exiting // the quit waited for this call
	}
	if msg.seq != m.panel.seq || m.panel.kind == panelNone {
		return m, nil
	}
	m.stopLoad() // done: release its context
	p := &m.panel
	p.loading = false
	if msg.err != nil {
		what := map[panelKind]string{panelWhy: "Could not explain: ", panelViewAs: "Could not read as both users: ",
			panelPeek: "Could not peek: "}[p.kind]
		p.text, p.failed = what+msg.err.Error(), true
		return m, nil
	}
	p.text, p.admin, p.user, p.diff = msg.text, msg.admin, msg.user, msg.diff
	return m, nil
}
