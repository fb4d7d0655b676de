package bench

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kmslab/kmslab/conformance/sandboxproc"
)

// The goals the benchmarks print against (they report, they never fail on them).
const (
	goalRatio = 1.5                    // kmslab ops/s over dynalite ops/s
	goalStart = 100 * time.Millisecond // exec to first served STS call
)

// servers are measured in this order in every round. The goal is judged on
// kmslab-embedded, the sandbox as kmslab runs it: inside the process whose aws-sdk-go-v2
// clients drive the lab (`kmslab`, `kmslab run`). kmslab-process is `kmslab sandbox`,
// which the AWS CLI and boto3 use; noop-proc bounds what any server in a process of its
// own can reach here, and ceiling what any server at all can.
var servers = []struct {
	name    string
	missing func() string // why the server cannot run here; nil: always can
	start   func(*testing.B) target
	rounds  int // 0: every round
}{
	{"kmslab-embedded", nil, startInProc, 0},
	{"kmslab-process", nil, startKmslab, 0},
	{"dynalite", dynaliteMissing, startDynalite, 0},
	{"noop-proc", nil, startCeilingProc, 0},
	{"ceiling", nil, startCeiling, 1},
	{"moto", motoMissing, startMoto, 1}, // ~250 ops/s: one round says enough
}

// BenchmarkPutGet starts every server, then runs the same put/get load against each in
// turn, round after round, so a slow spell of the machine touches all of them alike; it
// prints each server's median. Run it with -benchtime 1x: one call is the whole comparison.
func BenchmarkPutGet(b *testing.B) {
	l := loadFromEnv()
	fmt.Printf("\nput/get load: %d concurrent aws-sdk-go-v2 clients (keep-alive), PutItem then GetItem of a ~200 B item\n"+
		"with a random id, %d pairs per client or %v, whichever first (%d warm-up pairs each), %d rounds\n",
		l.workers, l.pairs, l.duration, l.warmup, l.rounds)
	type server struct {
		t      target
		rounds int
		runs   []result
	}
	var up []*server
	for _, s := range servers {
		if s.missing != nil {
			if why := s.missing(); why != "" {
				fmt.Printf("%s: not measured: %s\n", s.name, why)
				continue
			}
		}
		t := s.start(b) // servers live until the benchmark ends
		t.name = s.name
		rounds := s.rounds
		if rounds == 0 {
			rounds = l.rounds
		}
		up = append(up, &server{t: t, rounds: rounds})
	}
	for round := range l.rounds {
		for _, s := range up {
			if round >= s.rounds {
				continue
			}
			r := l.run(context.Background(), s.t)
			s.runs = append(s.runs, r)
			if r.errors > 0 {
				b.Errorf("%s: %d failed pairs; first: %s", r.name, r.errors, r.firstErr)
			}
		}
	}
	var medians []result
	for _, s := range up {
		m := median(s.runs)
		medians = append(medians, m)
		b.ReportMetric(m.opsPerSec(), s.t.name+"-ops/s")
	}
	var rows [][]result
	for _, s := range up {
		rows = append(rows, s.runs)
	}
	printRounds(rows)
	printResults(medians)
}

// median is the run with the median ops/s (the lower middle one for an even count).
func median(runs []result) result {
	sorted := slices.Clone(runs)
	slices.SortFunc(sorted, func(a, b result) int { return cmp.Compare(a.opsPerSec(), b.opsPerSec()) })
	return sorted[(len(sorted)-1)/2]
}

// printRounds shows every run's ops/s, so the spread behind each median is visible.
func printRounds(rows [][]result) {
	fmt.Printf("\n%-16s %s\n", "server", "ops/s in each round")
	for _, runs := range rows {
		if len(runs) == 0 {
			continue
		}
		var b strings.Builder
		for _, r := range runs {
			fmt.Fprintf(&b, " %7.0f", r.opsPerSec())
		}
		fmt.Printf("%-16s%s\n", runs[0].name, b.String())
	}
}

