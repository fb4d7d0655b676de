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
	side := border.Render("│") // once: Render is the costly part of a frame
	for i := 0; i < h-2; i++ {
		line := ""
		if i < len(body) {
			line = body[i]
		}
		// Say so when text is cut at the bottom.
		if i == h-3 && len(body) > h-2 {
			line = fit(line, max(inner-1, 0)) + "…"
		}
		out = append(out, side+fit(line, inner)+side)
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

// wrapIDs wraps plain text on spaces like wrap, but a word too long for any line (an ARN)
// is split after its last ':' or '/' that fits, so "arn:aws:iam::…:user/" stays whole and
// the line is filled before it breaks.
func wrapIDs(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	var out []string
	line := ""
	flush := func() {
		out = append(out, line)
		line = ""
	}
	for _, word := range strings.Fields(s) {
		for word != "" {
			sep := 0
			if line != "" {
				sep = 1
			}
			room := w - ansi.StringWidth(line) - sep
			if ansi.StringWidth(word) <= room {
				if sep == 1 {
					line += " "
				}
				line += word
				word = ""
				continue
			}
			if ansi.StringWidth(word) <= w && line != "" {
				flush() // it fits on a line of its own
				continue
			}
			// Too long for any line: split it where it fits, after ':' or '/' if possible.
			cut := splitAt(word, room)
			if cut == 0 {
				if line == "" {
					cut = max(room, 1) // nothing fits: cut hard
				} else {
					flush()
					continue
				}
			}
			if sep == 1 {
				line += " "
			}
			line += word[:cut]
			word = word[cut:]
			flush()
		}
	}
	if line != "" || len(out) == 0 {
		out = append(out, line)
	}
	return out
}

// splitAt is where to split word to fit n cells: after the last ':' or '/' in the first n
// bytes (ASCII identifiers), else 0 when n is short (the word goes to the next line).
func splitAt(word string, n int) int {
	if n <= 0 {
		return 0
	}
	if n > len(word) {
		n = len(word)
	}
	if i := strings.LastIndexAny(word[:n], ":/"); i >= 0 {
		return i + 1
	}
	if n >= 12 {
		return n
	}
	return 0
}
