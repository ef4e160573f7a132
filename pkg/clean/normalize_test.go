package clean

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "empty", in: "", want: ""},
		{name: "plain", in: "Hello world.", want: "Hello world."},
		{name: "no-break space", in: "cơ hội \u00a0phát triển", want: "cơ hội phát triển"},
		{name: "trailing no-break space", in: "năm 2021-2022.\u00a0", want: "năm 2021-2022."},
		{name: "leading no-break space", in: "\u00a0Hội nghị", want: "Hội nghị"},
		{name: "runs of spaces and tabs", in: "a  \t b", want: "a b"},
		{name: "narrow and ideographic spaces", in: "a\u202fb\u3000c\u2009d", want: "a b c d"},
		{name: "zero-width space dropped", in: "Hà\u200bNội", want: "HàNội"},
		{name: "BOM and soft hyphen dropped", in: "\ufeffinfor\u00admation", want: "information"},
		{name: "ZWJ kept", in: "👩\u200d💻", want: "👩\u200d💻"},
		{name: "controls dropped", in: "a\x00b\x07c", want: "abc"},
		{name: "CRLF is one line break", in: "a\r\nb", want: "a\nb"},
		{name: "CR alone", in: "a\rb", want: "a\nb"},
		{name: "paragraph separators", in: "a\u2029b\u2028c", want: "a\nb\nc"},
		{name: "blank lines collapse", in: "a\n\n\n \n\nb", want: "a\n\nb"},
		{name: "lines trimmed", in: "  a  \n  b  ", want: "a\nb"},
		{name: "outer blank lines go", in: "\n\n a \n\n", want: "a"},
		{name: "NFC composes Vietnamese", in: "Vie\u0323\u0302t Nam", want: "Việt Nam"},
		{name: "windows-1258 style combining tone", in: "đa\u0300o ta\u0323o", want: "đào tạo"},
		{name: "invalid UTF-8 replaced", in: "a\xffb", want: "a\ufffdb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzNormalize checks that Normalize yields valid UTF-8 in NFC without
// white space other than single spaces and line breaks, and is idempotent.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "a\u00a0 b", "Vie\u0323\u0302t", "\r\n\r\n", "a\xffb", " \u0301x", "e\u200b\u0301", "\u1100\n\u1161"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Normalize(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Normalize(%q) = %q: invalid UTF-8", s, got)
		}
		if !norm.NFC.IsNormalString(got) {
			t.Fatalf("Normalize(%q) = %q: not NFC", s, got)
		}
		if strings.Contains(got, "  ") || strings.Contains(got, "\n\n\n") || strings.ContainsAny(got, "\t\r\u00a0\u200b") {
			t.Fatalf("Normalize(%q) = %q: white space not folded", s, got)
		}
		if again := Normalize(got); again != got {
			t.Fatalf("Normalize is not idempotent: %q → %q → %q", s, got, again)
		}
	})
}
