package fetch

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsmill/newsmill/pkg/article"
)

// fakeClock is an Options.Now that tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// refetchStart is where the fake clocks of the refetch tests start.
var refetchStart = time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)

// newClockedFetcher is newTestFetcher with a fake clock starting at
// refetchStart; edit adjusts the options.
func newClockedFetcher(t *testing.T, s *site, edit func(*Options)) (*Fetcher, *memPub, *MemorySeen, *fakeClock) {
	t.Helper()
	clock := &fakeClock{t: refetchStart}
	opts := testOptions(s)
	opts.Now = clock.now
	if edit != nil {
		edit(&opts)
	}
	pub, seen := &memPub{}, NewMemorySeen(nil)
	f := New(opts, seen, pub, nil)
	t.Cleanup(f.Close)
	return f, pub, seen, clock
}

// published returns how many times the page at u was published.
func published(pub *memPub, u string) int {
	n := 0
	for _, a := range pub.all() {
		if a.URL == u {
			n++
		}
	}
	return n
}

// TestRefetchUpdated polls a listing of one page again and again while the
// clock moves and the page's listed date changes, for every kind of
// listing: a page is fetched again only when a trusted date newer than
// the one recorded appears at least MinRefetchInterval (default 1h) after
// its last fetch. HTML listings give no dates: their pages are fetched
// once whatever the page shows.
func TestRefetchUpdated(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	kinds := []struct {
		name, kind, path string
		dated            bool // the fetcher reads the listing's dates
	}{
		{name: "atom updated", kind: KindRSS, path: "/dated/atom.xml", dated: true},
		{name: "atom published", kind: KindRSS, path: "/dated/atom-published.xml", dated: true},
		{name: "rss pubDate", kind: KindRSS, path: "/dated/rss.xml", dated: true},
		{name: "sitemap lastmod", kind: KindSitemap, path: "/dated/sitemap.xml", dated: true},
		{name: "html listing", kind: KindListing, path: "/dated/listing.html"},
	}
	// at is a date relative to the clock's start; fromNow one relative to
	// the clock at the poll; none (nil) gives the page no date.
	type dateFn func(now time.Time) time.Time
	at := func(d time.Duration) dateFn { return func(time.Time) time.Time { return refetchStart.Add(d) } }
	fromNow := func(d time.Duration) dateFn { return func(now time.Time) time.Time { return now.Add(d) } }
	var none dateFn
	type step struct {
		advance time.Duration // the clock moves before the poll
		date    dateFn        // the page's date in the listing at the poll
		fetch   bool          // the poll fetches and publishes the page (dated listings)
	}
	const h, m = time.Hour, time.Minute
	tests := []struct {
		name   string
		legacy bool // the page was marked seen, with no record, before the first poll
		steps  []step
	}{
		{name: "new page with a date", steps: []step{{date: at(-h), fetch: true}}},
		{name: "updated item is refetched", steps: []step{
			{date: at(-h), fetch: true},
			{advance: 2 * h, date: at(30 * m), fetch: true},
			{advance: 2 * h, date: at(30 * m)},
		}},
		{name: "unchanged date", steps: []step{
			{date: at(-h), fetch: true},
			{advance: 2 * h, date: at(-h)},
			{advance: 24 * h, date: at(-h)},
		}},
		{name: "older date", steps: []step{
			{date: at(0), fetch: true},
			{advance: 2 * h, date: at(-h)},
		}},
		{name: "change within MinRefetchInterval waits for it", steps: []step{
			{date: at(-h), fetch: true},
			{advance: 10 * m, date: at(5 * m)},
			{advance: 20 * m, date: at(25 * m)},
			{advance: 40 * m, date: at(25 * m), fetch: true}, // 70 minutes after the fetch
			{advance: 10 * m, date: at(75 * m)},
		}},
		{name: "feed stamping every item with now", steps: []step{
			{date: fromNow(0), fetch: true},
			{advance: 10 * m, date: fromNow(0)},
			{advance: 10 * m, date: fromNow(0)},
			{advance: 10 * m, date: fromNow(0)},
			{advance: 10 * m, date: fromNow(0)},
			{advance: 10 * m, date: fromNow(0)},
			{advance: 10 * m, date: fromNow(0), fetch: true}, // an hour after the fetch
			{advance: 10 * m, date: fromNow(0)},
		}},
		{name: "future date is ignored", steps: []step{
			{date: at(-h), fetch: true},
			{advance: 2 * h, date: fromNow(24 * h)},
			{advance: 2 * h, date: fromNow(10 * m)},
		}},
		{name: "date a minute ahead of the clock counts", steps: []step{
			{date: at(-h), fetch: true},
			{advance: 2 * h, date: fromNow(m), fetch: true},
		}},
		{name: "new page with a future date: the date is not kept", steps: []step{
			{date: fromNow(24 * h), fetch: true},
			{advance: 2 * h, date: at(h)}, // recorded, not fetched
			{advance: 2 * h, date: at(3 * h), fetch: true},
		}},
		{name: "no date: never refetched", steps: []step{
			{date: none, fetch: true},
			{advance: 2 * h, date: none},
			{advance: 48 * h, date: none},
		}},
		{name: "date given after the fetch is recorded, then its change refetches", steps: []step{
			{date: none, fetch: true},
			{advance: 2 * h, date: at(h)},
			{advance: 2 * h, date: at(h)},
			{advance: 2 * h, date: at(5 * h), fetch: true},
		}},
		{name: "date dropped, then a newer one", steps: []step{
			{date: at(0), fetch: true},
			{advance: 2 * h, date: none},
			{advance: 2 * h, date: at(3 * h), fetch: true},
		}},
		{name: "seen before dates were recorded", legacy: true, steps: []step{
			{date: at(-h)},
			{advance: 2 * h, date: at(-h)},
			{advance: 2 * h, date: at(3 * h), fetch: true},
			{advance: 2 * h, date: at(3 * h)},
		}},
		{name: "seen before dates were recorded, first listed with a change soon after", legacy: true, steps: []step{
			{date: at(-h)},
			{advance: m, date: at(0), fetch: true}, // no fetch time recorded: no interval to wait
		}},
		{name: "seen before dates were recorded, first listed with a future date", legacy: true, steps: []step{
			{date: fromNow(24 * h)},
			{advance: 2 * h, date: at(h)},
			{advance: 2 * h, date: at(3 * h), fetch: true},
		}},
	}
	for ki, k := range kinds {
		for ti, tc := range tests {
			t.Run(k.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				f, pub, seen, clock := newClockedFetcher(t, s, nil)
				name := fmt.Sprintf("refetch-%d-%d", ki, ti)
				page := s.URL + "/a/" + name + ".html"
				src := Source{ID: "dated", Kind: k.kind, URL: s.URL + k.path + "?a=" + name, Enabled: true}
				if k.kind == KindListing {
					src.LinkSelector = "article h2"
				}
				if tc.legacy {
					if err := seen.Mark(t.Context(), article.ID(mustCanon(t, page)), SeenRecord{}, time.Hour*24*30); err != nil {
						t.Fatal(err)
					}
				}
				fetches, updates := 0, 0
				for i, st := range tc.steps {
					clock.advance(st.advance)
					var date time.Time
					if st.date != nil {
						date = st.date(clock.now())
					}
					s.setDate(name, date)
					want := st.fetch
					if !k.dated {
						want = i == 0 && !tc.legacy
					}
					isNew := i == 0 && !tc.legacy
					got, err := f.Poll(t.Context(), src)
					if err != nil {
						t.Fatalf("poll %d: %v", i, err)
					}
					wantStats := Stats{Listed: 1}
					if want {
						fetches++
						wantStats.Published = 1
						if isNew {
							wantStats.New = 1
						} else {
							updates++
							wantStats.Updated, wantStats.Republished = 1, 1
						}
					}
					if got.Listed != wantStats.Listed || got.New != wantStats.New || got.Updated != wantStats.Updated ||
						got.Published != wantStats.Published || got.Republished != wantStats.Republished ||
						got.Deferred != 0 || got.Skipped != 0 || got.Failed != 0 {
						t.Errorf("poll %d (listed date %v, clock %v): stats %+v, want %+v", i, date, clock.now(), got, wantStats)
					}
					if n := s.count("/a/" + name + ".html"); n != fetches {
						t.Errorf("poll %d: page fetched %d times in all, want %d", i, n, fetches)
					}
					if n := published(pub, page); n != fetches {
						t.Errorf("poll %d: page published %d times in all, want %d", i, n, fetches)
					}
				}
				for _, a := range pub.all() {
					if a.ID != article.ID(mustCanon(t, page)) {
						t.Errorf("published id %s for %s: an update keeps the article's id", a.ID, a.URL)
					}
				}
				if hs := f.Health(); len(hs) != 1 || hs[0].ArticlesUpdated != int64(updates) || hs[0].ArticlesFound != int64(fetches) {
					t.Errorf("health %+v: want %d articles found, %d updated", hs, fetches, updates)
				}
			})
		}
	}
}

