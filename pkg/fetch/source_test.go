package fetch

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

func TestSourceValidate(t *testing.T) {
	t.Parallel()
	ok := Source{ID: "vn-1", Kind: KindRSS, URL: "https://example.com/rss", Enabled: true}
	with := func(fn func(*Source)) Source { s := ok; fn(&s); return s }
	tests := []struct {
		name      string
		src       Source
		wantField string
	}{
		{name: "valid feed", src: ok},
		{name: "valid file", src: Source{ID: "seeds", Kind: KindFile, Path: "/data/seeds"}},
		{name: "valid listing", src: Source{ID: "l", Kind: KindListing, URL: "https://e.com/", LinkSelector: "a.title"}},
		{name: "missing id", src: with(func(s *Source) { s.ID = "" }), wantField: "id"},
		{name: "id with dot", src: with(func(s *Source) { s.ID = "a.b" }), wantField: "id"},
		{name: "id upper case", src: with(func(s *Source) { s.ID = "VN" }), wantField: "id"},
		{name: "missing kind", src: with(func(s *Source) { s.Kind = "" }), wantField: "kind"},
		{name: "unknown kind", src: with(func(s *Source) { s.Kind = "podcast" }), wantField: "kind"},
		{name: "missing url", src: with(func(s *Source) { s.URL = "" }), wantField: "url"},
		{name: "ftp url", src: with(func(s *Source) { s.URL = "ftp://e.com/x" }), wantField: "url"},
		{name: "url without host", src: with(func(s *Source) { s.URL = "https:///x" }), wantField: "url"},
		{name: "path on feed", src: with(func(s *Source) { s.Path = "/x" }), wantField: "path"},
		{name: "file without path", src: Source{ID: "f", Kind: KindFile}, wantField: "path"},
		{name: "file with url", src: Source{ID: "f", Kind: KindFile, Path: "/x", URL: "https://e.com"}, wantField: "url"},
		{name: "listing without selector", src: Source{ID: "l", Kind: KindListing, URL: "https://e.com/"}, wantField: "link_selector"},
		{name: "bad selector", src: Source{ID: "l", Kind: KindListing, URL: "https://e.com/", LinkSelector: "a[["}, wantField: "link_selector"},
		{name: "selector on feed", src: with(func(s *Source) { s.LinkSelector = "a" }), wantField: "link_selector"},
		{name: "interval too short", src: with(func(s *Source) { s.Interval = time.Second }), wantField: "interval"},
		{name: "interval too long", src: with(func(s *Source) { s.Interval = 30 * 24 * time.Hour }), wantField: "interval"},
		{name: "negative rate", src: with(func(s *Source) { s.RateLimit = -1 }), wantField: "rate_limit"},
		{name: "rate too high", src: with(func(s *Source) { s.RateLimit = 100 }), wantField: "rate_limit"},
		{name: "host header", src: with(func(s *Source) { s.Headers = map[string]string{"host": "evil"} }), wantField: "headers"},
		{name: "header injection", src: with(func(s *Source) { s.Headers = map[string]string{"X-A": "1\r\nX-B: 2"} }), wantField: "headers"},
		{name: "bad language", src: with(func(s *Source) { s.Language = "Vietnamese" }), wantField: "language"},
		{name: "language with region", src: with(func(s *Source) { s.Language = "vi-VN" })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.src.Validate()
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want a *ValidationError", err)
			}
			if ve.Field != tc.wantField || !strings.Contains(err.Error(), tc.wantField) {
				t.Errorf("field = %q (%v), want %q named in the message", ve.Field, err, tc.wantField)
			}
		})
	}
}

func TestLoadSources(t *testing.T) {
	t.Parallel()
	fh, err := os.Open("testdata/sources.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	got, err := LoadSources(fh)
	if err != nil {
		t.Fatalf("LoadSources: %v", err)
	}
	if len(got) != 6 {
		t.Fatalf("got %d sources, want 6", len(got))
	}
	want0 := Source{ID: "vnexpress", Kind: KindRSS, URL: "https://vnexpress.net/rss/tin-moi-nhat.rss", Interval: 5 * time.Minute, Language: "vi", Enabled: true}
	if d := cmp.Diff(want0, got[0]); d != "" {
		t.Errorf("sources[0] (-want +got):\n%s", d)
	}
	if got[3].Enabled {
		t.Error("enabled: false not honoured")
	}
	if got[2].Headers["Cookie"] != "consent=1" || got[1].RateLimit != 0.5 || !got[4].AllowPrivate {
		t.Errorf("fields lost: %+v", got)
	}

	bad := []struct {
		name, yaml, want string
	}{
		{name: "unknown field", yaml: "sources:\n  - id: a\n    kind: feed\n    url: https://e.com\n    intervall: 5m\n", want: "intervall"},
		{name: "bad interval", yaml: "sources:\n  - id: a\n    kind: feed\n    url: https://e.com\n    interval: soon\n", want: "interval"},
		{name: "invalid source", yaml: "sources:\n  - id: a\n    kind: feed\n", want: "url"},
		{name: "duplicate id", yaml: "sources:\n  - {id: a, kind: feed, url: 'https://e.com/1'}\n  - {id: a, kind: feed, url: 'https://e.com/2'}\n", want: "duplicates sources[0]"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadSources(strings.NewReader(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadSources error = %v, want it to name %q", err, tc.want)
			}
		})
	}
	if s, err := LoadSources(strings.NewReader("")); err != nil || len(s) != 0 {
		t.Errorf("empty file: %v, %v", s, err)
	}
}

func TestSourceEncoding(t *testing.T) {
	t.Parallel()
	src := Source{ID: "a", Kind: KindListing, URL: "https://e.com/", Interval: 90 * time.Second, LinkSelector: "h2 a",
		RateLimit: 2, Headers: map[string]string{"X-Key": "1"}, Language: "vi", AllowPrivate: true, Enabled: true}
	j, err := json.Marshal(src)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(j), `"interval":"1m30s"`) || !strings.Contains(string(j), `"link_selector":"h2 a"`) {
		t.Errorf("JSON = %s", j)
	}
	var back Source
	if err := json.Unmarshal(j, &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(src, back); d != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", d)
	}
	var ns Source
	if err := json.Unmarshal([]byte(`{"id":"a","interval":60000000000}`), &ns); err != nil || ns.Interval != time.Minute {
		t.Errorf("nanosecond interval: %v %v", ns.Interval, err)
	}
	y, err := yaml.Marshal(src)
	if err != nil {
		t.Fatal(err)
	}
	var yback Source
	if err := yaml.Unmarshal(y, &yback); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(src, yback); d != "" {
		t.Errorf("YAML round trip (-want +got):\n%s\n%s", d, y)
	}
}
