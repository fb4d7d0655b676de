package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// load is the put/get workload: workers clients, each doing PutItem then GetItem of the
// same random id, until pairs pairs each or duration, whichever comes first.
type load struct {
	workers  int
	pairs    int
	duration time.Duration
	warmup   int // pairs per worker before the clock starts
	rounds   int // runs per server, interleaved with the others'
}

var defaultLoad = load{workers: 4, pairs: 20000, duration: 5 * time.Second, warmup: 50, rounds: 5}

// loadFromEnv is defaultLoad with BENCH_PAIRS (per client), BENCH_DURATION (e.g. 3s) and
// BENCH_ROUNDS applied, for quick runs; values out of range are ignored.
func loadFromEnv() load {
	l := defaultLoad
	if n, err := strconv.Atoi(os.Getenv("BENCH_PAIRS")); err == nil && n > 0 && n <= 1_000_000 {
		l.pairs = n
	}
	if d, err := time.ParseDuration(os.Getenv("BENCH_DURATION")); err == nil && d > 0 && d <= 10*time.Minute {
		l.duration = d
	}
	if n, err := strconv.Atoi(os.Getenv("BENCH_ROUNDS")); err == nil && n > 0 && n <= 20 {
		l.rounds = n
	}
	return l
}

// result is what one load run measured. An op is one PutItem or one GetItem.
type result struct {
	name     string
	note     string
	ops      int
	errors   int
	firstErr string
	elapsed  time.Duration
	p50, p99 time.Duration
	max      time.Duration
}

func (r result) opsPerSec() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ops) / r.elapsed.Seconds()
}

// newHTTPClient is one keep-alive client per worker, so each worker holds its own connection.
func newHTTPClient() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        4,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     time.Minute,
		},
	}
}

// payload is ~150 bytes of text, so an item (id, payload, n, kind) is ~200 bytes.
var payload = strings.Repeat("kmslab-bench-", 12)[:150]

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (l load) run(ctx context.Context, t target) result {
	ctx, cancel := context.WithTimeout(ctx, l.duration+time.Minute)
	defer cancel()
	type worker struct {
		lat      []time.Duration
		errors   int
		firstErr string
	}
	ws := make([]*worker, l.workers)
	clients := make([]*dynamodb.Client, l.workers)
	for i := range ws {
		ws[i] = &worker{lat: make([]time.Duration, 0, 2*l.pairs)}
		clients[i] = dynamodb.NewFromConfig(t.config(newHTTPClient()))
	}
	pair := func(c *dynamodb.Client, w *worker, record bool) {
		id := randomID()
		item := map[string]ddbtypes.AttributeValue{
			"id":      &ddbtypes.AttributeValueMemberS{Value: id},
			"payload": &ddbtypes.AttributeValueMemberS{Value: payload},
			"n":       &ddbtypes.AttributeValueMemberN{Value: "42"},
			"kind":    &ddbtypes.AttributeValueMemberS{Value: "bench"},
		}
		start := time.Now()
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(t.table), Item: item})
		mid := time.Now()
		if err == nil {
			var out *dynamodb.GetItemOutput
			out, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(t.table),
				Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: id}}})
			if err == nil && len(out.Item) != 4 {
				err = fmt.Errorf("GetItem %s returned %d attributes, want 4", id, len(out.Item))
			}
		}
		end := time.Now()
		if !record {
			return
		}
		if err != nil {
			w.errors++
			if w.firstErr == "" {
				w.firstErr = err.Error()
			}
			return
		}
		w.lat = append(w.lat, mid.Sub(start), end.Sub(mid))
	}

	var wg sync.WaitGroup
	for i := range ws {
		wg.Go(func() {
			for range l.warmup {
				pair(clients[i], ws[i], false)
			}
		})
	}
	wg.Wait()

	begin := time.Now()
	deadline := begin.Add(l.duration)
	for i := range ws {
		wg.Go(func() {
			for n := 0; n < l.pairs && time.Now().Before(deadline) && ctx.Err() == nil; n++ {
				pair(clients[i], ws[i], true)
			}
		})
	}
	wg.Wait()
	r := result{name: t.name, note: t.note, elapsed: time.Since(begin)}
	var all []time.Duration
	for _, w := range ws {
		all = append(all, w.lat...)
		r.errors += w.errors
		if r.firstErr == "" {
			r.firstErr = w.firstErr
		}
	}
	r.ops = len(all)
	slices.Sort(all)
	r.p50, r.p99 = percentile(all, 50), percentile(all, 99)
	if len(all) > 0 {
		r.max = all[len(all)-1]
	}
	return r
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[max(i-1, 0)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
