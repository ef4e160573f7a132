package extract

import (
	"bytes"
	"runtime"
	"testing"

	"golang.org/x/net/html"

	"github.com/newsmill/newsmill/pkg/extract/evalmetric"
)

// BenchmarkExtract runs Extract over the 181 pages of the Zyte set; one
// iteration is the whole set. It reports pages/s and bytes and allocations
// per page.
func BenchmarkExtract(b *testing.B) {
	cases, err := evalmetric.Load("testdata/zyte")
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, c := range cases {
		size += int64(len(c.HTML))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	n := 0
	for b.Loop() {
		for _, c := range cases {
			if _, err := Extract(c.HTML, c.URL, Options{}); err != nil {
				b.Fatal(err)
			}
		}
		n++
	}
	runtime.ReadMemStats(&after)
	pages := float64(n * len(cases))
	b.ReportMetric(pages/b.Elapsed().Seconds(), "pages/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/pages, "ns/page")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/pages, "B/page")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/pages, "allocs/page")
}

// BenchmarkParseOnly is the floor under BenchmarkExtract: x/net/html
// parsing of the same pages (after the same script stripping), nothing
// else.
func BenchmarkParseOnly(b *testing.B) {
	cases, err := evalmetric.Load("testdata/zyte")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, c := range cases {
			if _, err := html.Parse(bytes.NewReader(stripRaw(c.HTML))); err != nil {
				b.Fatal(err)
			}
		}
		n++
	}
	b.ReportMetric(float64(n*len(cases))/b.Elapsed().Seconds(), "pages/s")
}
