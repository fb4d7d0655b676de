package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/kmslab/kmslab/content"
	"github.com/kmslab/kmslab/steps"
)

// NoteQuizPrefix keys a step's quiz score in the progress notes: quiz.<step> = "2/3".
const NoteQuizPrefix = "quiz."

// errNoAnswers: stdin ended before the first answer (a pipe or file with nothing in it).
var errNoAnswers = errors.New("the quiz needs answers: run it in a terminal, or give one answer (1, 2, 3… or a, b, c…) per line on stdin")

func newQuizCmd() *cobra.Command {
	var f labFlags
	var only string
	cmd := &cobra.Command{
		Use:   "quiz",
		Short: "Answer the lab's quiz questions; your score is kept with your progress",
		Long: "quiz asks each step's questions one at a time, tells you after each answer whether it was\n" +
			"right and why, and keeps your score per step in your progress (for `kmslab report`).\n" +
			"Answer with the choice's number or letter.",
		Example: "  kmslab quiz\n  kmslab quiz --step deny-user\n  printf '2\\n1\\n' | kmslab quiz --step 1",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			man, err := content.Load()
			if err != nil {
				return err
			}
			list := man.Steps
			if only != "" {
				st, ok := steps.ByID(only)
				if !ok {
					return usageError("--step %q: choose one of %v (or 1 to 5)", only, steps.IDs())
				}
				ms, ok := man.Step(st.ID)
				if !ok || len(ms.Quiz) == 0 {
					return usageError("step %s has no quiz questions", st.ID)
				}
				list = []content.Step{ms}
			}
			out := newPrinter(cmd.OutOrStdout(), cmd.ErrOrStderr())
			s, err := f.open(cmd.Context(), out, false)
			if err != nil {
				return err
			}
			defer s.close()
			in := bufio.NewReader(cmd.InOrStdin())
			echo := !readerIsTerminal(cmd.InOrStdin())
			answered := 0
			scores := map[string]string{}
			var stopped error
			for _, ms := range list {
				if len(ms.Quiz) == 0 {
					continue
				}
				out.header(fmt.Sprintf("Quiz · %s", ms.Title))
				right := 0
				for i, q := range ms.Quiz {
					ok, err := askQuestion(out, in, echo, i+1, len(ms.Quiz), q)
					if err != nil {
						stopped = err
						break
					}
					answered++
					if ok {
						right++
					}
				}
				if stopped != nil {
					break
				}
				scores[ms.ID] = fmt.Sprintf("%d/%d", right, len(ms.Quiz))
				out.line(fmt.Sprintf("Score for %s: %s", ms.ID, scores[ms.ID]))
				out.line("")
			}
			if len(scores) > 0 {
				notes := s.lab.Notes()
				for id, sc := range scores {
					notes[NoteQuizPrefix+id] = sc
				}
				// The lab's notes came from this file, so they hold everything it held.
				s.file.Notes = notes
				if err := s.store.Save(s.file); err != nil {
					out.warn("could not save your score: " + err.Error())
				}
			}
			switch {
			case errors.Is(stopped, io.EOF) && answered == 0:
				return errNoAnswers
			case errors.Is(stopped, io.EOF):
				out.line("The answers ran out before the end: scores are kept only for finished steps.")
				return errFailed
			case stopped != nil:
				return stopped
			}
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&only, "step", "", "ask only this step's questions: create-key, encrypt-table, add-items, deny-user, grant-access (or 1 to 5)")
	return cmd
}

// askQuestion asks until a valid choice comes, then grades it with the explanation. With
// echo (answers from a pipe) the answer read is shown, so the transcript reads as a dialogue.
func askQuestion(out *printer, in *bufio.Reader, echo bool, n, total int, q content.Question) (bool, error) {
	for _, l := range indentAll(fmt.Sprintf("%d/%d  %s", n, total, q.Question), 0, 78) {
		out.line(l)
	}
	for i, c := range q.Choices {
		for _, l := range indentAll(fmt.Sprintf("%d) %s", i+1, c), 2, 78) {
			out.line(l)
		}
	}
	for {
		fmt.Fprint(out.w, "Your answer: ")
		line, err := in.ReadString('\n')
		if err != nil && strings.TrimSpace(line) == "" {
			fmt.Fprintln(out.w)
			return false, err
		}
		if echo {
			fmt.Fprintln(out.w, strings.TrimSpace(line))
		}
		pick, ok := parseChoice(line, len(q.Choices))
		if !ok {
			out.line(fmt.Sprintf("  Please answer 1 to %d (or a to %c).", len(q.Choices), 'a'+len(q.Choices)-1))
			if err != nil {
				return false, err
			}
			continue
		}
		right := pick == q.Answer
		if right {
			out.line("  " + out.ok.Render("Right."))
		} else {
			out.line("  " + out.bad.Render("Not quite."))
			for _, l := range indentAll(fmt.Sprintf("The answer is %d) %s", q.Answer+1, q.Choices[q.Answer]), 2, 78) {
				out.line(l)
			}
		}
		for _, l := range indentAll(q.Explanation, 2, 78) {
			out.line(l)
		}
		out.line("")
		return right, nil
	}
}

// parseChoice reads "2" or "b" as the index 1.
func parseChoice(s string, n int) (int, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if v, err := strconv.Atoi(s); err == nil && v >= 1 && v <= n {
		return v - 1, true
	}
	if len(s) == 1 && s[0] >= 'a' && int(s[0]-'a') < n {
		return int(s[0] - 'a'), true
	}
	return 0, false
}

// readerIsTerminal: answers are typed (and echoed by the terminal) rather than piped.
func readerIsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
