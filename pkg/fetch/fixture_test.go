package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/newsmill/newsmill/pkg/article"
)

// site is the local fixture site: feeds of every kind, article pages and
// faults, with a request counter per path.
type site struct {
	*httptest.Server
	mu    sync.Mutex
	hits  map[string]int
	dates map[string]time.Time // see setDate
	bomb  []byte               // see gzipBomb
	vi    []byte
	delay chan struct{} // closed when the test ends: unblocks slow handlers
}

// gzipBomb is 16 MiB of zeros gzipped (about 16 KiB on the wire), built
// once per test binary.
var gzipBomb = sync.OnceValue(func() []byte {
	var zbuf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zbuf, gzip.BestSpeed)
	zero := make([]byte, 1<<20)
	for range 16 {
		_, _ = zw.Write(zero)
	}
	_ = zw.Close()
	return zbuf.Bytes()
})

func newSite(t testing.TB) *site {
	t.Helper()
	s := &site{hits: make(map[string]int), dates: make(map[string]time.Time), delay: make(chan struct{}), bomb: gzipBomb()}
	vi, err := os.ReadFile("../charset/testdata/vi-windows-1258.html")
	if err != nil {
		t.Fatal(err)
	}
	s.vi = vi
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		close(s.delay)
		s.Close()
	})
	return s
}

func (s *site) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// setDate sets the date the /dated/ listings give the page /a/<name>.html;
// a zero t removes it.
func (s *site) setDate(name string, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.IsZero() {
		delete(s.dates, name)
		return
	}
	s.dates[name] = t
}

// datedItems writes one listing entry per name of the request's "a"
// parameters with item: its article URL and the date set for it, "" when
// none (see setDate).
func (s *site) datedItems(r *http.Request, item func(url, date string, t time.Time) string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, name := range r.URL.Query()["a"] {
		t := s.dates[name]
		date := ""
		if !t.IsZero() {
			date = t.Format(time.RFC3339)
		}
		b.WriteString(item("http://"+r.Host+"/a/"+name+".html", date, t))
	}
	return b.String()
}

// addrPort is the fixture's listening address, for Options.AllowAddrs.
func (s *site) addrPort() netip.AddrPort {
	u, _ := url.Parse(s.URL)
	return netip.MustParseAddrPort(u.Host)
}

func articleHTML(title, canonical string) string {
	link := ""
	if canonical != "" {
		link = `<link rel="canonical" href="` + canonical + `">`
	}
	return `<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>` + title + `</title>` + link +
		`</head><body><article><h1>` + title + `</h1><p>Body of ` + title + `.</p></article></body></html>`
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	n := s.hits[r.URL.Path]
	s.mu.Unlock()
	base := "http://" + r.Host
	p := r.URL.Path
	xml := func(body string) {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		_, _ = w.Write([]byte(body))
	}
	switch {
	case p == "/robots.txt":
		_, _ = w.Write([]byte("User-agent: *\nDisallow: /private/\n\nUser-agent: badbot\nDisallow: /\n\nUser-agent: slowbot\nCrawl-delay: 7\nAllow: /\n"))
	case p == "/rss.xml":
		const etag = `"rss-v1"`
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>
<item><title>One</title><link>%[1]s/a/1.html?utm_source=rss</link></item>
<item><title>Two</title><link>%[1]s/a/2.html</link></item>
<item><title>Two again</title><link>%[1]s/a/2.html#comments</link></item>
<item><title>Relative</title><link>/a/3.html</link></item>
<item><title>Guid only</title><guid isPermaLink="true">%[1]s/a/4.html</guid></item>
</channel></rss>`, base)
	case p == "/rss1.xml":
		xml(fmt.Sprintf(`<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="%[1]s/"><title>T</title><link>%[1]s/</link></channel>
<item rdf:about="%[1]s/a/10.html"><title>Ten</title><link>%[1]s/a/10.html</link></item></rdf:RDF>`, base))
	case p == "/rss091.xml":
		xml(fmt.Sprintf(`<?xml version="1.0"?><rss version="0.91"><channel><title>T</title><link>%[1]s/</link>
<item><title>Eleven</title><link>%[1]s/a/11.html</link></item></channel></rss>`, base))
	case p == "/atom.xml":
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<entry><title>Twelve</title><link rel="alternate" href="%[1]s/a/12.html"/><id>urn:x:12</id></entry>
<entry><title>One via atom</title><link href="%[1]s/a/1.html?fbclid=zz"/><id>urn:x:1</id></entry></feed>`, base)
	case p == "/feed.json":
		w.Header().Set("Content-Type", "application/feed+json")
		fmt.Fprintf(w, `{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[{"id":"13","url":"%[1]s/a/13.html"}]}`, base)
	case p == "/feed-1258.xml":
		// A windows-1258 feed with an invalid control byte that would fail
		// the XML parser.
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="windows-1258"?><rss version="2.0"><channel><title>Tin t` + "\xf4\xec" + `c` + "\x01" + `</title><item><title>` + "Vi\xeat\xf2" + `</title><link>` + base + `/vi.html</link></item></channel></rss>`))
	case p == "/sitemap.xml":
		xml(fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>%[1]s/a/20.html</loc><lastmod>2026-01-01</lastmod></url>
<url><loc>%[1]s/a/21.html</loc><lastmod>2026-03-01</lastmod></url></urlset>`, base))
	case p == "/news-sitemap.xml":
		xml(fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>%[1]s/a/22.html</loc><news:news><news:publication><news:name>T</news:name><news:language>en</news:language></news:publication><news:publication_date>2026-11-20T10:00:00Z</news:publication_date><news:title>22</news:title></news:news></url>
</urlset>`, base))
	case p == "/sitemap-index.xml":
		xml(fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>%[1]s/news-sitemap.xml</loc><lastmod>2026-11-20</lastmod></sitemap>
<sitemap><loc>%[1]s/sitemap-b.xml.gz</loc><lastmod>2026-11-21</lastmod></sitemap>
<sitemap><loc>%[1]s/fault/500</loc></sitemap></sitemapindex>`, base))
	case p == "/sitemap-b.xml.gz":
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		fmt.Fprintf(zw, `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>%s/a/23.html</loc></url></urlset>`, base)
		_ = zw.Close()
		w.Header().Set("Content-Type", "application/x-gzip")
		_, _ = w.Write(b.Bytes())
	case p == "/listing.html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><body><nav><a href="/about.html">About</a></nav>
