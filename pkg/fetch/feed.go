package fetch

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
)

// feedLinks parses an RSS 0.9x/1.0/2.0, Atom or JSON feed (already decoded
// to UTF-8) and returns its items' article URLs, resolved against base, in
// feed order, each with the item's updated time, or its published time
// when it gives none. An item without a link falls back to a GUID that is
// an http(s) URL.
func feedLinks(text string, base *url.URL, maxNesting int) ([]link, error) {
	if err := checkNesting([]byte(text), maxNesting); err != nil {
		return nil, err
	}
	feed, err := gofeed.NewParser().ParseString(prepareXML(text))
	if err != nil {
		return nil, fmt.Errorf("parsing feed: %w: %w", ErrParse, err)
	}
	out := make([]link, 0, len(feed.Items))
	for _, it := range feed.Items {
		var date time.Time
		switch {
		case it.UpdatedParsed != nil:
			date = *it.UpdatedParsed
		case it.PublishedParsed != nil:
			date = *it.PublishedParsed
		}
		cands := append([]string{it.Link}, it.Links...)
		cands = append(cands, it.GUID)
		for _, c := range cands {
			if abs := resolve(base, c); abs != "" {
				out = append(out, link{url: abs, date: date})
				break
			}
		}
	}
	return out, nil
}

// link is an article URL as a listing gives it, with the date the listing
// gives the page: a feed item's updated (else published) time, a sitemap
// entry's lastmod (else its news publication date). Zero when none.
type link struct {
	url  string
	date time.Time
}

// resolve returns ref as an absolute http(s) URL relative to base, or ""
// when it is empty or of another scheme.
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.HasPrefix(ref, "#") {
		return ""
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		r = base.ResolveReference(r)
	}
	if (r.Scheme != "http" && r.Scheme != "https") || r.Host == "" {
		return ""
	}
	r.Fragment, r.RawFragment = "", ""
	return r.String()
}
