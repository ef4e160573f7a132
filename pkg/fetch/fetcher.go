package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/charset"
	"go.uber.org/zap"
)

// Publisher stores raw articles. Publish returns only once the article is
// stored (the RAW stream's publish ack) or it failed; the fetcher marks
// the page seen only after a nil return. Implementations must be safe for
// concurrent use and idempotent for the same article id and content (a
// republish after a crash).
type Publisher interface {
	Publish(ctx context.Context, a *article.Article) error
}

// Fetcher polls sources and publishes their new articles. It is safe for
// concurrent use: [Fetcher.Poll] may run for many sources at once (the
// per-host limits are shared), and [Fetcher.Run] schedules them all.
type Fetcher struct {
	opts   Options
	seen   SeenSet
	pub    Publisher
	log    *zap.Logger
	client *client
	health *healthBook
	large  chan struct{} // see Options.LargeParses
	pages  chan struct{} // see Options.MaxPagesInFlight
	// inflight holds the ids of pages being fetched, so that two polls
	// listing the same new page at the same time fetch it once.
	inflight sync.Map
}

// New returns a Fetcher. seen and pub are required; log may be nil (no
// logging). opts' zero fields take their documented defaults.
func New(opts Options, seen SeenSet, pub Publisher, log *zap.Logger) *Fetcher {
	opts = opts.withDefaults()
	if log == nil {
		log = zap.NewNop()
	}
	return &Fetcher{
		opts:   opts,
		seen:   seen,
		pub:    pub,
		log:    log.With(zap.String("stage", article.StageFetcher)),
		client: newClient(opts),
		health: newHealthBook(),
		large:  make(chan struct{}, opts.LargeParses),
		pages:  make(chan struct{}, opts.MaxPagesInFlight),
	}
}

// largeDoc is the size above which parsing a listing takes a
// Options.LargeParses slot.
const largeDoc = 1 << 20

// parseSlot waits for a large-parse slot when size is over largeDoc and
// returns its release function.
func (f *Fetcher) parseSlot(ctx context.Context, size int) (func(), error) {
	if size <= largeDoc {
		return func() {}, nil
	}
	select {
	case f.large <- struct{}{}:
		return func() { <-f.large }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting to parse a %d-byte listing: %w", size, ctx.Err())
	}
}

// Close releases idle connections.
func (f *Fetcher) Close() { f.client.close() }

// Stats describes one poll of one source.
type Stats struct {
	// Listed is the number of distinct article URLs (or files) the source
	// listed.
	Listed int
	// New is how many of them were not in the seen-set.
	New int
	// Updated is how many of them were fetched before and are listed as
	// changed since: the listing gives a newer date than the one recorded
	// at their last fetch, at least Options.MinRefetchInterval ago. They
	// are fetched and published again, after the new ones.
	Updated int
	// Deferred is how many new or updated pages were left for the next
	// poll (Options.MaxArticlesPerPoll).
	Deferred int
	// Published is how many articles were published, updated ones
	// included.
	Published int
	// Republished is how many of the published articles were updated
	// pages, fetched again.
	Republished int
	// Skipped counts new pages not published by this poll because they
	// turned out to be known: their rel=canonical or redirect target was
	// already seen, or another poll was fetching them at the same time;
	// and updated pages another poll fetched again first.
	Skipped int
	// Failed counts article pages or files that failed; see Reasons.
	Failed int
	// NotModified is set when the listing answered 304 Not Modified.
	NotModified bool
	// Bytes is the number of bytes read from the network or the disk.
	Bytes int64
	// Fetches counts requests by outcome: the HTTP status ("200", "304",
	// "404") or the failure reason ("timeout", "blocked_address", …).
	Fetches map[string]int
	// Reasons counts failed article pages and files by [Reason].
	Reasons map[string]int
}

type statsRec struct {
	mu sync.Mutex
	s  Stats
}

func (r *statsRec) fetch(resp *response, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.s.Fetches == nil {
		r.s.Fetches = make(map[string]int)
	}
	if resp != nil {
		r.s.Bytes += resp.WireBytes
	}
	var se *StatusError
	switch {
	case err == nil && resp != nil:
		r.s.Fetches[strconv.Itoa(resp.Status)]++
	case errors.As(err, &se):
		r.s.Fetches[strconv.Itoa(se.Code)]++
	case err != nil:
		r.s.Fetches[Reason(err)]++
	}
}

