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

// BenchmarkCleanLarge cleans one 1 MB page of long glued paragraphs, to
// keep the cost linear in the input.
func BenchmarkCleanLarge(b *testing.B) {
	para := strings.Repeat("bền vững.Diễn ra theo hình thức trực tuyến, sự kiện nhằm chia sẻ image.223.jpg ", 40)
	text := strings.Repeat(para+"\n\n", 1<<20/len(para))
	c := New(Options{})
	ctx := context.Background()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Clean(ctx, Input{Text: text}); err != nil {
			b.Fatal(err)
		}
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
