package dedup

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns the form of text that content hashes and sketches are
// computed from: Unicode NFC, lower-cased rune by rune (final sigma as
// sigma), with every run of characters that
// are not letters, digits or combining marks (white space, punctuation,
// symbols, control characters) folded to one space, and no leading or
// trailing space. Two texts that differ only in composition (a Vietnamese
// "ệ" typed precomposed or as e + U+0323 + U+0302), letter case, line
// breaks, spacing or punctuation normalise to the same string.
//
// Invalid UTF-8 bytes count as separators. A combining mark with no letter
// or digit before it is dropped. Normalize is idempotent and its result is
// valid UTF-8 in NFC. An empty or all-punctuation text gives "".
func Normalize(text string) string {
	// Compose first so lowering sees whole characters, then lower and
	// filter rune by rune, and compose once more. Per-rune lowering rather
	// than full Unicode case folding (cases.Fold): folding is not
	// idempotent for some scripts (Cherokee folds to upper case, and the
	// fold of a fold can differ), and a normaliser whose output changes
	// when applied again would give one text two hashes.
	s := norm.NFC.String(text)
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r < utf8.RuneSelf:
			// ASCII fast path; folding has already lowered the letters.
			if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') || ('A' <= r && r <= 'Z') {
				if pendingSpace {
					b.WriteByte(' ')
					pendingSpace = false
				}
				if 'A' <= r && r <= 'Z' {
					r += 'a' - 'A'
				}
				b.WriteByte(byte(r))
			} else {
				pendingSpace = b.Len() > 0
			}
		case r == utf8.RuneError && size <= 1:
			pendingSpace = b.Len() > 0
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			if pendingSpace {
				b.WriteByte(' ')
				pendingSpace = false
			}
			r = unicode.ToLower(r)
			if r == 'ς' { // final sigma is a position, not a letter
				r = 'σ'
			}
			b.WriteRune(r)
		case unicode.IsMark(r):
			// A mark belongs to the character before it; after a separator
			// or at the start it has nothing to modify.
			if b.Len() > 0 && !pendingSpace {
				b.WriteRune(r)
			}
		default:
			pendingSpace = b.Len() > 0
		}
	}
	out := b.String()
	if !norm.NFC.IsNormalString(out) {
		out = norm.NFC.String(out)
	}
	return out
}

// ContentHash returns the hex content hash of text: the first 128 bits of
// SHA-256 over [Normalize](text), as 32 lower-case hex digits. Texts that
// normalise alike hash alike; the empty text has a hash too (callers reject
// empty bodies before claiming them, see [ErrEmpty]).
func ContentHash(text string) string {
	h := contentHash(Normalize(text))
	return hex.EncodeToString(h[:])
}

// contentHash hashes an already normalised text.
func contentHash(normalized string) [16]byte {
	sum := sha256.Sum256([]byte(normalized))
	var h [16]byte
	copy(h[:], sum[:16])
	return h
}

// urlHash is the exact-index key of a canonical URL. The "url" prefix keeps
// it from ever equalling a content hash.
func urlHash(canonicalURL string) [16]byte {
	sum := sha256.Sum256([]byte("url\x00" + canonicalURL))
	var h [16]byte
	copy(h[:], sum[:16])
	return h
}
