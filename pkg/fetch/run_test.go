package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// waitFor polls cond until it holds, failing the test after a generous
// bound; it never asserts how long anything took.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	opts := testOptions(s)
	opts.StartSpread = time.Millisecond
	pub := &memPub{}
	f := New(opts, NewMemorySeen(nil), pub, nil)
	defer f.Close()

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	updates := make(chan []Source)
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, updates) }()

	rss := Source{ID: "rss", Kind: KindRSS, URL: s.URL + "/rss.xml", Interval: MinInterval, Enabled: true}
	broken := Source{ID: "broken", Kind: KindRSS, URL: s.URL + "/fault/500", Interval: MinInterval, Enabled: true}
	updates <- []Source{rss, broken}
	waitFor(t, "the rss items", func() bool { return len(pub.all()) == 4 })
	waitFor(t, "the broken source to fail", func() bool {
		for _, h := range f.Health() {
			if h.ID == "broken" && h.ConsecutiveFailures >= 1 {
				return !h.NextPoll.IsZero()
			}
		}
		return false
	})

	// Pause rss, add a listing: the listing is polled at once.
	rss.Enabled = false
	listing := Source{ID: "listing", Kind: KindListing, URL: s.URL + "/listing.html", LinkSelector: "h2 a", Interval: MinInterval, Enabled: true}
	updates <- []Source{rss, broken, listing}
	waitFor(t, "the listing items", func() bool { return len(pub.all()) == 6 })
	waitFor(t, "the listing's health", func() bool {
		for _, h := range f.Health() {
			if h.ID == "listing" {
				return h.Polls > 0
			}
		}
		return false
	})
	for _, h := range f.Health() {
		switch h.ID {
		case "rss":
			if h.Enabled || !h.NextPoll.IsZero() || h.ArticlesFound != 4 {
				t.Errorf("paused source health %+v", h)
			}
		case "listing":
			if h.ArticlesFound != 2 || h.LastSuccess.IsZero() {
				t.Errorf("listing health %+v", h)
			}
		}
	}
	// Remove everything but the listing: the others disappear from health.
	updates <- []Source{listing}
	waitFor(t, "removed sources to leave health", func() bool { return len(f.Health()) == 1 })

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run returned %v after cancel", err)
	}
}

func TestNextPollBacksOff(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := New(Options{Now: func() time.Time { return now }, MaxSourceBackoff: time.Hour}, NewMemorySeen(nil), &memPub{}, nil)
	src := Source{ID: "s", Kind: KindRSS, URL: "https://example.com/rss", Interval: 10 * time.Minute, Enabled: true}
	tests := []struct {
		name     string
		failures int
		err      error
		min, max time.Duration
	}{
		{name: "success", failures: 0, min: 10 * time.Minute, max: 10*time.Minute + 30*time.Second},
		{name: "first failure", failures: 1, err: errors.New("x"), min: 5 * time.Minute, max: 10 * time.Minute},
		{name: "third failure", failures: 3, err: errors.New("x"), min: 20 * time.Minute, max: 40 * time.Minute},
		{name: "capped", failures: 20, err: errors.New("x"), min: 30 * time.Minute, max: time.Hour},
		{name: "retry-after wins", failures: 1, err: &StatusError{Code: 429, RetryAfter: 3 * time.Hour}, min: 3 * time.Hour, max: 3 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.health.mu.Lock()
			f.health.get(src).ConsecutiveFailures = tc.failures
			f.health.mu.Unlock()
			for range 50 {
				d := f.nextPoll(src, tc.err).Sub(now)
				if d < tc.min || d > tc.max {
					t.Fatalf("next poll in %s, want within [%s, %s]", d, tc.min, tc.max)
				}
			}
		})
	}
}

func TestRunStatic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("Một bài báo."), 0o644); err != nil {
		t.Fatal(err)
	}
	pub := &memPub{}
	f := New(Options{StartSpread: time.Millisecond}, NewMemorySeen(nil), pub, nil)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, Static([]Source{{ID: "files", Kind: KindFile, Path: dir, Enabled: true}})) }()
	waitFor(t, "the file article", func() bool { return len(pub.all()) == 1 })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

// TestPagesInFlightBounded polls many sources at once against a site whose
// pages answer slowly: however many workers and per-poll page fetchers run,
// no more than MaxPagesInFlight pages are being fetched at any moment.
func TestPagesInFlightBounded(t *testing.T) {
	t.Parallel()
	const sources, perSource, bound = 6, 5, 3
	var inFlight, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/feed/") {
			src := strings.TrimPrefix(r.URL.Path, "/feed/")
			var items strings.Builder
			for i := range perSource {
				fmt.Fprintf(&items, "<item><title>p%d</title><link>http://%s/page/%s/%d</link></item>", i, r.Host, src, i)
			}
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>%s</channel></rss>`, items.String())
			return
		}
		if strings.HasPrefix(r.URL.Path, "/page/") {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(20 * time.Millisecond)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, "<html><head><title>%s</title></head><body><article><p>%s body text.</p></article></body></html>", r.URL.Path, r.URL.Path)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	addr := netip.MustParseAddrPort(srv.Listener.Addr().String())
	pub := &memPub{}
	f := New(Options{
		AllowAddrs:       []netip.AddrPort{addr},
		RateLimit:        1000,
		HostConcurrency:  64,
		Workers:          sources,
		PageConcurrency:  4,
		MaxPagesInFlight: bound,
		StartSpread:      time.Millisecond,
	}, NewMemorySeen(nil), pub, nil)
	defer f.Close()

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	updates := make(chan []Source, 1)
	var list []Source
	for i := range sources {
		list = append(list, Source{ID: fmt.Sprintf("s%d", i), Kind: KindRSS, URL: fmt.Sprintf("%s/feed/s%d", srv.URL, i), Interval: MinInterval, Enabled: true})
	}
	updates <- list
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, updates) }()
	waitFor(t, "every page", func() bool { return len(pub.all()) == sources*perSource })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run returned %v after cancel", err)
	}
	if p := peak.Load(); p > bound {
		t.Errorf("%d pages fetched at once, want at most %d", p, bound)
	}
	t.Logf("peak pages in flight: %d (bound %d)", peak.Load(), bound)
}
