package clean

import (
	"strings"
	"unicode/utf8"
)

// Whole-line rules: chrome, navigation, attribution and source lines.

// wholeLines removes chrome and navigation lines and moves attribution and
// source lines to their fields.
func (r *run) wholeLines(units []string) []string {
	out := units[:0]
	for _, u := range units {
		f := ""
		if len(u) <= r.rs.maxPhrase {
			f = foldUnit(u)
		}
		switch {
		case r.rs.chrome[f] || r.rs.relatedFold[f] || r.allChrome(u) || r.chromePattern(u):
			r.remove(RuleChrome, u)
		case r.navigation(u):
			r.remove(RuleNavigation, u)
		default:
			// A bare URL is a source line only at the very end (see
			// trailingURLs): elsewhere it is a link the article shows.
			if url, bare, ok := r.rs.matchSourceLine(u); ok && !bare {
				if r.out.SourceURL == "" {
					r.out.SourceURL = url
				}
				r.remove(RuleSourceLine, u)
				continue
			}
			if name, ok := r.rs.matchAttribution(u); ok {
				if r.out.Attribution == "" {
					r.out.Attribution = name
				}
				r.remove(RuleAttribution, u)
				continue
			}
			if kept, credit, name, ok := r.rs.trailingAttribution(u); ok {
				if r.out.Attribution == "" {
					r.out.Attribution = name
				}
				r.remove(RuleAttribution, credit)
				u = kept
			}
			out = append(out, u)
		}
	}
	return out
}

// allChrome reports whether a short line is a row of chrome words ("Share
// Tweet Email Print").
func (r *run) allChrome(u string) bool {
	n := words(u)
	if n < 2 || n > 8 {
		return false
	}
	for w := range strings.FieldsSeq(u) {
		f := foldUnit(w)
		if f != "" && !r.rs.chrome[f] {
			return false
		}
	}
	return true
}

// navigation reports whether a line is a breadcrumb or menu: three or more
// short items separated by "|", "›", "»" or ">".
func (r *run) navigation(u string) bool {
	if !strings.ContainsAny(u, "|›»>") {
		return false
	}
	items := strings.FieldsFunc(u, func(c rune) bool { return strings.ContainsRune("|›»>", c) })
	if len(items) < 3 || strings.Count(u, " ")+1 > 30 {
		return false
	}
	for _, it := range items {
		it = strings.TrimSpace(it)
		if it == "" || words(it) > 4 || endsSentence(it) {
			return false
		}
	}
	return true
}

// isCaption reports whether a lower-case line carries a caption marker.
func (rs *ruleSet) isCaption(f string) bool {
	for _, m := range rs.caption {
		if strings.Contains(f, m) {
			return true
		}
	}
	return false
}

// matchSourceLine recognises "Nguồn Lạng Sơn: https://…" and bare URL lines and
// returns the URL.
func (rs *ruleSet) matchSourceLine(u string) (url string, bare, ok bool) {
	loc := rs.findURL(u)
	if loc == nil {
		return "", false, false
	}
	url = u[loc[0]:loc[1]]
	trimmed := strings.TrimRight(url, ".,;:)]}»”'\"")
	after := url[len(trimmed):] + u[loc[1]:]
	if strings.Trim(after, " .,;:)]}»”'\"") != "" {
		return "", false, false
	}
	before := strings.Trim(u[:loc[0]], " :-–—([")
	if before == "" {
		return trimmed, true, true
	}
	if words(before) > 8 {
		return "", false, false
	}
	fb := strings.ToLower(before)
	for _, p := range rs.sourceLine {
		if strings.HasPrefix(fb, p) && (len(fb) == len(p) || strings.ContainsRune(" :", rune(fb[len(p)]))) {
			return trimmed, false, true
		}
	}
	return "", false, false
}

// cutPrefix matches one of prefixes at the start of s, case-insensitively,
// followed by a space or a colon (required when the prefix has one), and
// returns the rest without separators.
func cutPrefix(s string, prefixes []attrPrefix) (string, bool) {
	for _, p := range prefixes {
		n := len(p.fold)
		if len(s) <= n || !strings.EqualFold(s[:n], p.fold) {
			continue
		}
		rest := s[n:]
		switch {
		case strings.HasPrefix(strings.TrimLeft(rest, " "), ":"):
			rest = strings.TrimLeft(rest, " ")[1:]
		case p.colon || rest[0] != ' ':
			continue
		}
		return strings.TrimSpace(rest), true
	}
	return "", false
}

// matchByline recognises "By Jane Doe and John Roe" and returns the names.
func (rs *ruleSet) matchByline(u string) (string, bool) {
	if words(u) > 10 || rs.findURL(u) != nil {
		return "", false
	}
	names, ok := cutPrefix(strings.TrimRight(u, "."), rs.byline)
	if !ok || names == "" || strings.ContainsAny(names, ";!?:\"“”") {
		return "", false
	}
	for w := range strings.FieldsSeq(names) {
		w = strings.Trim(w, ",")
		if w == "" || rs.joiners[strings.ToLower(w)] {
			continue
		}
		r, _ := utf8.DecodeRuneInString(w)
		if !isUpperOrDigit(r) {
			return "", false
		}
	}
	return names, true
}

// matchAttribution recognises "Theo Nhandan", "(Theo TTXVN)", "Source: Reuters"
// and returns the outlet's name.
func (rs *ruleSet) matchAttribution(u string) (string, bool) {
	if words(u) > 10 || rs.findURL(u) != nil {
		return "", false
	}
	s := strings.TrimRight(strings.Trim(u, " ()[]-–—"), ".")
	rest, ok := cutPrefix(s, rs.attribution)
	if !ok {
		return "", false
	}
	name := strings.TrimRight(strings.Trim(rest, " -–—"), ".")
	if name == "" || words(name) > 6 || strings.ContainsAny(name, ",;!?:\"“”()") {
		return "", false
	}
	if r0, _ := utf8.DecodeRuneInString(name); !isUpperOrDigit(r0) {
		return "", false
	}
	return name, true
}

// trailingAttribution recognises a credit in parentheses at the end of a
// paragraph ("…một lần. (Theo TTXVN)") and returns the paragraph without
// it, the credit and the outlet's name.
func (rs *ruleSet) trailingAttribution(u string) (kept, credit, name string, ok bool) {
	t := strings.TrimSuffix(u, ".")
	if !strings.HasSuffix(t, ")") {
		return u, "", "", false
	}
	open := strings.LastIndexByte(t, '(')
	if open <= 0 {
		return u, "", "", false
	}
	kept = strings.TrimSpace(u[:open])
	if !endsSentence(kept) {
		return u, "", "", false
	}
	credit = u[open:]
	if name, ok = rs.matchAttribution(credit); !ok {
		return u, "", "", false
	}
	return kept, credit, name, true
}

// chromeMaxBytes bounds the lines the chrome patterns are tried on.
const chromeMaxBytes = 300

// chromePattern reports whether a line matches a chrome pattern.
func (r *run) chromePattern(u string) bool {
	return r.rs.chromeRe != nil && len(u) <= chromeMaxBytes && r.rs.chromeRe.MatchString(u)
}
