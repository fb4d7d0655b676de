package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/kmslab/kmslab/content"
)

// quizState is a quiz in progress on the selected step: one question at a time.
type quizState struct {
	step   string
	qs     []content.Question
	idx    int
	picked int // the chosen answer of question idx, -1 before an answer
	score  int
	done   bool
}

// startQuiz opens the selected step's quiz from its first question.
func (m Model) startQuiz() (tea.Model, tea.Cmd) {
	id := m.list[m.sel].ID
	if m.deps.Quizzes == nil {
		return m.unavailable(panelQuiz, "Quiz: "+notAvailable+".")
	}
	qs, ok := m.deps.Quizzes.Quiz(id)
	if !ok || len(qs) == 0 {
		return m.unavailable(panelQuiz, "This step has no quiz.")
	}
	if m.panel.kind == panelQuiz && !m.panel.quiz.done {
		m.closePanel() // z again leaves the quiz unscored
		return m, nil
	}
	next, cmd := m.open(panelQuiz, nil)
	nm := next.(Model)
	nm.panel.quiz = quizState{step: id, qs: qs, picked: -1}
	return nm, cmd
}

// quizKey: 1–4 answers the question, enter goes to the next one; the other keys work as
// usual (esc leaves, q quits).
func (m Model) quizKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd, bool) {
	q := &m.panel.quiz
	s := msg.String()
	if m.panel.failed || len(q.qs) == 0 {
		return m, nil, false
	}
	if q.done {
		if s == "enter" {
			m.closePanel() // enter after the score closes it rather than running the step
			return m, nil, true
		}
		return m, nil, false
	}
	switch {
	case len(s) == 1 && s[0] >= '1' && s[0] <= '4':
		n := int(s[0] - '1')
		if q.picked >= 0 || n >= len(q.qs[q.idx].Choices) {
			return m, nil, true
		}
		q.picked = n
		if n == q.qs[q.idx].Answer {
			q.score++
		}
		m.resultOff = 0
		return m, nil, true
	case s == "enter" || s == "space" || s == " ":
		if q.picked < 0 {
			return m, nil, true // the step does not run under an open question
		}
		m.resultOff = 0
		if q.idx+1 < len(q.qs) {
			q.idx, q.picked = q.idx+1, -1
			return m, nil, true
		}
		q.done = true
		return m, m.saveQuiz(q.step, q.score, len(q.qs)), true
	}
	return m, nil, false
}

// saveQuiz hands the score to Deps.SaveQuiz off the event loop (it writes a file).
func (m Model) saveQuiz(step string, score, total int) tea.Cmd {
	save := m.deps.SaveQuiz
	if save == nil {
		return nil
	}
	return func() tea.Msg {
		save(step, score, total)
		return nil
	}
}

func (m Model) quizTitle() string {
	q := m.panel.quiz
	switch {
	case len(q.qs) == 0:
		return "Quiz"
	case q.done:
		return fmt.Sprintf("Quiz · step %d · done", m.sel+1)
	}
	return fmt.Sprintf("Quiz · step %d · question %d of %d", m.sel+1, q.idx+1, len(q.qs))
}

// quizLines shows the question and its choices; once answered, which was right and why.
func (m Model) quizLines(inner int) []string {
	q := m.panel.quiz
	if q.done {
		msg := fmt.Sprintf("You answered %d of %d correctly.", q.score, len(q.qs))
		if q.score == len(q.qs) {
			msg += " Well done."
		}
		return wrapText(msg+"\n\nz  take it again     enter / esc  close", inner)
	}
	cur := q.qs[q.idx]
	out := wrapText(cur.Question, inner)
	out = append(out, "")
	for i, c := range cur.Choices {
		mark := " "
		if q.picked >= 0 {
			switch {
			case i == cur.Answer && i == q.picked:
				mark = m.st.Done.Render("✓")
			case i == q.picked:
				mark = m.st.Failed.Render("✗")
			case i == cur.Answer:
				mark = m.st.Done.Render("→")
			}
		}
		for j, part := range wrapText(c, max(inner-5, 1)) {
			if j == 0 {
				out = append(out, fmt.Sprintf("%s %d  %s", mark, i+1, part))
			} else {
				out = append(out, "     "+part)
			}
		}
	}
	out = append(out, "")
	if q.picked < 0 {
		return append(out, m.st.Dim.Render(fmt.Sprintf("Press 1–%d to answer · esc to leave", len(cur.Choices))))
	}
	verdict := m.st.Granted.Render("Correct.")
	if q.picked != cur.Answer {
		verdict = m.st.Denied.Render(fmt.Sprintf("Not quite: the answer is %d.", cur.Answer+1))
	}
	out = append(out, verdict)
	out = append(out, wrapText(cur.Explanation, inner)...)
	next := "enter  next question"
	if q.idx+1 == len(q.qs) {
		next = "enter  see your score"
	}
	return append(out, "", m.st.Dim.Render(next))
}
