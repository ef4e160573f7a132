package clean

import (
	"context"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/newsmill/newsmill/pkg/samples"
	"golang.org/x/text/unicode/norm"
)

// wordCounts counts the words of s: runs of letters, marks and digits, cut
// also where a lower-case letter meets an upper-case one, before the last
// capital of a run followed by lower case ("ATin" → "A", "Tin") and where a
// letter meets a digit, so that splitting glued text ("vữngTin",
// "phối.223") is not mistaken for new words.
func wordCounts(s string) map[string]int {
	out := map[string]int{}
	var w []rune
	flush := func() {
		if len(w) > 0 {
			out[string(w)]++
			w = w[:0]
		}
	}
	rs := []rune(s)
	var prev rune // previous letter or digit of the word, marks skipped
	for i, r := range rs {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
		if !inWord {
			flush()
			prev = 0
			continue
		}
		upper := unicode.IsUpper(r) || unicode.IsTitle(r)
		nextLower := false
		for _, n := range rs[i+1:] {
			if !unicode.IsMark(n) {
				nextLower = unicode.IsLower(n)
				break
			}
		}
		if len(w) > 0 && !unicode.IsMark(r) && ((unicode.IsLower(prev) && upper) ||
			(unicode.IsUpper(prev) && upper && nextLower) ||
			(unicode.IsLetter(prev) && unicode.IsDigit(r)) || (unicode.IsDigit(prev) && unicode.IsLetter(r))) {
			flush()
		}
		w = append(w, r)
		if !unicode.IsMark(r) {
			prev = r
		}
	}
	flush()
	return out
}

// FuzzClean checks the cleaner's properties on any input: no panic, output
// valid UTF-8 in NFC, no word that the (normalised) input lacks, and
// idempotence — cleaning the output again changes neither title nor text.
func FuzzClean(f *testing.F) {
	seeds, err := samples.Seeds()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		f.Add("", string(s.Body), false)
	}
	for _, s := range []string{
		"Skip to main content\nSign In\n\nA title here\n\n19 May 2021\n\nBody text that is long enough to be a body paragraph of an article.",
		"vững.Diễn ra 2020.Tại như:– Hệ tế.– Việc",
		"Title Tin khácOther headline\nbody.",
		"x\nTheo Nhandan\nNguồn: https://example.com/a\nBBT",
		"image002.jpg\nđiều phối.223.jpg tiếp",
		"Caption (Photo: AP).\nCaption (Photo: AP).",
		"\u00a0\u0301 e\u0301 ",
		"A line of the body that is long enough to count as a sentence here.\nx y\nBBT\nx y\nhttps://a.example/1\nhttps://b.example/2",
		"T\n1\n2\n3\n4\n5\n6\n19/05/2021\nBody sentence with a dozen words in it to make it a body line.",
		"Lead sentence one is complete here. Then a fragment of a teaser that stops in the midd\n(Theo TTXVN)",
	} {
		f.Add("", s, false)
		f.Add("Some Title", s, true)
	}
	c := New(Options{})
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, title, text string, paragraphs bool) {
		in := Input{Source: "fuzz", Title: title, Text: text}
		if paragraphs {
			in.Paragraphs = strings.Split(text, "\n")
		}
		out, err := c.Clean(ctx, in)
		if err != nil {
			t.Fatalf("Clean: %v", err)
		}
		for _, s := range []string{out.Title, out.Text, out.Attribution, out.SourceURL} {
			if !utf8.ValidString(s) || !norm.NFC.IsNormalString(s) {
				t.Fatalf("output %q is not valid NFC", s)
			}
		}
		have := wordCounts(Normalize(title) + "\n" + Normalize(text))
		for w, n := range wordCounts(out.Title + "\n" + out.Text) {
			if have[w] < n {
				t.Fatalf("word %q appears %d times in the output, %d in the input\ninput title %q text %q\noutput title %q text %q", w, n, have[w], title, text, out.Title, out.Text)
			}
		}
		in2 := Input{Source: "fuzz", Title: out.Title, Text: out.Text}
		if paragraphs {
			in2.Paragraphs = strings.Split(out.Text, "\n\n")
		}
		again, err := c.Clean(ctx, in2)
		if err != nil {
			t.Fatalf("Clean again: %v", err)
		}
		if again.Title != out.Title || again.Text != out.Text {
			t.Fatalf("not idempotent\ninput title %q text %q\nonce:  title %q text %q\ntwice: title %q text %q\nremoved the second time: %+v",
				title, text, out.Title, out.Text, again.Title, again.Text, again.Removed)
		}
	})
}
