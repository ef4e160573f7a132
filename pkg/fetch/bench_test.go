package fetch

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsmill/newsmill/pkg/article"
)

var (
	benchFeeds = flag.Int("bench.feeds", 1000, "feeds polled by BenchmarkScale")
	benchItems = flag.Int("bench.items", 5, "items per feed in BenchmarkScale")
)

// benchSite serves n RSS feeds of items entries each (with ETags, so a
// second round is answered 304) and their article pages (~6 KB each).
func benchSite(b *testing.B, items int) *httptest.Server {
	b.Helper()
	para := strings.Repeat("<p>Hội thảo khu vực về lồng ghép giới trong chính sách lao động, việc làm bền vững.</p>\n", 50)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case p == "/robots.txt":
			_, _ = w.Write([]byte("User-agent: *\nAllow: /\n"))
		case strings.HasPrefix(p, "/f/"):
			id := strings.TrimPrefix(p, "/f/")
			etag := `"` + id + `"`
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", etag)
			w.Header().Set("Content-Type", "application/rss+xml")
			var sb strings.Builder
			sb.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed</title>`)
			for j := range items {
				fmt.Fprintf(&sb, `<item><title>Item %d</title><link>/a/%s-%d.html?utm_source=rss</link><description>Tin %d</description></item>`, j, id, j, j)
			}
			sb.WriteString(`</channel></rss>`)
			_, _ = w.Write([]byte(sb.String()))
		case strings.HasPrefix(p, "/a/"):
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(`<!DOCTYPE html><html lang="vi"><head><title>` + p + `</title></head><body><article>` + para + `</article></body></html>`))
		default:
			http.NotFound(w, r)
		}
	}))
	b.Cleanup(s.Close)
	return s
}

type countPub struct{ n, bytes atomic.Int64 }

func (p *countPub) Publish(_ context.Context, a *article.Article) error {
	// Encode as the NATS sink would, so the cost is counted.
	b, err := a.Marshal()
	if err != nil {
		return err
	}
	p.n.Add(1)
	p.bytes.Add(int64(len(b)))
	return nil
}

// peakHeap samples the live heap until stop is closed.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out
}

// BenchmarkScale polls many feeds on the fixture site through Fetcher.Poll
// on Options.Workers goroutines, as Run does: "cold" is a first round
// (every feed listed and every article fetched, encoded and marked seen),
// "steady" a later round (conditional GETs answered 304). It reports
// sources/min, articles/s and the peak heap. Run with -benchtime=1x and
// -bench.feeds=10000 for the 10,000-feed target.
func BenchmarkScale(b *testing.B) {
	n, items := *benchFeeds, *benchItems
	s := benchSite(b, items)
	srcs := make([]Source, n)
	for i := range srcs {
		srcs[i] = Source{ID: "f" + strconv.Itoa(i), Kind: KindRSS, URL: s.URL + "/f/" + strconv.Itoa(i), Enabled: true}
	}
	opts := Options{
		Workers:         64,
		RateLimit:       1e6, // one fixture host stands for thousands of sites
		HostConcurrency: 64,
		AllowAddrs:      nil,
	}
	newFetcher := func(pub Publisher) *Fetcher {
		o := opts
		f := New(o, NewMemorySeen(nil), pub, nil)
		b.Cleanup(f.Close)
		return f
	}
	pollAll := func(b *testing.B, f *Fetcher) (failed int) {
		jobs := make(chan Source)
		var wg sync.WaitGroup
		var bad atomic.Int64
		for range f.opts.Workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for src := range jobs {
					if st, err := f.Poll(context.Background(), src); err != nil || st.Failed > 0 {
						bad.Add(1)
					}
				}
			}()
		}
		for _, src := range srcs {
			jobs <- src
		}
		close(jobs)
		wg.Wait()
		return int(bad.Load())
	}
	for i := range srcs {
		srcs[i].AllowPrivate = true
	}

	b.Run(fmt.Sprintf("cold/feeds=%d/items=%d", n, items), func(b *testing.B) {
		var polls, arts int64
		var peak uint64
		for b.Loop() {
			runtime.GC()
			pub := &countPub{}
			f := newFetcher(pub)
			stop := make(chan struct{})
			ph := peakHeap(stop)
			if bad := pollAll(b, f); bad > 0 {
				b.Fatalf("%d sources failed", bad)
			}
			close(stop)
			peak = max(peak, <-ph)
			polls += int64(n)
			arts += pub.n.Load()
		}
		sec := b.Elapsed().Seconds()
		b.ReportMetric(float64(polls)/sec*60, "sources/min")
		b.ReportMetric(float64(arts)/sec, "articles/s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.Sys)/(1<<20), "go-sys-MiB")
	})

	b.Run(fmt.Sprintf("steady/feeds=%d/items=%d", n, items), func(b *testing.B) {
		pub := &countPub{}
		f := newFetcher(pub)
		if bad := pollAll(b, f); bad > 0 { // warm: everything seen, ETags kept
			b.Fatalf("%d sources failed", bad)
		}
		runtime.GC()
		stop := make(chan struct{})
		ph := peakHeap(stop)
		b.ResetTimer()
		var polls int64
		for b.Loop() {
			if bad := pollAll(b, f); bad > 0 {
				b.Fatalf("%d sources failed", bad)
			}
			polls += int64(n)
		}
		close(stop)
		peak := <-ph
		sec := b.Elapsed().Seconds()
		b.ReportMetric(float64(polls)/sec*60, "sources/min")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "retained-heap-MiB")
		b.ReportMetric(float64(ms.Sys)/(1<<20), "go-sys-MiB")
		b.ReportMetric(float64(f.seen.(*MemorySeen).Len()), "seen-keys")
	})
}
