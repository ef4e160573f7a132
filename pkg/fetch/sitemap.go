package fetch

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/url"
	"sort"
	"strings"
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

func (e sitemapEntry) date() string {
	if e.News.PublicationDate != "" {
		return e.News.PublicationDate
	}
	return e.LastMod
}

// parseSitemap decodes a sitemap or sitemap index (UTF-8 text). It returns
// the page URLs (newest first when dates are given, else in document
// order) and the child sitemap URLs (newest first).
func parseSitemap(text string, base *url.URL, maxNesting int) (pages, children []string, err error) {
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
	byDate := func(es []sitemapEntry) []string {
		// ISO 8601 dates of one sitemap share a format, so they sort as
		// strings; entries without a date keep their order, after dated ones.
		sort.SliceStable(es, func(i, j int) bool { return es[i].date() > es[j].date() })
		out := make([]string, 0, len(es))
		for _, e := range es {
			if abs := resolve(base, e.Loc); abs != "" {
				out = append(out, abs)
			}
		}
		return out
	}
	return byDate(doc.URLs), byDate(doc.Sitemaps), nil
}

// isGzip reports whether b starts with the gzip magic number (a .xml.gz
// sitemap served without Content-Encoding).
func isGzip(b []byte) bool { return bytes.HasPrefix(b, []byte{0x1f, 0x8b}) }
