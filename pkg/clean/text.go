package clean

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text predicates and inline repairs shared by the rules. Every function
// here takes and returns normalised single lines (see normLine).

// words counts the white-space separated words of s.
func words(s string) int {
	n, in := 0, false
	for _, r := range s {
		if r == ' ' {
			in = false
		} else if !in {
			in = true
			n++
		}
	}
	return n
}

// closers may follow a sentence's final punctuation.
const closers = "\"”’»)]'"

// endsSentence reports whether s ends with sentence-final punctuation,
// possibly followed by closing quotes or brackets.
func endsSentence(s string) bool {
	s = strings.TrimRight(s, closers)
	r, _ := utf8.DecodeLastRuneInString(s)
	switch r {
	case '.', '!', '?', '…', '。', '！', '？':
		return true
	}
	return false
}

// bodyLike reports whether a line reads as body text rather than a title,
// date, caption or chrome: a sentence of at least 12 words, or very long.
func bodyLike(s string) bool {
	n := words(s)
	return n >= 60 || (n >= 12 && endsSentence(s))
}

// titleLike reports whether a line can be a headline: 2–40 words, at most
// 250 characters, not ending like a clause (". , ; :") and starting with a
// capital or a digit (a page scraped from the middle starts with a sentence
// fragment, not a headline).
func titleLike(s string) bool {
	n := words(s)
	if n < 2 || n > 40 || utf8.RuneCountInString(s) > 250 {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(s)
	if strings.ContainsRune(".,;:", last) {
		return false
	}
	for _, r := range s {
		if unicode.IsLetter(r) {
			return !unicode.IsLower(r)
		}
		if unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// allCaps reports whether s has at least three letters and none in lower
// case ("BAN TỔ CHỨC CUỘC THI").
func allCaps(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			if unicode.IsLower(r) {
				return false
			}
			if unicode.IsUpper(r) || unicode.IsTitle(r) {
				letters++
			}
		}
	}
	return letters >= 3
}

// wordBefore returns the run of letters and digits that ends at byte i of s.
func wordBefore(s string, i int) string {
	j := i
	for j > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:j])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) {
			break
		}
		j -= size
	}
	return s[j:i]
}

// endsLowerOrDigit reports whether w ends with a lower-case letter or a
// digit.
func endsLowerOrDigit(w string) bool {
	r, _ := utf8.DecodeLastRuneInString(w)
	for unicode.Is(unicode.Mn, r) && len(w) > 0 {
		w = w[:len(w)-utf8.RuneLen(r)]
		r, _ = utf8.DecodeLastRuneInString(w)
	}
	return unicode.IsLower(r) || unicode.IsDigit(r)
}

// upperThenLower reports whether s starts with an upper-case letter followed
// by a lower-case one: the start of an ordinary sentence ("Diễn", "The").
func upperThenLower(s string) bool {
	r1, n := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(r1) && !unicode.IsTitle(r1) {
		return false
	}
	r2, _ := utf8.DecodeRuneInString(s[n:])
	return unicode.IsLower(r2)
}

// spans returns the byte ranges of s that inline repairs must not touch:
// URLs and e-mail addresses.
func (rs *ruleSet) spans(s string) [][]int {
	var out [][]int
	if mayHoldURL(s) {
		out = rs.urlRe.FindAllStringIndex(s, -1)
	}
	if strings.Contains(s, "@") {
		for _, f := range strings.Fields(s) {
			if at := strings.Index(f, "@"); at > 0 && strings.Contains(f[at:], ".") {
				i := strings.Index(s, f)
				out = append(out, []int{i, i + len(f)})
			}
		}
	}
	return out
}

func inSpans(spans [][]int, i int) bool {
	for _, sp := range spans {
		if i >= sp[0] && i < sp[1] {
			return true
		}
	}
	return false
}

