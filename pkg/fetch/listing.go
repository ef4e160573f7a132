package fetch

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// listingLinks returns the article URLs of an HTML listing page: the href
// of every element matching selector, or of the first <a href> inside it,
// resolved against the page's <base href> or base, in document order.
func listingLinks(text string, base *url.URL, selector string) ([]string, error) {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("parsing listing: %w: %w", ErrParse, err)
	}
	if href, ok := doc.Find("base[href]").First().Attr("href"); ok {
		if b := resolve(base, href); b != "" {
			if u, err := url.Parse(b); err == nil {
				base = u
			}
		}
	}
	sel := doc.Find(selector)
	out := make([]string, 0, sel.Length())
	sel.Each(func(_ int, s *goquery.Selection) {
		href, ok := s.Attr("href")
		if !ok {
			href, ok = s.Find("a[href]").First().Attr("href")
		}
		if !ok {
			return
		}
		if abs := resolve(base, href); abs != "" {
			out = append(out, abs)
		}
	})
	return out, nil
}
