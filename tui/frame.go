package tui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// fit cuts or pads s to exactly w cells (ANSI-aware), so panes never overflow.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s = strings.ReplaceAll(s, "\t", "    ")
	if lipgloss.Width(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	if n := w - lipgloss.Width(s); n > 0 {
		s += strings.Repeat(" ", n)
	}
	return s
}

// box draws a bordered pane exactly w×h with the title in the top edge. body lines are cut
// or padded; lines beyond the inner height are dropped.
func box(title string, body []string, w, h int, border lipgloss.Style) []string {
	if w < 2 || h < 2 {
		return nil
	}
	inner := w - 2
	top := "┌"
	if title != "" {
		t := fit(" "+title+" ", min(inner, lipgloss.Width(title)+2))
		top += t + strings.Repeat("─", inner-lipgloss.Width(t))
	} else {
		top += strings.Repeat("─", inner)
	}
	out := []string{border.Render(top + "┐")}
	for i := 0; i < h-2; i++ {
		line := ""
		if i < len(body) {
			line = body[i]
		}
		// Say so when text is cut at the bottom.
		if i == h-3 && len(body) > h-2 {
			line = fit(line, max(inner-1, 0)) + "…"
		}
		out = append(out, border.Render("│")+fit(line, inner)+border.Render("│"))
	}
	return append(out, border.Render("└"+strings.Repeat("─", inner)+"┘"))
}

// wrap breaks plain text into lines of at most w cells on word boundaries.
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = append(out, strings.Split(ansi.Wrap(para, w, ""), "\n")...)
	}
	return out
}

// join puts column blocks side by side; each block's lines are already its exact width.
func join(left, right []string) []string {
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
		out[i] = l + r
	}
	return out
}