// TestRefetchAfterNewPages checks that updated pages count against
// MaxArticlesPerPoll after the new ones, and that a deferred update is
// fetched by the next poll.
func TestRefetchAfterNewPages(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	f, pub, _, clock := newClockedFetcher(t, s, func(o *Options) { o.MaxArticlesPerPoll = 3 })
	listing := func(names ...string) Source {
		return Source{ID: "dated", Kind: KindRSS, URL: s.URL + "/dated/atom.xml?a=" + strings.Join(names, "&a="), Enabled: true}
	}
	page := func(name string) string { return s.URL + "/a/" + name + ".html" }
	s.setDate("upd-a", refetchStart.Add(-time.Hour))
	s.setDate("upd-b", refetchStart.Add(-time.Hour))
	if st, err := f.Poll(t.Context(), listing("upd-a", "upd-b")); err != nil || st.Published != 2 {
		t.Fatalf("first poll: %+v, %v", st, err)
	}

	clock.advance(2 * time.Hour)
	s.setDate("upd-a", refetchStart.Add(time.Hour))
	s.setDate("upd-b", refetchStart.Add(time.Hour))
	src := listing("upd-a", "upd-b", "upd-c", "upd-d")
	st, err := f.Poll(t.Context(), src)
	if err != nil {
		t.Fatal(err)
	}
	if st.New != 2 || st.Updated != 2 || st.Deferred != 1 || st.Published != 3 || st.Republished != 1 {
		t.Errorf("second poll stats %+v: want 2 new and 2 updated, 1 deferred", st)
	}
	if published(pub, page("upd-c")) != 1 || published(pub, page("upd-d")) != 1 {
		t.Errorf("new pages not published first: %v", canonicals(pub.all()))
	}
	if n := published(pub, page("upd-a")) + published(pub, page("upd-b")); n != 3 {
		t.Errorf("updated pages published %d times in all, want 3 (2 new, 1 update)", n)
	}

	// The next poll, well within MinRefetchInterval of the first fetch of
	// neither, takes the deferred update.
	clock.advance(time.Minute)
	st, err = f.Poll(t.Context(), src)
	if err != nil {
		t.Fatal(err)
	}
	if st.New != 0 || st.Updated != 1 || st.Deferred != 0 || st.Republished != 1 {
		t.Errorf("third poll stats %+v: want the deferred update", st)
	}
	if published(pub, page("upd-a")) != 2 || published(pub, page("upd-b")) != 2 {
		t.Errorf("each updated page published twice in all: %v", canonicals(pub.all()))
	}
}

