package clean

import (
	"strings"
	"unicode/utf8"
)

// Rules that depend on a line's place in the article: the header (title
// and date line), cut teasers, repeated captions, the trailing signature and
// source URLs.

// header moves date lines, bylines and the title out of the lines before
// the body.
// derive allows taking the title from the text.
func (r *run) header(units []string, title *string, derive bool) []string {
	// The header is every line before the first body-like one. It is not
	// capped at a number of lines: removing the title and date would then
	// let a second run look further down than the first.
	end := 0
	for end < len(units) && !bodyLike(units[end]) {
		end++
	}
	out := make([]string, 0, len(units))
	for i, u := range units {
		if i < end {
			if t, ok := r.rs.parseDateLine(u, r.usOrder); ok {
				if r.out.PublishedAt == nil {
					r.out.PublishedAt = &t
				}
				r.remove(RuleDateline, u)
				continue
			}
			if names, ok := r.rs.matchByline(u); ok {
				if r.out.Byline == "" {
					r.out.Byline = names
				}
				r.remove(RuleByline, u)
				continue
			}
		}
		out = append(out, u)
	}
	end -= len(units) - len(out)
	if *title == "" && derive && end > 0 && len(out) > 1 && titleLike(out[0]) {
		*title = out[0]
	}
	if *title == "" {
		return out
	}
	ft := strings.ToLower(*title)
	res := out[:0]
	for i, u := range out {
		if i < end && strings.ToLower(u) == ft {
			r.remove(RuleTitle, u)
			continue
		}
		res = append(res, u)
	}
	return res
}

// truncated cuts a last sentence that stops mid-word from a long paragraph
// ("…trong gia đìn"): scraped teasers end where the listing cut them. The
// paragraph keeps its complete sentences; a paragraph with none is left
// alone, since a cut fragment is still better than nothing.
func (r *run) truncated(units []string) []string {
	for i, u := range units {
		if words(u) < 30 || endsSentence(u) || !endsInLetter(u) {
			continue
		}
		b := r.rs.lastBoundary(u)
		if b < 0 {
			continue
		}
		kept, frag := strings.TrimSpace(u[:b]), u[b:]
		if words(frag) < 3 || !bodyLike(kept) || r.rs.findURL(frag) != nil {
			continue
		}
		r.remove(RuleTruncated, strings.TrimSpace(frag))
		units[i] = kept
	}
	return units
}

// lastBoundary returns the byte offset just after the last sentence end in s
// that is followed by a space and a new sentence, or -1.
func (rs *ruleSet) lastBoundary(s string) int {
	last := -1
	for i := 0; i < len(s); {
		if b := s[i]; b != '.' && b != '!' && b != '?' && b != 0xE2 && b != 0xE3 && b != 0xEF {
			i++ // not the first byte of . ! ? … 。 ！ ？
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if !strings.ContainsRune(".!?…。！？", c) {
			continue
		}
		k := i
		for k < len(s) {
			cr, n := utf8.DecodeRuneInString(s[k:])
			if !strings.ContainsRune(closers, cr) {
				break
			}
			k += n
		}
		if k+1 >= len(s) || s[k] != ' ' {
			continue
		}
		if nr, _ := utf8.DecodeRuneInString(s[k+1:]); !isUpperOrDigit(nr) && !strings.ContainsRune("–—-\"“‘«(", nr) {
			continue // "đề án,… đã được": the sentence goes on
		}
		if c == '.' {
			w := wordBefore(s, i-1)
			if rs.abbrev[strings.ToLower(w)] || (utf8.RuneCountInString(w) == 1 && !isDigits(w)) {
				continue
			}
		}
		last = k + 1
	}
	return last
}

// signatures removes site signatures from the trailing block of short lines
// that follows the last paragraph.
func (r *run) signatures(units []string) []string {
	start := len(units)
	for start > 0 {
		u := units[start-1]
		if words(u) > 8 || endsSentence(u) {
			break
		}
		start--
	}
	if start == 0 {
		return units // no body before the block: nothing to sign
	}
	out := units[:start]
	for _, u := range units[start:] {
		if r.rs.signature[foldUnit(u)] || allCaps(u) {
			r.remove(RuleSignature, u)
			continue
		}
		out = append(out, u)
	}
	return out
}

// repeated removes a line that repeats the line before it, and a caption
// that repeats any earlier line. Other sentences that recur within one
// article (a quote taken up again) are kept.
func (r *run) repeated(units []string) []string {
	out := units[:0]
	seen := make(map[string]bool, len(units))
	prev := ""
	for _, u := range units {
		f := strings.ToLower(u)
		if f == prev || (seen[f] && r.rs.isCaption(f)) {
			r.remove(RuleRepeatedCaption, u)
			continue
		}
		seen[f] = true
		prev = f
		out = append(out, u)
	}
	return out
}

// trailingURLs moves the URLs that end the text, each on a line of its own,
// to SourceURL (the first of them, unless a source line set it): a bare URL that ends an article names
// where it came from, while one inside it is a link the article shows.
func (r *run) trailingURLs(units []string) []string {
	end := len(units)
	first := ""
	for end > 1 {
		url, bare, ok := r.rs.matchSourceLine(units[end-1])
		if !ok || !bare {
			break
		}
		end--
		first = url // the loop runs backwards
	}
	if r.out.SourceURL == "" {
		r.out.SourceURL = first // a "Nguồn …: URL" line says more
	}
	for _, u := range units[end:] {
		r.remove(RuleSourceLine, u)
	}
	return units[:end]
}
