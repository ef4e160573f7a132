// Package article holds newsmill's one contract: the Article v1 message that
// every stage reads and writes, its deterministic ids, the NATS subject names
// and the Nats-Msg-Id of each publish.
//
// It imports the standard library only, so any downstream Go program can
// depend on it without pulling in the pipeline. Non-Go consumers use the JSON
// Schema in article.v1.schema.json (see [JSONSchema]); a test keeps the two in
// step.
package article

import (
	"encoding/json"
	"fmt"
	"time"
)

// Schema is the value of Article.Schema for every v1 message. A consumer that
// sees another value must not assume the v1 field meanings.
const Schema = "newsmill.article/v1"

// ContentType is the Content-Type header of every published article.
const ContentType = "application/vnd.newsmill.article.v1+json"

// Stage names, used in subjects, Nats-Msg-Ids, metrics and per-stage
// timestamps.
const (
	StageFetcher      = "fetcher"
	StageCleaner      = "cleaner"
	StageDeduplicator = "deduplicator"
	StageClassifier   = "classifier"
)

// Stages lists the stages in pipeline order.
var Stages = []string{StageFetcher, StageCleaner, StageDeduplicator, StageClassifier}

// Article is one news article as it travels the pipeline. Fields grow per
// stage: the fetcher fills the identity, HTTP metadata and Raw; the cleaner
// the text and metadata (and drops Raw); the deduplicator ContentHash,
// SimHash and DuplicateOf; the classifier Language, Topics and Entities.
// Zero values are omitted from JSON.
type Article struct {
	// Schema is always [Schema].
	Schema string `json:"schema"`
	// ID is deterministic: [ID] of the canonical URL, or [ContentID] of the
	// content for sources without URLs. A redelivery carries the same ID.
	ID string `json:"id"`
	// Source is the id of the source that yielded the article.
	Source string `json:"source"`
	// URL is where the article was fetched from, as listed by the source.
	URL string `json:"url,omitempty"`
	// CanonicalURL is the canonicalised URL, or the page's rel=canonical.
	CanonicalURL string `json:"canonical_url,omitempty"`
	// Path is the local file the article was read from (file sources).
	Path string `json:"path,omitempty"`
	// Revision counts content changes of the same ID: 0 for the first
	// version, incremented for each correction delivered as an update.
	Revision int `json:"revision,omitempty"`
	// FetchedAt is when the fetcher read the page.
	FetchedAt time.Time `json:"fetched_at,omitzero"`
	// HTTP is the response metadata for fetched pages.
	HTTP *HTTPMeta `json:"http,omitempty"`
	// Raw is the page as fetched; present on the raw stage only.
	Raw *RawBody `json:"raw,omitempty"`
	// LanguageHint is the source's or page's declared language, if any.
	LanguageHint string `json:"language_hint,omitempty"`

	// Title is the article's headline (not the site name or a breadcrumb).
	Title string `json:"title,omitempty"`
	// Byline names the author(s) as written on the page.
	Byline string `json:"byline,omitempty"`
	// PublishedAt is the publication time; a date-only value is midnight UTC.
	PublishedAt *time.Time `json:"published_at,omitempty"`
	// Lead is the article's lead paragraph (sapo), when the page marks one.
	Lead string `json:"lead,omitempty"`
	// Text is the cleaned body: paragraphs separated by a blank line, NFC.
	Text string `json:"text,omitempty"`
	// Images are the article's images with their captions.
	Images []Image `json:"images,omitempty"`
	// Attribution names the outlet the text is credited to ("Theo Nhandan"
	// gives "Nhandan").
	Attribution string `json:"attribution,omitempty"`
	// SourceURL is an original-source URL found in the text ("Nguồn …: URL").
	SourceURL string `json:"source_url,omitempty"`
	// Removed lists what the cleaner removed and which rule removed it
	// (bounded; see RemovedTruncated).
	Removed []Removal `json:"removed,omitempty"`
	// RemovedTruncated is set when Removed was cut to its bound.
	RemovedTruncated bool `json:"removed_truncated,omitempty"`

	// ContentHash is the hex hash of the normalised body (see pkg/dedup).
	ContentHash string `json:"content_hash,omitempty"`
	// SimHash is the 64-bit SimHash of the body as 16 hex digits (a string,
	// because JSON numbers lose precision above 2^53).
	SimHash string `json:"simhash,omitempty"`
	// DuplicateOf is the ID of the article this one duplicates.
	DuplicateOf string `json:"duplicate_of,omitempty"`
	// Similarity is the similarity to DuplicateOf in [0,1] (1: exact).
	Similarity float64 `json:"similarity,omitempty"`

	// Language is the ISO 639-1 code of the body, or "und".
	Language string `json:"language,omitempty"`
	// Topics are IPTC Media Topics (top level) with scores, best first.
	Topics []Topic `json:"topics,omitempty"`
	// Entities are organisations, countries and people found in the text.
	Entities []Entity `json:"entities,omitempty"`

	// Stages holds when each stage finished with the article, keyed by stage
	// name, so end-to-end latency is measurable.
	Stages map[string]time.Time `json:"stages,omitempty"`
}

