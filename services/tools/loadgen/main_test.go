package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/clean"
	"github.com/newsmill/newsmill/pkg/dedup"
	"github.com/newsmill/newsmill/pkg/pipeline"
)

func ms(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{name: "empty", sorted: nil, p: 50, want: 0},
		{name: "one value", sorted: ms(7), p: 99, want: 7 * time.Millisecond},
		{name: "median of odd count", sorted: ms(1, 2, 3), p: 50, want: 2 * time.Millisecond},
		{name: "median of even count is the lower middle", sorted: ms(1, 2, 3, 4), p: 50, want: 2 * time.Millisecond},
		{name: "p90 of 1..100", sorted: hundred, p: 90, want: 90 * time.Millisecond},
		{name: "p99 of 1..100", sorted: hundred, p: 99, want: 99 * time.Millisecond},
		{name: "p99 of ten is the max", sorted: ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), p: 99, want: 10 * time.Millisecond},
		{name: "max", sorted: hundred, p: 100, want: 100 * time.Millisecond},
		{name: "zero is the min", sorted: ms(3, 4), p: 0, want: 3 * time.Millisecond},
		{name: "above 100 is the max", sorted: ms(3, 4), p: 150, want: 4 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(p%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestSummariseSortsAndRounds(t *testing.T) {
	got := summarise([]time.Duration{3 * time.Millisecond, 1500 * time.Microsecond, 2 * time.Millisecond})
	want := Dist{Count: 3, P50: 2, P90: 3, P99: 3, Max: 3}
	if got != want {
		t.Errorf("summarise = %+v, want %+v", got, want)
	}
}

func TestParseVmHWM(t *testing.T) {
	tests := []struct {
		name, status string
		want         int64
	}{
		{name: "linux status", status: "Name:\tloadgen\nVmPeak:\t  900 kB\nVmHWM:\t  123456 kB\nVmRSS:\t 100 kB\n", want: 123456 * 1024},
		{name: "missing line", status: "Name:\tx\n", want: 0},
		{name: "garbage value", status: "VmHWM:\tlots kB\n", want: 0},
		{name: "empty value", status: "VmHWM:\n", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseVmHWM([]byte(tt.status)); got != tt.want {
				t.Errorf("parseVmHWM = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestMark(t *testing.T) {
	tests := []struct {
		name  string
		in    []string
		extra string
		want  string
	}{
		{name: "short line untouched", in: []string{"Skip Ribbon Commands\n"}, want: "Skip Ribbon Commands\n"},
		{name: "every third word", in: []string{"one two three four five six seven eight\n"},
			want: "one two three M four five six M seven eight\n"},
		{name: "white space kept", in: []string{"one  two\tthree\nfour five six seven"},
			want: "one  two\tthree M\nfour five six M seven"},
		{name: "counted across pieces, short ones skipped", in: []string{"one two three four ", "five six seven ", "Sign In", " eight nine ten eleven"},
			want: "one two three M four five six seven Sign In eight nine M ten eleven"},
		{name: "scripts without spaces", in: []string{"先日、不正に改造した。報道によると、今回販売された。もちろん、認めていません。"},
			want: "先日、不正に改造した。報道によると、 M 今回販売された。もちろん、認めていません。 M "},
		{name: "extra goes before the chosen piece", in: []string{"a b", " one two three four five"}, extra: "Edited.",
			want: "a b Edited.  one two three M four five"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &marker{word: "M", extra: tt.extra, extraAt: 1, minWords: minMarkWords}
			var got strings.Builder
			for _, s := range tt.in {
				got.WriteString(m.mark(s))
			}
			if got.String() != tt.want {
				t.Errorf("mark =\n%q\nwant\n%q", got.String(), tt.want)
			}
		})
	}
}

func TestWalkHTMLLeavesMarkupAlone(t *testing.T) {
	page := `<html><head><title>one two three four five six seven eight nine ten</title>` +
		`<script>var a = "one two three four five six seven eight nine ten";</script></head>` +
		`<body><p class="x">one two three four five six seven eight nine ten</p></body></html>`
	m := &marker{word: "M", minWords: minMarkWords}
	got := string(walkHTML([]byte(page), func(s string, _ bool) string { return m.mark(s) }))
	want := strings.Replace(page, `<p class="x">one two three four five six seven eight nine ten</p>`,
		`<p class="x">one two three M four five six M seven eight nine M ten</p>`, 1)
	if got != want {
		t.Errorf("markHTML =\n%s\nwant\n%s", got, want)
	}
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name    string
		dup     float64
		minDups int
		maxDups int
	}{
		{name: "no duplicates", dup: 0, minDups: 0, maxDups: 0},
		{name: "ten percent", dup: 0.1, minDups: 60, maxDups: 140},
		{name: "half", dup: 0.5, minDups: 420, maxDups: 580},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := plan(1000, tt.dup, 42)
			if items[0].kind != KindOriginal {
				t.Fatalf("first item is %s", items[0].kind)
			}
			dups := 0
			for i, it := range items {
				switch it.kind {
				case KindOriginal:
					if it.orig != i {
						t.Fatalf("original %d points at %d", i, it.orig)
					}
				case KindExact, KindNear:
					dups++
					if it.orig >= i || items[it.orig].kind != KindOriginal {
						t.Fatalf("duplicate %d copies %d, not an earlier original", i, it.orig)
					}
				}
			}
			if dups < tt.minDups || dups > tt.maxDups {
				t.Errorf("%d duplicates of 1000, want %d..%d", dups, tt.minDups, tt.maxDups)
			}
			again := plan(1000, tt.dup, 42)
			for i := range items {
				if items[i] != again[i] {
					t.Fatalf("plan not deterministic at %d", i)
				}
			}
		})
	}
}

// cleanedText runs body through the cleaner stage as the pipeline does.
func cleanedText(t *testing.T, c *pipeline.Cleaner, g *generator, i int, it item) string {
	t.Helper()
	a, err := g.Article(i, it)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CleanArticle(context.Background(), a); err != nil {
		t.Fatalf("cleaning article %d (%s): %v", i, g.baseOf(it.orig).name, err)
	}
	return a.Text
}

// jaccard is the exact Jaccard similarity of the word 3-gram sets of two
// texts after dedup.Normalize: what the deduplicator's MinHash estimates.
func jaccard(a, b string) float64 {
	set := func(s string) map[string]bool {
		w := strings.Fields(dedup.Normalize(s))
		out := map[string]bool{}
		for i := 0; i+3 <= len(w); i++ {
			out[strings.Join(w[i:i+3], " ")] = true
		}
		return out
	}
	sa, sb := set(a), set(b)
	inter := 0
	for k := range sa {
		if sb[k] {
			inter++
		}
	}
	union := len(sa) + len(sb) - inter
	if union == 0 {
		return 1
	}
	return float64(inter) / float64(union)
}

// TestVariantsAreDistinct checks on every base of the corpus that two
// originals made from it are far apart for the deduplicator (exact 3-gram
// Jaccard well under its 0.5 threshold, different content hashes), that an
// exact duplicate cleans to the same text and a near duplicate to a text
// above the threshold.
func TestVariantsAreDistinct(t *testing.T) {
	corp, err := loadCorpus(findPages(), 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(corp.html) == 0 {
		t.Fatal("no HTML pages found under pkg/extract/testdata/zyte")
	}
	c := &pipeline.Cleaner{Clean: clean.New(clean.Options{})}
	tests := []struct {
		name string
		g    *generator
		n    int
	}{
		{name: "plain text", g: newGenerator(corp, 0, 7), n: min(len(corp.plain), 60)},
		{name: "html", g: newGenerator(corp, 1, 7), n: len(corp.html)},
	}
	const maxJaccard = 0.3
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Originals i and j share a base when baseOf picks the same
			// one; find such pairs by name.
			byBase := map[string][]int{}
			for i, twice := 0, 0; twice < tt.n && i < 100*tt.n; i++ {
				name := tt.g.baseOf(i).name
				if len(byBase[name]) < 2 {
					byBase[name] = append(byBase[name], i)
					if len(byBase[name]) == 2 {
						twice++
					}
				}
			}
			worst, pairs, sameNear := 0.0, 0, 0
			for name, idx := range byBase {
				if len(idx) < 2 {
					continue
				}
				pairs++
				i, j := idx[0], idx[1]
				a := cleanedText(t, c, tt.g, i, item{kind: KindOriginal, orig: i})
				b := cleanedText(t, c, tt.g, j, item{kind: KindOriginal, orig: j})
				if dedup.ContentHash(a) == dedup.ContentHash(b) {
					t.Errorf("%s: originals %d and %d have the same content hash", name, i, j)
				}
				s := jaccard(a, b)
				worst = max(worst, s)
				if s > maxJaccard {
					t.Errorf("%s: originals %d and %d: Jaccard %.2f > %.2f", name, i, j, s, maxJaccard)
				}
				exact := cleanedText(t, c, tt.g, j+1, item{kind: KindExact, orig: i})
				if dedup.ContentHash(exact) != dedup.ContentHash(a) {
					t.Errorf("%s: exact duplicate of %d cleans to other text", name, i)
				}
				near := cleanedText(t, c, tt.g, j+2, item{kind: KindNear, orig: i})
				if s := jaccard(a, near); s < 0.6 {
					t.Errorf("%s: near duplicate of %d: Jaccard %.2f, want ≥ 0.6", name, i, s)
				}
				if dedup.ContentHash(near) == dedup.ContentHash(a) {
					// The edit went where the extractor does not look
					// (the page's longest paragraph is not its article):
					// the near duplicate arrives as an exact one.
					t.Logf("%s: near duplicate of %d has the original's text", name, i)
					sameNear++
				}
			}
			if pairs < tt.n/2 {
				t.Errorf("only %d of %d bases drawn twice", pairs, tt.n)
			}
			if sameNear > pairs/10 {
				t.Errorf("%d of %d near duplicates clean to their original's text", sameNear, pairs)
			}
			t.Logf("%d bases, worst Jaccard between originals %.2f", pairs, worst)
		})
	}
}

