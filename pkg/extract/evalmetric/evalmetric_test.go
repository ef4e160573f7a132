package evalmetric

import (
	"math"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{name: "empty", in: "", want: nil},
		{name: "punctuation only", in: " ,.;— ", want: nil},
		{name: "words and numbers", in: "It's 20% off, 2019-11-19.", want: []string{"It", "s", "20", "off", "2019", "11", "19"}},
		{name: "underscore is a word character", in: "snake_case x", want: []string{"snake_case", "x"}},
		{name: "vietnamese precomposed", in: "Ngày 21/3, Hà Nội", want: []string{"Ngày", "21", "3", "Hà", "Nội"}},
		{name: "combining mark splits as in python", in: "Vie\u0301t", want: []string{"Vie", "t"}},
		{name: "cjk and hangul", in: "新闻 기사", want: []string{"新闻", "기사"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Tokens(tt.in)); diff != "" {
				t.Errorf("Tokens(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestScore(t *testing.T) {
	tests := []struct {
		name       string
		truth      string
		pred       string
		tp, fp, fn float64
		exact      bool
		p, r       float64
	}{
		{name: "both empty", truth: "", pred: "", exact: true, p: 1, r: 1},
		{name: "identical", truth: "a b c d e", pred: "a b c d e", tp: 1, exact: true, p: 1, r: 1},
		{name: "empty prediction", truth: "a b c d e", pred: "", fn: 1, p: 0, r: 0},
		{name: "short texts are one shingle", truth: "a b", pred: "a b", tp: 1, exact: true, p: 1, r: 1},
		// truth shingles: abcd bcde; pred: abcd bcde cdef → tp 2, fp 1.
		{name: "extra text", truth: "a b c d e", pred: "a b c d e f", tp: 2.0 / 3, fp: 1.0 / 3, p: 2.0 / 3, r: 1},
		{name: "multiset counts", truth: "x x x x x", pred: "x x x x", tp: 1.0 / 2, fn: 1.0 / 2, p: 1, r: 0.5},
		{name: "punctuation ignored", truth: "a, b. c d", pred: "a b c d", tp: 1, exact: true, p: 1, r: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Score(tt.truth, tt.pred)
			want := Page{TP: tt.tp, FP: tt.fp, FN: tt.fn, Exact: tt.exact}
			if diff := cmp.Diff(want, got, cmp.Comparer(near)); diff != "" {
				t.Errorf("Score (-want +got):\n%s", diff)
			}
			if !near(got.Precision(), tt.p) || !near(got.Recall(), tt.r) {
				t.Errorf("P, R = %v, %v; want %v, %v", got.Precision(), got.Recall(), tt.p, tt.r)
			}
		})
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestSummarize(t *testing.T) {
	pages := []Page{
		{TP: 1, Exact: true}, // P 1, R 1
		{TP: 0.5, FP: 0.5},   // P .5, R 1
		{FN: 1},              // no precision (tp+fp = 0), R 0
		{TP: 0.25, FN: 0.75}, // P 1, R .25
	}
	s := Summarize(pages)
	wantP := (1 + 0.5 + 1) / 3.0
	wantR := (1 + 1 + 0 + 0.25) / 4.0
	if !near(s.Precision, wantP) || !near(s.Recall, wantR) {
		t.Fatalf("P, R = %v, %v; want %v, %v", s.Precision, s.Recall, wantP, wantR)
	}
	if want := 2 * wantP * wantR / (wantP + wantR); !near(s.F1, want) {
		t.Errorf("F1 = %v, want %v", s.F1, want)
	}
	if !near(s.Accuracy, 0.25) {
		t.Errorf("accuracy = %v, want 0.25", s.Accuracy)
	}
	b := Bootstrap(pages, 200, 7)
	if b.F1 != s.F1 || b.F1CI <= 0 {
		t.Errorf("bootstrap F1 %v ± %v; want %v with a positive interval", b.F1, b.F1CI, s.F1)
	}
	if again := Bootstrap(pages, 200, 7); again != b {
		t.Errorf("bootstrap with the same seed differs: %+v vs %+v", again, b)
	}
	if z := Summarize(nil); z != (Summary{}) {
		t.Errorf("Summarize(nil) = %+v, want zero", z)
	}
}

func FuzzScore(f *testing.F) {
	f.Add("a b c d e", "a b c d")
	f.Add("", "x")
	f.Add("Ngày 21/3", "\xff\xfe")
	f.Fuzz(func(t *testing.T, truth, pred string) {
		p := Score(truth, pred)
		for _, v := range []float64{p.TP, p.FP, p.FN, p.Precision(), p.Recall()} {
			if v < 0 || v > 1+1e-9 || math.IsNaN(v) {
				t.Fatalf("Score(%q, %q) = %+v: value out of [0,1]", truth, pred, p)
			}
		}
		if s := p.TP + p.FP + p.FN; s != 0 && !near(s, 1) {
			t.Fatalf("shares sum to %v", s)
		}
		self := Score(truth, truth)
		if self.FP != 0 || self.FN != 0 || !self.Exact {
			t.Fatalf("Score(x, x) = %+v, want a perfect match", self)
		}
		for _, tok := range Tokens(pred) {
			if tok == "" || !utf8.ValidString(tok) {
				t.Fatalf("bad token %q", tok)
			}
		}
	})
}
