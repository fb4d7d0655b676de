package ptytest

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func firstScreen(s string) bool {
	for _, title := range shortTitles {
		if !strings.Contains(s, title) {
			return false
		}
	}
	return true
}

// TestTerminalBehaviour covers what only a real terminal shows: ctrl+c's exit status,
// NO_COLOR with a value ParseBool rejects, and resizing below and back above 80×24.
func TestTerminalBehaviour(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kmslab")
	}
	bin := Build(t)

	t.Run("ctrl+c during a step exits 130", func(t *testing.T) {
		term := Start(t, bin, 100, 30, Env(t.TempDir()))
		term.WaitFor(t, wait, "first screen", firstScreen)
		term.Send(t, "\r\x03")
		if code := term.Wait(t, wait); code != 130 {
			t.Errorf("exit status %d after ctrl+c, want 130", code)
		}
	})

	t.Run("NO_COLOR=yes has no colour", func(t *testing.T) {
		term := Start(t, bin, 100, 30, append(Env(t.TempDir()), "NO_COLOR=yes"))
		term.WaitFor(t, wait, "the first lesson", func(s string) bool {
			return firstScreen(s) && strings.Contains(s, "Step 1 · Create a customer managed key")
		})
		term.Send(t, "q")
		if code := term.Wait(t, wait); code != 0 {
			t.Fatalf("exit status %d", code)
		}
		if c := colourSGR.FindString(term.Raw()); c != "" {
			t.Errorf("colour sequence %q in the output with NO_COLOR=yes", c)
		}
	})

	t.Run("resize", func(t *testing.T) {
		term := Start(t, bin, 120, 40, Env(t.TempDir()))
		term.WaitFor(t, wait, "first screen", firstScreen)
		term.Resize(t, 60, 20)
		term.WaitFor(t, wait, "the too-small screen", func(s string) bool {
			return strings.Contains(strings.Join(strings.Fields(s), " "), "make the terminal larger (need 80x24, have 60x20)")
		})
		term.Resize(t, 80, 24)
		// The screen is read while it is redrawn: wait for the whole frame, key help included.
		s := term.WaitFor(t, wait, "the lab again at 80x24", func(s string) bool { return firstScreen(s) && whole(s) })
		assertWithin(t, s, 80, 24)
		term.Send(t, "q")
		if code := term.Wait(t, wait); code != 0 {
			t.Fatalf("exit status %d", code)
		}
	})
}

// colourSGR matches a select-graphic-rendition sequence that sets a colour.
var colourSGR = regexp.MustCompile(`\x1b\[(?:[0-9;]*;)?(?:3[0-79]|4[0-79]|9[0-7]|10[0-7]|38|48)(?:;[0-9;:]*)?m`)

var _ = time.Second
