package fetch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"gopkg.in/yaml.v3"
)

// Source kinds.
const (
	// KindRSS is any syndication feed: RSS 0.9x/1.0/2.0, Atom or JSON Feed.
	KindRSS = "feed"
	// KindSitemap is a sitemap, a Google News sitemap or a sitemap index.
	KindSitemap = "sitemap"
	// KindListing is an HTML page whose article links match LinkSelector.
	KindListing = "listing"
	// KindPage is one article page.
	KindPage = "page"
	// KindFile is a local .txt/.html file or a folder of them (Path).
	KindFile = "file"
)

// Kinds lists the valid source kinds.
var Kinds = []string{KindRSS, KindSitemap, KindListing, KindPage, KindFile}

// Bounds on source settings enforced by [Source.Validate].
const (
	MinInterval = 10 * time.Second
	MaxInterval = 7 * 24 * time.Hour
	// MaxRateLimit is the highest per-host request rate a source may ask
	// for, in requests per second.
	MaxRateLimit = 10.0
)

// DefaultInterval is the poll interval of a source that sets none.
const DefaultInterval = 10 * time.Minute

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Source is one registered news source. Its zero Interval means
// [DefaultInterval] and its zero RateLimit means the fetcher's default.
type Source struct {
	// ID is the source's stable name: 1–64 of [a-z0-9_-], starting with a
	// letter or digit. It becomes a NATS subject token (news.raw.<id>).
	ID string `yaml:"id" json:"id"`
	// Kind is one of the Kind constants.
	Kind string `yaml:"kind" json:"kind"`
	// URL is the feed, sitemap, listing or page address (http or https);
	// empty for KindFile.
	URL string `yaml:"url,omitempty" json:"url,omitempty"`
	// Path is the local file or folder of a KindFile source.
	Path string `yaml:"path,omitempty" json:"path,omitempty"`
	// Interval is the time between polls.
	Interval time.Duration `yaml:"interval,omitempty" json:"interval,omitempty"`
	// LinkSelector is the CSS selector of article links (KindListing only);
	// the href of each matching element (or of its first <a>) is taken.
	LinkSelector string `yaml:"link_selector,omitempty" json:"link_selector,omitempty"`
	// RateLimit is the request rate allowed to each host of this source,
	// in requests per second (0: the fetcher's default).
	RateLimit float64 `yaml:"rate_limit,omitempty" json:"rate_limit,omitempty"`
	// Headers are extra request headers (for example a cookie consent or
	// an API key). Host, Content-Length and hop-by-hop headers are refused.
	Headers map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
	// Language is the source's language hint (ISO 639-1), used when a
	// page declares none.
	Language string `yaml:"language,omitempty" json:"language,omitempty"`
	// AllowPrivate lets this source reach private, loopback and link-local
	// addresses (intranet feeds, tests). Off by default.
	AllowPrivate bool `yaml:"allow_private,omitempty" json:"allow_private,omitempty"`
	// Enabled sources are polled; a paused source keeps its settings.
	Enabled bool `yaml:"enabled" json:"enabled"`
}

// ValidationError names the field of a [Source] that is wrong and why.
type ValidationError struct {
	// Source is the id of the source ("" when the id itself is missing).
	Source string
	// Field is the yaml/json name of the field, e.g. "link_selector".
	Field string
	// Problem says what is wrong with it.
	Problem string
}

func (e *ValidationError) Error() string {
	if e.Source == "" {
		return fmt.Sprintf("source: %s: %s", e.Field, e.Problem)
	}
	return fmt.Sprintf("source %q: %s: %s", e.Source, e.Field, e.Problem)
}

var forbiddenHeaders = map[string]bool{
	"Host": true, "Content-Length": true, "Connection": true, "Transfer-Encoding": true,
	"Te": true, "Trailer": true, "Upgrade": true, "Keep-Alive": true, "Proxy-Connection": true,
	"Accept-Encoding": true, "If-None-Match": true, "If-Modified-Since": true,
}

