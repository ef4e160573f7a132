package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/net/html"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/pipeline"
	"github.com/newsmill/newsmill/pkg/samples"
)

// Kinds of generated article.
const (
	KindOriginal = "original"
	KindExact    = "exact_duplicate"
	KindNear     = "near_duplicate"
)

// base is one real page or text the generator varies.
type base struct {
	name string
	// contentType is "text/html; charset=utf-8" or "text/plain; charset=utf-8".
	contentType string
	body        []byte
}

func (b base) isHTML() bool { return strings.HasPrefix(b.contentType, "text/html") }

// corpus holds the bases: the sample seed texts, the benchmark's HTML pages
// and the plain-text bodies of its ground truth.
type corpus struct {
	html  []base
	plain []base
}

// minPlainBody skips ground-truth bodies too short to be an article.
const minPlainBody = 400

// loadCorpus reads the five seed texts and, when dir is not empty, up to
// maxHTML HTML pages from dir/html/*.html.gz and every ground-truth body of
// dir/ground-truth.json (the Zyte article-extraction benchmark layout).
func loadCorpus(dir string, maxHTML int) (*corpus, error) {
	c := &corpus{}
	seeds, err := samples.Seeds()
	if err != nil {
		return nil, fmt.Errorf("loading seeds: %w", err)
	}
	for _, s := range seeds {
		c.plain = append(c.plain, base{name: "seed/" + s.Name, contentType: "text/plain; charset=utf-8", body: s.Body})
	}
	if dir == "" {
		return c, nil
	}
	pages, err := filepath.Glob(filepath.Join(dir, "html", "*.html.gz"))
	if err != nil {
		return nil, fmt.Errorf("listing pages: %w", err)
	}
	slices.Sort(pages)
	if maxHTML >= 0 && len(pages) > maxHTML {
		pages = pages[:maxHTML]
	}
	for _, p := range pages {
		body, err := readGzip(p)
		if err != nil {
			return nil, err
		}
		c.html = append(c.html, base{name: "html/" + filepath.Base(p), contentType: "text/html; charset=utf-8", body: body})
	}
	gt, err := os.ReadFile(filepath.Join(dir, "ground-truth.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading ground truth: %w", err)
	}
	var truth map[string]struct {
		ArticleBody string `json:"articleBody"`
	}
	if err := json.Unmarshal(gt, &truth); err != nil {
		return nil, fmt.Errorf("decoding ground truth: %w", err)
	}
	ids := make([]string, 0, len(truth))
	for id := range truth {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if body := strings.TrimSpace(truth[id].ArticleBody); len(body) >= minPlainBody {
			c.plain = append(c.plain, base{name: "text/" + id, contentType: "text/plain; charset=utf-8", body: []byte(body)})
		}
	}
	return c, nil
}

func readGzip(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening page: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("decompressing %s: %w", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("decompressing %s: %w", path, err)
	}
	return b, nil
}

// findPages looks for the Zyte benchmark pages (pkg/extract/testdata/zyte)
// from the working directory upwards, so the tool finds them from anywhere
// in a clone. It returns "" when there are none.
func findPages() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "pkg", "extract", "testdata", "zyte")
		if st, err := os.Stat(filepath.Join(p, "html")); err == nil && st.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// item is one planned article: what it is and, for duplicates, which
// original it copies.
type item struct {
	kind string
	// orig is the index of the original this item is (or copies).
	orig int
}

// planner decides the kind of each article in turn with a seeded
// generator: a share dup of duplicates, half exact, half near, each copying
// one of the last 50 originals (as news republishing does). The first
// article is always an original.
type planner struct {
	r         *rand.Rand
	dup       float64
	originals []int
	n         int
}

func newPlanner(dup float64, seed uint64) *planner {
	return &planner{r: rand.New(rand.NewPCG(seed, 0x6c6f6164)), dup: dup}
}

// next returns the plan of the next article.
func (p *planner) next() item {
	i := p.n
	p.n++
	if len(p.originals) == 0 || p.r.Float64() >= p.dup {
		p.originals = append(p.originals, i)
		return item{kind: KindOriginal, orig: i}
	}
	k := len(p.originals) - 1 - p.r.IntN(min(len(p.originals), 50))
	kind := KindExact
	if p.r.IntN(2) == 1 {
		kind = KindNear
	}
	return item{kind: kind, orig: p.originals[k]}
}

