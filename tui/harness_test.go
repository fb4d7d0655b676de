package tui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/kmslab/kmslab/steps"
)

// fakeLab is a lab whose steps only flip flags: Run marks the step done, Check reports it.
type fakeLab struct {
	mu    sync.Mutex
	done  map[string]bool
	runs  []string
	saved []string
	// runErr, when set for a step, is what its Run returns.
	runErr map[string]error
	// verdict, when set, replaces the Done verdict a step's Check and Run return.
	verdict map[string]steps.Verdict
	// cause, when set for a step, is the cause its not-done verdict gives.
	cause map[string]string
	// block makes Run wait for ctx to end (to test cancelling).
	block bool
}

func newFakeLab() *fakeLab {
	return &fakeLab{done: map[string]bool{}, cause: map[string]string{}, runErr: map[string]error{}, verdict: map[string]steps.Verdict{}}
}

func (f *fakeLab) check(id string) steps.Verdict {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.done[id] {
		cause := "NOT_" + strings.ToUpper(strings.ReplaceAll(id, "-", "_"))
		if c, ok := f.cause[id]; ok {
			cause = c
		}
		return steps.Verdict{Status: steps.NotDone, Cause: cause, Detail: "Step " + id + " is not done yet."}
	}
	if v, ok := f.verdict[id]; ok {
		return v
	}
	return steps.Verdict{Status: steps.Done, Detail: "Step " + id + " is done."}
}

func (f *fakeLab) steps() []steps.Step {
	var out []steps.Step
	for _, s := range steps.All() {
		id := s.ID
		out = append(out, steps.Step{
			ID: id, Title: s.Title, Needs: s.Needs,
			Check: func(ctx context.Context, _ *steps.Lab) (steps.Verdict, error) { return f.check(id), nil },
			Run: func(ctx context.Context, _ *steps.Lab) (steps.Verdict, error) {
				f.mu.Lock()
				f.runs = append(f.runs, id)
				err, block := f.runErr[id], f.block
				f.mu.Unlock()
				if block {
					<-ctx.Done()
					return steps.Verdict{}, ctx.Err()
				}
				if err != nil {
					return steps.Verdict{}, err
				}
				f.mu.Lock()
				f.done[id] = true
				f.mu.Unlock()
				return f.check(id), nil
			},
		})
	}
	return out
}

func fakeLessons() Lessons {
	return LessonFunc(func(id string) (string, error) {
		var b strings.Builder
		fmt.Fprintf(&b, "# Lesson %s\n\nThis lesson explains the step %s in a few short paragraphs.\n", id, id)
		for i := 1; i <= 12; i++ {
			fmt.Fprintf(&b, "\nParagraph %d of the %s lesson.\n", i, id)
		}
		return b.String(), nil
	})
}

var fixedNow = func() time.Time { return time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) }

func newTestModel(f *fakeLab) Model {
	return New(Deps{
		Steps: f.steps(), Lessons: fakeLessons(), NoColor: true, Now: fixedNow,
		Save: func(id string, v steps.Verdict) {
			f.mu.Lock()
			f.saved = append(f.saved, id+"="+string(v.Status))
			f.mu.Unlock()
		},
	})
}

// settle runs cmd and every Cmd that follows from it, one message at a time through
// Update, until nothing is left. Spinner ticks are dropped (they would run forever); quit
// and interrupt messages are returned.
func settle(t testing.TB, m Model, cmd tea.Cmd) (Model, []tea.Msg) {
	t.Helper()
	var special []tea.Msg
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 10000 {
			t.Fatal("commands never settled")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil, spinner.TickMsg:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case tea.QuitMsg, tea.InterruptMsg:
			special = append(special, msg)
		default:
			var next tea.Model
			next, c = m.Update(msg)
			m = next.(Model)
			queue = append(queue, c)
		}
	}
	return m, special
}

// send delivers msg through Update and settles what it returns.
func send(t testing.TB, m Model, msg tea.Msg) (Model, []tea.Msg) {
	t.Helper()
	next, cmd := m.Update(msg)
	return settle(t, next.(Model), cmd)
}

func press(t testing.TB, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		m, _ = send(t, m, keyMsg(k))
	}
	return m
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// started is a model sized w×h that has had its Init (the first check) and lesson render.
func started(t *testing.T, f *fakeLab, w, h int) Model {
	t.Helper()
	m := newTestModel(f)
	m, _ = settle(t, m, m.Init())
	m, _ = send(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

func screen(m Model) string { return m.View().Content }

// assertFits checks the width invariant: exactly h lines, none wider than w.
func assertFits(t *testing.T, m Model, w, h int) {
	t.Helper()
	lines := strings.Split(screen(m), "\n")
	if len(lines) != h {
		t.Errorf("%dx%d: %d lines, want %d", w, h, len(lines), h)
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			t.Errorf("%dx%d: line %d is %d wide: %q", w, h, i, lw, l)
		}
	}
}

func errCanceled() error { return context.Canceled }

func sizeMsg(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

func itoa(n int) string { return fmt.Sprint(n) }

func ioPipe() (*io.PipeReader, *io.PipeWriter) { return io.Pipe() }