func (r *statsRec) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.s.Reasons == nil {
		r.s.Reasons = make(map[string]int)
	}
	r.s.Failed++
	r.s.Reasons[Reason(err)]++
}

func (r *statsRec) add(fn func(s *Stats)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(&r.s)
}

// Poll makes one pass over src: it lists the source (a conditional GET for
// feeds, sitemaps and listings), skips the URLs already in the seen-set,
// fetches up to Options.MaxArticlesPerPoll new pages, publishes each as a
// raw article through the [Publisher] and marks it seen after
// the publish succeeded. File sources read their files instead (no HTTP).
//
// A page already fetched is fetched and published again when its listing
// shows it changed: a feed item's updated (else published) time or a
// sitemap's lastmod newer than the one recorded at the last fetch, which
// was at least Options.MinRefetchInterval ago. Dates more than
// [MaxFutureSkew] ahead of the clock are ignored, and so are the dates of
// a listing that gives all of three or more pages the same one. When no
// date was recorded for a page (its listing gave none, or it was fetched
// before dates were recorded), the first date it is listed with is
// recorded without a fetch. HTML listings, single pages and files give no dates, so
// their pages are fetched once. Updated pages count against
// MaxArticlesPerPoll after the new ones.
//
// Poll returns an error when the source itself failed (listing refused or
// unparsable, the seen-set or the publisher failing); a failing article
// page is counted in Stats.Failed and Reasons, logged, and does not fail
// the poll. Pages refused for good (404, too large, not HTML, robots,
// blocked address) are remembered for a day so they are not refetched on
// every poll; transient failures are retried on the next poll. Poll
// records the outcome in the source's [SourceHealth].
func (f *Fetcher) Poll(ctx context.Context, src Source) (Stats, error) {
	start := f.opts.Now()
	var st Stats
	err := src.Validate()
	if err == nil {
		if src.Kind == KindFile {
			st, err = f.pollFiles(ctx, src)
		} else {
			st, err = f.pollURLs(ctx, src)
		}
	}
	f.health.record(src, start, f.opts.Now(), st, err)
	if err != nil {
		return st, fmt.Errorf("polling source %s: %w", src.ID, err)
	}
	return st, nil
}

// FailedTTL is how long a page refused for good stays in the seen-set.
const FailedTTL = 24 * time.Hour

// MaxFutureSkew is how far ahead of the clock a listing's date may be and
// still count; a later one is ignored, as if the listing gave none.
const MaxFutureSkew = 5 * time.Minute

type candidate struct {
	listed    string // URL as listed
	canonical string
	id        string
	// date is the listing's date for the page (see listedDate); zero
	// when it gave none or none to trust.
	date time.Time
	// update is set for a page fetched before and listed as changed since.
	update bool
}

// listedDate returns the listing's date d as the fetcher compares and
// records it: in UTC, to the second, and zero when it is more than
// MaxFutureSkew ahead of now.
func listedDate(d, now time.Time) time.Time {
	if d.IsZero() || d.After(now.Add(MaxFutureSkew)) {
		return time.Time{}
	}
	return d.UTC().Truncate(time.Second)
}

// uniformDates reports whether a listing gives the same date to all of
// three or more pages, as feeds and sitemaps that stamp every entry with
// the time they were generated do.
func uniformDates(cands []candidate) bool {
	if len(cands) < 3 {
		return false
	}
	for _, c := range cands {
		if c.date.IsZero() || !c.date.Equal(cands[0].date) {
			return false
		}
	}
	return true
}

// due reports whether a seen page, listed with date, is to be fetched
// again: a date was recorded for it, date is newer, and its last fetch was
// at least MinRefetchInterval before now.
func (f *Fetcher) due(r SeenRecord, date, now time.Time) bool {
	return r.Seen && !r.Listed.IsZero() && date.After(r.Listed) && now.Sub(r.Fetched) >= f.opts.MinRefetchInterval
}

