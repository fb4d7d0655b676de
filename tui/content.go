package tui

import (
	"github.com/kmslab/kmslab/content"
	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

// ContentVars fills the lessons' template fields from the lab and target; fields not known
// (the key ARN before step 1) stay empty and content shows a placeholder.
func ContentVars(lab *steps.Lab, tg *target.Target) content.Vars {
	var v content.Vars
	if lab != nil {
		v.Prefix, v.Alias, v.Table, v.User = lab.Prefix, lab.Alias, lab.Table, lab.User
	}
	if tg != nil {
		v.Account, v.Region, v.Target = tg.Account, tg.Region, tg.Label
		if tg.Account != "" && v.User != "" {
			v.UserARN = "arn:aws:iam::" + tg.Account + ":user/" + v.User
		}
	}
	return v
}

// ContentLessons serves the embedded lessons filled with v.
func ContentLessons(v content.Vars) Lessons {
	return LessonFunc(func(id string) (string, error) { return content.Lesson(id, v) })
}

// ContentHints serves the manifest's hints (nudge, concept, command) filled with v.
func ContentHints(m *content.Manifest, v content.Vars) Hints {
	return HintFunc(func(stepID, cause string) ([]string, bool) {
		s, ok := m.Step(stepID)
		if !ok {
			return nil, false
		}
		h, ok := s.Hint(cause, v)
		if !ok {
			return nil, false
		}
		return []string{h.Nudge, h.Concept, h.Command}, true
	})
}

// ContentSolutions serves the manifest's solutions filled with v.
func ContentSolutions(m *content.Manifest, v content.Vars) Solutions {
	return SolutionFunc(func(stepID string) ([]string, bool) {
		s, ok := m.Step(stepID)
		if !ok || len(s.Solution) == 0 {
			return nil, false
		}
		return s.SolutionFor(v), true
	})
}

// ContentQuizzes serves the manifest's quiz questions.
func ContentQuizzes(m *content.Manifest) Quizzes {
	return QuizFunc(func(stepID string) ([]content.Question, bool) {
		s, ok := m.Step(stepID)
		if !ok || len(s.Quiz) == 0 {
			return nil, false
		}
		return s.Quiz, true
	})
}
