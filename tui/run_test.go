package tui

import (
	"bytes"
	"context"
	"errors"
	"image/color"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

func TestRunQuitAndInterrupt(t *testing.T) {
	for _, tc := range []struct {
		input string
		want  error
	}{{"q", nil}, {"\x03", tea.ErrInterrupted}} {
		f := newFakeLab()
		var out bytes.Buffer
		err := Run(context.Background(), Deps{Steps: f.steps(), Lessons: fakeLessons()},
			Options{Input: strings.NewReader(tc.input), Output: &out, NoColor: true})
		if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("input %q: Run returned %v, want %v", tc.input, err, tc.want)
		}
	}
}

func TestRunContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := newFakeLab()
	var out bytes.Buffer
	// An input that never sends a key: only the context can end the program.
	r, w := ioPipe()
	defer w.Close()
	err := Run(ctx, Deps{Steps: f.steps(), Lessons: fakeLessons()}, Options{Input: r, Output: &out, NoColor: true})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
}

func TestNoColorEnv(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want bool
	}{{"", false}, {"1", true}, {"yes", true}, {"0", true}} {
		t.Setenv("NO_COLOR", tc.env)
		if got := noColor(Options{}); got != tc.want {
			t.Errorf("NO_COLOR=%q: %v, want %v", tc.env, got, tc.want)
		}
	}
	t.Setenv("NO_COLOR", "")
	if !noColor(Options{NoColor: true}) {
		t.Error("Options.NoColor ignored")
	}
}

func TestColourStylesDifferFromPlain(t *testing.T) {
	f := newFakeLab()
	m := New(Deps{Steps: f.steps(), Lessons: fakeLessons()})
	m, _ = settle(t, m, m.Init())
	m, _ = send(t, m, sizeMsg(100, 30))
	if !strings.Contains(screen(m), "\x1b[") {
		t.Error("colour mode drew no styles")
	}
	assertFits(t, m, 100, 30)
	if m.lessonStyle() != "dark" {
		t.Errorf("default style %q", m.lessonStyle())
	}
}

func TestBackgroundPicksLessonStyle(t *testing.T) {
	f := newFakeLab()
	m := New(Deps{Steps: f.steps(), Lessons: fakeLessons()})
	m, _ = send(t, m, sizeMsg(100, 30))
	if len(m.lessons) != 0 {
		t.Fatal("rendered a lesson before the background colour was known")
	}
	m, _ = send(t, m, tea.BackgroundColorMsg{Color: color.White})
	if len(m.lessons) != 1 {
		t.Fatalf("%d renderings, want only the light one", len(m.lessons))
	}
	if m.lessonStyle() != "light" {
		t.Fatalf("white background gave %q", m.lessonStyle())
	}
	k, _ := m.currentLessonKey()
	if _, ok := m.lessons[k]; !ok || k.style != "light" {
		t.Fatalf("no light rendering cached for %+v", k)
	}
}

func TestNoRunDuringFirstCheck(t *testing.T) {
	f := newFakeLab()
	m := newTestModel(f)
	m, _ = send(t, m, sizeMsg(100, 30))
	m, _ = send(t, m, keyMsg("enter"))
	if len(f.runs) != 0 {
		t.Fatalf("ran %v before the first check came back", f.runs)
	}
	if !strings.Contains(screen(m), "checking") {
		t.Errorf("steps not shown as checking:\n%s", screen(m))
	}
}
