package clean

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns s in Unicode NFC with its white space folded, for
// cleaning and for anyone who compares texts (the deduplicator's hash):
//
//   - invalid UTF-8 becomes U+FFFD;
//   - line breaks (\r\n, \r, U+0085, U+2028, U+2029) become \n;
//   - zero-width and invisible characters (U+200B, U+2060, U+FEFF, U+00AD
//     soft hyphen, U+180E) and control characters other than \n and \t are
//     dropped; U+200C and U+200D stay, as Persian, Indic scripts and emoji
//     need them;
//   - every other white space (tab, U+00A0 no-break space, U+2000–U+200A,
//     U+202F, U+205F, U+3000) becomes a space, and runs of spaces one space;
//   - lines are trimmed, runs of blank lines become one blank line, and
//     leading and trailing blank lines go.
//
// Single line breaks are kept: they separate paragraphs in scraped text.
// Normalize is idempotent and never changes letters other than by NFC
// composition.
func Normalize(s string) string {
	if isNormal(s) {
		return s
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	b.Grow(len(s))
	prevCR := false
	for _, r := range s {
		cr := prevCR
		prevCR = r == '\r'
		switch {
		case r == '\n' && cr:
			// the \n of \r\n: already written
		case r == '\r' || r == '\n' || r == 0x85 || r == 0x2028 || r == 0x2029:
			b.WriteByte('\n')
		case r == 0x200B || r == 0x2060 || r == 0xFEFF || r == 0xAD || r == 0x180E:
			// invisible: dropped
		case r == '\t' || (r != '\n' && unicode.IsSpace(r)):
			b.WriteByte(' ')
		case unicode.IsControl(r):
			// dropped
		default:
			b.WriteRune(r)
		}
	}
	t := b.String()
	if !norm.NFC.IsNormalString(t) {
		t = norm.NFC.String(t)
	}
	return foldSpace(t)
}

// foldSpace folds runs of spaces, trims lines and collapses blank lines. Its
// input holds no white space other than ' ' and '\n'.
func foldSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	newlines := 0 // pending line breaks
	space := false
	started := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ' ':
			space = true
		case '\n':
			space = false
			newlines++
		default:
			if started {
				switch {
				case newlines >= 2:
					b.WriteString("\n\n")
				case newlines == 1:
					b.WriteByte('\n')
				case space:
					b.WriteByte(' ')
				}
			}
			newlines, space, started = 0, false, true
			b.WriteByte(c)
		}
	}
	return b.String()
}

// normLine normalises a single line: Normalize with line breaks as spaces.
func normLine(s string) string {
	if strings.ContainsAny(s, "\r\n\u0085\u2028\u2029") {
		s = strings.Map(func(r rune) rune {
			switch r {
			case '\r', '\n', 0x85, 0x2028, 0x2029:
				return ' '
			}
			return r
		}, s)
	}
	return Normalize(s)
}

// isNormal reports whether Normalize would return s unchanged, cheaply: most
// lines the cleaner handles are already normal.
func isNormal(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[0] == '\n' || s[len(s)-1] == ' ' || s[len(s)-1] == '\n' {
		return false
	}
	var prev rune
	newlines := 0
	for _, r := range s {
		switch {
		case r == ' ':
			if prev == ' ' || prev == '\n' {
				return false
			}
		case r == '\n':
			if prev == ' ' {
				return false
			}
			if newlines++; newlines > 2 {
				return false
			}
			prev = r
			continue
		case r < 0x80:
			if r < ' ' || r == 0x7f {
				return false
			}
		case r == utf8.RuneError, r == 0x85, r == 0xA0, r == 0xAD, r == 0x180E,
			r >= 0x2000 && r <= 0x200B, r >= 0x2028 && r <= 0x202F, r == 0x205F, r == 0x2060,
			r == 0x3000, r == 0xFEFF, r >= 0x80 && r <= 0x9F, r == 0x1680:
			return false
		}
		newlines = 0
		prev = r
	}
	return norm.NFC.IsNormalString(s)
}