// plan returns the first n plans of a planner.
func plan(n int, dup float64, seed uint64) []item {
	p := newPlanner(dup, seed)
	items := make([]item, n)
	for i := range items {
		items[i] = p.next()
	}
	return items
}

// generator makes the raw articles of one run. Its methods are safe for
// concurrent use.
type generator struct {
	corpus    *corpus
	nonce     string
	htmlShare float64
	seed      uint64
}

func newGenerator(c *corpus, htmlShare float64, seed uint64) *generator {
	return &generator{
		corpus:    c,
		nonce:     strconv.FormatUint(seed%(36*36*36*36*36), 36),
		htmlShare: htmlShare,
		seed:      seed,
	}
}

// baseOf picks the base of original i: HTML with probability htmlShare
// (when there are pages), plain text otherwise, cycling through each list.
func (g *generator) baseOf(i int) base {
	r := rand.New(rand.NewPCG(g.seed, uint64(i)))
	if len(g.corpus.html) > 0 && r.Float64() < g.htmlShare {
		return g.corpus.html[r.IntN(len(g.corpus.html))]
	}
	return g.corpus.plain[r.IntN(len(g.corpus.plain))]
}

// marker is the word that makes original i unique: letters and digits
// only, so dedup.Normalize keeps it as one word, and distinct across runs
// (the nonce) and articles.
func (g *generator) marker(i int) string {
	return "lg" + g.nonce + "x" + strconv.FormatInt(int64(i), 36)
}

// markEvery is how often the marker is woven in: after every markEvery-th
// word. Every shingle of three words that spans a marker is unique to the
// article, so two variants of one base share about 1 in 4 of their shingles
// (a 3-gram Jaccard similarity near 0.14, far under the deduplicator's
// 0.5) and are both originals; and they rarely share an LSH band (about
// 15 %), so the near-duplicate index does no more work than for unrelated
// stories. A single inserted sentence would not do: the rest of the page
// would make every variant a near duplicate of the first. The price is
// text a third longer than the page's.
const markEvery = 3

// minMarkWords leaves plain-text lines shorter than this alone, so short
// chrome lines ("Skip Ribbon Commands") stay as the page had them and the
// cleaner still recognises them.
const minMarkWords = 4

// url is the address of article i: unique per run, never resolvable.
func (g *generator) url(i int) string {
	return "https://load.newsmill.invalid/" + g.nonce + "/" + strconv.Itoa(i)
}

// Body returns the body of article i planned as it, and its content type.
func (g *generator) Body(i int, it item) ([]byte, string) {
	b := g.baseOf(it.orig)
	extra := ""
	if it.kind == KindNear {
		extra = nearLine(i)
	}
	return g.vary(b, it.orig, extra), b.contentType
}

// Article returns raw article i planned as it, ready for
// pipeline.RawPublisher. Its id and canonical URL are its own, so exact
// duplicates are found by content, not by address.
func (g *generator) Article(i int, it item) (*article.Article, error) {
	body, ct := g.Body(i, it)
	u := g.url(i)
	a := article.New(article.ID(u), "load")
	a.URL, a.CanonicalURL = u, u
	a.FetchedAt = time.Now().UTC()
	a.HTTP = &article.HTTPMeta{Status: 200, ContentType: ct, FinalURL: u}
	raw, err := pipeline.NewRawBody(body, ct, "utf-8")
	if err != nil {
		return nil, fmt.Errorf("generating article %d: %w", i, err)
	}
	a.Raw = raw
	return a, nil
}

