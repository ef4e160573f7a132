package fetch

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
)

// sitemapDoc is a sitemap (<urlset>, with or without the Google News
// extension) or a sitemap index (<sitemapindex>). Element names are matched
// by local name, whatever their namespace.
type sitemapDoc struct {
	XMLName  xml.Name
	URLs     []sitemapEntry `xml:"url"`
	Sitemaps []sitemapEntry `xml:"sitemap"`
}

type sitemapEntry struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod"`
	News    struct {
		PublicationDate string `xml:"publication_date"`
	} `xml:"news"`
}

// date is the entry's date as written, for sorting: the news publication
// date, else lastmod.
func (e sitemapEntry) date() string {
	if e.News.PublicationDate != "" {
		return e.News.PublicationDate
	}
	return e.LastMod
}

// changed is when the entry last changed: its lastmod, else its news
// publication date; zero when neither is a W3C date.
func (e sitemapEntry) changed() time.Time {
	if t := parseW3CDate(e.LastMod); !t.IsZero() {
		return t
	}
	return parseW3CDate(e.News.PublicationDate)
}

// w3cLayouts are the W3C datetime profiles sitemaps use (a time without a
// zone, seen in the wild, is read as UTC).
var w3cLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05.999999999",
}

// parseW3CDate parses a sitemap date; zero when it is none of w3cLayouts.
func parseW3CDate(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, l := range w3cLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// parseSitemap decodes a sitemap or sitemap index (UTF-8 text). It returns
// the pages (newest first when dates are given, else in document order),
// each with its lastmod, and the child sitemap URLs (newest first).
func parseSitemap(text string, base *url.URL, maxNesting int) (pages []link, children []string, err error) {
	if err := checkNesting([]byte(text), maxNesting); err != nil {
		return nil, nil, err
	}
	var doc sitemapDoc
	dec := xml.NewDecoder(strings.NewReader(prepareXML(text)))
	dec.Strict = false
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("parsing sitemap: %w: %w", ErrParse, err)
	}
	switch doc.XMLName.Local {
	case "urlset", "sitemapindex":
	default:
		return nil, nil, fmt.Errorf("parsing sitemap: root element <%s>: %w", doc.XMLName.Local, ErrParse)
	}
	byDate := func(es []sitemapEntry) []link {
		// ISO 8601 dates of one sitemap share a format, so they sort as
		// strings; entries without a date keep their order, after dated ones.
		sort.SliceStable(es, func(i, j int) bool { return es[i].date() > es[j].date() })
		out := make([]link, 0, len(es))
		for _, e := range es {
			if abs := resolve(base, e.Loc); abs != "" {
				out = append(out, link{url: abs, date: e.changed()})
			}
		}
		return out
	}
	for _, c := range byDate(doc.Sitemaps) {
		children = append(children, c.url)
	}
	return byDate(doc.URLs), children, nil
}

// isGzip reports whether b starts with the gzip magic number (a .xml.gz
// sitemap served without Content-Encoding).
func isGzip(b []byte) bool { return bytes.HasPrefix(b, []byte{0x1f, 0x8b}) }
