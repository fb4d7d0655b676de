package ptytest

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// wait bounds each wait for the screen; the lab on the sandbox takes about a second.
const wait = 20 * time.Second

var shortTitles = []string{"Create key", "Encrypt table", "Add items", "Deny test user", "Grant access"}

// TestLabInPty runs the real binary in a pseudo-terminal at two sizes and does the whole
// lab with the keyboard, reading the screen the way a student would see it.
func TestLabInPty(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kmslab and runs the lab")
	}
	bin := Build(t)
	for _, sz := range [][2]int{{120, 40}, {80, 24}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			labInPty(t, bin, sz[0], sz[1])
		})
	}
}

func labInPty(t *testing.T, bin string, w, h int) {
	env := Env(t.TempDir())
	term := Start(t, bin, w, h, env)
	first := term.WaitFor(t, wait, "first screen", func(s string) bool {
		for _, title := range shortTitles {
			if !strings.Contains(s, title) {
				return false
			}
		}
		return strings.Contains(s, "Step 1 · Create a customer managed key")
	})
	t.Logf("%dx%d: first screen with the lesson after %v", w, h, time.Since(term.Started).Round(time.Millisecond))
	assertWithin(t, first, w, h)
	// Enter is ignored until the first check is back: wait for its word.
	term.WaitFor(t, wait, "step 1 checked", func(s string) bool { return stepWord(s, 1, shortTitles[0]) == "not done" })
	for i, title := range shortTitles {
		n := i + 1
		if n > 1 {
			term.Send(t, "j")
			term.WaitFor(t, wait, fmt.Sprintf("step %d selected", n), func(s string) bool { return selected(s, n, title) })
		}
		term.Send(t, "\r")
		s := term.WaitFor(t, wait, fmt.Sprintf("step %d done", n), func(s string) bool { return stepWord(s, n, title) == "done" && whole(s) })
		assertWithin(t, s, w, h)
		switch n {
		case 4:
			term.WaitFor(t, wait, "the denial box", func(s string) bool { return strings.Contains(s, "Access denied to kms:Decrypt") })
		case 5:
			final := term.WaitFor(t, wait, "the items the test user read", func(s string) bool {
				return strings.Contains(s, "Access granted") && strings.Contains(s, "customer-001")
			})
			if testing.Verbose() {
				t.Logf("screen after step 5:\n%s", final)
			}
		}
	}
	term.Send(t, "q")
	if code := term.Wait(t, wait); code != 0 {
		t.Fatalf("exit status %d after q", code)
	}

	cmd := exec.Command(bin, "check", "--json")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kmslab check --json: %v\n%s", err, out)
	}
	var report struct {
		Complete bool `json:"complete"`
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("check --json: %v\n%s", err, out)
	}
	if !report.Complete {
		t.Errorf("check says not complete after the TUI run:\n%s", out)
	}
}

// leftPane is the text of the step list on screen row i ("" when there is none).
func leftPane(line string) string {
	parts := strings.Split(line, "│")
	if len(parts) < 3 {
		return ""
	}
	return parts[1]
}

// stepWord is the status word under step n in the list.
func stepWord(screen string, n int, title string) string {
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		if strings.Contains(leftPane(l), fmt.Sprintf("%d %s", n, title)) && i+1 < len(lines) {
			return strings.TrimSpace(leftPane(lines[i+1]))
		}
	}
	return ""
}

func selected(screen string, n int, title string) bool {
	for _, l := range strings.Split(screen, "\n") {
		if p := leftPane(l); strings.Contains(p, fmt.Sprintf("%d %s", n, title)) {
			return strings.HasPrefix(p, "›")
		}
	}
	return false
}

// assertWithin checks the screen has no row past the terminal's width (the emulator would
// have wrapped it onto the next row, so count rows too).
// whole is true once a frame is drawn to its last row (the key help): the screen is read
// while the app redraws it.
func whole(s string) bool {
	lines := strings.Split(s, "\n")
	return strings.Contains(lines[len(lines)-1], "q quit")
}

func assertWithin(t *testing.T, screen string, w, h int) {
	t.Helper()
	lines := strings.Split(screen, "\n")
	if len(lines) != h {
		t.Errorf("%d rows, want %d", len(lines), h)
	}
	last := lines[len(lines)-1]
	if !strings.Contains(last, "q quit") {
		t.Errorf("bottom row is not the key help (something wrapped?):\n%s", screen)
	}
	_ = w
}