func (f *Fetcher) pollURLs(ctx context.Context, src Source) (Stats, error) {
	rec := &statsRec{}
	links, listResp, err := f.list(ctx, src, rec)
	if err != nil {
		return rec.s, err
	}
	if listResp != nil && listResp.NotModified {
		rec.s.NotModified = true
		return rec.s, nil
	}
	now := f.opts.Now()
	cands := make([]candidate, 0, len(links))
	dup := make(map[string]int, len(links))
	for _, l := range links {
		c, err := Canonicalize(l.url)
		if err != nil {
			continue
		}
		date := listedDate(l.date, now)
		if i, ok := dup[c]; ok {
			// Listed twice: the newest date counts.
			if date.After(cands[i].date) {
				cands[i].date = date
			}
			continue
		}
		dup[c] = len(cands)
		cands = append(cands, candidate{listed: l.url, canonical: c, id: article.ID(c), date: date})
	}
	rec.s.Listed = len(cands)
	if uniformDates(cands) {
		// Every page carries the same date: the listing stamps its own
		// build time on them, which says nothing about any one page.
		for i := range cands {
			cands[i].date = time.Time{}
		}
	}
	fresh, updated, err := f.classify(ctx, cands, now)
	if err != nil {
		return rec.s, err
	}
	rec.s.New, rec.s.Updated = len(fresh), len(updated)
	fresh = append(fresh, updated...)
	if len(fresh) > f.opts.MaxArticlesPerPoll {
		rec.s.Deferred = len(fresh) - f.opts.MaxArticlesPerPoll
		fresh = fresh[:f.opts.MaxArticlesPerPoll]
	}

	// Fetch the new and updated pages with bounded concurrency; a fatal
	// error (the seen-set or the publisher failing) stops the poll.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan candidate)
	var wg sync.WaitGroup
	var transientFailures sync.Map
	for range min(f.opts.PageConcurrency, max(len(fresh), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				if err := f.article(ctx, src, c, rec); err != nil {
					if errors.Is(err, errPublish) || errors.Is(err, errSeen) {
						cancel(err)
						continue
					}
					if transient(err) {
						transientFailures.Store(c.id, true)
					}
				}
			}
		}()
	}
feed:
	for _, c := range fresh {
		select {
		case jobs <- c:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return rec.s, cause
	}
	if err := ctx.Err(); err != nil {
		return rec.s, err
	}
	// Remember the listing's validators only when every new or updated page
	// was dealt with: otherwise a 304 next time would hide the pages still
	// to fetch.
	failedTransient := false
	transientFailures.Range(func(any, any) bool { failedTransient = true; return false })
	if listResp != nil && rec.s.Deferred == 0 && !failedTransient {
		f.rememberValidators(ctx, src, listResp.Header)
	}
	return rec.s, nil
}

// classify looks the candidates up in the seen-set and returns, in order,
// the fresh ones (not seen) and the updated ones (seen, and due to be
// fetched again: see due; their update field set). A seen page with no
// date recorded that is now listed with one gets that date recorded
// (SeenSet.Amend), so the date's next change refetches it: pages fetched
// while their listing gave no date, or before dates were recorded, are not
// all fetched again at once.
func (f *Fetcher) classify(ctx context.Context, cands []candidate, now time.Time) (fresh, updated []candidate, err error) {
	const batch = 500
	fresh = make([]candidate, 0, len(cands))
	for i := 0; i < len(cands); i += batch {
		part := cands[i:min(i+batch, len(cands))]
		keys := make([]string, len(part))
		for j, c := range part {
			keys[j] = c.id
		}
		recs, err := f.seen.Seen(ctx, keys)
		if err != nil {
			return nil, nil, fmt.Errorf("checking seen-set: %w: %w", errSeen, err)
		}
		if len(recs) != len(keys) {
			return nil, nil, fmt.Errorf("checking seen-set: %d answers for %d keys: %w", len(recs), len(keys), errSeen)
		}
		var amend map[string]SeenRecord
		for j, c := range part {
			r := recs[j]
			switch {
			case !r.Seen:
				fresh = append(fresh, c)
			case f.due(r, c.date, now):
				c.update = true
				updated = append(updated, c)
			case r.Listed.IsZero() && !c.date.IsZero():
				if amend == nil {
					amend = make(map[string]SeenRecord)
				}
				amend[c.id] = SeenRecord{Fetched: r.Fetched, Listed: c.date}
			}
		}
		if len(amend) > 0 {
			if err := f.seen.Amend(ctx, amend); err != nil {
				return nil, nil, fmt.Errorf("recording listed dates: %w: %w", errSeen, err)
			}
		}
	}
	return fresh, updated, nil
}

