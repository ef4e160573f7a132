// Package evalmetric scores article-body extraction the way the Zyte
// (Scrapinghub) article-extraction benchmark does, so figures computed here
// compare with the published ones: shingle precision, recall and F1 per page,
// averaged over pages, plus exact-token accuracy and bootstrap confidence
// intervals.
//
// It imports the standard library only, so both the extract regression test
// and the separate benchmark module use this one implementation. It must not
// import any extractor.
package evalmetric

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ShingleSize is the number of consecutive tokens in a shingle.
const ShingleSize = 4

// Tokens returns the runs of word characters of text, as Python's `\w+` with
// re.UNICODE finds them: letters (categories L*), numbers (N*) and the
// underscore. Combining marks split tokens, as they do in Python. Invalid
// UTF-8 bytes are separators.
func Tokens(text string) []string {
	var out []string
	start := -1
	for i, r := range text {
		w := r != utf8.RuneError && (r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r))
		switch {
		case w && start < 0:
			start = i
		case !w && start >= 0:
			out = append(out, text[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, text[start:])
	}
	return out
}

// shingles counts the ShingleSize-token runs of tokens. Fewer than
// ShingleSize tokens make one shingle of all of them; no tokens make none.
func shingles(tokens []string) map[string]int {
	m := make(map[string]int, len(tokens))
	if len(tokens) == 0 {
		return m
	}
	n := max(1, len(tokens)-ShingleSize+1)
	for i := range n {
		// "\x00" cannot occur inside a token, so joined keys are unambiguous.
		m[strings.Join(tokens[i:min(i+ShingleSize, len(tokens))], "\x00")]++
	}
	return m
}

// Page is the score of one page: tp, fp and fn as shares of tp+fp+fn (all
// zero when both texts have no tokens), and whether the token lists match.
type Page struct {
	TP, FP, FN float64
	// Exact reports that the predicted token list equals the true one.
	Exact bool
}

// Score compares a predicted body with the true body of one page. Counts are
// over the multisets of shingles and are normalised by tp+fp+fn so that long
// pages weigh no more than short ones.
func Score(truth, pred string) Page {
	tt, pt := Tokens(truth), Tokens(pred)
	ts, ps := shingles(tt), shingles(pt)
	var tp, fp, fn float64
	for k, tc := range ts {
		pc := ps[k]
		tp += float64(min(tc, pc))
		fn += float64(max(0, tc-pc))
	}
	for k, pc := range ps {
		fp += float64(max(0, pc-ts[k]))
	}
	if s := tp + fp + fn; s > 0 {
		tp, fp, fn = tp/s, fp/s, fn/s
	}
	return Page{TP: tp, FP: fp, FN: fn, Exact: slices.Equal(tt, pt)}
}

// Precision of one page: 1 when fp = fn = 0, 0 when tp = fp = 0, else
// tp/(tp+fp).
func (p Page) Precision() float64 {
	switch {
	case p.FP == 0 && p.FN == 0:
		return 1
	case p.TP == 0 && p.FP == 0:
		return 0
	}
	return p.TP / (p.TP + p.FP)
}

// Recall of one page: 1 when fp = fn = 0, 0 when tp = fn = 0, else
// tp/(tp+fn).
func (p Page) Recall() float64 {
	switch {
	case p.FP == 0 && p.FN == 0:
		return 1
	case p.TP == 0 && p.FN == 0:
		return 0
	}
	return p.TP / (p.TP + p.FN)
}

// Summary is the benchmark's result over a set of pages. The *CI fields are
// 1.96 standard deviations of the bootstrap estimates (zero when no
// bootstrap was run).
type Summary struct {
	Pages                       int
	F1, Precision, Recall       float64
	Accuracy                    float64
	F1CI, PrecisionCI, RecallCI float64
	AccuracyCI                  float64
}

// Summarize averages page scores: precision over pages with tp+fp > 0,
// recall over pages with tp+fn > 0, F1 = 2PR/(P+R) of the two means,
// accuracy the share of exact pages. An empty pages gives a zero Summary.
func Summarize(pages []Page) Summary {
	var s Summary
	s.Pages = len(pages)
	if len(pages) == 0 {
		return s
	}
	var ps, rs float64
	var np, nr, exact int
	for _, p := range pages {
		if p.TP+p.FP > 0 {
			ps += p.Precision()
			np++
		}
		if p.TP+p.FN > 0 {
			rs += p.Recall()
			nr++
		}
		if p.Exact {
			exact++
		}
	}
	if np > 0 {
		s.Precision = ps / float64(np)
	}
	if nr > 0 {
		s.Recall = rs / float64(nr)
	}
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	s.Accuracy = float64(exact) / float64(len(pages))
	return s
}

// Bootstrap is [Summarize] with confidence intervals from n resamples of the
// pages (with replacement) drawn from a generator seeded with seed, so a run
// is reproducible. The CI fields are 1.96 sample standard deviations of each
// metric over the resamples, as the benchmark's evaluate.py reports them.
// n < 2 gives no intervals.
func Bootstrap(pages []Page, n int, seed uint64) Summary {
	s := Summarize(pages)
	if n < 2 || len(pages) == 0 {
		return s
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	sample := make([]Page, len(pages))
	var f1, p, r, a []float64
	for range n {
		for i := range sample {
			sample[i] = pages[rng.IntN(len(pages))]
		}
		b := Summarize(sample)
		f1 = append(f1, b.F1)
		p = append(p, b.Precision)
		r = append(r, b.Recall)
		a = append(a, b.Accuracy)
	}
	s.F1CI, s.PrecisionCI, s.RecallCI, s.AccuracyCI = ci(f1), ci(p), ci(r), ci(a)
	return s
}

func ci(xs []float64) float64 {
	var mean float64
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return 1.96 * math.Sqrt(ss/float64(len(xs)-1))
}