<article><h2><a href="/a/30.html">Thirty</a></h2></article>
<article><h2><a href="%s/a/31.html?utm_campaign=x">Thirty-one</a></h2></article>
<article><h2 class="x"><span>no link</span></h2></article>
<article><h2><a href="mailto:x@example.com">mail</a></h2></article></body></html>`, base)
	case strings.HasPrefix(p, "/a/"):
		id := strings.TrimSuffix(strings.TrimPrefix(p, "/a/"), ".html")
		canonical := ""
		switch id {
		case "40":
			canonical = base + "/a/41.html" // same story under another URL
		case "42":
			canonical = "https://other-site.example/a/1.html" // not ours: ignored
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("ETag", `"a-`+id+`"`)
		if r.Header.Get("Accept-Encoding") != "" && id == "50" {
			w.Header().Set("Content-Encoding", "br")
			bw := brotli.NewWriter(w)
			_, _ = bw.Write([]byte(articleHTML("Article "+id, canonical)))
			_ = bw.Close()
			return
		}
		_, _ = w.Write([]byte(articleHTML("Article "+id, canonical)))
	case p == "/vi.html":
		w.Header().Set("Content-Type", "text/html") // charset only in <meta>
		_, _ = w.Write(s.vi)
	case p == "/private/x.html":
		_, _ = w.Write([]byte(articleHTML("private", "")))
	case p == "/fault/500":
		http.Error(w, "boom", http.StatusInternalServerError)
	case p == "/fault/404":
		http.NotFound(w, r)
	case p == "/fault/429":
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(articleHTML("After 429", "")))
	case p == "/fault/429-long":
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "go away", http.StatusTooManyRequests)
	case p == "/fault/503-once":
		if n == 1 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(articleHTML("After 503", "")))
	case p == "/fault/slow":
		// Headers at once, then one byte per 200ms: an endless slow body.
		w.Header().Set("Content-Type", "text/html")
		fl := w.(http.Flusher)
		for {
			if _, err := w.Write([]byte("<")); err != nil {
				return
			}
			fl.Flush()
			select {
			case <-r.Context().Done():
				return
			case <-s.delay:
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	case p == "/fault/endless":
		w.Header().Set("Content-Type", "text/html")
		chunk := bytes.Repeat([]byte("<p>endless</p>"), 4096)
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	case p == "/fault/big":
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", fmt.Sprint(6<<20))
		_, _ = w.Write(bytes.Repeat([]byte("a"), 6<<20))
	case p == "/fault/gzip-bomb":
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(s.bomb)
	case p == "/fault/image.png":
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write([]byte("\x89PNG\r\n\x1a\n...."))
	case p == "/fault/loop-a":
		http.Redirect(w, r, "/fault/loop-b", http.StatusFound)
	case p == "/fault/loop-b":
		http.Redirect(w, r, "/fault/loop-a", http.StatusFound)
	case strings.HasPrefix(p, "/fault/chain/"):
		var k int
		fmt.Sscan(strings.TrimPrefix(p, "/fault/chain/"), &k)
		http.Redirect(w, r, fmt.Sprintf("/fault/chain/%d", k+1), http.StatusMovedPermanently)
	case p == "/fault/to-localhost":
		http.Redirect(w, r, "http://127.0.0.1:1/admin", http.StatusFound)
	case p == "/fault/to-localhost-name":
		http.Redirect(w, r, "http://localhost:1/admin", http.StatusFound)
	case p == "/ua":
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(articleHTML("UA "+r.Header.Get("User-Agent")+" X "+r.Header.Get("X-Api-Key"), "")))
	case p == "/fault/to-metadata":
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	case p == "/fault/to-mapped-metadata":
		http.Redirect(w, r, "http://[::ffff:169.254.169.254]/latest/meta-data/", http.StatusFound)
	case p == "/fault/to-file":
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	case p == "/fault/redirect-ok":
		http.Redirect(w, r, "/a/60.html", http.StatusMovedPermanently)
	case p == "/fault/billion-laughs.xml":
		xml(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol9 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><link>` + base + `/a/70.html</link></item></channel></rss>`)
	case p == "/fault/malformed.xml":
		xml(`<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>unclosed`)
	case p == "/fault/deep.xml":
		xml(`<?xml version="1.0"?><rss version="2.0"><channel>` + strings.Repeat("<x>", 5000) + strings.Repeat("</x>", 5000) + `</channel></rss>`)
	case p == "/fault/deep.html":
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><body>" + strings.Repeat("<div>", 600) + `<a href="/a/1.html">x</a>` + "</body></html>"))
	case p == "/lm.xml":
		const lm = "Mon, 23 Nov 2026 10:00:00 GMT"
		if r.Header.Get("If-Modified-Since") == lm {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Last-Modified", lm)
		xml(fmt.Sprintf(`<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><link>%s/a/80.html</link></item></channel></rss>`, base))
	case p == "/dated/atom.xml" || p == "/dated/atom-published.xml":
		// Atom entries for the pages named by ?a=, with <updated> (or
		// <published> for atom-published.xml) when a date is set.
		tag := "updated"
		if p == "/dated/atom-published.xml" {
			tag = "published"
		}
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>%s</feed>`,
			s.datedItems(r, func(u, date string, _ time.Time) string {
				if date != "" {
					date = "<" + tag + ">" + date + "</" + tag + ">"
				}
				return `<entry><title>x</title><link href="` + u + `"/><id>` + u + `</id>` + date + `</entry>`
			}))
	case p == "/dated/rss.xml":
		// RSS items with <pubDate> when a date is set.
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>%s</channel></rss>`,
			s.datedItems(r, func(u, _ string, t time.Time) string {
				date := ""
				if !t.IsZero() {
					date = "<pubDate>" + t.Format(time.RFC1123Z) + "</pubDate>"
				}
				return `<item><title>x</title><link>` + u + `</link>` + date + `</item>`
			}))
	case p == "/dated/sitemap.xml":
		// Sitemap entries with <lastmod> when a date is set.
		xml(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` +
			s.datedItems(r, func(u, date string, _ time.Time) string {
				if date != "" {
					date = "<lastmod>" + date + "</lastmod>"
				}
				return `<url><loc>` + u + `</loc>` + date + `</url>`
			}) + `</urlset>`)
	case p == "/dated/listing.html":
		// An HTML listing showing the dates, which the fetcher never reads.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><body>%s</body></html>`,
			s.datedItems(r, func(u, date string, _ time.Time) string {
				return `<article><h2><a href="` + u + `">x</a></h2><time datetime="` + date + `">` + date + `</time></article>`
			}))
	case p == "/fault/html-as-feed":
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><body>not a feed</body></html>"))
	default:
		http.NotFound(w, r)
	}
}

