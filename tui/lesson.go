package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/glamour/v2"
)

// lessonKey identifies one rendering: glamour output depends on all three.
type lessonKey struct {
	id    string
	width int
	style string
}

// lessonMsg carries a rendered lesson back to Update.
type lessonMsg struct {
	key  lessonKey
	text string
	err  error
}

// glamourRender is the one place markdown is rendered; a test swaps it to prove no render
// happens while Update or View runs.
var glamourRender = func(r *glamour.TermRenderer, md string) (string, error) { return r.Render(md) }

// renderLesson loads and renders a lesson off the event loop. Each call builds its own
// renderer: a TermRenderer is not safe for concurrent use, and building one is cheap.
func renderLesson(src Lessons, k lessonKey) tea.Cmd {
	return func() tea.Msg {
		if src == nil {
			return lessonMsg{key: k, text: "(no lessons available)"}
		}
		md, err := src.Lesson(k.id)
		if err != nil {
			return lessonMsg{key: k, err: err}
		}
		// Tabs break glamour's wrapping.
		md = unwrapMarkdown(strings.ReplaceAll(md, "\t", "    "))
		r, err := glamour.NewTermRenderer(glamour.WithStandardStyle(k.style), glamour.WithWordWrap(k.width))
		if err != nil {
			return lessonMsg{key: k, err: err}
		}
		out, err := glamourRender(r, md)
		if err != nil {
			return lessonMsg{key: k, err: fmt.Errorf("render lesson %s: %w", k.id, err)}
		}
		return lessonMsg{key: k, text: strings.Trim(out, "\n")}
	}
}
