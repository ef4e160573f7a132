package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/charset"
	"go.uber.org/zap"
)

// article fetches one new or updated page and publishes it, then marks it
// seen with the time of this fetch and the listing's date. It returns
// errPublish or errSeen wrapped errors for failures that must stop the
// poll; any other error is the page's own failure, already counted and
// logged.
func (f *Fetcher) article(ctx context.Context, src Source, c candidate, rec *statsRec) error {
	if _, busy := f.inflight.LoadOrStore(c.id, struct{}{}); busy {
		// Another poll is fetching this page right now; it will publish
		// and mark it.
		rec.add(func(s *Stats) { s.Skipped++ })
		return nil
	}
	defer f.inflight.Delete(c.id)
	// The poll's batch check may predate another poll's publish of this
	// page; that poll marked it before releasing it, so check again.
	if again, err := f.seen.Seen(ctx, []string{c.id}); err != nil || len(again) != 1 {
		return fmt.Errorf("checking seen-set: %w: %w", errSeen, errors.Join(err, errors.New("bad answer")))
	} else if r := again[0]; r.Seen && (!c.update || !f.due(r, c.date, f.opts.Now())) {
		rec.add(func(s *Stats) { s.Skipped++ })
		return nil
	}
	// Hold a page slot from the request until the article is published,
	// so the bodies in memory stay bounded across all polls.
	select {
	case f.pages <- struct{}{}:
		defer func() { <-f.pages }()
	case <-ctx.Done():
		return ctx.Err()
	}
	log := f.log.With(zap.String("source", src.ID), zap.String("url", c.listed), zap.String("article_id", c.id), zap.Bool("update", c.update))
	fetched := f.opts.Now()
	mark := SeenRecord{Fetched: fetched, Listed: c.date}
	fail := func(err error) error {
		rec.fail(err)
		if !transient(err) && ctx.Err() == nil {
			// Refused for good: do not refetch it on every poll.
			if merr := f.seen.Mark(ctx, c.id, mark, FailedTTL); merr != nil {
				return fmt.Errorf("marking refused page: %w: %w", errSeen, merr)
			}
		}
		log.Warn("article page failed", zap.String("reason", Reason(err)), zap.Error(err))
		return err
	}
	resp, err := f.client.get(ctx, request{src: src, url: c.listed, robots: true, accept: pageAccept})
	rec.fetch(resp, err)
	if err != nil {
		return fail(err)
	}
	ctype := resp.Header.Get("Content-Type")
	rawType, err := pageType(ctype, resp.Body)
	if err != nil {
		return fail(fmt.Errorf("fetching %s: %w", c.listed, err))
	}
	text, cs, err := charset.Decode(resp.Body, ctype)
	if err != nil {
		log.Warn("unknown charset, detected instead", zap.String("charset", cs), zap.Error(err))
	}

	// The article's identity: the page's own rel=canonical when it names
	// a URL of the same site, else where redirects led, else as listed.
	ids := []string{c.id}
	canonical, id := c.canonical, c.id
	final, _ := url.Parse(resp.FinalURL)
	if final != nil {
		if fc, err := canonicalURL(final); err == nil && fc != canonical {
			canonical, id = fc, article.ID(fc)
		}
	}
	var head headInfo
	if rawType == "text/html" {
		head = scanHead(text)
		if abs := resolve(final, head.Canonical); abs != "" {
			cu, _ := url.Parse(abs)
			if rc, err := Canonicalize(abs); err == nil && final != nil && sameSite(cu.Hostname(), final.Hostname()) {
				canonical, id = rc, article.ID(rc)
			}
		}
	}
	if id != c.id {
		ids = append(ids, id)
		seen, err := f.seen.Seen(ctx, []string{id})
		if err != nil || len(seen) != 1 {
			return fmt.Errorf("checking seen-set: %w: %w", errSeen, errors.Join(err, errors.New("bad answer")))
		}
		if seen[0].Seen && !c.update {
			// Listed under another URL, already published under this one.
			// (An update is published again under it.)
			rec.add(func(s *Stats) { s.Skipped++ })
			if err := f.seen.Mark(ctx, c.id, mark, f.opts.SeenTTL); err != nil {
				return fmt.Errorf("marking seen: %w: %w", errSeen, err)
			}
			log.Debug("already fetched under its canonical URL", zap.String("canonical_url", canonical))
			return nil
		}
	}

	body := []byte(text)
	gz, err := gzipBytes(body)
	if err != nil {
		return fail(err)
	}
	a := article.New(id, src.ID)
	a.URL = c.listed
	a.CanonicalURL = canonical
	a.FetchedAt = fetched.UTC()
	a.HTTP = &article.HTTPMeta{
		Status:       resp.Status,
		ContentType:  ctype,
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		FinalURL:     resp.FinalURL,
	}
	a.Raw = &article.RawBody{Encoding: "gzip", ContentType: rawType, Charset: cs, Size: len(body), Body: gz}
	a.LanguageHint = src.Language
	if lang := languageTag(head.Lang); lang != "" {
		a.LanguageHint = lang
	}
	a.Stamp(article.StageFetcher, a.FetchedAt)
	if err := f.pub.Publish(ctx, a); err != nil {
		log.Error("publishing raw article failed", zap.Error(err))
		return fmt.Errorf("publishing %s: %w: %w", id, errPublish, err)
	}
	for _, k := range ids {
		if err := f.seen.Mark(ctx, k, mark, f.opts.SeenTTL); err != nil {
			return fmt.Errorf("marking seen: %w: %w", errSeen, err)
		}
	}
	rec.add(func(s *Stats) {
		s.Published++
		if c.update {
			s.Republished++
		}
	})
	log.Debug("published raw article", zap.String("article_id", id), zap.Int("bytes", len(body)), zap.String("charset", cs))
	return nil
}
