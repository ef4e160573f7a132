package clean

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newsmill/newsmill/pkg/article"
)

// Rule names recorded in [article.Removal.Rule]. Moves (title, dateline,
// attribution, source-line) are recorded too, so an explanation shows where
// every piece of text went.
const (
	RuleChrome          = "chrome"            // UI chrome line ("Sign In", "Xem")
	RuleNavigation      = "navigation"        // breadcrumb or menu line ("Home | News | World")
	RuleRelated         = "related-headlines" // "Tin khác" and the headlines after it
	RuleImageFilename   = "image-filename"    // "image002.jpg", "điều phối.223.jpg"
	RuleRepeatedCaption = "repeated-caption"  // a caption or paragraph printed twice
	RuleTruncated       = "truncated-teaser"  // a last sentence cut mid-word
	RuleAttribution     = "attribution"       // "Theo Nhandan", moved to Attribution
	RuleSourceLine      = "source-line"       // "Nguồn …: URL", moved to SourceURL
	RuleSignature       = "signature"         // "BAN TỔ CHỨC CUỘC THI" at the end
	RuleTitle           = "title"             // the headline line, moved to Title
	RuleDateline        = "dateline"          // the date line, moved to PublishedAt
	RuleTemplate        = "template"          // a line learned as this source's boilerplate
)

// Defaults of [Options].
const (
	DefaultMaxRemovals      = 64
	DefaultMaxRemovalText   = 300
	DefaultTemplateMinPages = 5
	DefaultTemplateMinShare = 0.3
)

// Options configures a [Cleaner]. The zero value is usable.
type Options struct {
	// MaxRemovals bounds Output.Removed (default 64); removals beyond it are
	// still made but not listed, and Output.RemovedTruncated is set.
	MaxRemovals int
	// MaxRemovalText bounds the text of one removal in runes (default 300);
	// longer text is cut and ends with "…".
	MaxRemovalText int
	// Templates holds learned per-source boilerplate; nil disables learning.
	Templates TemplateStore
	// TemplateMinPages is how many distinct pages of a source must hold a
	// line before it is boilerplate (default 5).
	TemplateMinPages int
	// TemplateMinShare is the share of the source's pages in the store's
	// window that must hold a line before it is boilerplate (default 0.3):
	// a footer is on nearly every page, while a common sentence that a few
	// of many articles share is not.
	TemplateMinShare float64
	// Rules replaces the embedded rules (nil: [DefaultRules]).
	Rules *Rules
}

// Cleaner cleans article text. It is safe for concurrent use when its
// TemplateStore is.
type Cleaner struct {
	opts  Options
	rules *ruleSet
}

// New returns a Cleaner with opts, defaults filled in.
func New(opts Options) *Cleaner {
	if opts.MaxRemovals <= 0 {
		opts.MaxRemovals = DefaultMaxRemovals
	}
	if opts.MaxRemovalText <= 0 {
		opts.MaxRemovalText = DefaultMaxRemovalText
	}
	if opts.TemplateMinPages <= 0 {
		opts.TemplateMinPages = DefaultTemplateMinPages
	}
	if opts.TemplateMinShare <= 0 {
		opts.TemplateMinShare = DefaultTemplateMinShare
	}
	r := opts.Rules
	if r == nil {
		r = DefaultRules()
	}
	return &Cleaner{opts: opts, rules: compileRules(r)}
}

// Input is one article to clean.
type Input struct {
	// Source is the source id; templates are learned per source.
	Source string
	// Page identifies the page for template learning (the article id), so
	// a redelivered page is not counted twice. Empty: a hash of the text.
	Page string
	// Title is the title already known from HTML extraction. Empty for
	// plain text: the cleaner then takes the first line when it reads as a
	// headline, and leaves Title empty when the text has none.
	Title string
	// Paragraphs are the body paragraphs from HTML extraction; when nil,
	// Text is used.
	Paragraphs []string
	// Text is plain scraped text, paragraphs separated by line breaks or
	// blank lines; used when Paragraphs is nil.
	Text string
	// LanguageHint is the declared language ("vi", "en-US"); only en-US
	// changes anything: numeric dates are then read month first.
	LanguageHint string
}

