package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/samples"
)

func gunzip(t testing.TB, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func canonicals(arts []*article.Article) []string {
	var out []string
	for _, a := range arts {
		out = append(out, a.CanonicalURL)
	}
	sort.Strings(out)
	return out
}

func TestPollKinds(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	u := func(p string) string { return s.URL + p }
	tests := []struct {
		name string
		src  Source
		want []string // canonical URLs published, sorted
	}{
		{name: "rss 2.0", src: Source{Kind: KindRSS, URL: u("/rss.xml")}, want: []string{u("/a/1.html"), u("/a/2.html"), u("/a/3.html"), u("/a/4.html")}},
		{name: "rss 1.0", src: Source{Kind: KindRSS, URL: u("/rss1.xml")}, want: []string{u("/a/10.html")}},
		{name: "rss 0.91", src: Source{Kind: KindRSS, URL: u("/rss091.xml")}, want: []string{u("/a/11.html")}},
		{name: "atom", src: Source{Kind: KindRSS, URL: u("/atom.xml")}, want: []string{u("/a/1.html"), u("/a/12.html")}},
		{name: "json feed", src: Source{Kind: KindRSS, URL: u("/feed.json")}, want: []string{u("/a/13.html")}},
		{name: "windows-1258 feed with a bad byte", src: Source{Kind: KindRSS, URL: u("/feed-1258.xml")}, want: []string{u("/vi.html")}},
		{name: "sitemap", src: Source{Kind: KindSitemap, URL: u("/sitemap.xml")}, want: []string{u("/a/20.html"), u("/a/21.html")}},
		{name: "google news sitemap", src: Source{Kind: KindSitemap, URL: u("/news-sitemap.xml")}, want: []string{u("/a/22.html")}},
		{name: "sitemap index with gzip child and a failing child", src: Source{Kind: KindSitemap, URL: u("/sitemap-index.xml")}, want: []string{u("/a/22.html"), u("/a/23.html")}},
		{name: "listing", src: Source{Kind: KindListing, URL: u("/listing.html"), LinkSelector: "article h2"}, want: []string{u("/a/30.html"), u("/a/31.html")}},
		{name: "page with brotli", src: Source{Kind: KindPage, URL: u("/a/50.html")}, want: []string{u("/a/50.html")}},
		{name: "page after redirect", src: Source{Kind: KindPage, URL: u("/fault/redirect-ok")}, want: []string{u("/a/60.html")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, pub, _ := newTestFetcher(t, s)
			tc.src.ID, tc.src.Enabled, tc.src.Language = "fixture", true, "en"
			st, err := f.Poll(t.Context(), tc.src)
			if err != nil {
				t.Fatalf("Poll: %v (stats %+v)", err, st)
			}
			if got := canonicals(pub.all()); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("published %v, want %v (stats %+v)", got, tc.want, st)
			}
			if st.Published != len(tc.want) || st.Failed != 0 {
				t.Errorf("stats %+v, want %d published and none failed", st, len(tc.want))
			}
			for _, a := range pub.all() {
				if a.ID != article.ID(a.CanonicalURL) || a.Source != "fixture" || a.Schema != article.Schema {
					t.Errorf("identity of %+v", a)
				}
				if a.HTTP == nil || a.HTTP.Status != 200 || a.HTTP.FinalURL == "" || a.FetchedAt.IsZero() {
					t.Errorf("http meta of %s: %+v", a.URL, a.HTTP)
				}
				if a.Raw == nil || a.Raw.Encoding != "gzip" || a.Raw.ContentType != "text/html" || a.Raw.Size == 0 {
					t.Fatalf("raw body of %s: %+v", a.URL, a.Raw)
				}
				body := gunzip(t, a.Raw.Body)
				if len(body) != a.Raw.Size || !strings.Contains(body, "<h1>") {
					t.Errorf("body of %s: size %d, %q", a.URL, a.Raw.Size, body)
				}
				if _, ok := a.Stages[article.StageFetcher]; !ok {
					t.Errorf("no fetcher stamp on %s", a.URL)
				}
			}
		})
	}
}