// memPub is an in-process Publisher that keeps what it was given.
type memPub struct {
	mu   sync.Mutex
	arts []*article.Article
	fail error
}

func (p *memPub) Publish(_ context.Context, a *article.Article) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail
	}
	p.arts = append(p.arts, a)
	return nil
}

func (p *memPub) all() []*article.Article {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*article.Article(nil), p.arts...)
}

func (p *memPub) byURL(u string) *article.Article {
	for _, a := range p.all() {
		if a.URL == u || a.CanonicalURL == u {
			return a
		}
	}
	return nil
}

// testOptions are fast options for the fixture site: short retries and
// timeouts, a high rate limit, the fixture's own address allowed while
// every other private address stays refused.
func testOptions(s *site) Options {
	return Options{
		RetryBase:     5 * time.Millisecond,
		RetryMax:      20 * time.Millisecond,
		MaxRetryAfter: 2 * time.Second,
		Timeout:       time.Second,
		RateLimit:     1000,
		AllowAddrs:    []netip.AddrPort{s.addrPort()},
	}
}

func newTestFetcher(t testing.TB, s *site) (*Fetcher, *memPub, *MemorySeen) {
	t.Helper()
	pub := &memPub{}
	seen := NewMemorySeen(nil)
	f := New(testOptions(s), seen, pub, nil)
	t.Cleanup(f.Close)
	return f, pub, seen
}
