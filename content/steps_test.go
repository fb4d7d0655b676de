// The engine is imported by tests only, and from the external test package, so content
// itself stays free of it and steps may one day import content without a cycle.
package content_test

import (
	"slices"
	"testing"

	"github.com/kmslab/kmslab/content"
	"github.com/kmslab/kmslab/steps"
)

// TestIDsMatchEngine: the manifest's steps and the lessons follow the engine's step ids,
// plus the clean-up.
func TestIDsMatchEngine(t *testing.T) {
	m := load(t)
	want := append(steps.IDs(), steps.CleanupStep)
	var got []string
	for _, s := range m.Steps {
		got = append(got, s.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("manifest steps %v, engine %v", got, want)
	}
	lessons := content.LessonIDs()
	if len(lessons) != len(want)+2 || lessons[0] != "intro" || lessons[len(lessons)-1] != "wrap-up" ||
		!slices.Equal(lessons[1:len(lessons)-1], want) {
		t.Errorf("lessons %v: want intro, %v, wrap-up", lessons, want)
	}
}

// TestEveryCauseHasAHint: each cause code a step's check can return has a hint with all
// three levels, and no hint is kept for a cause the engine no longer returns.
func TestEveryCauseHasAHint(t *testing.T) {
	m := load(t)
	for _, s := range m.Steps {
		causes := steps.Causes[s.ID]
		for _, c := range causes {
			h, ok := s.Hint(c, content.Vars{})
			if !ok {
				t.Errorf("%s: no hint for cause %s", s.ID, c)
				continue
			}
			if h.Nudge == "" || h.Concept == "" || h.Command == "" {
				t.Errorf("%s/%s: a hint level is empty: %+v", s.ID, c, h)
			}
		}
		for c := range s.Hints {
			if !slices.Contains(causes, c) {
				t.Errorf("%s: hint for %s, which the engine never returns for this step", s.ID, c)
			}
		}
	}
	for id := range steps.Causes {
		if _, ok := m.Step(id); !ok {
			t.Errorf("the engine has causes for step %s, which the manifest lacks", id)
		}
	}
}
