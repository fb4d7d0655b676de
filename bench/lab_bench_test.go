package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kmslab/kmslab/conformance/sandboxproc"
)

// goalLabRun is what a whole `kmslab run --all` should take on this 2-core machine.
const goalLabRun = 500 * time.Millisecond

// labStats is one way of doing the whole lab, measured over several runs.
type labStats struct {
	walls []time.Duration // in run order
	// titles and calls are the steps and the AWS calls in each, from the first run.
	titles []string
	calls  []int
	// varies is set when some run made a different number of calls per step.
	varies bool
}

func (s labStats) total() int {
	n := 0
	for _, c := range s.calls {
		n += c
	}
	return n
}

func (s labStats) sorted() []time.Duration { return slices.Sorted(slices.Values(s.walls)) }

// add records one run: its wall time and its calls per step.
func (s *labStats) add(took time.Duration, titles []string, calls []int) {
	s.walls = append(s.walls, took)
	if s.titles == nil {
		s.titles, s.calls = titles, calls
		return
	}
	if !slices.Equal(titles, s.titles) || !slices.Equal(calls, s.calls) {
		s.varies = true
	}
}

// kmslabLab keeps BenchmarkLabRunAll's figures for BenchmarkLabAWSCLI's side-by-side table.
var kmslabLab *labStats