// TestRefetchUnderCanonicalURL checks that an update of a page whose
// rel=canonical names another URL of its site is published again under
// that URL, not skipped as "already fetched under its canonical URL".
func TestRefetchUnderCanonicalURL(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	f, pub, _, clock := newClockedFetcher(t, s, nil)
	src := Source{ID: "dated", Kind: KindRSS, URL: s.URL + "/dated/atom.xml?a=40", Enabled: true}
	s.setDate("40", refetchStart.Add(-time.Hour))
	if st, err := f.Poll(t.Context(), src); err != nil || st.Published != 1 {
		t.Fatalf("first poll: %+v, %v", st, err)
	}
	clock.advance(2 * time.Hour)
	s.setDate("40", refetchStart.Add(time.Hour))
	st, err := f.Poll(t.Context(), src)
	if err != nil || st.Republished != 1 || st.Skipped != 0 {
		t.Fatalf("second poll: %+v, %v; want the update published", st, err)
	}
	arts := pub.all()
	canonical := s.URL + "/a/41.html"
	if len(arts) != 2 || arts[1].CanonicalURL != canonical || arts[1].ID != arts[0].ID {
		t.Errorf("published %v, want /a/41.html twice under one id", canonicals(arts))
	}
}

// TestRefetchNoMinimum checks a negative MinRefetchInterval: every newer
// date refetches.
func TestRefetchNoMinimum(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	f, pub, _, clock := newClockedFetcher(t, s, func(o *Options) { o.MinRefetchInterval = -1 })
	src := Source{ID: "dated", Kind: KindRSS, URL: s.URL + "/dated/atom.xml?a=nomin", Enabled: true}
	for i := range 3 {
		s.setDate("nomin", clock.now())
		if _, err := f.Poll(t.Context(), src); err != nil {
			t.Fatal(err)
		}
		clock.advance(time.Second)
		if n := published(pub, s.URL+"/a/nomin.html"); n != i+1 {
			t.Fatalf("poll %d: published %d times, want %d", i, n, i+1)
		}
	}
}

