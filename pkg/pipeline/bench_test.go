package pipeline_test

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/classify"
	"github.com/newsmill/newsmill/pkg/clean"
	"github.com/newsmill/newsmill/pkg/dedup"
	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/natsbus/natstest"
	"github.com/newsmill/newsmill/pkg/pipeline"
	"github.com/newsmill/newsmill/pkg/redisstore"
	"github.com/newsmill/newsmill/pkg/redisstore/redistest"
	"github.com/newsmill/newsmill/pkg/samples"
	"github.com/newsmill/newsmill/pkg/stage"
)

// benchPages is how many of the extraction benchmark's real pages
// BenchmarkCleaner cleans (the first, by file name).
const benchPages = 20

// zytePages reads the first n real HTML pages kept by package extract's
// quality test (pkg/extract/testdata/zyte, MIT licence, see its README).
func zytePages(b *testing.B, n int) [][]byte {
	b.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "extract", "testdata", "zyte", "html", "*.html.gz"))
	if err != nil || len(paths) == 0 {
		b.Fatalf("no pages in ../extract/testdata/zyte/html (err %v)", err)
	}
	slices.Sort(paths)
	var out [][]byte
	for _, p := range paths[:min(n, len(paths))] {
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			b.Fatal(err)
		}
		page, err := io.ReadAll(zr)
		_ = f.Close()
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, page)
	}
	return out
}

// rawMessages encodes bodies as the fetcher publishes them (gzip raw body
// in a JSON article) and returns the messages and their total
// uncompressed size.
func rawMessages(b *testing.B, contentType string, bodies [][]byte) ([]*stage.Message, int) {
	b.Helper()
	msgs := make([]*stage.Message, len(bodies))
	size := 0
	for i, body := range bodies {
		u := fmt.Sprintf("https://bench.example/%s/%d", contentType, i)
		a := article.New(article.ID(u), "bench")
		a.URL = u
		raw, err := pipeline.NewRawBody(body, contentType, "utf-8")
		if err != nil {
			b.Fatal(err)
		}
		a.Raw = raw
		data, err := a.Marshal()
		if err != nil {
			b.Fatal(err)
		}
		msgs[i] = &stage.Message{Subject: article.Raw("bench"), Data: data, Delivered: 1}
		size += len(body)
	}
	return msgs, size
}

func seedBodies(b *testing.B) [][]byte {
	b.Helper()
	seeds, err := samples.Seeds()
	if err != nil {
		b.Fatal(err)
	}
	out := make([][]byte, len(seeds))
	for i, s := range seeds {
		out[i] = s.Body
	}
	return out
}

// BenchmarkCleaner measures the cleaner stage's handler (decode, gunzip,
// extract, clean, encode) on real HTML pages and on the plain-text seed
// pages; articles/s is the figure to
// compare with the pipeline's. One op is one article, taken in turn from the
// set; learned templates are off so repeated pages cost the same each time.
func BenchmarkCleaner(b *testing.B) {
	for _, bc := range []struct {
		name        string
		contentType string
		bodies      func(*testing.B) [][]byte
	}{
		{name: "html", contentType: "text/html; charset=utf-8", bodies: func(b *testing.B) [][]byte { return zytePages(b, benchPages) }},
		{name: "seeds", contentType: "text/plain; charset=utf-8", bodies: seedBodies},
	} {
		b.Run(bc.name, func(b *testing.B) {
			msgs, size := rawMessages(b, bc.contentType, bc.bodies(b))
			c := &pipeline.Cleaner{Clean: clean.New(clean.Options{})}
			ctx := context.Background()
			b.SetBytes(int64(size / len(msgs)))
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if _, err := c.Handle(ctx, msgs[n%len(msgs)]); err != nil && !stage.IsPermanent(err) {
					b.Fatal(err)
				}
				n++
			}
			reportArticles(b, n)
		})
	}
}

// reportArticles reports articles/s: n articles in the measured time.
func reportArticles(b *testing.B, n int) {
	b.Helper()
	if n > 0 {
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "articles/s")
	}
}

// textGen makes distinct article texts from the seeds' vocabulary:
// paragraphs of words drawn at random, so every text is an original for
// the deduplicator (no shared 3-grams to speak of) and the store does the
// work of a new claim each time.
type textGen struct {
	words []string
	r     *rand.Rand
}

func newTextGen(b *testing.B) *textGen {
	b.Helper()
	var words []string
	for _, body := range seedBodies(b) {
		words = append(words, strings.Fields(string(body))...)
	}
	return &textGen{words: words, r: rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))}
}

