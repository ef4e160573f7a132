// Package extract turns one HTML page into a [Document]: the article's main
// body as paragraphs, and its metadata — title, byline, published date,
// canonical URL, language hint, site name, lead (sapo) and images with their
// captions.
//
// The body is found by general mechanisms only (no per-site rules): every
// text block is weighed by its length, sentence punctuation and link
// density; chrome — by tag (nav, figure), by class/id words (comments,
// sidebar, share, related) or hidden — weighs against, except that an
// element holding most of the page's prose is the article whatever its
// class says; blocks in repeated like-shaped cards with a linked headline
// are teasers. The element whose subtree weighs most is the article; blocks
// inside it that read as chrome, the repeated headline and short lines at
// its edges are then dropped. Metadata comes from JSON-LD, meta tags,
// <time> elements and, for dates, the visible text in the page's locale.
//
// It parses with golang.org/x/net/html and queries with goquery. It is a
// domain package: it must not import NATS, Redis or any other pipeline
// adapter, and it keeps no global state, so [Extract] is safe for concurrent
// use.
package extract

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/newsmill/newsmill/pkg/article"
)

// DefaultMaxBytes is the input size cap used when Options.MaxBytes is zero:
// 5 MiB, the fetcher's default body cap.
const DefaultMaxBytes = 5 << 20

// Errors returned by [Extract]. Both describe the input itself, so retrying
// cannot help: callers treat them as permanent (dead-letter the message).
var (
	// ErrTooLarge means the HTML is longer than Options.MaxBytes.
	ErrTooLarge = errors.New("html larger than the size cap")
	// ErrTooDeep means the HTML nests elements deeper than the parser
	// accepts (golang.org/x/net/html refuses more than 512 open elements).
	ErrTooDeep = errors.New("html nested too deeply")
)

// Options configures [Extract]. The zero value is ready to use.
type Options struct {
	// MaxBytes caps the input size; a larger input fails with [ErrTooLarge]
	// before it is parsed. Zero means [DefaultMaxBytes]; a negative value
	// disables the cap.
	MaxBytes int64
}

// Document is what [Extract] finds in a page. Fields the page does not
// provide are left empty; text fields are valid UTF-8 with white space
// folded to single spaces.
type Document struct {
	// Title is the article headline: JSON-LD headline, og:title or <title>
	// with the site name and breadcrumb parts removed, cross-checked against
	// the page's <h1>.
	Title string
	// Byline names the author(s) as the page gives them.
	Byline string
	// Lead is the article's lead paragraph (sapo) when the page marks one
	// with a class or id such as lead, sapo, standfirst, summary or
	// description, in or beside the article. It is not repeated in
	// Paragraphs. The meta description is never used: it is often not
	// visible on the page.
	Lead string
	// CanonicalURL is the page's rel=canonical (or og:url) resolved against
	// the page URL; empty when the page declares none.
	CanonicalURL string
	// Language is the declared language hint (<html lang>, content-language
	// or og:locale) as a lower-case BCP 47 tag such as "vi" or "en-gb";
	// empty when undeclared. It is a hint, not a detection.
	Language string
	// SiteName is the publication's name (og:site_name, JSON-LD publisher).
	SiteName string
	// PublishedAt is the publication time, in UTC: from JSON-LD, meta tags
	// or microdata, else <time datetime>, else a date written near the
	// headline, read day/month/year unless the page is US English. A
	// written time without a zone is Indochina Time (UTC+7) on Vietnamese
	// pages and UTC elsewhere; a date without a time is midnight UTC; a
	// date without a year (Vietnamese "Ngày 21/3") leaves PublishedAt nil
	// rather than a guess.
	PublishedAt *time.Time
	// Paragraphs is the main body in document order, one entry per text
	// block (paragraph, heading, list item, table row, quote), without the
	// title, the lead, captions and page chrome. Empty when the page holds
	// no recognisable article.
	Paragraphs []string
	// Images are the article's images (absolute URLs, lazy-loading
	// attributes preferred to placeholders) with their <figcaption>, in
	// document order, without duplicates; when the article element holds
	// none, the page's og:image alone, without caption.
	Images []article.Image
}

// Text returns the paragraphs joined by blank lines, the form of
// article.Article.Text.
func (d *Document) Text() string { return strings.Join(d.Paragraphs, "\n\n") }

// Extract parses html (UTF-8; invalid bytes are replaced) and returns the
// article it holds. pageURL, when not empty, resolves relative links. A page
// without a recognisable article yields a Document with empty Paragraphs and
// no error. It fails with [ErrTooLarge] or [ErrTooDeep] (wrapped) for input
// it refuses to process.
func Extract(htmlBytes []byte, pageURL string, opts Options) (*Document, error) {
	limit := opts.MaxBytes
	if limit == 0 {
		limit = DefaultMaxBytes
	}
	if limit > 0 && int64(len(htmlBytes)) > limit {
		return nil, fmt.Errorf("extracting article: %d bytes over the cap of %d: %w", len(htmlBytes), limit, ErrTooLarge)
	}
	if !utf8.Valid(htmlBytes) {
		htmlBytes = bytes.ToValidUTF8(htmlBytes, []byte("\uFFFD"))
	}
	root, err := html.Parse(bytes.NewReader(stripRaw(htmlBytes)))
	if err != nil {
		if strings.Contains(err.Error(), "open stack of elements exceeds") {
			return nil, fmt.Errorf("extracting article: %w", ErrTooDeep)
		}
		return nil, fmt.Errorf("parsing html: %w", err)
	}
	return extractNode(root, pageURL), nil
}

// BodyText returns the article body as a reader sees it: the lead, when the
// page marks one, followed by the paragraphs, separated by blank lines.
func (d *Document) BodyText() string {
	if d.Lead == "" {
		return d.Text()
	}
	return d.Lead + "\n\n" + d.Text()
}
