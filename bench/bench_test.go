package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
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

// targets are measured in this order, one after the other, in the same run.
var targets = []struct {
	name  string
	start func(*testing.B) target
}{
	{"kmslab", startKmslab},
	{"dynalite", startDynalite},
	{"moto", startMoto},
	{"in-proc", startInProc},
	{"ceiling", startCeiling},
}

// BenchmarkPutGet runs the same put/get load against each server and prints them side by side.
// Run it with -benchtime 1x: each sub-benchmark is one full load run whatever b.N is.
func BenchmarkPutGet(b *testing.B) {
	l := loadFromEnv()
	fmt.Printf("\nput/get load: %d concurrent aws-sdk-go-v2 clients (keep-alive), PutItem then GetItem of a ~200 B item\n"+
		"with a random id, %d pairs per client or %v, whichever first (%d warm-up pairs each)\n",
		l.workers, l.pairs, l.duration, l.warmup)
	var results []result
	for _, tg := range targets {
		b.Run(tg.name, func(b *testing.B) {
			t := tg.start(b)
			r := l.run(context.Background(), t)
			results = append(results, r)
			b.ReportMetric(r.opsPerSec(), "ops/s")
			b.ReportMetric(ms(r.p50), "p50-ms")
			b.ReportMetric(ms(r.p99), "p99-ms")
			b.ReportMetric(ms(r.max), "max-ms")
			b.ReportMetric(float64(r.errors), "errors")
			if r.errors > 0 {
				b.Errorf("%s: %d failed pairs; first: %s", r.name, r.errors, r.firstErr)
			}
		})
	}
	printResults(results)
}

func printResults(rs []result) {
	byName := map[string]result{}
	fmt.Printf("\n%-10s %10s %9s %9s %9s %8s %7s  %s\n", "server", "ops/s", "p50 ms", "p99 ms", "max ms", "ops", "errors", "setup")
	for _, r := range rs {
		byName[r.name] = r
		fmt.Printf("%-10s %10.0f %9.2f %9.2f %9.2f %8d %7d  %s\n", r.name, r.opsPerSec(), ms(r.p50), ms(r.p99), ms(r.max), r.ops, r.errors, r.note)
	}
	k, okK := byName["kmslab"]
	d, okD := byName["dynalite"]
	if !okK || !okD || d.opsPerSec() == 0 {
		fmt.Printf("ratio kmslab/dynalite: n/a (both must run)\ngoal %.1fx dynalite: NOT MEASURED\n\n", goalRatio)
		return
	}
	ratio := k.opsPerSec() / d.opsPerSec()
	verdict := "MET"
	if ratio < goalRatio {
		verdict = "NOT MET"
	}
	fmt.Printf("ratio kmslab/dynalite: %.2fx\ngoal %.1fx dynalite: %s\n", ratio, goalRatio, verdict)
	if m, ok := byName["moto"]; ok && m.opsPerSec() > 0 {
		fmt.Printf("ratio kmslab/moto: %.2fx\n", k.opsPerSec()/m.opsPerSec())
	}
	if c, ok := byName["ceiling"]; ok && c.opsPerSec() > 0 {
		fmt.Printf("ceiling (a server that does nothing) / dynalite: %.2fx — no server can reach more on this machine\n", c.opsPerSec()/d.opsPerSec())
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
