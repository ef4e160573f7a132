package fetch

import (
	"bytes"
	"compress/gzip"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzBase, _ = url.Parse("https://example.com/news/")

func linkURLs(links []link) []string {
	out := make([]string, len(links))
	for i, l := range links {
		out[i] = l.url
	}
	return out
}

func checkLinks(t *testing.T, links []string) {
	t.Helper()
	for _, l := range links {
		u, err := url.Parse(l)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
			t.Fatalf("link %q is not an absolute http(s) URL without fragment", l)
		}
	}
}

func FuzzFeedLinks(f *testing.F) {
	f.Add(`<?xml version="1.0"?><rss version="2.0"><channel><item><link>/a/1.html</link></item></channel></rss>`)
	f.Add(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="https://e.com/x"/></entry></feed>`)
	f.Add(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","url":"https://e.com/1"}]}`)
	f.Add(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><item><link>x</link></item></rdf:RDF>`)
	f.Add(`<?xml version="1.0" encoding="windows-1258"?><rss><channel><item><guid>https://e.com/g</guid></item></channel></rss>`)
	f.Fuzz(func(t *testing.T, doc string) {
		if !utf8.ValidString(doc) {
			return // Poll decodes to UTF-8 first
		}
		links, err := feedLinks(doc, fuzzBase, 100)
		if err != nil && !errors.Is(err, ErrParse) && !errors.Is(err, ErrTooDeep) {
			t.Fatalf("untyped error %v", err)
		}
		checkLinks(t, linkURLs(links))
	})
}

func FuzzParseSitemap(f *testing.F) {
	f.Add(`<urlset><url><loc>/a</loc><lastmod>2026-01-01</lastmod></url></urlset>`)
	f.Add(`<sitemapindex><sitemap><loc>https://e.com/s.xml</loc></sitemap></sitemapindex>`)
	f.Add(`<urlset xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://e.com/n</loc><news:news><news:publication_date>2026</news:publication_date></news:news></url></urlset>`)
	f.Fuzz(func(t *testing.T, doc string) {
		pages, children, err := parseSitemap(doc, fuzzBase, 100)
		if err != nil && !errors.Is(err, ErrParse) && !errors.Is(err, ErrTooDeep) {
			t.Fatalf("untyped error %v", err)
		}
		checkLinks(t, linkURLs(pages))
		checkLinks(t, children)
	})
}

func FuzzListingLinks(f *testing.F) {
	f.Add(`<article><h2><a href="/a/1">x</a></h2></article>`, "article h2")
	f.Add(`<base href="https://cdn.example.org/"><a class="t" href="b">y</a>`, "a.t")
	f.Fuzz(func(t *testing.T, doc, sel string) {
		if (Source{ID: "x", Kind: KindListing, URL: "https://e.com/", LinkSelector: sel}).Validate() != nil {
			return // Validate refuses bad selectors before a poll
		}
		links, err := listingLinks(doc, fuzzBase, sel)
		if err != nil && !errors.Is(err, ErrParse) {
			t.Fatalf("untyped error %v", err)
		}
		checkLinks(t, links)
	})
}

func FuzzScanHead(f *testing.F) {
	vi, err := os.ReadFile("../charset/testdata/vi-windows-1258.html")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(vi))
	f.Add(`<html lang="vi-VN"><head><link rel="alternate canonical" href="/x"></head>`)
	f.Fuzz(func(t *testing.T, doc string) {
		h := scanHead(doc)
		if lt := languageTag(h.Lang); lt != "" && (len(lt) < 2 || len(lt) > 3 || strings.ToLower(lt) != lt) {
			t.Fatalf("language tag %q", lt)
		}
		checkLinks(t, func() []string {
			if r := resolve(fuzzBase, h.Canonical); r != "" {
				return []string{r}
			}
			return nil
		}())
	})
}

func FuzzReadBody(f *testing.F) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(bytes.Repeat([]byte("a"), 10000))
	_ = zw.Close()
	f.Add(gz.Bytes(), "gzip")
	f.Add([]byte("plain"), "")
	f.Add([]byte{0x78, 0x9c, 0x4b, 0x04, 0x00}, "deflate")
	f.Add([]byte{0x0b, 0x02, 0x80, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x03}, "br")
	f.Fuzz(func(t *testing.T, body []byte, enc string) {
		const limit = 4096
		out, wire, err := readBody(bytes.NewReader(body), enc, limit, 100)
		if len(out) > limit {
			t.Fatalf("%d bytes returned over a %d cap", len(out), limit)
		}
		if wire > limit+1 {
			t.Fatalf("read %d wire bytes over a %d cap", wire, limit)
		}
		if err == nil && (enc == "" || enc == "identity") && !bytes.Equal(out, body) {
			t.Fatal("identity body changed")
		}
	})
}

func FuzzCheckNesting(f *testing.F) {
	f.Add(strings.Repeat("<a>", 200))
	f.Add(`<?xml version="1.0"?><!-- <x><x> --><![CDATA[<y><y>]]><r/>`)
	f.Fuzz(func(t *testing.T, doc string) {
		err := checkNesting([]byte(doc), 10)
		if err != nil && !errors.Is(err, ErrTooDeep) {
			t.Fatalf("untyped error %v", err)
		}
		// A lower limit refuses whatever a higher one refused.
		if err != nil && !errors.Is(checkNesting([]byte(doc), 5), ErrTooDeep) {
			t.Fatal("limit 5 accepted a document limit 10 refused")
		}
	})
}
