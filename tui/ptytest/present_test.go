package ptytest

import (
	"strings"
	"testing"
)

// TestPresenterModeOnAProjector drives `kmslab --present` at 80×24 through the first step:
// the pause screen, the calls shown as CLI commands, the verdict in words; q exits 0.
func TestPresenterModeOnAProjector(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kmslab")
	}
	bin := Build(t)
	term := Start(t, bin, 80, 24, Env(t.TempDir()), "--present")
	term.WaitFor(t, wait, "the pause before step 1", func(s string) bool {
		return strings.Contains(s, "S T E P   1   O F   5") && strings.Contains(s, "PRESS ENTER TO RUN") && whole(s)
	})
	term.Send(t, "\r")
	s := term.WaitFor(t, wait, "step 1 done, in words", func(s string) bool {
		return strings.Contains(s, "DONE") && strings.Contains(s, "$ aws kms") && !strings.Contains(s, "RUNNING")
	})
	assertWithin(t, s, 80, 24)
	term.Send(t, "q")
	if code := term.Wait(t, wait); code != 0 {
		t.Fatalf("exit status %d", code)
	}
}
