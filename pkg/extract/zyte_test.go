package extract

import (
	"flag"
	"sort"
	"testing"

	"github.com/newsmill/newsmill/pkg/extract/evalmetric"
)

var worst = flag.Int("worst", 0, "TestZyteQuality: log the N pages with the lowest F1")

// Floors for the 181 pages of the Zyte benchmark (testdata/zyte). They are
// the level the extractor reached when they were set, so a change that loses
// quality fails here; raise them when the extractor improves.
const (
	zyteF1Floor        = 0.976
	zytePrecisionFloor = 0.970
)

func TestZyteQuality(t *testing.T) {
	cases, err := evalmetric.Load("testdata/zyte")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 181 {
		t.Fatalf("loaded %d pages, want 181", len(cases))
	}
	pages := make([]evalmetric.Page, len(cases))
	type row struct {
		f1   float64
		p, r float64
		id   string
		url  string
	}
	var rows []row
	for i, c := range cases {
		d, err := Extract(c.HTML, c.URL, Options{})
		if err != nil {
			t.Fatalf("page %s: %v", c.ID, err)
		}
		pages[i] = evalmetric.Score(c.Truth, d.BodyText())
		p, r := pages[i].Precision(), pages[i].Recall()
		f := 0.0
		if p+r > 0 {
			f = 2 * p * r / (p + r)
		}
		rows = append(rows, row{f, p, r, c.ID, c.URL})
	}
	s := evalmetric.Summarize(pages)
	t.Logf("F1 %.4f precision %.4f recall %.4f accuracy %.4f", s.F1, s.Precision, s.Recall, s.Accuracy)
	if *worst > 0 {
		sort.Slice(rows, func(i, j int) bool { return rows[i].f1 < rows[j].f1 })
		for _, r := range rows[:min(*worst, len(rows))] {
			t.Logf("%.3f P=%.3f R=%.3f %s %s", r.f1, r.p, r.r, r.id[:12], r.url)
		}
	}
	if s.F1 < zyteF1Floor {
		t.Errorf("F1 = %.4f, below the floor %.4f", s.F1, zyteF1Floor)
	}
	if s.Precision < zytePrecisionFloor {
		t.Errorf("precision = %.4f, below the floor %.4f", s.Precision, zytePrecisionFloor)
	}
}
