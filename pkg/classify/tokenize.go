package classify

import (
	"unicode"
	"unicode/utf8"
)

// token is one word of a text: a run of letters, combining marks and digits.
// Its hash is computed over the lower-cased runes so that matching is
// case-insensitive without allocating lower-cased strings.
type token struct {
	start, end int    // byte offsets in the text
	hash       uint64 // FNV-1a of the lower-cased runes
	upper      bool   // first rune is upper case
	allUpper   bool   // every letter is upper case (an acronym candidate)
	digits     bool   // every rune is a digit
	runes      int    // number of runes
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// mix combines two hashes (a sequence hash with the next token's hash). It is
// order-sensitive, so "lao động" and "động lao" differ.
func mix(a, b uint64) uint64 {
	a ^= b + 0x9e3779b97f4a7c15 + (a << 6) + (a >> 2)
	a *= 0xff51afd7ed558ccd
	return a ^ (a >> 33)
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || unicode.IsDigit(r)
}

func lower(r rune) rune {
	if r < utf8.RuneSelf {
		if r >= 'A' && r <= 'Z' {
			return r + 32
		}
		return r
	}
	return unicode.ToLower(r)
}

// tokenize appends the words of text to dst. Tokens never span white space
// or punctuation; a hyphen or apostrophe ends a token ("SLOM-WG" is two).
// Case is judged by whether a rune changes when lower-cased, so caseless
// scripts (Thai, Han) are neither upper nor lower.
func tokenize(text string, dst []token) []token {
	in := false
	var t token
	for i, r := range text {
		if !isWordRune(r) {
			if in {
				t.end = i
				if t.digits {
					t.allUpper = false
				}
				dst = append(dst, t)
				in = false
			}
			continue
		}
		lr := lower(r)
		if !in {
			in = true
			t = token{start: i, hash: fnvOffset, allUpper: true, digits: true, upper: lr != r}
		}
		isDigit := r >= '0' && r <= '9'
		if !isDigit {
			t.digits = false
			if lr == r {
				t.allUpper = false
			}
		}
		t.hash = (t.hash ^ uint64(lr)) * fnvPrime
		t.runes++
	}
	if in {
		t.end = len(text)
		if t.digits {
			t.allUpper = false
		}
		dst = append(dst, t)
	}
	return dst
}

// hashWords returns the sequence hash of the lower-cased words of phrase, and
// how many words it has; 0 words means the phrase has none.
func hashWords(phrase string) (uint64, int) {
	toks := tokenize(phrase, nil)
	if len(toks) == 0 {
		return 0, 0
	}
	h := toks[0].hash
	for _, t := range toks[1:] {
		h = mix(h, t.hash)
	}
	return h, len(toks)
}
