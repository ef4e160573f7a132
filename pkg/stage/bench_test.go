package stage_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/natsbus/natstest"
	"github.com/newsmill/newsmill/pkg/stage"
)

// countingObserver counts processed messages and wakes the benchmark.
type countingObserver struct {
	processed atomic.Int64
	other     atomic.Int64
	wake      chan struct{}
}

func (o *countingObserver) Settled(_ string, outcome stage.Outcome, _ string, _ time.Duration, _ *stage.Message, _ error) {
	if outcome == stage.Processed {
		o.processed.Add(1)
	} else {
		o.other.Add(1)
	}
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// benchBatch is the number of messages one op publishes and waits for.
const benchBatch = 200

// BenchmarkRunner measures the stage runner's own cost: a pass-through
// handler (one output per input) on an embedded JetStream server, so each
// message is one pull, one publish awaiting its ack and one double ack. One
// op publishes benchBatch inputs (asynchronously, acks awaited) and waits
// until the runner has processed them; articles/s is the throughput of
// that loop at each concurrency. allocs/article includes the embedded
// server's allocations: it runs in the same process.
func BenchmarkRunner(b *testing.B) {
	payload := benchPayload(b)
	for _, conc := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("concurrency-%d", conc), func(b *testing.B) {
			_, url := natstest.Start(b)
			cfg := natsbus.DefaultConfig()
			cfg.URL = url
			bus, err := natsbus.Connect(context.Background(), cfg, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = bus.Close() })
			ctx := context.Background()
			if err := bus.EnsureStreams(ctx); err != nil {
				b.Fatal(err)
			}
			src, err := bus.Source(ctx, article.StageCleaner, conc)
			if err != nil {
				b.Fatal(err)
			}
			obs := &countingObserver{wake: make(chan struct{}, 1)}
			r := &stage.Runner{
				Stage: article.StageCleaner,
				In:    src,
				Out:   bus.Sink(),
				Handle: func(_ context.Context, m *stage.Message) ([]stage.Output, error) {
					return []stage.Output{{Subject: article.Cleaned("bench"), Data: m.Data, MsgID: "bench:" + fmt.Sprint(m.Sequence)}}, nil
				},
				Concurrency: conc,
				Observer:    obs,
			}
			runCtx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- r.Run(runCtx) }()
			b.Cleanup(func() {
				cancel()
				if err := <-done; err != nil {
					b.Error(err)
				}
			})

			js := bus.JetStream()
			sent := 0
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			b.ReportAllocs()
			for b.Loop() {
				natstest.PublishBatch(b, js, article.Raw("bench"), payload, benchBatch, "in:", &sent)
				waitProcessed(b, obs, int64(sent))
			}
			runtime.ReadMemStats(&ms1)
			if sent > 0 {
				b.ReportMetric(float64(sent)/b.Elapsed().Seconds(), "articles/s")
				b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(sent), "allocs/article")
			}
		})
	}
}

// waitProcessed blocks until the runner processed n messages; a message
// settled any other way fails the benchmark.
func waitProcessed(b *testing.B, obs *countingObserver, n int64) {
	b.Helper()
	timeout := time.NewTimer(time.Minute)
	defer timeout.Stop()
	for obs.processed.Load() < n {
		if o := obs.other.Load(); o > 0 {
			b.Fatalf("%d messages not processed (retried or dead-lettered)", o)
		}
		select {
		case <-obs.wake:
		case <-timeout.C:
			b.Fatalf("runner processed %d of %d within a minute", obs.processed.Load(), n)
		}
	}
}

// benchPayload is a cleaned article of typical size (about 3 KB of text).
func benchPayload(b *testing.B) []byte {
	b.Helper()
	a := article.New(article.ID("https://bench.example/runner"), "bench")
	for range 60 {
		a.Text += "The ministry opened a training course on labour policy for officials. "
	}
	data, err := a.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	return data
}
