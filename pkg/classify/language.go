package classify

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Und is the language of a text the detector is not sure about: too short,
// no letters, a script or language it does not know, or a close call.
const Und = "und"

// Languages lists the languages [DetectLanguage] can return besides [Und].
var Languages = []string{"vi", "en", "th", "id", "ms", "tl", "km", "lo", "my", "zh", "ko", "ja", "fr"}

// latinLanguages are the classes of the Latin-script model, in model order.
var latinLanguages = []string{"vi", "en", "id", "ms", "tl", "fr"}

const (
	// detectBytes bounds how much of a text language detection reads: the
	// first few KB of an article decide its language as well as all of it.
	detectBytes = 1500
	// minLetters is the fewest letters a text needs to get a language.
	minLetters = 3
	// undBelow is the confidence under which the detector answers Und.
	undBelow = 0.35
	// wordWeight is how much a whole-word feature counts next to one
	// character n-gram, in training and detection alike.
	wordWeight = 3
	// idMsOverride is the model confidence under which Indonesian-only or
	// Malay-only words overrule the model.
	idMsOverride = 0.97
	// maxGram is the longest character n-gram of the language model.
	maxGram = 4
	// langKind names the feature extractor of the language model.
	langKind = "lang:words+chars1-4"
)

type script int

const (
	scriptOther script = iota
	scriptLatin
	scriptThai
	scriptLao
	scriptKhmer
	scriptMyanmar
	scriptHangul
	scriptKana
	scriptHan
	numScripts
)

var scriptLang = [numScripts]string{
	scriptThai:    "th",
	scriptLao:     "lo",
	scriptKhmer:   "km",
	scriptMyanmar: "my",
	scriptHangul:  "ko",
}

var scriptNames = [numScripts]string{"other", "Latin", "Thai", "Lao", "Khmer", "Myanmar", "Hangul", "kana", "Han"}

func scriptOf(r rune) script {
	switch {
	case r < 0x80:
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return scriptLatin
		}
		return -1
	case r >= 0x0E00 && r <= 0x0E7F:
		return scriptThai
	case r >= 0x0E80 && r <= 0x0EFF:
		return scriptLao
	case r >= 0x1780 && r <= 0x17FF, r >= 0x19E0 && r <= 0x19FF:
		return scriptKhmer
	case r >= 0x1000 && r <= 0x109F, r >= 0xA9E0 && r <= 0xA9FF, r >= 0xAA60 && r <= 0xAA7F:
		return scriptMyanmar
	case unicode.Is(unicode.Hangul, r):
		return scriptHangul
	case unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r), r == 0x30FC:
		return scriptKana
	case unicode.Is(unicode.Han, r):
		return scriptHan
	case unicode.Is(unicode.Latin, r):
		return scriptLatin
	case unicode.IsLetter(r):
		return scriptOther
	}
	return -1 // not a letter
}

// scriptCounts counts the letters of each script in text.
func scriptCounts(text string) (counts [numScripts]int, total int) {
	for _, r := range text {
		s := scriptOf(r)
		if s < 0 {
			continue
		}
		counts[s]++
		total++
	}
	return counts, total
}

// head returns at most n bytes of text, cut at a rune boundary.
func head(text string, n int) string {
	if len(text) <= n {
		return text
	}
	for n > 0 && !utf8.RuneStart(text[n]) {
		n--
	}
	return text[:n]
}

// DetectLanguage returns the ISO 639-1 code of text's language, one of
// [Languages], and a confidence in [0,1]. It answers [Und] with a low
// confidence for text with fewer than three letters, in a script it does not
// know (Cyrillic, Arabic, …), or when the Latin-script model hesitates. Only
// the first few kilobytes are read. It is safe for concurrent use.
func DetectLanguage(text string) (lang string, confidence float64) {
	d := defaultLangDetector()
	if d == nil {
		return Und, 0
	}
	lang, confidence, _ = d.detect(text)
	return lang, confidence
}

// langDetector holds the Latin-script model.
type langDetector struct {
	latin *nbModel
}

// detect returns the language, its confidence and why it was chosen.
func (d *langDetector) detect(text string) (string, float64, string) {
	text = head(text, detectBytes)
	counts, total := scriptCounts(text)
	if total < minLetters {
		return Und, 0, "too few letters"
	}
	cjk := counts[scriptHan] + counts[scriptKana]
	best, bestN := scriptOther, 0
	for s := scriptLatin; s < numScripts; s++ {
		n := counts[s]
		if s == scriptHan || s == scriptKana {
			n = cjk
		}
		if n > bestN {
			best, bestN = s, n
		}
	}
	if counts[scriptOther] > bestN {
		return Und, float64(counts[scriptOther]) / float64(total), "letters of an unsupported script"
	}
	if best == scriptLatin {
		// Latin words are common in Asian-script text (names, English
		// terms), never the reverse: a sizeable share of another script wins.
		for sc := scriptThai; sc < numScripts; sc++ {
			n := counts[sc]
			if sc == scriptHan || sc == scriptKana {
				n = cjk
			}
			if float64(n) >= 0.3*float64(total) {
				best, bestN = sc, n
				break
			}
		}
	}
	share := float64(bestN) / float64(total)
	switch best {
	case scriptHan, scriptKana:
		// Japanese writes kana in nearly every sentence; Chinese never does.
		if counts[scriptKana] >= 2 || float64(counts[scriptKana]) >= 0.05*float64(cjk) && counts[scriptKana] > 0 {
			return "ja", share, "script: kana among Han"
		}
		return "zh", share, "script: Han without kana"
	case scriptLatin:
		return d.detectLatin(text, share)
	}
	return scriptLang[best], share, "script: " + scriptNames[best]
}

