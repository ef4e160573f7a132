package article

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// jsonFields returns the JSON names of a struct type's fields.
func jsonFields(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

type schemaNode struct {
	Properties map[string]*schemaNode `json:"properties"`
	Items      *schemaNode            `json:"items"`
	Required   []string               `json:"required"`
}

func keys(m map[string]*schemaNode) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestSchemaMatchesStruct keeps article.v1.schema.json in step with the Go
// types: every JSON field of every struct is in the schema and vice versa.
func TestSchemaMatchesStruct(t *testing.T) {
	var root schemaNode
	if err := json.Unmarshal(JSONSchema, &root); err != nil {
		t.Fatalf("schema is not valid JSON: %v", err)
	}
	tests := []struct {
		name string
		typ  reflect.Type
		node *schemaNode
	}{
		{name: "article", typ: reflect.TypeFor[Article](), node: &root},
		{name: "http", typ: reflect.TypeFor[HTTPMeta](), node: root.Properties["http"]},
		{name: "raw", typ: reflect.TypeFor[RawBody](), node: root.Properties["raw"]},
		{name: "images", typ: reflect.TypeFor[Image](), node: root.Properties["images"].Items},
		{name: "removed", typ: reflect.TypeFor[Removal](), node: root.Properties["removed"].Items},
		{name: "topics", typ: reflect.TypeFor[Topic](), node: root.Properties["topics"].Items},
		{name: "entities", typ: reflect.TypeFor[Entity](), node: root.Properties["entities"].Items},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.node == nil {
				t.Fatal("schema has no node for this type")
			}
			got, want := keys(tt.node.Properties), jsonFields(tt.typ)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("schema properties %v\nstruct fields     %v", got, want)
			}
		})
	}
}

func sample() *Article {
	pub := time.Date(2021, 11, 10, 0, 0, 0, 0, time.UTC)
	a := New(ID("https://example.org/news/1"), "molisa")
	a.URL = "https://example.org/news/1?utm_source=x"
	a.CanonicalURL = "https://example.org/news/1"
	a.FetchedAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a.Title = "Cuộc họp SLOM-WG lần thứ 14"
	a.PublishedAt = &pub
	a.Text = "Ngày 10/11/2021, Cuộc họp thường niên.\n\nĐoạn hai."
	a.Removed = []Removal{{Rule: "ribbon", Text: "Skip Ribbon Commands"}}
	a.ContentHash = "9f2c"
	a.SimHash = "00ff00ff00ff00ff"
	a.Language = "vi"
	a.Topics = []Topic{{Name: "labour", Score: 0.81}, {Name: "politics", Score: 0.4}}
	a.Entities = []Entity{{Type: "organisation", Name: "ASEAN", Surface: "ASEAN"}}
	a.Stamp(StageFetcher, a.FetchedAt)
	a.Stamp(StageClassifier, a.FetchedAt.Add(time.Second))
	return a
}

func TestGoldenRoundTrip(t *testing.T) {
	a := sample()
	got, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "article.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run: go test ./article -update)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Errorf("encoding changed; if intended run: go test ./article -update\ngot:\n%s", got)
	}
	back, err := Unmarshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, a) {
		t.Errorf("round trip differs:\n%+v\n%+v", back, a)
	}
	if a.TopTopic() != "labour" {
		t.Errorf("TopTopic = %q", a.TopTopic())
	}
}

func TestUnmarshalRejects(t *testing.T) {
	tests := []struct {
		name, in string
	}{
		{name: "not json", in: `{"schema":`},
		{name: "other schema", in: `{"schema":"newsmill.article/v2","id":"x","source":"s"}`},
		{name: "no id", in: `{"schema":"newsmill.article/v1","source":"s"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Unmarshal([]byte(tt.in)); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestIDsAreDeterministicAndDistinct(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{name: "same url", a: ID("https://x.org/a"), b: ID("https://x.org/a"), same: true},
		{name: "other url", a: ID("https://x.org/a"), b: ID("https://x.org/b")},
		{name: "same content", a: ContentID([]byte("body")), b: ContentID([]byte("body")), same: true},
		{name: "url vs content namespaces", a: ID("body"), b: ContentID([]byte("body"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.a) != 32 || strings.Trim(tt.a, "0123456789abcdef") != "" {
				t.Errorf("id %q is not 32 hex digits", tt.a)
			}
			if (tt.a == tt.b) != tt.same {
				t.Errorf("%s vs %s: same=%v", tt.a, tt.b, tt.a == tt.b)
			}
		})
	}
}

func TestSubjects(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{name: "raw", got: Raw("molisa"), want: "news.raw.molisa"},
		{name: "dots in source", got: Cleaned("bao.langson"), want: "news.cleaned.bao_langson"},
		{name: "wildcards", got: Unique("a*b>c"), want: "news.unique.a_b_c"},
		{name: "duplicate", got: Duplicate("x"), want: "news.duplicate.x"},
		{name: "articles", got: Articles("vi", "labour"), want: "news.articles.vi.labour"},
		{name: "topic with commas", got: Articles("en", "economy, business and finance"), want: "news.articles.en.economy_business_and_finance"},
		{name: "empty lang and topic", got: Articles("", ""), want: "news.articles.und.none"},
		{name: "dlq", got: DLQ(StageCleaner), want: "news.dlq.cleaner"},
		{name: "msg id", got: MsgID(StageCleaner, "abc", "h1"), want: "cleaner:abc:h1"},
		{name: "empty token", got: Token(""), want: "_"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func FuzzToken(f *testing.F) {
	for _, s := range []string{"", "a.b", "x y", "economy, business and finance", "*>", "Tiếng Việt"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok := Token(s)
		if tok == "" || strings.ContainsAny(tok, ".*> \t\r\n") {
			t.Fatalf("Token(%q) = %q is not one safe subject token", s, tok)
		}
		if Token(tok) != tok {
			t.Fatalf("Token not idempotent: %q → %q → %q", s, tok, Token(tok))
		}
	})
}