// Output is a cleaned article.
type Output struct {
	// Title is the cleaned title ("" when none was given or found).
	Title string
	// Text is the body: paragraphs joined by "\n\n", NFC, white space
	// folded.
	Text string
	// PublishedAt is the date of the article's date line, if it had one: a
	// date alone is midnight UTC.
	PublishedAt *time.Time
	// Attribution is the outlet the text is credited to ("Nhandan").
	Attribution string
	// SourceURL is the original-source URL of a source line.
	SourceURL string
	// Removed lists what was removed or moved and why, in the order the
	// rules ran (at most Options.MaxRemovals entries).
	Removed []article.Removal
	// RemovedTruncated is set when Removed was cut to its bound.
	RemovedTruncated bool
}

// Clean cleans one article. It is deterministic for a given TemplateStore
// state, and idempotent: cleaning an Output's Title and Text again changes
// neither. The error is only ever a TemplateStore error (transient); the
// Output is then zero.
func (c *Cleaner) Clean(ctx context.Context, in Input) (Output, error) {
	r := &run{c: c, rs: c.rules}
	r.usOrder = strings.EqualFold(in.LanguageHint, "en-US") || strings.EqualFold(in.LanguageHint, "en_US")

	var units []string
	if in.Paragraphs != nil {
		for _, p := range in.Paragraphs {
			units = appendLines(units, Normalize(p))
		}
	} else {
		units = appendLines(units, Normalize(in.Text))
	}

	title := ""
	if in.Title != "" {
		title = r.cleanTitle(normLine(in.Title))
	}
	units = r.inline(units)
	units = r.wholeLines(units)
	units = r.header(units, &title, in.Paragraphs == nil)
	units, err := r.templates(ctx, units, in)
	if err != nil {
		return Output{}, err
	}
	// These rules look at neighbours and at the end of the text, so one
	// removal can expose another ("A, BBT, A" leaves "A, A"). Running them
	// to a fixed point keeps Clean idempotent.
	for range maxRounds {
		before := r.changes
		units = r.truncated(units)
		units = r.repeated(units)
		units = r.signatures(units)
		units = r.trailingURLs(units)
		if r.changes == before {
			break
		}
	}

	r.out.Title = title
	r.out.Text = Normalize(strings.Join(units, "\n\n"))
	return r.out, nil
}

func appendLines(units []string, text string) []string {
	for line := range strings.SplitSeq(text, "\n") {
		if line != "" {
			units = append(units, line)
		}
	}
	return units
}

// maxRounds bounds the fixed-point loop of the neighbour rules; every round
// but the last removes something, so real pages need two.
const maxRounds = 8

// run is the state of one Clean call.
type run struct {
	c       *Cleaner
	rs      *ruleSet
	out     Output
	usOrder bool
	changes int // removals made, listed or not
}

// remove records a removal, within the bound.
func (r *run) remove(rule, text string) {
	if text == "" {
		return
	}
	r.changes++
	if len(r.out.Removed) >= r.c.opts.MaxRemovals {
		r.out.RemovedTruncated = true
		return
	}
	if n := r.c.opts.MaxRemovalText; utf8.RuneCountInString(text) > n {
		i, k := 0, 0
		for i = range text {
			if k == n-1 {
				break
			}
			k++
		}
		text = text[:i] + "…"
	}
	r.out.Removed = append(r.out.Removed, article.Removal{Rule: rule, Text: text})
}

// cleanTitle applies the inline rules to a title given by extraction.
func (r *run) cleanTitle(t string) string {
	if kept, cut, ok := r.rs.cutRelated(t); ok {
		r.remove(RuleRelated, cut)
		t = kept
	}
	if out, removed, _ := r.rs.stripImages(t); removed != nil {
		for _, x := range removed {
			r.remove(RuleImageFilename, x)
		}
		t = out
	}
	if t != "" && r.rs.chrome[foldUnit(t)] {
		r.remove(RuleChrome, t)
		t = ""
	}
	return normLine(t)
}