// detectLatin runs the Latin-script model.
func (d *langDetector) detectLatin(text string, share float64) (string, float64, string) {
	var scores [8]float64
	s := scores[:len(d.latin.classes)]
	copy(s, d.latin.prior)
	n := 0
	langFeatures(text, func(f uint64, w float64) {
		d.latin.addFeature(s, f, w)
		n++
	})
	if n == 0 {
		return Und, 0, "no words"
	}
	// Naive Bayes is over-confident on long texts: temper by the amount of
	// evidence so the confidence stays meaningful.
	softmax(s, math.Max(1, float64(n)/40))
	best := 0
	for c := range s {
		if s[c] > s[best] {
			best = c
		}
	}
	why := "Latin n-gram model"
	// Indonesian and Malay share most words and spellings; where the model
	// picks one of them, the words that only one of them uses decide.
	if l := d.latin.classes[best]; l == "id" || l == "ms" {
		if mark, n := idOrMs(text); mark != "" && mark != l && s[best] < idMsOverride {
			other := slices.Index(d.latin.classes, mark)
			s[best], s[other] = s[other], s[best]
			best = other
			why = fmt.Sprintf("Latin n-gram model, then %d %s-only words", n, mark)
		} else if mark == l {
			why = fmt.Sprintf("Latin n-gram model and %d %s-only words", n, mark)
		}
	}
	conf := s[best] * share
	if conf < undBelow {
		return Und, conf, "Latin model unsure: " + d.latin.classes[best]
	}
	return d.latin.classes[best], conf, why
}

// Words one of Indonesian and Malay uses and the other does not (or spells
// otherwise): "bisa"/"boleh", "karena"/"kerana", "uang"/"wang", "istri"/
// "isteri"…
var (
	indonesianOnly = wordSet(`bisa karena bahwa yaitu setelah sesudah uang mau nggak gak enggak sih dong kok banget aja udah gimana kalian
		perusahaan polisi kendaraan universitas karyawan kantor mobil istri tetangga mulai bagaimanapun desember agustus maret juni juli
		rupiah rp liburan gratis toilet kamar tau berbasis dipergunakan pengin nih lho loh`)
	malayOnly = wordSet(`kerana bahawa iaitu selepas semasa mahu wang baharu kerajaan syarikat polis kenderaan universiti kakitangan
		isteri jiran sahaja ramai hendak percuma kereta bilik pejabat perkhidmatan kualiti cukai dadah ringgit rm encik filem muzik
		televisyen ogos disember mac jun julai minit manakala tiada kanak sebarang sepertimana mendapati gergasi bermula awak
		berkenaan kemaskini maklumat sila laman sesawang`)
)

func wordSet(words string) map[uint64]bool {
	m := make(map[uint64]bool)
	for _, w := range strings.Fields(words) {
		h, _ := hashWords(w)
		m[h] = true
	}
	return m
}

// idOrMs counts Indonesian-only and Malay-only words in text and returns
// the language with more of them and its count, or "" on a tie.
func idOrMs(text string) (string, int) {
	var id, ms int
	for _, t := range tokenize(text, make([]token, 0, 64)) {
		if indonesianOnly[t.hash] {
			id++
		}
		if malayOnly[t.hash] {
			ms++
		}
	}
	switch {
	case id > ms:
		return "id", id
	case ms > id:
		return "ms", ms
	}
	return "", 0
}

// langFeatures calls fn for every feature of the Latin-script model in text:
// each lower-cased word (weight wordWeight) and every character n-gram of
// 1..maxGram runes of the word padded with spaces. Digits are skipped.
func langFeatures(text string, fn func(f uint64, w float64)) {
	var buf [64]rune
	toks := tokenize(text, make([]token, 0, 64))
	for _, t := range toks {
		if t.digits {
			continue
		}
		fn(mix(t.hash, 0x776f7264), wordWeight)
		rs := buf[:0]
		rs = append(rs, ' ')
		for _, r := range text[t.start:t.end] {
			if len(rs) == len(buf)-1 {
				break
			}
			rs = append(rs, lower(r))
		}
		rs = append(rs, ' ')
		for i := range rs {
			h := uint64(fnvOffset)
			for n := 1; n <= maxGram && i+n <= len(rs); n++ {
				h = (h ^ uint64(rs[i+n-1])) * fnvPrime
				if n == 1 && rs[i] == ' ' {
					continue
				}
				fn(mix(h, uint64(n)), 1)
			}
		}
	}
}
