package bench

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kmslab/kmslab/tui/ptytest"
)

// goalFirstFrame is issue 4's budget from exec to the first screen showing the steps.
const goalFirstFrame = 100 * time.Millisecond

// BenchmarkTUIFirstFrame starts `kmslab` (the full-screen lab on a fresh in-process
// sandbox) in a 120×40 pseudo-terminal BENCH_TUI_RUNS times (default 9) and times exec →
// the first screen with the five step titles, and exec → the first lesson rendered.
// Run it with -benchtime 1x: each call does all the runs whatever b.N is.
func BenchmarkTUIFirstFrame(b *testing.B) {
	runs := envRuns(b, "BENCH_TUI_RUNS", 9)
	bin := kmslabBin(b)
	titles := []string{"Create key", "Encrypt table", "Add items", "Deny test user", "Grant access"}
	var frames, lessons []time.Duration
	for range runs {
		term := ptytest.Start(b, bin, 120, 40, ptytest.Env(b.TempDir()))
		term.WaitFor(b, 20*time.Second, "the step titles", func(s string) bool {
			for _, t := range titles {
				if !strings.Contains(s, t) {
					return false
				}
			}
			return true
		})
		frames = append(frames, time.Since(term.Started))
		term.WaitFor(b, 20*time.Second, "the first lesson", func(s string) bool {
			return strings.Contains(s, "Step 1 · Create a customer managed key")
		})
		lessons = append(lessons, time.Since(term.Started))
		term.Send(b, "q")
		if code := term.Wait(b, 20*time.Second); code != 0 {
			b.Fatalf("exit status %d after q", code)
		}
	}
	fs, ls := slices.Sorted(slices.Values(frames)), slices.Sorted(slices.Values(lessons))
	verdict := "MET"
	if percentile(fs, 50) >= goalFirstFrame {
		verdict = "NOT MET"
	}
	fmt.Printf("\nkmslab (TUI) in a 120x40 pty, fresh sandbox each time; %d runs\n", runs)
	fmt.Printf("exec → step titles on screen, ms: median %.1f  p90 %.1f  min %.1f  max %.1f   goal median < %v: %s\n",
		ms(percentile(fs, 50)), ms(percentile(fs, 90)), ms(fs[0]), ms(fs[len(fs)-1]), goalFirstFrame, verdict)
	fmt.Printf("exec → first lesson rendered, ms: median %.1f  p90 %.1f\n", ms(percentile(ls, 50)), ms(percentile(ls, 90)))
	b.ReportMetric(ms(percentile(fs, 50)), "first-frame-ms")
	b.ReportMetric(ms(percentile(ls, 50)), "first-lesson-ms")
}