// vary weaves original i's marker into the paragraphs of b; extra, when
// not empty, is added to the longest paragraph (a near duplicate's edit,
// placed where the extractor and cleaner keep it).
func (g *generator) vary(b base, i int, extra string) []byte {
	m := &marker{word: g.marker(i), minWords: minMarkWords}
	if b.isHTML() {
		// Markup already separates chrome from the article; count every
		// text node, so tables of one-word cells are covered too.
		m.minWords = 1
		if extra != "" {
			// The longest paragraph text, where extraction keeps it.
			m.extra, m.extraAt = extra, longest(func(fn func(string) string) {
				walkHTML(b.body, func(s string, inP bool) string {
					if !inP {
						s = ""
					}
					return fn(s)
				})
			})
		}
		return walkHTML(b.body, func(s string, _ bool) string { return m.mark(s) })
	}
	if extra != "" {
		m.extra, m.extraAt = extra, longest(func(fn func(string) string) {
			for line := range bytes.Lines(b.body) {
				fn(string(line))
			}
		})
	}
	var out bytes.Buffer
	out.Grow(len(b.body) + len(b.body)/4)
	for line := range bytes.Lines(b.body) {
		out.WriteString(m.mark(string(line)))
	}
	return out.Bytes()
}

// longest returns the index of the piece with the most words among those
// walk hands to its function.
func longest(walk func(fn func(string) string)) int {
	best, bestWords, k := 0, -1, 0
	walk(func(s string) string {
		if n := countWords(s); n > bestWords {
			best, bestWords = k, n
		}
		k++
		return s
	})
	return best
}

// nearLine is the edit of near duplicate i: a line a republisher adds.
func nearLine(i int) string {
	return fmt.Sprintf("Officials said further details on case %d would follow later in the week.", i)
}

// marker weaves its word into text: after every markEvery-th word counted
// across the pieces given to mark, so paragraphs split over lines or inline
// HTML elements are covered too.
type marker struct {
	word string
	// extra is written before piece number extraAt.
	extra   string
	extraAt int
	// minWords: pieces with fewer words are left alone.
	minWords int
	words    int
	pieces   int
}

// mark returns s with the marker word inserted; pieces with fewer than
// minWords words are returned as they were (and not counted). Words end
// at white space or at CJK punctuation (scripts written without spaces);
// white space is kept as it was.
func (m *marker) mark(s string) string {
	piece := m.pieces
	m.pieces++
	prefix := ""
	if m.extra != "" && piece == m.extraAt {
		prefix = " " + m.extra + " "
	}
	if countWords(s) < max(m.minWords, 1) {
		return prefix + s
	}
	var b strings.Builder
	b.Grow(len(prefix) + len(s) + len(s)/markEvery)
	b.WriteString(prefix)
	inWord := false
	for _, r := range s {
		space := unicode.IsSpace(r)
		if inWord && space {
			m.count(&b, "")
		}
		inWord = !space
		b.WriteRune(r)
		if cjkPunct(r) {
			inWord = false
			m.count(&b, " ")
		}
	}
	if inWord {
		// The piece ends a word: a table cell, an inline element.
		m.count(&b, "")
	}
	return b.String()
}

// count counts one word and writes the marker after every markEvery-th.
func (m *marker) count(b *strings.Builder, after string) {
	m.words++
	if m.words%markEvery == 0 {
		b.WriteByte(' ')
		b.WriteString(m.word)
		b.WriteString(after)
	}
}

func cjkPunct(r rune) bool { return r >= 0x3000 && unicode.IsPunct(r) }

// countWords counts words as mark does.
func countWords(s string) int {
	n, inWord := 0, false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			inWord = false
		case cjkPunct(r):
			if inWord {
				n++
			}
			inWord = false
		default:
			if !inWord {
				inWord = true
				n++
			}
		}
	}
	return n
}

// walkHTML returns page with fn applied to every text node outside script,
// style and similar raw-text elements, keeping all other bytes as they were.
// inP tells fn whether the node is inside a <p> element.
func walkHTML(page []byte, fn func(text string, inP bool) string) []byte {
	z := html.NewTokenizer(bytes.NewReader(page))
	var out bytes.Buffer
	out.Grow(len(page) + len(page)/8)
	skip, inP := "", 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := z.Raw()
		switch tt {
		case html.StartTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "noscript", "textarea", "template", "title":
				skip = string(name)
			case "p":
				inP++
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case skip:
				skip = ""
			case "p":
				inP = max(inP-1, 0)
			}
		case html.TextToken:
			if skip == "" {
				out.WriteString(fn(string(raw), inP > 0))
				continue
			}
		}
		out.Write(raw)
	}
	return out.Bytes()
}