func TestListedDates(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("https://example.com/")
	tm := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name string
		doc  string
		kind string
		want time.Time
	}{
		{name: "atom updated wins over published", kind: KindRSS, want: tm("2026-05-02T10:00:00Z"),
			doc: `<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="/a"/><published>2026-05-01T10:00:00Z</published><updated>2026-05-02T10:00:00Z</updated></entry></feed>`},
		{name: "atom published alone", kind: KindRSS, want: tm("2026-05-01T10:00:00Z"),
			doc: `<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="/a"/><published>2026-05-01T10:00:00Z</published></entry></feed>`},
		{name: "rss pubDate", kind: KindRSS, want: tm("2026-05-01T08:00:00Z"),
			doc: `<rss version="2.0"><channel><item><link>https://example.com/a</link><pubDate>Fri, 01 May 2026 10:00:00 +0200</pubDate></item></channel></rss>`},
		{name: "rss with atom:updated", kind: KindRSS, want: tm("2026-05-03T00:00:00Z"),
			doc: `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><item><link>https://example.com/a</link><pubDate>Fri, 01 May 2026 10:00:00 +0000</pubDate><atom:updated>2026-05-03T00:00:00Z</atom:updated></item></channel></rss>`},
		{name: "json feed date_modified", kind: KindRSS, want: tm("2026-05-04T00:00:00Z"),
			doc: `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","url":"https://example.com/a","date_published":"2026-05-01T00:00:00Z","date_modified":"2026-05-04T00:00:00Z"}]}`},
		{name: "rss without a date", kind: KindRSS,
			doc: `<rss version="2.0"><channel><item><link>https://example.com/a</link></item></channel></rss>`},
		{name: "rss with a bad date", kind: KindRSS,
			doc: `<rss version="2.0"><channel><item><link>https://example.com/a</link><pubDate>yesterday</pubDate></item></channel></rss>`},
		{name: "sitemap lastmod day", kind: KindSitemap, want: tm("2026-05-01T00:00:00Z"),
			doc: `<urlset><url><loc>/a</loc><lastmod>2026-05-01</lastmod></url></urlset>`},
		{name: "sitemap lastmod with zone", kind: KindSitemap, want: tm("2026-05-01T08:30:00Z"),
			doc: `<urlset><url><loc>/a</loc><lastmod>2026-05-01T10:30+02:00</lastmod></url></urlset>`},
		{name: "sitemap lastmod with fraction", kind: KindSitemap, want: tm("2026-05-01T10:30:15Z").Add(250 * time.Millisecond),
			doc: `<urlset><url><loc>/a</loc><lastmod> 2026-05-01T10:30:15.25Z </lastmod></url></urlset>`},
		{name: "sitemap lastmod wins over news publication date", kind: KindSitemap, want: tm("2026-05-02T00:00:00Z"),
			doc: `<urlset><url><loc>/a</loc><lastmod>2026-05-02</lastmod><news><publication_date>2026-05-01T10:00:00Z</publication_date></news></url></urlset>`},
		{name: "sitemap news publication date alone", kind: KindSitemap, want: tm("2026-05-01T10:00:00Z"),
			doc: `<urlset><url><loc>/a</loc><news><publication_date>2026-05-01T10:00:00Z</publication_date></news></url></urlset>`},
		{name: "sitemap bad lastmod", kind: KindSitemap,
			doc: `<urlset><url><loc>/a</loc><lastmod>May 1st</lastmod></url></urlset>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var links []link
			var err error
			if tc.kind == KindRSS {
				links, err = feedLinks(tc.doc, base, 100)
			} else {
				links, _, err = parseSitemap(tc.doc, base, 100)
			}
			if err != nil || len(links) != 1 {
				t.Fatalf("links %v, %v", links, err)
			}
			if l := links[0]; l.url != "https://example.com/a" || !l.date.Equal(tc.want) {
				t.Errorf("link %s dated %v, want %v", l.url, l.date, tc.want)
			}
		})
	}
}

func TestListedDate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	ict := time.FixedZone("ICT", 7*3600)
	tests := []struct {
		name    string
		in, out time.Time
	}{
		{name: "none", in: time.Time{}, out: time.Time{}},
		{name: "past, to the second, in UTC", in: time.Date(2026, 5, 4, 14, 0, 0, 900, ict), out: time.Date(2026, 5, 4, 7, 0, 0, 0, time.UTC)},
		{name: "now", in: now, out: now},
		{name: "within the skew", in: now.Add(MaxFutureSkew), out: now.Add(MaxFutureSkew)},
		{name: "past the skew", in: now.Add(MaxFutureSkew + time.Second), out: time.Time{}},
		{name: "far future", in: now.AddDate(10, 0, 0), out: time.Time{}},
	}
	for _, tc := range tests {
		if got := listedDate(tc.in, now); !got.Equal(tc.out) || (!got.IsZero() && got.Location() != time.UTC) {
			t.Errorf("%s: listedDate(%v) = %v, want %v", tc.name, tc.in, got, tc.out)
		}
	}
}

// TestUniformDatesIgnored: a listing that gives all its pages the same date
// (a feed or sitemap stamping every entry with its build time) refetches
// nothing when that date moves; a listing whose pages' dates differ
// refetches the page whose date moved.
func TestUniformDatesIgnored(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	tests := []struct {
		name        string
		path        string
		kind        string
		uniform     bool
		wantUpdated int
	}{
		{name: "atom, every entry stamped with the build time", path: "/dated/atom.xml", kind: KindRSS, uniform: true, wantUpdated: 0},
		{name: "sitemap, every lastmod the generation time", path: "/dated/sitemap.xml", kind: KindSitemap, uniform: true, wantUpdated: 0},
		{name: "atom, own dates, one moves", path: "/dated/atom.xml", kind: KindRSS, wantUpdated: 1},
	}
	for ti, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, _, _, clock := newClockedFetcher(t, s, nil)
			var names []string
			for i := range 3 {
				names = append(names, fmt.Sprintf("uniform-%d-%d", ti, i))
			}
			setDates := func(moved time.Time) {
				for i, n := range names {
					d := moved
					if !tc.uniform && i > 0 {
						d = refetchStart.Add(-time.Duration(i) * time.Hour)
					}
					s.setDate(n, d)
				}
			}
			src := Source{ID: "uniform", Kind: tc.kind, URL: s.URL + tc.path + "?a=" + strings.Join(names, "&a="), Enabled: true}
			setDates(clock.now())
			if got, err := f.Poll(t.Context(), src); err != nil || got.New != 3 || got.Published != 3 {
				t.Fatalf("first poll: %+v, %v; want 3 new pages published", got, err)
			}
			clock.advance(2 * time.Hour)
			setDates(clock.now())
			got, err := f.Poll(t.Context(), src)
			if err != nil {
				t.Fatal(err)
			}
			if got.Updated != tc.wantUpdated || got.Republished != tc.wantUpdated {
				t.Errorf("second poll: %+v, want %d updated and republished", got, tc.wantUpdated)
			}
		})
	}
}
