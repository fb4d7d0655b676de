package tui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// panelTitle is the result pane's title for the open view.
func (m Model) panelTitle() string {
	switch m.panel.kind {
	case panelWhy:
		return "Why"
	case panelDiff:
		return "Key policy diff"
	case panelViewAs:
		return "View as admin and test user"
	case panelPeek:
		return "Storage peek"
	case panelAskSolution, panelSolution:
		return "Solution · step " + strconv.Itoa(m.sel+1)
	case panelQuiz:
		return m.quizTitle()
	}
	return "Result"
}

// panelBody is the open view's text, wrapped to inner cells.
func (m Model) panelBody(inner int) []string {
	p := m.panel
	if p.loading {
		word := map[panelKind]string{panelWhy: "Working out why…", panelViewAs: "Reading as the admin and as the test user…",
			panelPeek: "Reading the stored bytes…", panelDiff: "Comparing the key policies…"}[p.kind]
		return []string{m.st.Dim.Render(word)}
	}
	if p.failed {
		return wrapText(p.text, inner)
	}
	switch p.kind {
	case panelAskSolution:
		return wrapText("Show the solution (the AWS CLI commands) for step "+strconv.Itoa(m.sel+1)+"? "+
			"Try the hints (h) first: the lab teaches more when you find it.\n\ny  show it     n  not now", inner)
	case panelDiff:
		return m.diffLines(inner)
	case panelViewAs:
		return m.viewAsLines(inner)
	case panelQuiz:
		return m.quizLines(inner)
	}
	return wrapText(p.text, inner)
}

// viewAsLines puts the two reads side by side from 100 columns, else one under the other.
func (m Model) viewAsLines(inner int) []string {
	a, u := m.panel.admin, m.panel.user
	if m.width >= 100 {
		colW := (inner - 3) / 2
		left := append(heading("As the admin", colW), wrapText(a, colW)...)
		right := append(heading("As the test user", colW), wrapText(u, colW)...)
		n := max(len(left), len(right))
		out := make([]string, n)
		for i := range n {
			var l, r string
			if i < len(left) {
				l = left[i]
			}
			if i < len(right) {
				r = right[i]
			}
			out[i] = fit(l, colW) + " │ " + r
		}
		return out
	}
	out := append(heading("As the admin", inner), wrapText(a, inner)...)
	out = append(out, "")
	out = append(out, heading("As the test user", inner)...)
	return append(out, wrapText(u, inner)...)
}

// heading is a title underlined to its own width (plain, so it reads without colour).
func heading(s string, w int) []string {
	s = ansi.Truncate(s, w, "…")
	return []string{s, strings.Repeat("─", ansi.StringWidth(s))}
}

// wrapText wraps plain text to w cells, keeping blank lines and each line's indent; a line
// that fits is left as written (aligned columns stay aligned).
func wrapText(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	var out []string
	for _, l := range strings.Split(strings.TrimRight(strings.ReplaceAll(s, "\t", "    "), "\n"), "\n") {
		l = strings.TrimRight(l, " ")
		if ansi.StringWidth(l) <= w {
			out = append(out, l)
			continue
		}
		body := strings.TrimLeft(l, " ")
		indent := min(len(l)-len(body), w/2)
		// Continuations sit two cells further in, so a wrapped line (a command) does not
		// read as a new one.
		hang := 2
		if w-indent-hang < 8 {
			hang = 0
		}
		for i, part := range wrapIDs(body, w-indent-hang) {
			if i == 0 {
				out = append(out, strings.Repeat(" ", indent)+part)
			} else {
				out = append(out, strings.Repeat(" ", indent+hang)+part)
			}
		}
	}
	return out
}