// HTTPMeta is the HTTP response metadata of a fetched page.
type HTTPMeta struct {
	Status       int    `json:"status,omitempty"`
	ContentType  string `json:"content_type,omitempty"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// FinalURL is the URL after redirects.
	FinalURL string `json:"final_url,omitempty"`
}

// RawBody is the page body as fetched. The fetcher decodes the page to UTF-8
// before publishing it, so Charset is the charset it was decoded from and
// Body is always UTF-8 (gzip-compressed when Encoding is "gzip").
type RawBody struct {
	// Encoding is "gzip" or "" (identity).
	Encoding string `json:"encoding,omitempty"`
	// ContentType is the media type of the body: "text/html" or "text/plain".
	ContentType string `json:"content_type"`
	// Charset is the charset the fetcher decoded the page from.
	Charset string `json:"charset,omitempty"`
	// Size is the uncompressed body size in bytes.
	Size int `json:"size"`
	// Body is the (possibly compressed) body; base64 in JSON.
	Body []byte `json:"body"`
}

// Image is one article image.
type Image struct {
	URL     string `json:"url,omitempty"`
	Caption string `json:"caption,omitempty"`
}

// Removal records one piece of text the cleaner removed and the rule that
// removed it.
type Removal struct {
	Rule string `json:"rule"`
	Text string `json:"text"`
}

// Topic is one IPTC Media Topic (top-level name) with its score in [0,1].
type Topic struct {
	Name  string  `json:"name"`
	Score float64 `json:"score"`
}

// Entity is a named thing found in the text.
type Entity struct {
	// Type is "organisation", "country" or "person".
	Type string `json:"type"`
	// Name is the normalised name (for example "ASEAN" for "Hiệp hội các
	// quốc gia Đông Nam Á").
	Name string `json:"name"`
	// Surface is the form found in the text.
	Surface string `json:"surface,omitempty"`
}

// New returns an article of the current schema with its identity set.
func New(id, source string) *Article {
	return &Article{Schema: Schema, ID: id, Source: source}
}

// Stamp records that stage finished with the article at t.
func (a *Article) Stamp(stage string, t time.Time) {
	if a.Stages == nil {
		a.Stages = make(map[string]time.Time, len(Stages))
	}
	a.Stages[stage] = t.UTC()
}

// TopTopic returns the best topic's name, or "" when there is none.
func (a *Article) TopTopic() string {
	if len(a.Topics) == 0 {
		return ""
	}
	return a.Topics[0].Name
}

// Marshal encodes the article as JSON.
func (a *Article) Marshal() ([]byte, error) {
	return json.Marshal(a)
}

// Unmarshal decodes a JSON article and checks its schema and id. An error
// here means the message can never be processed: callers treat it as
// permanent.
func Unmarshal(data []byte) (*Article, error) {
	var a Article
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("decoding article: %w", err)
	}
	if a.Schema != Schema {
		return nil, fmt.Errorf("decoding article: schema %q, want %q", a.Schema, Schema)
	}
	if a.ID == "" {
		return nil, fmt.Errorf("decoding article: empty id")
	}
	return &a, nil
}
