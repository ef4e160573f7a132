package natsbus_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/natsbus/natstest"
	"github.com/newsmill/newsmill/pkg/samples"
	"github.com/newsmill/newsmill/pkg/stage"
)

// benchBus starts an embedded JetStream server with the pipeline's streams
// and returns a bus connected to it.
func benchBus(b *testing.B) *natsbus.Bus {
	b.Helper()
	_, url := natstest.Start(b)
	cfg := natsbus.DefaultConfig()
	cfg.URL = url
	bus, err := natsbus.Connect(context.Background(), cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = bus.Close() })
	if err := bus.EnsureStreams(context.Background()); err != nil {
		b.Fatal(err)
	}
	return bus
}

// benchArticle is a cleaned seed page encoded as the stages publish it.
func benchArticle(b *testing.B) []byte {
	b.Helper()
	seeds, err := samples.Seeds()
	if err != nil {
		b.Fatal(err)
	}
	a := article.New(article.ContentID(seeds[0].Body), "bench")
	a.Text = string(seeds[0].Body)
	data, err := a.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkSinkPublish measures Sink.Publish, which returns only once the
// stream stored the message (a synchronous publish ack), one caller at a
// time and from several goroutines (as a stage with concurrency does). The
// payload is a seed page as an article (about 6 KB).
func BenchmarkSinkPublish(b *testing.B) {
	data := benchArticle(b)
	for _, workers := range []int{1, 16} {
		b.Run(fmt.Sprintf("callers-%d", workers), func(b *testing.B) {
			sink := benchBus(b).Sink()
			ctx := context.Background()
			var next atomic.Int64
			publish := func() error {
				n := next.Add(1)
				return sink.Publish(ctx, stage.Output{Subject: article.Cleaned("bench"), Data: data, MsgID: fmt.Sprint("bench:", n)})
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			if workers == 1 {
				for b.Loop() {
					if err := publish(); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				// RunParallel starts parallelism × GOMAXPROCS goroutines.
				b.SetParallelism(max(1, workers/runtime.GOMAXPROCS(0)))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := publish(); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			b.ReportMetric(float64(next.Load())/b.Elapsed().Seconds(), "articles/s")
		})
	}
}

// sourceBatch is the number of messages one op of BenchmarkSourceNext
// receives and acks.
const sourceBatch = 500

// BenchmarkSourceNext measures the pull Source: Next plus a confirmed
// (double) ack per message, from one worker and from four, as a stage
// runner calls them. Each op fills the stream with sourceBatch messages
// (not timed) and then takes them all.
func BenchmarkSourceNext(b *testing.B) {
	data := benchArticle(b)
	for _, workers := range []int{1, 4} {
		b.Run(fmt.Sprintf("workers-%d", workers), func(b *testing.B) {
			bus := benchBus(b)
			ctx := context.Background()
			src, err := bus.Source(ctx, article.StageCleaner, workers)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = src.Stop() })
			js := bus.JetStream()
			sent, got := 0, 0
			b.SetBytes(int64(len(data)) * sourceBatch)
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				fill(b, js, data, &sent)
				b.StartTimer()
				var wg sync.WaitGroup
				var taken atomic.Int64
				for range workers {
					wg.Go(func() {
						for taken.Add(1) <= sourceBatch {
							d, err := src.Next(ctx)
							if err != nil {
								b.Error(err)
								return
							}
							if err := d.Ack(ctx); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				got += sourceBatch
			}
			b.ReportMetric(float64(got)/b.Elapsed().Seconds(), "articles/s")
		})
	}
}

// fill publishes sourceBatch messages on news.raw.bench and waits for
// their acks.
func fill(b *testing.B, js jetstream.JetStream, data []byte, sent *int) {
	b.Helper()
	natstest.PublishBatch(b, js, article.Raw("bench"), data, sourceBatch, "fill:", sent)
}
