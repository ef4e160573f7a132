package pipeline

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/clean"
	"github.com/newsmill/newsmill/pkg/extract"
	"github.com/newsmill/newsmill/pkg/stage"
)

// Cleaner is the cleaner stage: raw page → extracted, cleaned article.
type Cleaner struct {
	// Clean cleans the text; required.
	Clean *clean.Cleaner
	// Extract configures HTML extraction (size cap).
	Extract extract.Options
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Removed, when set, is called once per removal with its rule, for
	// per-rule metrics. It must be safe for concurrent use.
	Removed func(rule string)
}

// Handle implements [stage.HandlerFunc]: it decodes the raw article, extracts
// HTML or takes plain text as is, cleans it, drops the raw body and
// publishes the result on news.cleaned.<source>. Undecodable input, pages
// over the size cap or nested too deeply, and pages with no text left are
// permanent errors (dead-lettered with a reason).
func (c *Cleaner) Handle(ctx context.Context, msg *stage.Message) ([]stage.Output, error) {
	a, err := article.Unmarshal(msg.Data)
	if err != nil {
		return nil, stage.WithReason("bad_json", stage.Permanent(err))
	}
	if a.Raw == nil {
		return nil, stage.WithReason("no_raw_body", stage.Permanent(fmt.Errorf("article %s has no raw body", a.ID)))
	}
	rev := shortHash(a.Raw.Body)
	if err := c.CleanArticle(ctx, a); err != nil {
		return nil, err
	}
	data, err := a.Marshal()
	if err != nil {
		return nil, stage.WithReason("encode", stage.Permanent(err))
	}
	return []stage.Output{{
		Subject: article.Cleaned(a.Source),
		Data:    data,
		MsgID:   article.MsgID(article.StageCleaner, a.ID, rev),
	}}, nil
}

// CleanArticle does the cleaner's work on a in place: a.Raw is read and
// dropped, the text and metadata fields are set. Errors carry a reason and
// are permanent, except template-store failures.
func (c *Cleaner) CleanArticle(ctx context.Context, a *article.Article) error {
	body, err := RawText(a.Raw)
	if err != nil {
		return stage.WithReason("bad_raw_body", stage.Permanent(err))
	}
	in := clean.Input{Source: a.Source, Page: a.ID, LanguageHint: a.LanguageHint}
	var doc *extract.Document
	if isHTML(a.Raw.ContentType, body) {
		doc, err = extract.Extract([]byte(body), pageURL(a), c.Extract)
		switch {
		case errors.Is(err, extract.ErrTooLarge):
			return stage.WithReason("too_large", stage.Permanent(err))
		case errors.Is(err, extract.ErrTooDeep):
			return stage.WithReason("too_deep", stage.Permanent(err))
		case err != nil:
			return stage.WithReason("bad_html", stage.Permanent(err))
		}
		in.Title, in.Paragraphs = doc.Title, doc.Paragraphs
		if len(in.Paragraphs) == 0 {
			in.Paragraphs = []string{}
		}
		if in.LanguageHint == "" {
			in.LanguageHint = doc.Language
		}
	} else {
		in.Text = body
	}
	out, err := c.Clean.Clean(ctx, in)
	if err != nil {
		return stage.WithReason("template_store", fmt.Errorf("cleaning %s: %w", a.ID, err))
	}
	if doc != nil {
		// Page metadata first: it wins over what cleaning finds in the text.
		a.Byline, a.PublishedAt, a.Lead, a.Images = doc.Byline, doc.PublishedAt, doc.Lead, doc.Images
		if a.CanonicalURL == "" {
			a.CanonicalURL = doc.CanonicalURL
		}
		if a.LanguageHint == "" {
			a.LanguageHint = doc.Language
		}
	}
	out.Apply(a)
	if c.Removed != nil {
		for _, r := range out.Removed {
			c.Removed(r.Rule)
		}
	}
	a.Raw = nil
	a.Stamp(article.StageCleaner, nowOr(c.Now))
	if strings.TrimSpace(a.Text) == "" {
		return stage.WithReason("empty_body", stage.Permanent(fmt.Errorf("article %s has no text after cleaning", a.ID)))
	}
	return nil
}

func pageURL(a *article.Article) string {
	if a.HTTP != nil && a.HTTP.FinalURL != "" {
		return a.HTTP.FinalURL
	}
	return a.URL
}

// isHTML decides by the declared media type, falling back to a sniff of the
// first bytes for bodies declared as neither (local files).
func isHTML(contentType, body string) bool {
	ct := strings.ToLower(contentType)
	switch {
	case strings.Contains(ct, "html"), strings.Contains(ct, "xml"):
		return true
	case strings.HasPrefix(ct, "text/plain"):
		return false
	}
	head := strings.ToLower(strings.TrimSpace(body[:min(len(body), 512)]))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html") ||
		strings.Contains(head, "<body") || strings.Contains(head, "<head")
}

// maxRawSize bounds decompression of a raw body: a body that inflates past
// it is refused (a decompression bomb), well above the fetcher's 5 MiB cap.
const maxRawSize = 64 << 20

// RawText returns the UTF-8 text of a raw body, decompressing it.
func RawText(r *article.RawBody) (string, error) {
	if r == nil {
		return "", errors.New("no raw body")
	}
	switch r.Encoding {
	case "":
		return string(r.Body), nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(r.Body))
		if err != nil {
			return "", fmt.Errorf("decompressing raw body: %w", err)
		}
		b, err := io.ReadAll(io.LimitReader(zr, maxRawSize+1))
		if err != nil {
			return "", fmt.Errorf("decompressing raw body: %w", err)
		}
		if len(b) > maxRawSize {
			return "", fmt.Errorf("raw body inflates past %d bytes", maxRawSize)
		}
		return string(b), nil
	}
	return "", fmt.Errorf("unknown raw body encoding %q", r.Encoding)
}

// NewRawBody returns a gzip-compressed raw body of UTF-8 text.
func NewRawBody(text []byte, contentType, charset string) (*article.RawBody, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(text); err != nil {
		return nil, fmt.Errorf("compressing raw body: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compressing raw body: %w", err)
	}
	return &article.RawBody{Encoding: "gzip", ContentType: contentType, Charset: charset, Size: len(text), Body: buf.Bytes()}, nil
}