// unglue inserts the missing space after sentence punctuation glued to the
// next sentence ("vững.Diễn" → "vững. Diễn", "2020.Tại" → "2020. Tại",
// "tế.– Việc" → "tế. – Việc", "việc,người" → "việc, người"). It leaves
// alone URLs and e-mail addresses, decimals ("3.5"), ranges ("2021-2022."),
// abbreviations listed in the rules ("Tp.Hồ"), initials ("U.S.", "e.g.") and
// words in capitals ("ASP.NET"), because a sentence ends in lower case or a
// digit. It never adds or removes anything but spaces.
func (rs *ruleSet) unglue(s string) string {
	var sp [][]int
	spansDone := false
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		// Only ASCII punctuation and "…" (E2 80 A6) matter: skip the rest
		// byte by byte, without decoding.
		c := s[i]
		if c != '.' && c != '!' && c != '?' && c != ':' && c != ';' && c != ',' && c != 0xE2 {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		j := i + size
		if (c == 0xE2 && r != '…') || j >= len(s) {
			i = j
			continue
		}
		insert := -1
		switch r {
		case ',':
			w := wordBefore(s, i)
			next, _ := utf8.DecodeRuneInString(s[j:])
			if utf8.RuneCountInString(w) >= 2 && !isDigits(w) && unicode.IsLetter(next) && endsLowerOrDigit(w) {
				insert = j
			}
		default:
			k := j
			if r == '.' || r == '!' || r == '?' || r == '…' {
				for k < len(s) {
					cr, n := utf8.DecodeRuneInString(s[k:])
					if !strings.ContainsRune(closers, cr) {
						break
					}
					k += n
				}
			}
			if k >= len(s) {
				break
			}
			// Walk back over an ellipsis written as dots.
			start := i
			for r == '.' && start > 0 && i-start < 8 && s[start-1] == '.' {
				start--
			}
			w := wordBefore(s, start)
			next := s[k:]
			nr, _ := utf8.DecodeRuneInString(next)
			dash := nr == '–' || nr == '—'
			switch {
			case w == "":
			case rs.abbrev[strings.ToLower(w)]:
			case utf8.RuneCountInString(w) < 2 && !isDigits(w):
			case !endsLowerOrDigit(w):
			case dash && k == j && r != ',':
				insert = k
			case upperThenLower(next) && r != ':' && r != ';':
				insert = k
			case upperThenLower(next) && (r == ':' || r == ';') && !isDigits(w):
				insert = k
			}
		}
		if insert >= 0 {
			if !spansDone {
				sp, spansDone = rs.spans(s), true
			}
			if !inSpans(sp, i) {
				b.WriteString(s[last:insert])
				b.WriteByte(' ')
				last = insert
			}
		}
		i = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// imageToken classifies one white-space separated token as an image file
// name. It returns keep, the part of the token to keep ("phối." of
// "phối.223.jpg"), and ok when the token holds a file name.
func (rs *ruleSet) imageToken(tok string) (keep string, ok bool) {
	core := strings.TrimRight(tok, ",;:)]}»”\"'")
	core = strings.TrimLeft(core, "([{«“\"'")
	if core == "" || strings.Contains(core, "://") || strings.HasPrefix(strings.ToLower(core), "www.") {
		return "", false
	}
	dot := strings.LastIndexByte(core, '.')
	if dot <= 0 || !rs.imageExt[strings.ToLower(core[dot+1:])] {
		return "", false
	}
	j := dot
	for j > 0 {
		r, size := utf8.DecodeLastRuneInString(core[:j])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-' && !unicode.Is(unicode.Mn, r) {
			break
		}
		j -= size
	}
	if j == dot {
		return "", false // ".jpg" alone is not a name
	}
	prefix := core[:j]
	if prefix == "" || strings.ContainsAny(prefix, "/\\") {
		return "", true
	}
	// A sentence glued to the name: keep the sentence's last word and stop.
	pr, size := utf8.DecodeLastRuneInString(prefix)
	if strings.ContainsRune(".!?…", pr) {
		w := prefix[:len(prefix)-size]
		if w != "" && wordBefore(w, len(w)) == w && strings.IndexFunc(w, unicode.IsLetter) >= 0 {
			return prefix, true
		}
	}
	return "", true
}

// stripImages removes image file names from a line. It returns the line
// without them and the names removed; whole is set when the line held
// nothing but file names.
func (rs *ruleSet) stripImages(s string) (out string, removed []string, whole bool) {
	if !rs.mayHoldImage(s) {
		return s, nil, false
	}
	toks := strings.Split(s, " ")
	all := true
	changed := false
	kept := toks[:0:0]
	for _, t := range toks {
		keep, ok := rs.imageToken(t)
		if !ok {
			all = false
			kept = append(kept, t)
			continue
		}
		changed = true
		removed = append(removed, strings.TrimPrefix(t, keep))
		if keep != "" {
			kept = append(kept, keep)
		}
	}
	if !changed {
		return s, nil, false
	}
	if all {
		return "", []string{s}, true
	}
	return strings.Join(kept, " "), removed, false
}

// cutRelated finds a related-headlines marker that starts the line or is
// glued to the text before it, or is followed by a colon or a glued
// headline ("…bền vữngTin khácThể lệ…"). It returns the text before the
// marker, the cut text from the marker on, and ok when a marker was found.
func (rs *ruleSet) cutRelated(s string) (kept, cut string, ok bool) {
	best := -1
	for _, m := range rs.related {
		from := 0
		for {
			k := strings.Index(s[from:], m)
			if k < 0 {
				break
			}
			idx := from + k
			from = idx + len(m)
			if best >= 0 && idx >= best {
				break
			}
			if rs.relatedAt(s, idx, m) {
				best = idx
				break
			}
		}
	}
	if best < 0 {
		return s, "", false
	}
	return strings.TrimSpace(s[:best]), s[best:], true
}

func (rs *ruleSet) relatedAt(s string, idx int, m string) bool {
	rest := s[idx+len(m):]
	restTrim := strings.TrimLeft(rest, " ")
	nr, _ := utf8.DecodeRuneInString(rest)
	gluedAfter := rest != "" && (unicode.IsUpper(nr) || unicode.IsTitle(nr))
	tr, _ := utf8.DecodeRuneInString(restTrim)
	afterOK := rest == "" || gluedAfter || (restTrim != "" && strings.ContainsRune(":»›|–-", tr))
	if !afterOK {
		return false
	}
	if idx == 0 {
		return true
	}
	pr, _ := utf8.DecodeLastRuneInString(s[:idx])
	if pr == ' ' {
		// "Title Tin khác" at the end, or a glued headline after it.
		return rest == "" || gluedAfter
	}
	// Glued to the preceding text: not inside a longer word that merely
	// contains the marker ("Unrelated"), so the marker must begin with a
	// capital, which the data guarantees for every language but lower-case
	// scripts.
	r0, _ := utf8.DecodeRuneInString(m)
	return unicode.IsUpper(r0) || unicode.IsTitle(r0)
}

func isUpperOrDigit(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsTitle(r) || unicode.IsDigit(r)
}

// mayHoldImage is a cheap test for an image extension after a dot.
func (rs *ruleSet) mayHoldImage(s string) bool {
	for i := strings.IndexByte(s, '.'); i >= 0; {
		j := i + 1
		for j < len(s) && j-i <= 5 && (s[j]|0x20) >= 'a' && (s[j]|0x20) <= 'z' {
			j++
		}
		if j > i+1 && rs.imageExt[strings.ToLower(s[i+1:j])] {
			return true
		}
		k := strings.IndexByte(s[i+1:], '.')
		if k < 0 {
			break
		}
		i += 1 + k
	}
	return false
}

// endsInLetter reports whether the last character of s is a letter (or a
// combining mark on one): where a cut mid-word leaves a line.
func endsInLetter(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsLetter(r) || unicode.IsMark(r)
}
