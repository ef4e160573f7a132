package clean

import (
	"context"
	"strings"
	"testing"

	"github.com/newsmill/newsmill/pkg/samples"
)

// BenchmarkClean cleans the five seed pages, as plain text, and reports
// pages per second and bytes per second.
func BenchmarkClean(b *testing.B) {
	seeds, err := samples.Seeds()
	if err != nil {
		b.Fatal(err)
	}
	inputs := make([]Input, len(seeds))
	size := 0
	for i, s := range seeds {
		inputs[i] = Input{Source: "seeds", Text: string(s.Body)}
		size += len(s.Body)
	}
	for _, bc := range []struct {
		name  string
		store TemplateStore
	}{
		{name: "rules"},
		{name: "rules+templates", store: NewMemoryTemplates(0)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := New(Options{Templates: bc.store})
			ctx := context.Background()
			b.SetBytes(int64(size))
			b.ReportAllocs()
			pages := 0
			for b.Loop() {
				for _, in := range inputs {
					if _, err := c.Clean(ctx, in); err != nil {
						b.Fatal(err)
					}
					pages++
				}
			}
			b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}

// BenchmarkCleanLarge cleans 1 MB pages of patterns that once took
// quadratic time (a long line of related-headline markers) or could: long
// glued paragraphs, many short lines. Its MB/s must stay of the same order
// across the cases.
func BenchmarkCleanLarge(b *testing.B) {
	const size = 1 << 20
	repeat := func(s string) string { return strings.Repeat(s, size/len(s)) }
	for _, bc := range []struct{ name, text string }{
		{name: "glued-paragraphs", text: repeat(strings.Repeat("bền vững.Diễn ra theo hình thức trực tuyến, sự kiện image.223.jpg ", 40) + "\n\n")},
		{name: "related-markers", text: repeat("xTin khác ")},
		{name: "short-lines", text: repeat("Ab cd\n")},
		{name: "dots", text: repeat("a.")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := New(Options{})
			ctx := context.Background()
			b.SetBytes(int64(len(bc.text)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Clean(ctx, Input{Text: bc.text}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkNormalize(b *testing.B) {
	seeds, err := samples.Seeds()
	if err != nil {
		b.Fatal(err)
	}
	text := string(seeds[0].Body)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Normalize(text)
	}
}