// BenchmarkLabRunAll times the whole `kmslab run --all --yes -v` process, exec to exit, on a
// fresh sandbox each time (new HOME and XDG directories), BENCH_LAB_RUNS times (default 9),
// and counts the AWS calls of each step from its -v output.
// Run it with -benchtime 1x: each call does all the runs whatever b.N is.
func BenchmarkLabRunAll(b *testing.B) {
	runs := envRuns(b, "BENCH_LAB_RUNS", 9)
	bin := kmslabBin(b)
	var st labStats
	var slowest sandboxproc.LabResult
	for i := range runs {
		dirs, err := sandboxproc.NewLabDirs(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		r, err := sandboxproc.RunLab(ctx, bin, dirs.Env(), "run", "--all", "--yes", "-v")
		cancel()
		if err != nil || r.Code != 0 {
			b.Fatalf("run %d: kmslab run --all --yes -v: exit %d, %v\n%s", i+1, r.Code, err, r.Output())
		}
		steps, bad := sandboxproc.ParseRun(r.Stdout)
		if len(bad) > 0 {
			b.Errorf("run %d: call lines without an AWS CLI command: %q", i+1, bad)
		}
		var titles []string
		var calls []int
		for _, s := range steps {
			titles = append(titles, fmt.Sprintf("%d %s", s.N, s.Title))
			calls = append(calls, len(s.Calls))
		}
		st.add(r.Took, titles, calls)
		if r.Took > slowest.Took {
			slowest = r
		}
	}
	sorted := st.sorted()
	med, p90 := percentile(sorted, 50), percentile(sorted, 90)
	verdict := "MET"
	if med >= goalLabRun {
		verdict = "NOT MET"
	}
	fmt.Printf("\nkmslab run --all --yes -v: the whole process, exec to exit, on a fresh sandbox each time; %d runs\n", runs)
	fmt.Printf("wall ms: median %.1f  p90 %.1f  min %.1f  max %.1f   goal median < %v: %s\n",
		ms(med), ms(p90), ms(sorted[0]), ms(sorted[len(sorted)-1]), goalLabRun, verdict)
	fmt.Printf("runs in order (ms): %s\n", joinMS(st.walls))
	if slowest.Took > 2*med {
		fmt.Printf("the slowest run's calls over 50 ms and its waits:\n%s", slowLines(slowest.Stdout))
	}
	printSteps(st, nil)
	b.ReportMetric(ms(med), "median-ms")
	b.ReportMetric(ms(p90), "p90-ms")
	b.ReportMetric(float64(st.total()), "calls")
	kmslabLab = &st
}

// BenchmarkLabAWSCLI does the same lab by hand with the AWS CLI, one process per call, the
// way the lab's instructions have a student type it, against a fresh `kmslab sandbox` child
// each run; BENCH_LAB_CLI_RUNS runs (default 3). Only the calls are timed, not the sandbox's
// start. It prefers AWS CLI v2 at /usr/bin/aws, else the `aws` on PATH.
// Run it with -benchtime 1x, after BenchmarkLabRunAll for the side-by-side table.
func BenchmarkLabAWSCLI(b *testing.B) {
	cli, version := pickAWSCLI()
	if cli == "" {
		b.Skip("no AWS CLI (neither /usr/bin/aws nor aws on PATH)")
	}
	runs := envRuns(b, "BENCH_LAB_CLI_RUNS", 3)
	bin := kmslabBin(b)
	var st labStats
	for i := range runs {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		p, err := sandboxproc.Start(ctx, bin, b.TempDir(), "--quiet")
		if err != nil {
			cancel()
			b.Fatal(err)
		}
		l := &cliLab{ctx: ctx, cli: cli, ex: p.Exports, dir: b.TempDir()}
		start := time.Now()
		err = l.run()
		took := time.Since(start)
		_, stopErr := p.Stop(10 * time.Second)
		cancel()
		if err != nil {
			b.Fatalf("run %d: %v", i+1, err)
		}
		if stopErr != nil {
			b.Fatal(stopErr)
		}
		st.add(took, labTitles, l.calls)
	}
	sorted := st.sorted()
	med := percentile(sorted, 50)
	fmt.Printf("\nthe same lab with the AWS CLI, one process per call: %s (%s); %d runs\n", cli, version, runs)
	fmt.Printf("wall ms: median %.1f  min %.1f  max %.1f  (%.0f ms per call)\n",
		ms(med), ms(sorted[0]), ms(sorted[len(sorted)-1]), ms(med)/float64(st.total()))
	if kmslabLab != nil {
		k := percentile(kmslabLab.sorted(), 50)
		fmt.Printf("kmslab run --all: median %.1f ms for %d calls, %.0fx less time than the AWS CLI's %d calls\n",
			ms(k), kmslabLab.total(), float64(med)/float64(k), st.total())
		printSteps(*kmslabLab, &st)
	} else {
		printSteps(st, nil)
	}
	fmt.Println()
	b.ReportMetric(ms(med), "median-ms")
	b.ReportMetric(float64(st.total()), "calls")
}

// printSteps prints the calls per step of a (kmslab, or the AWS CLI alone), with cli (the
// AWS CLI) beside it when given.
func printSteps(a labStats, cli *labStats) {
	if cli == nil {
		fmt.Printf("%-48s %8s\n", "AWS calls per step", "calls")
	} else {
		fmt.Printf("%-48s %8s %8s\n", "AWS calls per step", "kmslab", "aws CLI")
	}
	for i, title := range a.titles {
		line := fmt.Sprintf("%-48s %8d", title, a.calls[i])
		if cli != nil && i < len(cli.calls) {
			line += fmt.Sprintf(" %8d", cli.calls[i])
		}
		fmt.Println(line)
	}
	line := fmt.Sprintf("%-48s %8d", "total", a.total())
	if cli != nil {
		line += fmt.Sprintf(" %8d", cli.total())
	}
	fmt.Println(line)
	if a.varies || cli != nil && cli.varies {
		fmt.Println("(the calls per step differed between runs; the first run's are shown)")
	}
}

// slowLines are the call lines of a run that took 50 ms or more, and its wait lines.
func slowLines(out string) string {
	var b strings.Builder
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "  wait ") {
			b.WriteString(line + "\n")
			continue
		}
		if c, ok := sandboxproc.ParseCall(line); ok {
			if d, err := time.ParseDuration(c.Took); err == nil && d >= 50*time.Millisecond {
				b.WriteString(fmt.Sprintf("  %s %s %.100s\n", c.Mark, c.Took, c.CLI))
			}
		}
	}
	if b.Len() == 0 {
		return "  (none: the time went outside the calls)\n"
	}
	return b.String()
}

func joinMS(ds []time.Duration) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, fmt.Sprintf("%.0f", ms(d)))
	}
	return strings.Join(parts, " ")
}

// envRuns reads a run count from name (1 to 1000), else def.
func envRuns(b *testing.B, name string, def int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		b.Fatalf("%s=%q: want a number of runs from 1 to 1000", name, v)
	}
	return n
}
