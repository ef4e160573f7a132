package classify

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/newsmill/newsmill/pkg/samples"
)

// article5KB builds a 5 KB Vietnamese article from the sample pages.
func article5KB(b *testing.B) string {
	seeds, err := samples.Seeds()
	if err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	for sb.Len() < 5000 {
		for _, s := range seeds {
			sb.Write(s.Body)
		}
	}
	return head(sb.String(), 5000)
}

// BenchmarkClassify reports articles per second for 5 KB articles on one
// goroutine (run with -cpu 1 for one core).
func BenchmarkClassify(b *testing.B) {
	c := newClassifier(b)
	text := article5KB(b)
	en := head(strings.Repeat("The Ministry of Labour, Invalids and Social Affairs hosted a training workshop on gender mainstreaming in labour and employment policies with ASEAN member states, the ILO and UN Women. ", 30), 5000)
	for _, bc := range []struct{ name, text string }{{"vi", text}, {"en", en}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.text)))
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				c.Classify("Hội thảo ASEAN", bc.text, "")
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
			if cpu := cpuTime() - cpu; cpu > 0 {
				// CPU time, not wall time: the figure holds on a shared
				// machine too.
				b.ReportMetric(float64(b.N)/cpu.Seconds(), "articles/cpu-s")
			}
		})
	}
}

// BenchmarkDetectLanguageArticle reports milliseconds per 5 KB article.
func BenchmarkDetectLanguageArticle(b *testing.B) {
	text := article5KB(b)
	DetectLanguage("warm up the model")
	cpu := cpuTime()
	for b.Loop() {
		DetectLanguage(text)
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/article")
	if cpu := cpuTime() - cpu; cpu > 0 {
		b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/article")
	}
}

// BenchmarkDetectLanguage reports milliseconds per one-sentence text over
// the held-out sentences of every language.
func BenchmarkDetectLanguage(b *testing.B) {
	rows := readRows(b, filepath.Join("corpus", LanguageCorpus))
	rows = slices.DeleteFunc(rows, func(r Row) bool { return !HeldOut(r.ID) })
	DetectLanguage("warm up the model")
	n := 0
	cpu := cpuTime()
	for b.Loop() {
		DetectLanguage(rows[n%len(rows)].Text)
		n++
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/sentence")
	if cpu := cpuTime() - cpu; cpu > 0 {
		b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/sentence")
	}
}
