package tui

import (
	"context"
	"errors"
	"io"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// Options shape the program; the zero value is a normal interactive run.
type Options struct {
	// Input and Output replace the terminal (tests, headless runs).
	Input  io.Reader
	Output io.Writer
	// NoColor forces no colour; NO_COLOR with any value does the same.
	NoColor bool
	// Present sets Deps.Present (kmslab --present).
	Present bool
}

// Run shows the app until the student quits. It returns tea.ErrInterrupted after ctrl+c
// (the CLI maps it to exit code 130) and ctx's error when ctx ends first.
func Run(ctx context.Context, deps Deps, opts Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the event pump and any step still running
	deps.Context = ctx
	if opts.Present {
		deps.Present = true
	}
	if noColor(opts) {
		deps.NoColor = true
	}
	// The first frame waits for the renderer's first tick: 120 fps (the most Bubble Tea
	// allows) halves that wait; frames are only sent when the view changed.
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithFPS(120)}
	if deps.NoColor {
		popts = append(popts, tea.WithColorProfile(colorprofile.Ascii))
	}
	if opts.Input != nil {
		popts = append(popts, tea.WithInput(opts.Input))
	}
	if opts.Output != nil {
		popts = append(popts, tea.WithOutput(opts.Output))
	}
	final, err := tea.NewProgram(New(deps), popts...).Run()
	if fm, ok := final.(Model); ok && fm.declined && err == nil {
		return ErrDeclined
	}
	if err != nil && !errors.Is(err, tea.ErrInterrupted) && ctx.Err() != nil {
		if perr := context.Cause(ctx); perr != nil {
			return perr
		}
	}
	return err
}

// noColor: Bubble Tea only honours NO_COLOR values ParseBool accepts; no-color.org says any
// non-empty value turns colour off.
func noColor(opts Options) bool { return opts.NoColor || os.Getenv("NO_COLOR") != "" }
