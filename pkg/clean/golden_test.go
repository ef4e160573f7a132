package clean

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/newsmill/newsmill/pkg/samples"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// goldenOutput is Output as stored in testdata/golden, with the date as
// text so that the files read well.
type goldenOutput struct {
	Title            string        `json:"title"`
	PublishedAt      string        `json:"published_at,omitempty"`
	Byline           string        `json:"byline,omitempty"`
	Attribution      string        `json:"attribution,omitempty"`
	SourceURL        string        `json:"source_url,omitempty"`
	Text             string        `json:"text"`
	Removed          []removalJSON `json:"removed,omitempty"`
	RemovedTruncated bool          `json:"removed_truncated,omitempty"`
}

type removalJSON struct {
	Rule string `json:"rule"`
	Text string `json:"text"`
}

func toGolden(o Output) goldenOutput {
	g := goldenOutput{Title: o.Title, Byline: o.Byline, Attribution: o.Attribution, SourceURL: o.SourceURL, Text: o.Text, RemovedTruncated: o.RemovedTruncated}
	if o.PublishedAt != nil {
		g.PublishedAt = o.PublishedAt.Format(time.RFC3339)
	}
	for _, r := range o.Removed {
		g.Removed = append(g.Removed, removalJSON(r))
	}
	return g
}

func cleanSeed(t testing.TB, c *Cleaner, s samples.Seed) Output {
	t.Helper()
	out, err := c.Clean(context.Background(), Input{Source: "seeds", Text: string(s.Body)})
	if err != nil {
		t.Fatalf("cleaning %s: %v", s.Name, err)
	}
	return out
}

// TestGoldenSeeds compares the cleaned seeds with testdata/golden. After an
// intended change, regenerate with: go test ./clean -run TestGoldenSeeds -update
func TestGoldenSeeds(t *testing.T) {
	seeds, err := samples.Seeds()
	if err != nil {
		t.Fatal(err)
	}
	c := New(Options{})
	for _, s := range seeds {
		t.Run(s.Name, func(t *testing.T) {
			got := toGolden(cleanSeed(t, c, s))
			path := filepath.Join("testdata", "golden", strings.TrimSuffix(s.Name, ".txt")+".json")
			if *update {
				data, err := json.MarshalIndent(got, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("reading golden file (create it with: go test ./clean -run TestGoldenSeeds -update): %v", err)
			}
			var want goldenOutput
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatalf("decoding %s: %v", path, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s differs (-golden +got); if the change is intended, run: go test ./clean -run TestGoldenSeeds -update\n%s", path, diff)
			}
		})
	}
}

// TestSeedExpectations checks every expectation of seeds/expected.json that
// concerns the cleaner, on the seeds as plain text (the title derived from
// the text) and as paragraphs with the title known, as HTML extraction
// hands them over.
func TestSeedExpectations(t *testing.T) {
	seeds, err := samples.Seeds()
	if err != nil {
		t.Fatal(err)
	}
	c := New(Options{})
	for _, s := range seeds {
		for _, mode := range []string{"text", "paragraphs"} {
			t.Run(s.Name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				in := Input{Source: "seeds", Text: string(s.Body)}
				if mode == "paragraphs" {
					in = Input{Source: "seeds", Paragraphs: strings.Split(string(s.Body), "\n")}
					if s.Expect.Title != nil {
						in.Title = *s.Expect.Title
					}
				}
				out, err := c.Clean(context.Background(), in)
				if err != nil {
					t.Fatal(err)
				}
				checkExpectation(t, s.Expect, out)
			})
		}
	}
}

func checkExpectation(t *testing.T, e samples.Expectation, out Output) {
	t.Helper()
	checkOpt := func(field string, want *string, got string) {
		t.Helper()
		switch {
		case want == nil && got != "":
			t.Errorf("%s = %q, want none", field, got)
		case want != nil && got != *want:
			t.Errorf("%s = %q, want %q", field, got, *want)
		}
	}
	checkOpt("title", e.Title, out.Title)
	checkOpt("attribution", e.Attribution, out.Attribution)
	checkOpt("source_url", e.SourceURL, out.SourceURL)
	pub := ""
	if out.PublishedAt != nil {
		pub = out.PublishedAt.Format(time.DateOnly)
		if !out.PublishedAt.Equal(out.PublishedAt.Truncate(24 * time.Hour)) {
			t.Errorf("published_at %v is not midnight UTC", out.PublishedAt)
		}
	}
	checkOpt("published", e.Published, pub)
	if !strings.HasPrefix(out.Text, e.BodyStarts) {
		t.Errorf("body starts %q, want %q", head(out.Text, len(e.BodyStarts)+20), e.BodyStarts)
	}
	if !strings.HasSuffix(out.Text, e.BodyEnds) {
		t.Errorf("body ends %q, want %q", tail(out.Text, len(e.BodyEnds)+20), e.BodyEnds)
	}
	for _, m := range e.MustContain {
		if !strings.Contains(out.Text, m) {
			t.Errorf("body lacks %q", m)
		}
	}
	for _, m := range e.MustNot {
		if strings.Contains(out.Text, m) {
			t.Errorf("body contains %q", m)
		}
	}
	for _, m := range e.AtMostOnce {
		if n := strings.Count(out.Text, m); n > 1 {
			t.Errorf("body holds %q %d times, want at most once", m, n)
		}
	}
	if t.Failed() {
		t.Logf("title: %q\ntext:\n%s\nremoved: %+v", out.Title, out.Text, out.Removed)
	}
}

func head(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
