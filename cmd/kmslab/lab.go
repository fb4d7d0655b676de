package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/kmslab/kmslab/content"
	"github.com/kmslab/kmslab/steps"
	"github.com/kmslab/kmslab/tui"
)

// labRoot makes `kmslab` with no arguments the lab itself: the full-screen tutorial on a
// terminal, the linear plain mode otherwise (or with --plain).
func labRoot(root *cobra.Command) {
	var f labFlags
	var plain, dryRun, present bool
	f.add(root)
	root.Flags().BoolVar(&present, "present", false, "presenter mode for a projector: large headings, one step per screen, each call shown before it runs, a pause before each step")
	root.Flags().BoolVar(&dryRun, "dry-run", false, "change nothing: check each step and list the AWS CLI commands the lab would run")
	root.Flags().BoolVar(&plain, "plain", false, "linear, screen-reader-friendly mode: no full screen, no spinners, one prompt at a time")
	root.Args = cobra.NoArgs
	root.RunE = func(cmd *cobra.Command, _ []string) error {
		out := newPrinter(cmd.OutOrStdout(), cmd.ErrOrStderr())
		if dryRun {
			return planSteps(cmd.Context(), &f, out, steps.All())
		}
		if plain || !stdoutIsTerminal() || !stdinIsTerminal() {
			return runPlain(cmd.Context(), &f, out, cmd.InOrStdin())
		}
		return runTUI(cmd.Context(), &f, out, present)
	}
}

func runTUI(ctx context.Context, f *labFlags, out *printer, present bool) error {
	pump := tui.NewPump()
	s, err := f.openWith(ctx, out, pump.Emit)
	if err != nil {
		return err
	}
	defer s.close()
	if s.t.LooksLikeProduction() && !f.allowProd {
		return usageError("the account alias %q looks like production, and the lab creates and deletes resources: use a lab or sandbox account (or pass --allow-prod if you are sure)", s.t.AccountAlias)
	}
	man, err := content.Load()
	if err != nil {
		return err
	}
	vars := tui.ContentVars(s.lab, s.t)
	var mu sync.Mutex
	save := func(id string, v steps.Verdict) {
		mu.Lock()
		defer mu.Unlock()
		s.record(id, v, true)
		s.save()
	}
	saveQuiz := func(step string, score, total int) {
		mu.Lock()
		defer mu.Unlock()
		s.lab.SetNote(NoteQuizPrefix+step, fmt.Sprintf("%d/%d", score, total))
		s.save()
	}
	err = tui.Run(ctx, tui.Deps{Lab: s.lab, Target: s.t, Events: pump, Lessons: tui.ContentLessons(vars),
		Hints: tui.ContentHints(man, vars), Solutions: tui.ContentSolutions(man, vars), Quizzes: tui.ContentQuizzes(man),
		Insights: labInsights{s.lab}, Save: save, SaveQuiz: saveQuiz, Confirm: s.t.NeedsConfirmation() && !f.yes}, tui.Options{Present: present})
	switch {
	case errors.Is(err, tea.ErrInterrupted):
		return context.Canceled
	case errors.Is(err, tui.ErrDeclined):
		out.line("Stopped: nothing was changed.")
		return errFailed
	}
	return err
}

// runPlain walks the lab linearly: each step's lesson as text, then a question before its
// calls run, every call on its own line. Nothing is redrawn, so screen readers and logs
// read it top to bottom.
func runPlain(ctx context.Context, f *labFlags, out *printer, in io.Reader) error {
	s, err := f.open(ctx, out, true)
	if err != nil {
		return err
	}
	defer s.close()
	out.header(fmt.Sprintf("kmslab · %s · account %s · %s · prefix %s", s.t.Label, s.t.Account, s.t.Region, s.prefix))
	if err := confirmAWS(s.t, f, in, true, out, "run the lab"); err != nil {
		return err
	}
	vars := tui.ContentVars(s.lab, s.t)
	if intro, err := content.Lesson("intro", vars); err == nil {
		out.line(intro)
	}
	answers := bufio.NewReader(in)
	all := steps.All()
	for i, st := range all {
		v, err := st.Check(ctx, s.lab)
		if err != nil {
			return err
		}
		if v.Passed() {
			out.line(fmt.Sprintf("Step %d/%d · %s: %s, skipping.", i+1, len(all), st.Title, v.Status))
			continue
		}
		out.header(fmt.Sprintf("Step %d/%d · %s", i+1, len(all), st.Title))
		if lesson, err := content.Lesson(st.ID, vars); err == nil {
			out.line(lesson)
		}
		fmt.Fprintf(out.w, "Run step %d now? [Y/n] ", i+1)
		answer, err := answers.ReadString('\n')
		if err != nil && answer == "" {
			out.line("")
			out.line("No answer (input closed). `kmslab run --all` runs the lab without questions.")
			return errFailed
		}
		if a := strings.ToLower(strings.TrimSpace(answer)); a == "n" || a == "no" || a == "q" {
			out.line("Stopped. Your progress is kept; run kmslab again to go on.")
			return nil
		}
		v, err = st.Run(ctx, s.lab)
		if ctx.Err() != nil {
			s.save()
			return ctx.Err()
		}
		var pre *steps.PrereqError
		switch {
		case errors.As(err, &pre):
			out.line("  => not run: " + pre.Error())
			return errFailed
		case err != nil:
			out.line("  => failed: " + err.Error())
			return errFailed
		}
		out.verdict(v)
		s.record(st.ID, v, true)
		s.save()
		if !v.Passed() {
			return errFailed
		}
	}
	if wrap, err := content.Lesson("wrap-up", vars); err == nil {
		out.line(wrap)
	}
	return nil
}
