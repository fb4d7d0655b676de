// Package tui is kmslab's Bubble Tea v2 app: a step list, the lesson for the selected step,
// an activity pane with one line per AWS call, the verdict, and key help. Children render
// strings; only the root model returns a tea.View. Every AWS call and every markdown render
// runs in a tea.Cmd, never in Update or View.
package tui

import (
	"context"
	"time"

	"github.com/kmslab/kmslab/content"
	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/target"
)

// Lessons gives the markdown of a lesson by id (the step ids, "intro", …). It is an
// interface so tests can use fixed text and the lead can adapt content.Lesson with Vars.
type Lessons interface {
	Lesson(id string) (string, error)
}

// LessonFunc adapts a function to Lessons.
type LessonFunc func(id string) (string, error)

// Lesson calls f.
func (f LessonFunc) Lesson(id string) (string, error) { return f(id) }

// Hints gives the hint for a step's cause code (from the content manifest) as levels, from
// a nudge to the command that fixes it; each press of h shows the next level.
type Hints interface {
	Hint(stepID, cause string) ([]string, bool)
}

// HintFunc adapts a function to Hints.
type HintFunc func(stepID, cause string) ([]string, bool)

// Hint calls f.
func (f HintFunc) Hint(stepID, cause string) ([]string, bool) { return f(stepID, cause) }

// Deps is what the app needs from outside. Only Lab (or Steps) is required.
type Deps struct {
	Lab    *steps.Lab
	Target *target.Target
	// Steps defaults to steps.All(); tests pass fakes whose Run/Check ignore the Lab.
	Steps   []steps.Step
	Lessons Lessons
	Hints   Hints
	// Events must be the Pump whose Emit was given to steps.Options.Emit when the Lab was
	// made; without it the activity pane stays empty.
	Events *Pump
	Now    func() time.Time
	// Save records a verdict (progress). It is called from a tea.Cmd goroutine.
	Save func(stepID string, v steps.Verdict)
	// NoColor forces plain styles and glamour's ascii style (NO_COLOR, golden tests).
	NoColor bool
	// Context bounds the step runs and the event pump; Run sets it.
	Context context.Context
	// Confirm opens on a confirmation screen (the account, the caller, the region and what
	// the key costs) and makes no call until the student presses y; n or q quits and Run
	// returns ErrDeclined. Set it on AWS (Target.NeedsConfirmation) unless --yes.
	Confirm bool
	// Prefix is shown in the header; empty means Lab.Prefix.
	Prefix string

	// Insights explains the denial, reads as both users and peeks at storage (w, v, p);
	// nil makes those keys say "not available here".
	Insights Insights
	// Notes gives the lab's notes (the key policy before and after the grant, for d);
	// nil means Lab.Notes.
	Notes func() map[string]string
	// Solutions and Quizzes serve the manifest's solution commands (s) and questions (z).
	Solutions Solutions
	Quizzes   Quizzes
	// Present is presenter mode (kmslab --present): one step per screen in large headings,
	// each call's CLI command shown before it runs, a pause before each step, no colour
	// needed; r on the grant step revokes it to show the denial again.
	Present bool

	// SaveQuiz records a finished quiz's score. It is called from a tea.Cmd goroutine.
	SaveQuiz func(step string, score, total int)
}

// Insights is the engine's teaching views, wired by the lead (steps.Lab's Explain, ViewAs
// and Peek rendered to text). Every method runs in a tea.Cmd.
type Insights interface {
	// Explain walks KMS's decision for the test user: plain text, ≤ 78 columns a line.
	Explain(ctx context.Context) (string, error)
	// ViewAs is the same Scan as the admin and as the test user: two plain-text blocks.
	ViewAs(ctx context.Context) (admin, user string, err error)
	// Peek shows an item's stored bytes beside what an allowed reader sees (sandbox only;
	// other targets give an error saying so).
	Peek(ctx context.Context) (string, error)
}

// Solutions gives a step's solution: the AWS CLI commands, filled with the lab's names.
type Solutions interface {
	Solution(stepID string) ([]string, bool)
}

// SolutionFunc adapts a function to Solutions.
type SolutionFunc func(stepID string) ([]string, bool)

// Solution calls f.
func (f SolutionFunc) Solution(stepID string) ([]string, bool) { return f(stepID) }

// Quizzes gives a step's quiz questions.
type Quizzes interface {
	Quiz(stepID string) ([]content.Question, bool)
}

// QuizFunc adapts a function to Quizzes.
type QuizFunc func(stepID string) ([]content.Question, bool)

// Quiz calls f.
func (f QuizFunc) Quiz(stepID string) ([]content.Question, bool) { return f(stepID) }