// list returns the article URLs a URL source lists, with their dates, and
// the listing response (nil for KindPage).
func (f *Fetcher) list(ctx context.Context, src Source, rec *statsRec) ([]link, *response, error) {
	if src.Kind == KindPage {
		return []link{{url: src.URL}}, nil, nil
	}
	accept := "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
	if src.Kind == KindListing {
		accept = pageAccept
	}
	resp, err := f.client.get(ctx, request{src: src, url: src.URL, cond: f.validators(ctx, src), robots: true, accept: accept})
	rec.fetch(resp, err)
	if err != nil {
		return nil, resp, fmt.Errorf("listing: %w", err)
	}
	if resp.NotModified {
		return nil, resp, nil
	}
	base, _ := url.Parse(resp.FinalURL)
	body := resp.Body
	if src.Kind == KindSitemap && isGzip(body) {
		b, _, err := readBody(bytesReader(body), "gzip", f.opts.MaxBodyBytes, f.opts.MaxCompressionRatio)
		if err != nil {
			return nil, resp, fmt.Errorf("inflating sitemap: %w", err)
		}
		body = b
	}
	text, cs, err := charset.Decode(body, resp.Header.Get("Content-Type"))
	if err != nil {
		f.log.Warn("unknown charset, detected instead", zap.String("source", src.ID), zap.String("url", src.URL), zap.String("charset", cs), zap.Error(err))
	}
	release, err := f.parseSlot(ctx, len(text))
	if err != nil {
		return nil, resp, err
	}
	defer release()
	var links []link
	switch src.Kind {
	case KindRSS:
		links, err = feedLinks(text, base, f.opts.MaxNesting)
	case KindListing:
		var urls []string
		urls, err = listingLinks(text, base, src.LinkSelector)
		for _, u := range urls {
			links = append(links, link{url: u})
		}
	case KindSitemap:
		var children []string
		links, children, err = parseSitemap(text, base, f.opts.MaxNesting)
		if err == nil && len(children) > 0 {
			links, err = f.sitemapChildren(ctx, src, children, rec)
		}
	}
	if err != nil {
		return nil, resp, fmt.Errorf("listing: %w", err)
	}
	return links, resp, nil
}

// sitemapChildren reads up to MaxSitemaps child sitemaps of an index. A
// failing child is logged and skipped; the index fails only when all do.
func (f *Fetcher) sitemapChildren(ctx context.Context, src Source, children []string, rec *statsRec) ([]link, error) {
	var links []link
	var firstErr error
	ok := 0
	for _, child := range children[:min(len(children), f.opts.MaxSitemaps)] {
		resp, err := f.client.get(ctx, request{src: src, url: child, robots: true, accept: "application/xml, text/xml;q=0.9, */*;q=0.5"})
		rec.fetch(resp, err)
		if err == nil {
			body := resp.Body
			if isGzip(body) {
				body, _, err = readBody(bytesReader(body), "gzip", f.opts.MaxBodyBytes, f.opts.MaxCompressionRatio)
			}
			if err == nil {
				text, _, _ := charset.Decode(body, resp.Header.Get("Content-Type"))
				base, _ := url.Parse(resp.FinalURL)
				var pages []link
				pages, _, err = parseSitemap(text, base, f.opts.MaxNesting)
				links = append(links, pages...)
			}
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			f.log.Warn("child sitemap failed", zap.String("source", src.ID), zap.String("url", child), zap.String("reason", Reason(err)), zap.Error(err))
			continue
		}
		ok++
	}
	if ok == 0 && firstErr != nil {
		return nil, fmt.Errorf("reading child sitemaps: %w", firstErr)
	}
	return links, nil
}