// message returns cleaned article i: about 400 words in 5 paragraphs, the
// size of a typical news article.
func (g *textGen) message(b *testing.B, i int) *stage.Message {
	var t strings.Builder
	for p := range 5 {
		if p > 0 {
			t.WriteString("\n\n")
		}
		for w := range 80 {
			if w > 0 {
				t.WriteByte(' ')
			}
			t.WriteString(g.words[g.r.IntN(len(g.words))])
		}
	}
	u := fmt.Sprintf("https://bench.example/dedup/%d/%d", g.r.Uint64(), i)
	a := article.New(article.ID(u), "bench")
	a.CanonicalURL = u
	a.Text = t.String()
	data, err := a.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	return &stage.Message{Subject: article.Cleaned("bench"), Data: data, Delivered: 1}
}

// BenchmarkDeduplicator measures the deduplicator stage's handler on new
// articles (about 400 words each): normalise, hash, sketch and one claim,
// against a real Redis (REDIS_URL, a per-benchmark key prefix) and against
// the JetStream key-value store on an embedded server. Building each input
// is not timed.
func BenchmarkDeduplicator(b *testing.B) {
	for _, bc := range []struct {
		name  string
		store func(*testing.B) dedup.Store
	}{
		{name: "redis", store: func(b *testing.B) dedup.Store {
			client, prefix := redistest.Client(b)
			return redisstore.New(client, redisstore.WithPrefix(prefix))
		}},
		{name: "jetstream-kv", store: func(b *testing.B) dedup.Store {
			_, url := natstest.Start(b)
			cfg := natsbus.DefaultConfig()
			cfg.URL = url
			bus, err := natsbus.Connect(context.Background(), cfg, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = bus.Close() })
			st, err := natsbus.NewKVStore(context.Background(), bus.JetStream(), "bench_dedup", time.Hour)
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			d := &pipeline.Deduplicator{Dedup: dedup.New(bc.store(b), dedup.Options{})}
			gen := newTextGen(b)
			ctx := context.Background()
			b.ReportAllocs()
			n, dups := 0, 0
			for b.Loop() {
				b.StopTimer()
				m := gen.message(b, n)
				b.StartTimer()
				outs, err := d.Handle(ctx, m)
				if err != nil {
					b.Fatal(err)
				}
				if outs[0].Header[pipeline.HeaderVerdict][0] != pipeline.VerdictOriginal {
					dups++
				}
				n++
			}
			reportArticles(b, n)
			if dups > 0 {
				b.Logf("%d of %d random texts were not originals", dups, n)
			}
		})
	}
}

// BenchmarkClassifier measures the classifier stage's handler (decode,
// language, topics, entities, encode) on the seed pages' text and on the
// extraction benchmark's pages as the cleaner leaves them.
func BenchmarkClassifier(b *testing.B) {
	cl, err := classify.New()
	if err != nil {
		b.Fatal(err)
	}
	h := &pipeline.Classifier{Classify: cl}
	cleaner := &pipeline.Cleaner{Clean: clean.New(clean.Options{})}
	for _, bc := range []struct {
		name        string
		contentType string
		bodies      func(*testing.B) [][]byte
	}{
		{name: "html", contentType: "text/html; charset=utf-8", bodies: func(b *testing.B) [][]byte { return zytePages(b, benchPages) }},
		{name: "seeds", contentType: "text/plain; charset=utf-8", bodies: seedBodies},
	} {
		b.Run(bc.name, func(b *testing.B) {
			raw, _ := rawMessages(b, bc.contentType, bc.bodies(b))
			var msgs []*stage.Message
			size := 0
			for _, m := range raw {
				outs, err := cleaner.Handle(context.Background(), m)
				if stage.IsPermanent(err) {
					continue
				}
				if err != nil {
					b.Fatal(err)
				}
				a, err := article.Unmarshal(outs[0].Data)
				if err != nil {
					b.Fatal(err)
				}
				size += len(a.Title) + len(a.Text)
				msgs = append(msgs, &stage.Message{Subject: article.Unique("bench"), Data: outs[0].Data, Delivered: 1})
			}
			if len(msgs) == 0 {
				b.Fatal("nothing left to classify after cleaning")
			}
			ctx := context.Background()
			b.SetBytes(int64(size / len(msgs)))
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if _, err := h.Handle(ctx, msgs[n%len(msgs)]); err != nil {
					b.Fatal(err)
				}
				n++
			}
			reportArticles(b, n)
		})
	}
}
