package dedup_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/unicode/norm"

	"github.com/newsmill/newsmill/pkg/dedup"
	"github.com/newsmill/newsmill/pkg/samples"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "empty", in: "", want: ""},
		{name: "punctuation only", in: " ,.;—!? \n\t", want: ""},
		{name: "case folded", in: "HÀ NỘI Hà Nội", want: "hà nội hà nội"},
		{name: "white space folded", in: "  one\ttwo\n\nthree  \r\n", want: "one two three"},
		{name: "punctuation folded", in: "Hello, world! (PLVN) - next…", want: "hello world plvn next"},
		{name: "decomposed Vietnamese", in: norm.NFD.String("Tiếng Việt ĐẸP"), want: "tiếng việt đẹp"},
		{name: "sharp s is lowered, not expanded", in: "STRASSE Straße", want: "strasse straße"},
		{name: "final sigma", in: "ΟΔΟΣ οδος", want: "οδοσ οδοσ"},
		{name: "Cherokee lowered stably", in: "\u13e1 \uabb1", want: "\uabb1 \uabb1"},
		{name: "digits kept", in: "COVID-19 in 2022: 1.234", want: "covid 19 in 2022 1 234"},
		{name: "leading combining mark dropped", in: "\u0301abc", want: "abc"},
		{name: "mark after separator dropped", in: "a \u0301b", want: "a b"},
		{name: "invalid UTF-8 is a separator", in: "a\xffb", want: "a b"},
		{name: "curly quotes and apostrophes", in: "“Don’t” «stop»", want: "don t stop"},
		{name: "non-breaking and ideographic space", in: "a\u00a0b\u3000c", want: "a b c"},
		{name: "Korean kept", in: "한국어 뉴스!", want: "한국어 뉴스"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := dedup.Normalize(tc.in); got != tc.want {
				t.Fatalf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestContentHashFoldsForm(t *testing.T) {
	t.Parallel()
	base := "Hội nghị Bộ trưởng Lao động ASEAN lần thứ 27.\n\nĐoàn Việt Nam tham dự."
	tests := []struct {
		name string
		in   string
		same bool
	}{
		{name: "identical", in: base, same: true},
		{name: "decomposed diacritics", in: norm.NFD.String(base), same: true},
		{name: "reflowed", in: strings.ReplaceAll(base, "\n\n", " "), same: true},
		{name: "upper case", in: strings.ToUpper(base), same: true},
		{name: "extra punctuation", in: "— " + strings.ReplaceAll(base, ".", " ...") + " —", same: true},
		{name: "tone mark changed", in: strings.Replace(base, "Hội", "Hỏi", 1), same: false},
		{name: "word changed", in: strings.Replace(base, "27", "28", 1), same: false},
	}
	want := dedup.ContentHash(base)
	if len(want) != 32 {
		t.Fatalf("ContentHash length %d, want 32 hex digits", len(want))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := dedup.ContentHash(tc.in); (got == want) != tc.same {
				t.Fatalf("ContentHash equal = %v, want %v", got == want, tc.same)
			}
		})
	}
}

// golden is the stored format of the seeds' hashes: content hashes and
// SimHashes are remembered across releases, so a change here invalidates
// every claim in production and must be deliberate.
type golden struct {
	File        string `json:"file"`
	Normalized  string `json:"normalized_prefix"`
	ContentHash string `json:"content_hash"`
	SimHash     string `json:"simhash"`
}

func TestSeedHashesGolden(t *testing.T) {
	seeds, err := samples.Seeds()
	if err != nil {
		t.Fatal(err)
	}
	var got []golden
	for _, s := range seeds {
		n := dedup.Normalize(string(s.Body))
		got = append(got, golden{
			File:        s.Name,
			Normalized:  prefixRunes(n, 80),
			ContentHash: dedup.ContentHash(string(s.Body)),
			SimHash:     fmt.Sprintf("%016x", dedup.SimHash(string(s.Body))),
		})
	}
	path := filepath.Join("testdata", "seeds.golden.json")
	if *update {
		data, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (regenerate with: go test ./dedup -run TestSeedHashesGolden -update): %v", err)
	}
	var want []golden
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("seed hashes changed (-want +got); this changes the stored format, regenerate with: go test ./dedup -run TestSeedHashesGolden -update\n%s", diff)
	}
}

func prefixRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// TestNormalizeProperties checks FuzzNormalize's properties on random
// inputs every run, so a regression shows without a fuzzing session:
// random bytes, and random runes from all of Unicode.
func TestNormalizeProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 1))
	for i := range 20000 {
		var s string
		if i%2 == 0 {
			b := make([]byte, r.IntN(100))
			for j := range b {
				b[j] = byte(r.UintN(256))
			}
			s = string(b)
		} else {
			var b strings.Builder
			for range r.IntN(30) {
				b.WriteRune(rune(r.IntN(0x30000)))
			}
			s = b.String()
		}
		n := dedup.Normalize(s)
		if !utf8.ValidString(n) || !norm.NFC.IsNormalString(n) {
			t.Fatalf("Normalize(%q) = %q: not valid UTF-8 NFC", s, n)
		}
		if m := dedup.Normalize(n); m != n {
			t.Fatalf("Normalize not idempotent: %q → %q → %q", s, n, m)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	seeds, err := samples.Seeds()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		f.Add(string(s.Body[:min(len(s.Body), 400)]))
	}
	for _, s := range []string{"", " ", "a\u0301", "\u0301", "İstanbul", "ǅ", "a\xffb", "ﬁ", "ΣΑΣ", "x\u0345\u0301", "m\uabb1", "\xea\xae\xb1\x9bGF"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		n := dedup.Normalize(in)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q: invalid UTF-8", in, n)
		}
		if !norm.NFC.IsNormalString(n) {
			t.Fatalf("Normalize(%q) = %q: not NFC", in, n)
		}
		if strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") || strings.Contains(n, "  ") {
			t.Fatalf("Normalize(%q) = %q: unfolded spaces", in, n)
		}
		if again := dedup.Normalize(n); again != n {
			t.Fatalf("Normalize not idempotent: %q → %q → %q", in, n, again)
		}
		if dedup.ContentHash(in) != dedup.ContentHash(n) {
			t.Fatalf("ContentHash(%q) differs from ContentHash of its normal form", in)
		}
		if dedup.SimHash(in) != dedup.SimHash(n) {
			t.Fatalf("SimHash(%q) differs from SimHash of its normal form", in)
		}
	})
}

func BenchmarkNormalize(b *testing.B) {
	seeds, err := samples.Seeds()
	if err != nil {
		b.Fatal(err)
	}
	var bytes int64
	for _, s := range seeds {
		bytes += int64(len(s.Body))
	}
	b.SetBytes(bytes)
	for b.Loop() {
		for _, s := range seeds {
			dedup.Normalize(string(s.Body))
		}
	}
	b.ReportMetric(float64(b.N*len(seeds))/b.Elapsed().Seconds(), "articles/s")
}