func TestArticleIdentity(t *testing.T) {
	corp, err := loadCorpus("", 0)
	if err != nil {
		t.Fatal(err)
	}
	g := newGenerator(corp, 0, 99)
	seen := map[string]bool{}
	for i := range 50 {
		a, err := g.Article(i, item{kind: KindOriginal, orig: i})
		if err != nil {
			t.Fatal(err)
		}
		if seen[a.ID] {
			t.Fatalf("article %d repeats id %s", i, a.ID)
		}
		seen[a.ID] = true
		if a.ID != article.ID(a.CanonicalURL) || a.Raw == nil || a.Raw.Size == 0 || a.Source != "load" {
			t.Fatalf("article %d: id %s canonical %s raw %v source %s", i, a.ID, a.CanonicalURL, a.Raw != nil, a.Source)
		}
	}
	if other := newGenerator(corp, 0, 100); other.marker(1) == g.marker(1) {
		t.Error("two runs share markers: a persistent store would see the second as duplicates")
	}
}

// TestRunSettlesEveryArticle runs the tool end to end on an embedded NATS
// server with the JetStream key-value store: every published article must
// get an outcome, with its latencies measured. One article at a time, the
// outcomes map one to one onto the plan. Concurrently, order may change
// which of two articles is the original, and the cleaner learns a source's
// boilerplate in arrival order, so two of the 33 originals (made from only
// five sample pages) can come out close enough to be judged near
// duplicates; what order cannot change is checked instead: every article
// settles and every planned copy is a duplicate.
func TestRunSettlesEveryArticle(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		strict bool
	}{
		{name: "one at a time", args: []string{"-inflight", "1", "-publishers", "1", "-concurrency", "1"}, strict: true},
		{name: "concurrent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"-n", "40", "-dup", "0.2", "-pages", "none", "-redis", "", "-json", "-seed", "5", "-timeout", "1m"}, tc.args...)
			if err := run(context.Background(), args, &out, &errOut); err != nil {
				t.Fatalf("run: %v\n%s", err, errOut.String())
			}
			var r Report
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				t.Fatalf("decoding report: %v\n%s", err, out.String())
			}
			settled := 0
			for _, n := range r.Outcomes {
				settled += n
			}
			published := 0
			for _, n := range r.Published {
				published += n
			}
			if published != 40 || settled != 40 || r.Lost != 0 {
				t.Fatalf("published %d, settled %d, lost %d; want 40, 40, 0", published, settled, r.Lost)
			}
			if r.Store != "jetstream-kv" {
				t.Errorf("store %q, want jetstream-kv", r.Store)
			}
			copies := r.Published[KindExact] + r.Published[KindNear]
			if tc.strict && (r.Outcomes["article"] != r.Published[KindOriginal] || r.Outcomes["duplicate"] != copies) {
				t.Errorf("outcomes %v for published %v: originals and copies should map one to one\nreport: %s", r.Outcomes, r.Published, out.String())
			}
			// Exact copies are byte-identical to their original whatever
			// the order; near copies are at least as many duplicates.
			if r.Verdicts[pipeline.VerdictDuplicate] != r.Published[KindExact] || r.Outcomes["duplicate"] < copies {
				t.Errorf("verdicts %v, outcomes %v for published %v\nreport: %s", r.Verdicts, r.Outcomes, r.Published, out.String())
			}
			if r.EndToEnd.Count != r.Outcomes["article"] || r.EndToEnd.P50 <= 0 || r.EndToEnd.Max < r.EndToEnd.P99 {
				t.Errorf("end-to-end latency %+v for %d articles", r.EndToEnd, r.Outcomes["article"])
			}
			for _, h := range hops {
				if r.Stages[h.name].Count == 0 {
					t.Errorf("no %s latencies", h.name)
				}
			}
			if w := r.Work["cleaner"]; w.Messages != 40 || r.Bottleneck == "" {
				t.Errorf("cleaner work %+v, bottleneck %q", w, r.Bottleneck)
			}
		})
	}
}

func TestParseFlagsRefusesUnboundedRuns(t *testing.T) {
	tests := []struct {
		name string
		args []string
		ok   bool
	}{
		{name: "defaults", args: nil, ok: true},
		{name: "duration only", args: []string{"-n", "0", "-duration", "10s"}, ok: true},
		{name: "neither count nor duration", args: []string{"-n", "0"}},
		{name: "all duplicates", args: []string{"-dup", "1"}},
		{name: "no in-flight slots", args: []string{"-inflight", "0"}},
		{name: "stray argument", args: []string{"extra"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFlags(tt.args, &bytes.Buffer{})
			if (err == nil) != tt.ok {
				t.Errorf("parseFlags(%q) error %v, want ok=%v", tt.args, err, tt.ok)
			}
		})
	}
}
