package fetch

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/publicsuffix"
)

// pageAccept is the Accept header for article pages.
const pageAccept = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,*/*;q=0.1"

// pageType returns the raw body type ("text/html" or "text/plain") of a
// response, sniffing when the server sent no Content-Type, or an error
// wrapping ErrContentType for anything else.
func pageType(header string, body []byte) (string, error) {
	mt := ""
	if header != "" {
		if m, _, err := mime.ParseMediaType(header); err == nil {
			mt = m
		}
	}
	if mt == "" || mt == "application/octet-stream" {
		mt, _, _ = mime.ParseMediaType(http.DetectContentType(body))
	}
	switch mt {
	case "text/html", "application/xhtml+xml":
		return "text/html", nil
	case "text/plain":
		return "text/plain", nil
	}
	return "", fmt.Errorf("content type %q: %w", mt, ErrContentType)
}

// headInfo is what the fetcher reads from a page's head.
type headInfo struct {
	Canonical string // <link rel=canonical href>, as written
	Lang      string // <html lang>
}

// scanHead reads <html lang> and <link rel="canonical"> from the start of
// an HTML page, stopping at <body> or after a bounded number of tokens.
func scanHead(text string) headInfo {
	var h headInfo
	z := html.NewTokenizer(strings.NewReader(text))
	for i := 0; i < 4096; i++ {
		switch z.Next() {
		case html.ErrorToken:
			return h
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch atom.Lookup(name) {
			case atom.Body:
				return h
			case atom.Html:
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "lang" && h.Lang == "" {
						h.Lang = strings.TrimSpace(string(v))
					}
				}
			case atom.Link:
				var rel, href string
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					switch string(k) {
					case "rel":
						rel = strings.ToLower(string(v))
					case "href":
						href = string(v)
					}
				}
				if h.Canonical == "" && hasToken(rel, "canonical") {
					h.Canonical = strings.TrimSpace(href)
				}
			}
		}
	}
	return h
}

func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(list) {
		if f == tok {
			return true
		}
	}
	return false
}

// sameSite reports whether two hosts share a registrable domain
// (publicsuffix eTLD+1), so a page may name its canonical URL on another
// host of its own site (www. vs m.) but not on someone else's, which could
// suppress that site's article.
func sameSite(a, b string) bool {
	if a == b {
		return true
	}
	ea, err1 := publicsuffix.EffectiveTLDPlusOne(a)
	eb, err2 := publicsuffix.EffectiveTLDPlusOne(b)
	return err1 == nil && err2 == nil && ea == eb
}

// languageTag reduces an html lang value to its primary subtag in lower
// case ("vi-VN" → "vi"); "" when it is not a plausible tag.
func languageTag(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s, _, _ = strings.Cut(strings.ReplaceAll(s, "_", "-"), "-")
	if len(s) < 2 || len(s) > 3 {
		return ""
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return ""
		}
	}
	return s
}

// gzipBytes compresses b for article.RawBody.
func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b) / 4)
	zw, err := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if err != nil {
		return nil, fmt.Errorf("compressing body: %w", err)
	}
	if _, err := zw.Write(b); err != nil {
		return nil, fmt.Errorf("compressing body: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compressing body: %w", err)
	}
	return buf.Bytes(), nil
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