// inline repairs and cuts inside lines: related-headline runs, image file
// names and glued sentences.
func (r *run) inline(units []string) []string {
	out := units[:0]
	inRun := false // after a lone related marker: headlines follow
	for _, u := range units {
		if inRun {
			if words(u) <= 25 && !endsSentence(u) && !strings.HasSuffix(u, ":") {
				r.remove(RuleRelated, u)
				continue
			}
			inRun = false
		}
		if kept, cut, ok := r.rs.cutRelated(u); ok {
			r.remove(RuleRelated, cut)
			if kept == "" {
				inRun = true
				continue
			}
			u = kept
		}
		// Unglue first: stripping names must see the tokens a second run
		// would see.
		u = r.rs.unglue(u)
		if s, removed, whole := r.rs.stripImages(u); removed != nil {
			for _, x := range removed {
				r.remove(RuleImageFilename, x)
			}
			if whole {
				continue
			}
			u = s
		}
		u = normLine(u)
		if u != "" {
			out = append(out, u)
		}
	}
	return out
}

// wholeLines removes chrome and navigation lines and moves attribution and
// source lines to their fields.
func (r *run) wholeLines(units []string) []string {
	out := units[:0]
	for _, u := range units {
		f := foldUnit(u)
		switch {
		case r.rs.chrome[f] || r.rs.relatedFold[f] || r.allChrome(u):
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

// header moves date lines and the title out of the lines before the body.
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
		}
		out = append(out, u)
	}
	end -= len(units) - len(out)
	if *title == "" && derive && len(out) > 1 && titleLike(out[0]) {
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

// templates removes the lines learned as the source's boilerplate and
// records this page's lines.
func (r *run) templates(ctx context.Context, units []string, in Input) ([]string, error) {
	store := r.c.opts.Templates
	if store == nil || len(units) == 0 {
		return units, nil
	}
	hashes := make([]uint64, 0, len(units))
	idx := make([]int, len(units)) // unit → index into hashes
	seen := make(map[uint64]int, len(units))
	for i, u := range units {
		h := lineHash(u)
		k, ok := seen[h]
		if !ok {
			k = len(hashes)
			seen[h] = k
			hashes = append(hashes, h)
		}
		idx[i] = k
	}
	page := in.Page
	if page == "" {
		page = article.ContentID([]byte(strings.Join(units, "\n")))
	}
	counts, err := store.Observe(ctx, in.Source, page, hashes)
	if err != nil {
		return nil, fmt.Errorf("observing templates of source %q: %w", in.Source, err)
	}
	if len(counts.Lines) != len(hashes) {
		return nil, fmt.Errorf("observing templates of source %q: %d counts for %d lines", in.Source, len(counts.Lines), len(hashes))
	}
	minPages := r.c.opts.TemplateMinPages
	minShare := r.c.opts.TemplateMinShare
	out := units[:0]
	for i, u := range units {
		n := counts.Lines[idx[i]]
		if n >= minPages && float64(n) >= minShare*float64(counts.Pages) {
			r.remove(RuleTemplate, u)
			continue
		}
		out = append(out, u)
	}
	return out, nil
}

// lineHash is the template identity of a line: FNV-1a of its lower case.
func lineHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strings.ToLower(s)))
	return h.Sum64()
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

// matchAttribution recognises "Theo Nhandan", "(Theo TTXVN)", "Source: Reuters"
// and returns the outlet's name.
func (rs *ruleSet) matchAttribution(u string) (string, bool) {
	if words(u) > 10 || rs.findURL(u) != nil {
		return "", false
	}
	s := strings.TrimRight(strings.Trim(u, " ()[]-–—"), ".")
	for _, p := range rs.attribution {
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
		name := strings.TrimRight(strings.Trim(rest, " -–—"), ".")
		if name == "" || words(name) > 6 || strings.ContainsAny(name, ",;!?:\"“”()") {
			continue
		}
		r0, _ := utf8.DecodeRuneInString(name)
		if !isUpperOrDigit(r0) {
			continue
		}
		return name, true
	}
	return "", false
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
