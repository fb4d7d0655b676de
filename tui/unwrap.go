package tui

import (
	"regexp"
	"strings"
)

// listItem matches the start of a list item ("- ", "* ", "+ ", "1. ").
var listItem = regexp.MustCompile(`^([-*+]|\d+[.)])\s`)

// unwrapMarkdown joins the source's soft line breaks so glamour wraps text to the pane:
// glamour keeps them inside list items, which leaves ragged lines in a narrow pane.
// Fenced code, headings, tables, quotes and hard breaks are left alone.
func unwrapMarkdown(md string) string {
	lines := strings.Split(md, "\n")
	var out []string
	fenced, indented := false, false
	joinable := false // the previous output line is prose that may continue
	for _, l := range lines {
		t := strings.TrimSpace(l)
		// An indented code block starts after a blank line and lasts while lines stay
		// indented (a list's second paragraph is taken for one too: it is only not joined).
		if strings.HasPrefix(l, "    ") && (indented || !joinable) && !fenced {
			indented = true
			out = append(out, l)
			continue
		}
		if t != "" {
			indented = false
		}
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fenced = !fenced
			out = append(out, l)
			joinable = false
			continue
		}
		if fenced || t == "" {
			out = append(out, l)
			joinable = false
			continue
		}
		block := strings.HasPrefix(t, "#") || strings.HasPrefix(t, "|") || strings.HasPrefix(t, ">") ||
			listItem.MatchString(t)
		if joinable && !block {
			out[len(out)-1] += " " + t
		} else {
			out = append(out, l)
		}
		joinable = !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "|") &&
			!strings.HasSuffix(l, "  ") && !strings.HasSuffix(l, `\`)
	}
	return strings.Join(out, "\n")
}
