package obs

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/newsmill/newsmill/pkg/article"
)

func TestArticleRef(t *testing.T) {
	t.Parallel()
	encoded, err := json.Marshal(article.Article{
		Schema: article.Schema, ID: "a1b2", Source: "vnexpress",
		URL: "https://example.org/x", FetchedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Raw: &article.RawBody{ContentType: "text/html", Size: 3, Body: []byte("abc")},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		data       string
		wantID     string
		wantSource string
		wantOK     bool
	}{
		{name: "encoded article", data: string(encoded), wantID: "a1b2", wantSource: "vnexpress", wantOK: true},
		{name: "fields after nested values", data: ` {"raw":{"body":[1,{"id":"inner"}]},"tags":["x"],"n":1.5,"b":true,"z":null,"source":"s","id":"i"}`, wantID: "i", wantSource: "s", wantOK: true},
		{name: "id only", data: `{"id":"i"}`, wantID: "i", wantOK: true},
		{name: "id not a string", data: `{"id":{"x":1},"source":"s"}`, wantSource: "s", wantOK: true},
		{name: "id a number", data: `{"id":7,"source":"s"}`, wantSource: "s", wantOK: true},
		{name: "neither field", data: `{"title":"t"}`},
		{name: "empty", data: ``},
		{name: "array", data: `[{"id":"i"}]`},
		{name: "not json", data: `<html>`},
		{name: "truncated after id", data: `{"id":"i","source":`, wantID: "i", wantOK: true},
		{name: "escaped strings", data: `{"id":"a\"b","source":"\u0110\u00e0 N\u1eb5ng"}`, wantID: `a"b`, wantSource: "Đà Nẵng", wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, src, ok := ArticleRef([]byte(tt.data))
			if id != tt.wantID || src != tt.wantSource || ok != tt.wantOK {
				t.Errorf("ArticleRef(%q) = %q, %q, %v; want %q, %q, %v", tt.data, id, src, ok, tt.wantID, tt.wantSource, tt.wantOK)
			}
		})
	}
}

// FuzzArticleRef checks that ArticleRef never panics and agrees with
// encoding/json on valid objects whose id and source are strings.
func FuzzArticleRef(f *testing.F) {
	for _, s := range []string{`{"id":"a","source":"b"}`, `{"x":[{"id":1}],"id":"a"}`, `{`, `{"id"`, `[]`, `{"a":{"b":[[[]]]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		id, src, ok := ArticleRef(data)
		if !ok && (id != "" || src != "") {
			t.Fatalf("not ok but returned %q, %q", id, src)
		}
		var obj map[string]json.RawMessage
		if !utf8.Valid(data) || json.Unmarshal(data, &obj) != nil {
			return
		}
		var wantID, wantSource string
		if json.Unmarshal(obj["id"], &wantID) != nil || json.Unmarshal(obj["source"], &wantSource) != nil {
			return
		}
		// Duplicate keys: encoding/json keeps the last value, ArticleRef
		// the first; both are acceptable readings.
		if bytes.Count(data, []byte(`"id"`)) > 1 || bytes.Count(data, []byte(`"source"`)) > 1 {
			return
		}
		if !ok || id != wantID || src != wantSource {
			t.Fatalf("ArticleRef = %q, %q, %v; encoding/json says %q, %q", id, src, ok, wantID, wantSource)
		}
	})
}

// BenchmarkArticleRef measures reading the id and source of a raw-stage
// article carrying a 1 MiB body, against decoding the whole message.
func BenchmarkArticleRef(b *testing.B) {
	data, err := json.Marshal(article.Article{
		Schema: article.Schema, ID: "0123456789abcdef", Source: "vnexpress",
		Raw: &article.RawBody{ContentType: "text/html", Size: 1 << 20, Body: bytes.Repeat([]byte("x"), 1<<20)},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ArticleRef", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if id, _, _ := ArticleRef(data); id == "" {
				b.Fatal("no id")
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("json.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var ref struct {
				ID     string `json:"id"`
				Source string `json:"source"`
			}
			if err := json.Unmarshal(data, &ref); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}