func printResults(rs []result) {
	byName := map[string]result{}
	fmt.Printf("\nmedian run of each server:\n%-16s %9s %8s %8s %8s %7s %6s  %s\n", "server", "ops/s", "p50 ms", "p99 ms", "max ms", "ops", "errors", "setup")
	for _, r := range rs {
		byName[r.name] = r
		fmt.Printf("%-16s %9.0f %8.2f %8.2f %8.2f %7d %6d  %s\n", r.name, r.opsPerSec(), ms(r.p50), ms(r.p99), ms(r.max), r.ops, r.errors, r.note)
	}
	d, okD := byName["dynalite"]
	if !okD || d.opsPerSec() == 0 {
		fmt.Printf("goal %.1fx dynalite: NOT MEASURED (dynalite did not run)\n\n", goalRatio)
		return
	}
	ratio := func(name string) (float64, bool) {
		r, ok := byName[name]
		return r.opsPerSec() / d.opsPerSec(), ok && r.opsPerSec() > 0
	}
	fmt.Println()
	if x, ok := ratio("kmslab-embedded"); ok {
		verdict := "MET"
		if x < goalRatio {
			verdict = "NOT MET"
		}
		fmt.Printf("kmslab-embedded / dynalite: %.2fx  goal %.1fx: %s\n", x, goalRatio, verdict)
	} else {
		fmt.Printf("goal %.1fx dynalite: NOT MEASURED (kmslab-embedded did not run)\n", goalRatio)
	}
	for _, row := range []struct{ name, says string }{
		{"kmslab-process", "`kmslab sandbox` in its own process"},
		{"noop-proc", "the most any server in its own process can reach here"},
		{"ceiling", "the most any server can reach here"},
		{"moto", ""},
	} {
		if x, ok := ratio(row.name); ok {
			fmt.Printf("%s / dynalite: %.2fx  %s\n", row.name, x, row.says)
		}
	}
	if k, ok := byName["kmslab-process"]; ok {
		if n, ok := byName["noop-proc"]; ok && n.opsPerSec() > 0 {
			fmt.Printf("kmslab-process / noop-proc: %.2f of the bound\n", k.opsPerSec()/n.opsPerSec())
		}
	}
	fmt.Println()
}

// BenchmarkSandboxStart times `kmslab sandbox` from exec to the first successful STS
// GetCallerIdentity, on a fresh data directory and on an existing one (median of 10 runs).
func BenchmarkSandboxStart(b *testing.B) {
	const runs = 10
	bin := kmslabBin(b)
	fmt.Printf("\nkmslab sandbox start-up: exec to first successful sts:GetCallerIdentity, %d runs each\n", runs)
	existing := b.TempDir()
	// Create the state once so the "existing" runs only open it.
	startOnce(b, bin, existing)
	for _, mode := range []string{"fresh", "existing"} {
		b.Run(mode, func(b *testing.B) {
			var ds, stops []time.Duration
			for range runs {
				dir := existing
				if mode == "fresh" {
					var err error
					if dir, err = os.MkdirTemp(b.TempDir(), "data-"); err != nil {
						b.Fatal(err)
					}
				}
				d, stop := startOnce(b, bin, dir)
				ds, stops = append(ds, d), append(stops, stop)
			}
			slices.Sort(ds)
			slices.Sort(stops)
			med := (ds[runs/2-1] + ds[runs/2]) / 2
			verdict := "MET"
			if med >= goalStart {
				verdict = "NOT MET"
			}
			fmt.Printf("%-9s median %6.1f ms  min %6.1f  max %6.1f  (SIGTERM to exit: median %5.1f ms)  goal < %v: %s\n",
				mode, ms(med), ms(ds[0]), ms(ds[runs-1]), ms((stops[runs/2-1]+stops[runs/2])/2), goalStart, verdict)
			b.ReportMetric(ms(med), "median-ms")
			b.ReportMetric(ms(ds[runs-1]), "max-ms")
		})
	}
	fmt.Println()
}

// startOnce starts the sandbox on dir, waits for its first STS answer and stops it; it
// returns the time from exec to that answer and the time SIGTERM took.
func startOnce(b *testing.B, bin, dir string) (time.Duration, time.Duration) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := sandboxproc.Start(ctx, bin, dir, "--quiet")
	if err != nil {
		b.Fatal(err)
	}
	defer p.Kill()
	client := sts.NewFromConfig(p.Exports.Admin(nil))
	var served time.Duration
	for {
		_, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err == nil {
			served = time.Since(p.Exec)
			break
		}
		if ctx.Err() != nil {
			b.Fatalf("no STS answer within 30 s: %v\nstderr:\n%s", err, p.Stderr())
		}
		time.Sleep(time.Millisecond)
	}
	stop, err := p.Stop(10 * time.Second)
	if err != nil {
		b.Fatal(err)
	}
	return served, stop
}
