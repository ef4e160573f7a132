package fetch

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// TestRawArticleGolden pins the raw article the fetcher publishes for the
// windows-1258 page: identity, HTTP metadata, charset, language hint and
// the UTF-8 body. Volatile values (fixture address, times) are replaced
// and the body is shown uncompressed.
func TestRawArticleGolden(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	f, pub, _ := newTestFetcher(t, s)
	if _, err := f.Poll(t.Context(), Source{ID: "vi-news", Kind: KindPage, URL: s.URL + "/vi.html?utm_source=x", Language: "en", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	arts := pub.all()
	if len(arts) != 1 {
		t.Fatalf("published %d", len(arts))
	}
	a := *arts[0]
	raw := *a.Raw
	body := gunzip(t, a.Raw.Body)
	raw.Body, raw.Encoding = nil, "gzip (body shown below, uncompressed)"
	a.Raw = &raw
	fixed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a.FetchedAt = fixed
	for k := range a.Stages {
		a.Stages[k] = fixed
	}
	type view struct {
		Article any    `json:"article"`
		Body    string `json:"body"`
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(view{Article: a, Body: body}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	b = bytes.ReplaceAll(b, []byte(s.URL), []byte("http://fixture.test"))
	// The id hashes the fixture's real address; show its length only.
	b = bytes.ReplaceAll(b, []byte(a.ID), []byte(strings.Repeat("x", len(a.ID))))
	golden := filepath.Join("testdata", "raw-article-windows-1258.golden.json")
	if *update {
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("reading golden (regenerate: go test ./fetch -run TestRawArticleGolden -update): %v", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("raw article differs from %s (regenerate: go test ./fetch -run TestRawArticleGolden -update)\n got: %s", golden, b)
	}
}
