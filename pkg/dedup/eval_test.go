package dedup_test

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/newsmill/newsmill/pkg/dedup"
)

// truth is one page of the extraction benchmark (testdata/README.md).
type truth struct {
	Key  string
	Body string
	URL  string
}

func loadTruth(t testing.TB) []truth {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "ground-truth.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]struct {
		ArticleBody string `json:"articleBody"`
		URL         string `json:"url"`
	}
	if err := json.NewDecoder(zr).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	out := make([]truth, 0, len(raw))
	for k, v := range raw {
		out = append(out, truth{Key: k, Body: v.ArticleBody, URL: v.URL})
	}
	slices.SortFunc(out, func(a, b truth) int { return strings.Compare(a.Key, b.Key) })
	return out
}

var sentenceEnd = regexp.MustCompile(`[.!?…](\s+)`)

func paragraphs(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// sentences splits a text at sentence ends followed by white space.
func sentences(s string) []string {
	var out []string
	last := 0
	for _, m := range sentenceEnd.FindAllStringSubmatchIndex(s, -1) {
		out = append(out, s[last:m[2]])
		last = m[3]
	}
	if last < len(s) {
		out = append(out, s[last:])
	}
	return out
}

const siteHeader = "Home | World | Business | Tech | Sport | Opinion\nSign in Subscribe\nShare this article on Facebook Twitter WhatsApp Email\n"
const siteFooter = "\nRead more: the most popular stories of the week.\nSubscribe to our newsletter to get the day's top stories delivered to your inbox every morning.\n© 2019 The Daily Example. All rights reserved. Terms of use. Privacy policy. Cookie settings."

// variant is one way an outlet republishes a story.
type variant struct {
	name string
	make func(r *rand.Rand, body string, other string) string
}

var variants = []variant{
	{"reflowed", func(_ *rand.Rand, body, _ string) string {
		// Paragraphs joined, then wrapped at 60 columns with odd spacing.
		words := strings.Fields(body)
		var b strings.Builder
		col := 0
		for _, w := range words {
			if col+len(w) > 60 {
				b.WriteString("\r\n")
				col = 0
			} else if col > 0 {
				b.WriteString("  ")
			}
			b.WriteString(w)
			col += len(w) + 2
		}
		return b.String()
	}},
	{"boilerplate added", func(_ *rand.Rand, body, _ string) string {
		return siteHeader + body + siteFooter
	}},
	{"prefix and suffix", func(_ *rand.Rand, body, _ string) string {
		return "(PLVN) - " + body + "\n\n(Theo Reuters)"
	}},
	{"word changed", func(r *rand.Rand, body, _ string) string {
		words := strings.Fields(body)
		words[r.IntN(len(words))] = "replaced"
		return strings.Join(words, " ")
	}},
	{"sentence changed", func(r *rand.Rand, body, other string) string {
		ss := sentences(body)
		os := sentences(other)
		ss[r.IntN(len(ss))] = os[r.IntN(len(os))]
		return strings.Join(ss, " ")
	}},
	{"paragraph dropped", func(r *rand.Rand, body, _ string) string {
		ps := paragraphs(body)
		if len(ps) < 2 {
			// One paragraph: drop a sentence instead.
			ss := sentences(body)
			if len(ss) < 2 {
				return body + " Updated."
			}
			i := r.IntN(len(ss))
			return strings.Join(slices.Delete(ss, i, i+1), " ")
		}
		i := r.IntN(len(ps))
		return strings.Join(slices.Delete(ps, i, i+1), "\n\n")
	}},
}

// evalCounts tallies duplicate-detection decisions.
type evalCounts struct{ tp, fp, fn, tn int }

func (c evalCounts) precision() float64 {
	if c.tp+c.fp == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fp)
}

func (c evalCounts) recall() float64 {
	if c.tp+c.fn == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fn)
}

// TestNearDuplicateEvaluation measures precision and recall of duplicate
// detection on real article bodies (181 pages of the Zyte extraction
// benchmark) and their republished variants. Positives: each variant,
// checked after every original was claimed, must be a duplicate of its own
// story. Negatives: the originals themselves (distinct articles, including
// pairs from one site), and the originals again wrapped in one shared site
// template, which must all be original.
func TestNearDuplicateEvaluation(t *testing.T) {
	t.Parallel()
	pages := loadTruth(t)
	r := rand.New(rand.NewPCG(1, 2))
	d := dedup.New(newMemStore(), dedup.Options{})
	family := map[string]int{}
	var total evalCounts
	perVariant := make(map[string]*evalCounts)
	negative := func(id string, v dedup.Verdict, what string) {
		if v.IsDuplicate() {
			total.fp++
			t.Logf("false positive: %s %s judged %v of %s (similarity %.2f)", what, id, v.Status, v.DuplicateOf, v.Similarity)
		} else {
			total.tn++
		}
	}
	for i, p := range pages {
		id := fmt.Sprint("orig-", i)
		family[id] = i
		negative(id, check(t, d, art(id, p.Body)), "original")
	}
	for _, vr := range variants {
		c := &evalCounts{}
		perVariant[vr.name] = c
		for i, p := range pages {
			other := pages[(i+1)%len(pages)].Body
			id := fmt.Sprintf("var-%s-%d", vr.name, i)
			family[id] = i
			v := check(t, d, art(id, vr.make(r, p.Body, other)))
			switch {
			case !v.IsDuplicate():
				c.fn++
				t.Logf("missed: %s of page %d (%d words)", vr.name, i, len(strings.Fields(p.Body)))
			case family[v.DuplicateOf] == i:
				c.tp++
			default:
				c.fp++
				t.Logf("wrong story: %s of page %d judged duplicate of %s", vr.name, i, v.DuplicateOf)
			}
		}
		total.tp += c.tp
		total.fp += c.fp
		total.fn += c.fn
	}
	// Distinct articles in one shared template must stay distinct.
	templated := dedup.New(newMemStore(), dedup.Options{})
	for i, p := range pages {
		id := fmt.Sprint("tmpl-", i)
		negative(id, check(t, templated, art(id, siteHeader+p.Body+siteFooter)), "templated original")
	}
	// Same-site pairs, reported separately: the hardest natural negatives.
	bySite := map[string]int{}
	for _, p := range pages {
		if u, err := url.Parse(p.URL); err == nil {
			bySite[u.Host]++
		}
	}
	sameSite := 0
	for _, n := range bySite {
		if n > 1 {
			sameSite += n
		}
	}
	for _, vr := range variants {
		c := perVariant[vr.name]
		t.Logf("%-18s recall %.3f (%d/%d), wrong story %d", vr.name, c.recall(), c.tp, c.tp+c.fn, c.fp)
	}
	t.Logf("pages %d (%d from sites with two or more pages), variants %d, negatives %d",
		len(pages), sameSite, len(pages)*len(variants), total.tn+total.fp)
	t.Logf("precision %.4f recall %.4f (tp %d fp %d fn %d tn %d)", total.precision(), total.recall(), total.tp, total.fp, total.fn, total.tn)
	if total.precision() < 0.99 || total.recall() < 0.95 {
		t.Fatalf("precision %.4f recall %.4f, want ≥ 0.99 and ≥ 0.95", total.precision(), total.recall())
	}
}
