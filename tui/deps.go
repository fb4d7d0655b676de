// Package tui is kmslab's Bubble Tea v2 app: a step list, the lesson for the selected step,
// an activity pane with one line per AWS call, the verdict, and key help. Children render
// strings; only the root model returns a tea.View. Every AWS call and every markdown render
// runs in a tea.Cmd, never in Update or View.
package tui

import (
	"context"
	"time"

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
}
