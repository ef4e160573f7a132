package extract

import (
	"testing"

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
	n := 0
	for b.Loop() {
		for _, c := range cases {
			if _, err := Extract(c.HTML, c.URL, Options{}); err != nil {
				b.Fatal(err)
			}
		}
		n++
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(n*len(cases))/sec, "pages/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*len(cases)), "ns/page")
}