// Validate checks the source and returns a [*ValidationError] naming the
// first bad field, or nil. It does not touch the network or the file
// system: a URL that does not answer or a missing Path is reported by
// polling, in the source's health.
func (s Source) Validate() error {
	bad := func(field, problem string, args ...any) error {
		return &ValidationError{Source: s.ID, Field: field, Problem: fmt.Sprintf(problem, args...)}
	}
	if s.ID == "" {
		return bad("id", "is required")
	}
	if !idPattern.MatchString(s.ID) {
		return bad("id", "%q must be 1-64 of a-z, 0-9, '_' and '-', starting with a letter or digit", s.ID)
	}
	switch s.Kind {
	case KindRSS, KindSitemap, KindListing, KindPage:
		if s.URL == "" {
			return bad("url", "is required for kind %q", s.Kind)
		}
		u, err := url.Parse(s.URL)
		if err != nil {
			return bad("url", "%v", err)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return bad("url", "scheme %q is not http or https", u.Scheme)
		}
		if u.Hostname() == "" {
			return bad("url", "has no host")
		}
		if s.Path != "" {
			return bad("path", "is only for kind %q", KindFile)
		}
	case KindFile:
		if s.Path == "" {
			return bad("path", "is required for kind %q", KindFile)
		}
		if s.URL != "" {
			return bad("url", "must be empty for kind %q (use path)", KindFile)
		}
	case "":
		return bad("kind", "is required (one of %s)", strings.Join(Kinds, ", "))
	default:
		return bad("kind", "%q is not one of %s", s.Kind, strings.Join(Kinds, ", "))
	}
	if s.Kind == KindListing {
		if s.LinkSelector == "" {
			return bad("link_selector", "is required for kind %q", KindListing)
		}
		if _, err := cascadia.Compile(s.LinkSelector); err != nil {
			return bad("link_selector", "%q is not a valid CSS selector: %v", s.LinkSelector, err)
		}
	} else if s.LinkSelector != "" {
		return bad("link_selector", "is only for kind %q", KindListing)
	}
	if s.Interval != 0 && (s.Interval < MinInterval || s.Interval > MaxInterval) {
		return bad("interval", "%s is outside [%s, %s]", s.Interval, MinInterval, MaxInterval)
	}
	if s.RateLimit < 0 || s.RateLimit > MaxRateLimit || s.RateLimit != s.RateLimit {
		return bad("rate_limit", "%g is outside [0, %g] requests per second", s.RateLimit, MaxRateLimit)
	}
	for k, v := range s.Headers {
		ck := http.CanonicalHeaderKey(k)
		if k == "" || strings.ContainsAny(k, " :\r\n\t") {
			return bad("headers", "invalid header name %q", k)
		}
		if forbiddenHeaders[ck] {
			return bad("headers", "header %q is set by the fetcher and cannot be overridden", k)
		}
		if strings.ContainsAny(v, "\r\n") {
			return bad("headers", "value of %q contains a line break", k)
		}
	}
	if s.Language != "" && !regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`).MatchString(s.Language) {
		return bad("language", "%q is not a language code such as \"vi\" or \"en\"", s.Language)
	}
	return nil
}

// EffectiveInterval is Interval, or [DefaultInterval] when it is zero.
func (s Source) EffectiveInterval() time.Duration {
	if s.Interval <= 0 {
		return DefaultInterval
	}
	return s.Interval
}

// UnmarshalYAML accepts the documented fields, with interval as a Go
// duration string ("10m", "1h30m"), and enabled defaulting to true when
// absent. Unknown fields are refused so that a typo is not silently
// ignored.
func (s *Source) UnmarshalYAML(n *yaml.Node) error {
	type plain struct {
		ID           string            `yaml:"id"`
		Kind         string            `yaml:"kind"`
		URL          string            `yaml:"url"`
		Path         string            `yaml:"path"`
		Interval     string            `yaml:"interval"`
		LinkSelector string            `yaml:"link_selector"`
		RateLimit    float64           `yaml:"rate_limit"`
		Headers      map[string]string `yaml:"headers"`
		Language     string            `yaml:"language"`
		AllowPrivate bool              `yaml:"allow_private"`
		Enabled      *bool             `yaml:"enabled"`
	}
	var p plain
	if err := decodeStrict(n, &p); err != nil {
		return err
	}
	*s = Source{ID: p.ID, Kind: p.Kind, URL: p.URL, Path: p.Path, LinkSelector: p.LinkSelector,
		RateLimit: p.RateLimit, Headers: p.Headers, Language: p.Language, AllowPrivate: p.AllowPrivate, Enabled: true}
	if p.Enabled != nil {
		s.Enabled = *p.Enabled
	}
	if p.Interval != "" {
		d, err := time.ParseDuration(p.Interval)
		if err != nil {
			return &ValidationError{Source: p.ID, Field: "interval", Problem: fmt.Sprintf("%q is not a duration such as \"10m\"", p.Interval)}
		}
		s.Interval = d
	}
	return nil
}

// MarshalYAML writes interval as a duration string.
func (s Source) MarshalYAML() (any, error) {
	type out struct {
		ID           string            `yaml:"id"`
		Kind         string            `yaml:"kind"`
		URL          string            `yaml:"url,omitempty"`
		Path         string            `yaml:"path,omitempty"`
		Interval     string            `yaml:"interval,omitempty"`
		LinkSelector string            `yaml:"link_selector,omitempty"`
		RateLimit    float64           `yaml:"rate_limit,omitempty"`
		Headers      map[string]string `yaml:"headers,omitempty"`
		Language     string            `yaml:"language,omitempty"`
		AllowPrivate bool              `yaml:"allow_private,omitempty"`
		Enabled      bool              `yaml:"enabled"`
	}
	o := out{ID: s.ID, Kind: s.Kind, URL: s.URL, Path: s.Path, LinkSelector: s.LinkSelector, RateLimit: s.RateLimit,
		Headers: s.Headers, Language: s.Language, AllowPrivate: s.AllowPrivate, Enabled: s.Enabled}
	if s.Interval != 0 {
		o.Interval = s.Interval.String()
	}
	return o, nil
}

func decodeStrict(n *yaml.Node, v any) error {
	if n.Kind == yaml.MappingNode {
		known := map[string]bool{"id": true, "kind": true, "url": true, "path": true, "interval": true,
			"link_selector": true, "rate_limit": true, "headers": true, "language": true, "allow_private": true, "enabled": true}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i].Value; !known[k] {
				return fmt.Errorf("line %d: unknown source field %q", n.Content[i].Line, k)
			}
		}
	}
	return n.Decode(v)
}

// LoadSources reads a YAML sources file of the form
//
//	sources:
//	  - id: vnexpress
//	    kind: feed
//	    url: https://vnexpress.net/rss/tin-moi-nhat.rss
//	    interval: 5m
//
// validates every source and refuses duplicate ids. Errors name the
// source's position or id and the bad field. An empty file yields no
// sources and no error.
func LoadSources(r io.Reader) ([]Source, error) {
	var doc struct {
		Sources []Source `yaml:"sources"`
	}
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("decoding sources: %w", err)
	}
	seen := make(map[string]int, len(doc.Sources))
	for i, s := range doc.Sources {
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("validating sources[%d]: %w", i, err)
		}
		if j, dup := seen[s.ID]; dup {
			return nil, fmt.Errorf("validating sources[%d]: %w", i, &ValidationError{Source: s.ID, Field: "id", Problem: fmt.Sprintf("duplicates sources[%d]", j)})
		}
		seen[s.ID] = i
	}
	return doc.Sources, nil
}

// MarshalJSON writes interval as a duration string ("10m0s") so that the
// registry and `newsctl sources show` read naturally.
func (s Source) MarshalJSON() ([]byte, error) {
	type alias Source
	return json.Marshal(struct {
		alias
		Interval string `json:"interval,omitempty"`
	}{alias: alias(s), Interval: durationString(s.Interval)})
}

// UnmarshalJSON accepts interval as a duration string or as nanoseconds.
func (s *Source) UnmarshalJSON(b []byte) error {
	type alias Source
	var v struct {
		alias
		Interval json.RawMessage `json:"interval,omitempty"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("decoding source: %w", err)
	}
	*s = Source(v.alias)
	s.Interval = 0
	if len(v.Interval) == 0 || string(v.Interval) == "null" {
		return nil
	}
	var str string
	if err := json.Unmarshal(v.Interval, &str); err == nil {
		d, err := time.ParseDuration(str)
		if err != nil {
			return &ValidationError{Source: s.ID, Field: "interval", Problem: fmt.Sprintf("%q is not a duration such as \"10m\"", str)}
		}
		s.Interval = d
		return nil
	}
	var ns int64
	if err := json.Unmarshal(v.Interval, &ns); err != nil {
		return &ValidationError{Source: s.ID, Field: "interval", Problem: "is neither a duration string nor nanoseconds"}
	}
	s.Interval = time.Duration(ns)
	return nil
}

func durationString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}
