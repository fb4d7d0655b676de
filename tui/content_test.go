package tui

import (
	"strings"
	"testing"

	"github.com/kmslab/kmslab/content"
	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

// The real lessons, rendered by glamour (colour and ascii), keep every line inside the
// terminal at the supported sizes, scrolled to the end.
func TestRealLessonsFit(t *testing.T) {
	man, err := content.Load()
	if err != nil {
		t.Fatal(err)
	}
	tg := &target.Target{Label: "sandbox (offline)", Account: "000000000000", Region: "us-east-1"}
	v := ContentVars(nil, tg)
	v.Prefix, v.User, v.Table = steps.DefaultPrefix, steps.DefaultPrefix+"-kms-user", steps.DefaultPrefix+"-kms-table"
	for _, noColor := range []bool{true, false} {
		for _, sz := range [][2]int{{80, 24}, {120, 36}} {
			f := newFakeLab()
			for id, causes := range steps.Causes {
				if len(causes) > 0 {
					f.cause[id] = causes[0]
				}
			}
			m := New(Deps{Steps: f.steps(), Target: tg, Lessons: ContentLessons(v), Hints: ContentHints(man, v), NoColor: noColor})
			m, _ = settle(t, m, m.Init())
			m, _ = send(t, m, sizeMsg(sz[0], sz[1]))
			for i := range m.list {
				if i > 0 {
					m = press(t, m, "j")
				}
				if lines := m.lessonAll(m.layout()); len(lines) < 5 || strings.Contains(strings.Join(lines, "\n"), "Could not load") {
					t.Fatalf("lesson %s: %q", m.list[i].ID, lines)
				}
				m = press(t, m, "tab", "pgdown", "pgdown", "pgdown", "pgdown", "pgdown", "pgdown", "h")
				assertFits(t, m, sz[0], sz[1])
				if !strings.Contains(screen(m), "Hint 1/3:") {
					t.Errorf("step %s: no manifest hint:\n%s", m.list[i].ID, screen(m))
				}
				m = press(t, m, "tab", "tab", "tab")
			}
		}
	}
}