func TestPollWindows1258Page(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	f, pub, _ := newTestFetcher(t, s)
	if _, err := f.Poll(t.Context(), Source{ID: "vi", Kind: KindPage, URL: s.URL + "/vi.html", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	arts := pub.all()
	if len(arts) != 1 {
		t.Fatalf("published %d", len(arts))
	}
	a := arts[0]
	body := gunzip(t, a.Raw.Body)
	if a.Raw.Charset != "windows-1258" || !strings.Contains(body, "Thành phố Hồ Chí Minh") || a.LanguageHint != "vi" {
		t.Errorf("charset %q, lang %q, body %q", a.Raw.Charset, a.LanguageHint, body)
	}
}

func TestPollFetchesOnce(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	f, pub, _ := newTestFetcher(t, s)
	ctx := t.Context()
	rss := Source{ID: "rss", Kind: KindRSS, URL: s.URL + "/rss.xml", Enabled: true}
	atom := Source{ID: "atom", Kind: KindRSS, URL: s.URL + "/atom.xml", Enabled: true}
	if _, err := f.Poll(ctx, rss); err != nil {
		t.Fatal(err)
	}
	st, err := f.Poll(ctx, atom)
	if err != nil {
		t.Fatal(err)
	}
	if st.Listed != 2 || st.New != 1 || st.Published != 1 {
		t.Errorf("atom stats %+v: /a/1.html (listed with fbclid) must count as seen", st)
	}
	st, err = f.Poll(ctx, rss)
	if err != nil {
		t.Fatal(err)
	}
	if !st.NotModified || st.Fetches["304"] != 1 {
		t.Errorf("second rss poll %+v, want a conditional GET answered 304", st)
	}
	if n := s.count("/a/1.html"); n != 1 {
		t.Errorf("/a/1.html fetched %d times, want 1", n)
	}
	if n := len(pub.all()); n != 5 {
		t.Errorf("published %d, want 5", n)
	}
	if n := s.count("/robots.txt"); n != 1 {
		t.Errorf("robots.txt fetched %d times, want 1 (cached)", n)
	}
}

func TestPollRelCanonical(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	f, pub, _ := newTestFetcher(t, s)
	ctx := t.Context()
	if _, err := f.Poll(ctx, Source{ID: "p", Kind: KindPage, URL: s.URL + "/a/40.html", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	a := pub.byURL(s.URL + "/a/40.html")
	if a == nil || a.CanonicalURL != s.URL+"/a/41.html" || a.ID != article.ID(s.URL+"/a/41.html") {
		t.Fatalf("article %+v: want identity of its rel=canonical", a)
	}
	// The canonical URL itself is now known: it is not fetched again.
	st, err := f.Poll(ctx, Source{ID: "p2", Kind: KindPage, URL: s.URL + "/a/41.html", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.New != 0 || s.count("/a/41.html") != 0 {
		t.Errorf("stats %+v, hits %d: canonical URL must count as seen", st, s.count("/a/41.html"))
	}
	// A canonical on another site is ignored.
	if _, err := f.Poll(ctx, Source{ID: "p3", Kind: KindPage, URL: s.URL + "/a/42.html", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if a := pub.byURL(s.URL + "/a/42.html"); a == nil || a.CanonicalURL != s.URL+"/a/42.html" {
		t.Errorf("foreign rel=canonical must be ignored: %+v", a)
	}
}

func TestPollFaults(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	tests := []struct {
		name       string
		path       string
		wantReason string // "" : published
		wantHits   int    // 0: not checked
		opts       func(*Options)
	}{
		{name: "500 retried then refused", path: "/fault/500", wantReason: "status_500", wantHits: 3},
		{name: "404", path: "/fault/404", wantReason: "status_404", wantHits: 1},
		{name: "429 with Retry-After honoured", path: "/fault/429", wantHits: 2},
		{name: "429 with a long Retry-After", path: "/fault/429-long", wantReason: "status_429", wantHits: 1},
		{name: "503 once", path: "/fault/503-once", wantHits: 2},
		{name: "slow endless body", path: "/fault/slow", wantReason: "timeout"},
		{name: "endless body", path: "/fault/endless", wantReason: "too_large", opts: func(o *Options) { o.MaxBodyBytes = 256 << 10; o.Timeout = time.Minute }},
		{name: "content-length over cap", path: "/fault/big", wantReason: "too_large"},
		{name: "gzip bomb", path: "/fault/gzip-bomb", wantReason: "decompression_bomb"},
		{name: "not html", path: "/fault/image.png", wantReason: "content_type"},
		{name: "redirect loop", path: "/fault/loop-a", wantReason: "redirect_loop"},
		{name: "redirect chain", path: "/fault/chain/0", wantReason: "too_many_redirects"},
		{name: "redirect to 127.0.0.1", path: "/fault/to-localhost", wantReason: "blocked_address"},
		{name: "redirect to a name resolving to loopback", path: "/fault/to-localhost-name", wantReason: "blocked_address"},
		{name: "redirect to 169.254.169.254", path: "/fault/to-metadata", wantReason: "blocked_address"},
		{name: "redirect to mapped metadata", path: "/fault/to-mapped-metadata", wantReason: "blocked_address"},
		{name: "redirect to file", path: "/fault/to-file", wantReason: "bad_scheme"},
		{name: "robots disallow", path: "/private/x.html", wantReason: "robots", wantHits: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := testOptions(s)
			if tc.opts != nil {
				tc.opts(&opts)
			}
			pub, seen := &memPub{}, NewMemorySeen(nil)
			f := New(opts, seen, pub, nil)
			defer f.Close()
			src := Source{ID: "fault", Kind: KindPage, URL: s.URL + tc.path, Enabled: true}
			st, err := f.Poll(t.Context(), src)
			if err != nil {
				t.Fatalf("Poll: %v; a failing page must not fail the poll", err)
			}
			if tc.wantReason == "" {
				if st.Published != 1 || len(pub.all()) != 1 {
					t.Fatalf("stats %+v: want the page published", st)
				}
			} else {
				if st.Failed != 1 || st.Reasons[tc.wantReason] != 1 || len(pub.all()) != 0 {
					t.Fatalf("stats %+v: want one failure %q", st, tc.wantReason)
				}
				h := f.Health()
				if len(h) != 1 || h[0].PagesFailed[tc.wantReason] != 1 {
					t.Errorf("health %+v: want the failure counted", h)
				}
				// Refused for good → remembered; transient → retried next poll.
				id := article.ID(mustCanon(t, src.URL))
				got, _ := seen.Seen(t.Context(), []string{id})
				if want := !transient(errForReason(tc.wantReason)); got[0].Seen != want {
					t.Errorf("seen after %s = %v, want %v", tc.wantReason, got[0].Seen, want)
				}
			}
			switch {
			case tc.wantHits > 0 && s.count(tc.path) != tc.wantHits:
				t.Errorf("%s served %d times, want %d", tc.path, s.count(tc.path), tc.wantHits)
			case tc.wantHits < 0 && s.count(tc.path) != 0:
				t.Errorf("%s must not be requested", tc.path)
			}
		})
	}
}

func mustCanon(t testing.TB, u string) string {
	t.Helper()
	c, err := Canonicalize(u)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// errForReason gives a representative error of a reason, for transient().
func errForReason(r string) error {
	switch r {
	case "status_500":
		return &StatusError{Code: 500}
	case "status_429":
		return &StatusError{Code: 429}
	case "timeout":
		return ErrTimeout
	}
	return errors.New(r)
}

func TestPollSourceFaults(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	tests := []struct {
		name       string
		src        Source
		opts       func(*Options)
		wantReason string
	}{
		{name: "malformed feed", src: Source{Kind: KindRSS, URL: s.URL + "/fault/malformed.xml"}, wantReason: "parse"},
		{name: "deeply nested feed", src: Source{Kind: KindRSS, URL: s.URL + "/fault/deep.xml"}, wantReason: "too_deep"},
		{name: "deeply nested sitemap", src: Source{Kind: KindSitemap, URL: s.URL + "/fault/deep.xml"}, wantReason: "too_deep"},
		{name: "html is not a feed", src: Source{Kind: KindRSS, URL: s.URL + "/fault/html-as-feed"}, wantReason: "parse"},
		{name: "listing nested deeper than the HTML parser allows", src: Source{Kind: KindListing, URL: s.URL + "/fault/deep.html", LinkSelector: "a"}, wantReason: "parse"},
		{name: "feed is not a sitemap", src: Source{Kind: KindSitemap, URL: s.URL + "/rss.xml"}, wantReason: "parse"},
		{name: "feed answering 500", src: Source{Kind: KindRSS, URL: s.URL + "/fault/500"}, wantReason: "status_500"},
		{name: "fixture refused without allowance", src: Source{Kind: KindRSS, URL: s.URL + "/rss.xml"}, opts: func(o *Options) { o.AllowAddrs = nil }, wantReason: "blocked_address"},
		{name: "user agent disallowed by robots", src: Source{Kind: KindRSS, URL: s.URL + "/rss.xml"}, opts: func(o *Options) { o.UserAgent = "badbot/2.0" }, wantReason: "robots"},
		{name: "file source missing", src: Source{Kind: KindFile, Path: filepath.Join(t.TempDir(), "none")}, wantReason: "file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := testOptions(s)
			if tc.opts != nil {
				tc.opts(&opts)
			}
			f := New(opts, NewMemorySeen(nil), &memPub{}, nil)
			defer f.Close()
			tc.src.ID, tc.src.Enabled = "bad", true
			_, err := f.Poll(t.Context(), tc.src)
			if got := Reason(err); got != tc.wantReason {
				t.Fatalf("Poll error %v: reason %q, want %q", err, got, tc.wantReason)
			}
			h := f.Health()[0]
			if h.ConsecutiveFailures != 1 || h.LastReason != tc.wantReason || h.LastError == "" || !h.LastSuccess.IsZero() {
				t.Errorf("health %+v", h)
			}
		})
	}
}

func TestPollBillionLaughs(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	f, pub, _ := newTestFetcher(t, s)
	st, err := f.Poll(t.Context(), Source{ID: "lol", Kind: KindRSS, URL: s.URL + "/fault/billion-laughs.xml", Enabled: true})
	// encoding/xml does not expand DTD entities: the feed either fails to
	// parse or yields its one item, and nothing balloons.
	if err != nil && Reason(err) != "parse" {
		t.Fatalf("Poll: %v", err)
	}
	if st.Published > 1 || len(pub.all()) > 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestPollPublishFailure(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	f, pub, _ := newTestFetcher(t, s)
	pub.fail = errors.New("stream unavailable")
	src := Source{ID: "rss", Kind: KindRSS, URL: s.URL + "/rss.xml", Enabled: true}
	_, err := f.Poll(t.Context(), src)
	if Reason(err) != "publish" {
		t.Fatalf("Poll error %v, want reason publish", err)
	}
	pub.mu.Lock()
	pub.fail = nil
	pub.mu.Unlock()
	// Nothing was marked seen and the listing's ETag was not kept, so the
	// next poll lists again and publishes everything.
	st, err := f.Poll(t.Context(), src)
	if err != nil {
		t.Fatal(err)
	}
	if st.NotModified || st.Published != 4 {
		t.Errorf("stats after recovery %+v, want 4 published", st)
	}
	if h := f.Health()[0]; h.ConsecutiveFailures != 0 || h.ArticlesFound != 4 || h.LastSuccess.IsZero() {
		t.Errorf("health %+v", h)
	}
}

func TestPollFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seeds, err := samples.Seeds()
	if err != nil {
		t.Fatal(err)
	}
	for _, sd := range seeds {
		if err := os.WriteFile(filepath.Join(dir, sd.Name), sd.Body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vi, err := os.ReadFile("../charset/testdata/vi-windows-1258.html")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("sub/vi.html", vi)
	write("sub/copy.txt", seeds[0].Body) // same content: one article
	write(".hidden.txt", []byte("hidden"))
	write("notes.pdf", []byte("%PDF"))

	limit := 0
	for _, sd := range seeds {
		limit = max(limit, len(sd.Body), len(vi))
	}
	write("big.txt", bytes.Repeat([]byte("x"), limit+1))
	pub := &memPub{}
	f := New(Options{MaxFileBytes: int64(limit)}, NewMemorySeen(nil), pub, nil) // only big.txt is over
	defer f.Close()
	src := Source{ID: "seeds", Kind: KindFile, Path: dir, Language: "vi", Enabled: true}
	st, err := f.Poll(t.Context(), src)
	if err != nil {
		t.Fatal(err)
	}
	want := len(seeds) + 1
	if st.Published != want || st.Failed != 1 || st.Reasons["too_large"] != 1 {
		t.Fatalf("stats %+v, want %d published and big.txt refused", st, want)
	}
	for _, a := range pub.all() {
		body := gunzip(t, a.Raw.Body)
		if a.ID != article.ContentID([]byte(body)) || a.URL != "" || a.HTTP != nil || a.Path == "" || a.LanguageHint != "vi" {
			t.Errorf("file article %+v", a)
		}
		if strings.HasSuffix(a.Path, ".html") && (a.Raw.ContentType != "text/html" || a.Raw.Charset != "windows-1258" || !strings.Contains(body, "Hội thảo")) {
			t.Errorf("html file: %+v %q", a.Raw, body)
		}
		if strings.HasSuffix(a.Path, ".txt") && a.Raw.ContentType != "text/plain" {
			t.Errorf("txt file: %+v", a.Raw)
		}
	}
	st, err = f.Poll(t.Context(), src)
	if err != nil || st.New != 0 || st.Published != 0 {
		t.Errorf("second poll %+v %v: files must be published once", st, err)
	}
	// A single file works too.
	single := Source{ID: "one", Kind: KindFile, Path: filepath.Join(dir, "sub", "vi.html"), Enabled: true}
	if st, err := f.Poll(t.Context(), single); err != nil || st.Listed != 1 || st.New != 0 {
		t.Errorf("single file poll %+v %v", st, err)
	}
}

func TestPollCanceled(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	f, _, _ := newTestFetcher(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := f.Poll(ctx, Source{ID: "c", Kind: KindRSS, URL: s.URL + "/rss.xml", Enabled: true})
	if Reason(err) != "canceled" {
		t.Errorf("Poll on a canceled context: %v", err)
	}
}

func TestPollInvalidSource(t *testing.T) {
	t.Parallel()
	f := New(Options{}, NewMemorySeen(nil), &memPub{}, nil)
	var ve *ValidationError
	if _, err := f.Poll(t.Context(), Source{ID: "x", Kind: "podcast"}); !errors.As(err, &ve) {
		t.Errorf("Poll of an invalid source: %v", err)
	}
}

func TestRobotsCrawlDelay(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	tests := []struct {
		name  string
		ua    string
		limit time.Duration
		want  time.Duration
	}{
		{name: "no delay for others", ua: "newsmill/1.0", want: 0},
		{name: "crawl-delay for its agent", ua: "slowbot/1.0 (+https://example.com)", want: 7 * time.Second},
		{name: "capped", ua: "slowbot/1.0", limit: 3 * time.Second, want: 3 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := testOptions(s)
			opts.UserAgent, opts.MaxCrawlDelay = tc.ua, tc.limit
			c := newClient(opts.withDefaults())
			defer c.close()
			u, _ := url.Parse(s.URL + "/a/1.html")
			got, err := c.robots.check(t.Context(), Source{ID: "r"}, u)
			if err != nil || got != tc.want {
				t.Errorf("crawl delay = %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}

func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	opts := testOptions(s)
	opts.UserAgent = "examplebot/2.0"
	pub := &memPub{}
	f := New(opts, NewMemorySeen(nil), pub, nil)
	defer f.Close()
	src := Source{ID: "h", Kind: KindPage, URL: s.URL + "/ua", Headers: map[string]string{"X-Api-Key": "k1"}, Enabled: true}
	if _, err := f.Poll(t.Context(), src); err != nil {
		t.Fatal(err)
	}
	if body := gunzip(t, pub.all()[0].Raw.Body); !strings.Contains(body, "UA examplebot/2.0 X k1") {
		t.Errorf("headers not sent: %q", body)
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in string
		want     time.Duration
	}{
		{name: "seconds", in: "120", want: 2 * time.Minute},
		{name: "http date", in: "Mon, 23 Nov 2026 12:05:00 GMT", want: 5 * time.Minute},
		{name: "date in the past", in: "Mon, 23 Nov 2026 11:00:00 GMT", want: 0},
		{name: "negative", in: "-5", want: 0},
		{name: "garbage", in: "soon", want: 0},
		{name: "empty", in: "", want: 0},
		{name: "huge capped at a week", in: "99999999999", want: 7 * 24 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := retryAfter(tc.in, now); got != tc.want {
				t.Errorf("retryAfter(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestConcurrentPollsFetchOnce(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	f, pub, _ := newTestFetcher(t, s)
	srcs := []Source{
		{ID: "rss", Kind: KindRSS, URL: s.URL + "/rss.xml", Enabled: true},
		{ID: "atom", Kind: KindRSS, URL: s.URL + "/atom.xml", Enabled: true},
		{ID: "page", Kind: KindPage, URL: s.URL + "/a/1.html?gclid=1", Enabled: true},
	}
	errs := make(chan error, len(srcs))
	for _, src := range srcs {
		go func() {
			_, err := f.Poll(t.Context(), src)
			errs <- err
		}()
	}
	for range srcs {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := s.count("/a/1.html"); n != 1 {
		t.Errorf("/a/1.html fetched %d times by concurrent polls, want 1", n)
	}
	if n := len(pub.all()); n != 5 {
		t.Errorf("published %d, want 5", n)
	}
}

func TestPollLastModified(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	f, _, _ := newTestFetcher(t, s)
	src := Source{ID: "lm", Kind: KindRSS, URL: s.URL + "/lm.xml", Enabled: true}
	for i, wantNotModified := range []bool{false, true} {
		st, err := f.Poll(t.Context(), src)
		if err != nil {
			t.Fatal(err)
		}
		if st.NotModified != wantNotModified {
			t.Errorf("poll %d: NotModified = %v, want %v (If-Modified-Since)", i, st.NotModified, wantNotModified)
		}
	}
}

func TestPollFileRoots(t *testing.T) {
	t.Parallel()
	root, outside := t.TempDir(), t.TempDir()
	for _, d := range []string{root, outside} {
		if err := os.WriteFile(filepath.Join(d, "a.txt"), []byte("text in "+d), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(root, "escape")); err != nil {
		t.Fatal(err)
	}
	f := New(Options{FileRoots: []string{root}}, NewMemorySeen(nil), &memPub{}, nil)
	tests := []struct {
		name    string
		path    string
		refused bool
	}{
		{name: "the root", path: root},
		{name: "a file under the root", path: filepath.Join(root, "a.txt")},
		{name: "another folder", path: outside, refused: true},
		{name: "dot-dot out of the root", path: filepath.Join(root, "..", filepath.Base(outside)), refused: true},
		{name: "symbolic link out of the root", path: filepath.Join(root, "escape"), refused: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.Poll(t.Context(), Source{ID: "files", Kind: KindFile, Path: tc.path, Enabled: true})
			if got := errors.Is(err, ErrOutsideRoots); got != tc.refused {
				t.Errorf("Poll(%s) = %v, refused want %v", tc.path, err, tc.refused)
			}
		})
	}
}
