package clean

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed rules.yaml
var defaultRulesYAML []byte

// Rules is the data that drives cleaning: phrases per language (ISO 639-1
// keys) for each rule. The embedded rules.yaml documents every field; see
// [DefaultRules] and [ParseRules].
type Rules struct {
	// Chrome lists whole-line UI phrases ("Sign In", "Xem").
	Chrome map[string][]string `yaml:"chrome"`
	// ChromePatterns lists regular expressions of whole chrome lines that
	// vary ("3 hours ago", "© 2021 …").
	ChromePatterns map[string][]string `yaml:"chrome_patterns"`
	// Related lists markers that introduce runs of related headlines
	// ("Tin khác", "Related articles").
	Related map[string][]string `yaml:"related"`
	// Attribution lists prefixes of credit lines ("Theo", "Source:").
	Attribution map[string][]string `yaml:"attribution"`
	// SourceLine lists prefixes of lines that end with the original URL
	// ("Nguồn").
	SourceLine map[string][]string `yaml:"source_line"`
	// Byline lists prefixes of byline lines ("By", "Par").
	Byline map[string][]string `yaml:"byline"`
	// BylineJoiners lists lower-case words that may join names in a byline.
	BylineJoiners []string `yaml:"byline_joiners"`
	// Signature lists site signatures found at the end of articles ("BBT").
	Signature map[string][]string `yaml:"signature"`
	// Caption lists markers of photo captions and credits ("Ảnh:").
	Caption []string `yaml:"caption"`
	// ImageExtensions lists image file-name extensions, without the dot.
	ImageExtensions []string `yaml:"image_extensions"`
	// Abbreviations lists lower-case words that end with a period without
	// ending a sentence.
	Abbreviations []string `yaml:"abbreviations"`
	// DateLabels lists words that may precede a date on a date line.
	DateLabels []string `yaml:"date_labels"`
	// Weekdays lists weekday names that may precede a date.
	Weekdays []string `yaml:"weekdays"`
	// Months maps lower-case month names to their numbers, per language.
	Months map[string]map[string]int `yaml:"months"`
}

// DefaultRules returns a fresh copy of the embedded rules (rules.yaml). It
// panics only if the embedded file is invalid, which the package's tests
// rule out.
func DefaultRules() *Rules {
	r, err := ParseRules(defaultRulesYAML)
	if err != nil {
		panic(fmt.Sprintf("clean: embedded rules.yaml: %v", err))
	}
	return r
}

// ParseRules decodes rules in the rules.yaml format. Unknown fields are an
// error, so a typo in an operator's file is reported rather than ignored.
func ParseRules(data []byte) (*Rules, error) {
	var r Rules
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("decoding rules: %w", err)
	}
	for lang, ps := range r.ChromePatterns {
		for _, p := range ps {
			if _, err := regexp.Compile(p); err != nil {
				return nil, fmt.Errorf("decoding rules: chrome pattern %q (%s): %w", p, lang, err)
			}
		}
	}
	if len(r.ImageExtensions) == 0 {
		return nil, fmt.Errorf("decoding rules: image_extensions is empty")
	}
	for lang, m := range r.Months {
		for name, n := range m {
			if n < 1 || n > 12 {
				return nil, fmt.Errorf("decoding rules: month %q (%s) is %d, want 1–12", name, lang, n)
			}
		}
	}
	return &r, nil
}

// attrPrefix is one compiled attribution prefix.
type attrPrefix struct {
	fold  string // lower case, without a trailing colon
	colon bool   // the colon is required
}

// ruleSet is Rules compiled for matching.
type ruleSet struct {
	chrome      map[string]bool // folded phrases
	chromeRe    *regexp.Regexp  // every chrome pattern, anchored, or nil
	related     []string        // markers as written, longest first
	relatedFold map[string]bool // folded markers, for lines holding only one
	attribution []attrPrefix    // longest first
	sourceLine  []string        // folded, longest first
	signature   map[string]bool // folded
	byline      []attrPrefix    // longest first
	joiners     map[string]bool
	caption     []string        // folded
	imageExt    map[string]bool // lower case
	abbrev      map[string]bool
	dateLabels  []string // folded, longest first
	weekdays    []string // folded, longest first
	months      map[string]int
	urlRe       *regexp.Regexp
	maxPhrase   int // bytes: a longer line is no chrome phrase, however decorated
}

func compileRules(r *Rules) *ruleSet {
	rs := &ruleSet{
		chrome:      map[string]bool{},
		relatedFold: map[string]bool{},
		signature:   map[string]bool{},
		imageExt:    map[string]bool{},
		abbrev:      map[string]bool{},
		months:      map[string]int{},
		urlRe:       regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"“”]+`),
	}
	for _, lang := range sortedKeys(r.Chrome) {
		for _, p := range r.Chrome[lang] {
			rs.chrome[foldPhrase(p)] = true
		}
	}
	var pats []string
	for _, lang := range sortedKeys(r.ChromePatterns) {
		for _, p := range r.ChromePatterns[lang] {
			pats = append(pats, "(?:"+p+")")
		}
	}
	if len(pats) > 0 {
		// ParseRules checked each pattern; DefaultRules' are tested.
		rs.chromeRe = regexp.MustCompile(`(?i)^(?:` + strings.Join(pats, "|") + `)$`)
	}
	for _, lang := range sortedKeys(r.Related) {
		for _, p := range r.Related[lang] {
			p = normLine(p)
			if p == "" {
				continue
			}
			rs.related = append(rs.related, p)
			rs.relatedFold[foldPhrase(p)] = true
		}
	}
	for _, lang := range sortedKeys(r.Attribution) {
		for _, p := range r.Attribution[lang] {
			f := strings.ToLower(normLine(p))
			colon := strings.HasSuffix(f, ":")
			f = strings.TrimSpace(strings.TrimSuffix(f, ":"))
			if f != "" {
				rs.attribution = append(rs.attribution, attrPrefix{fold: f, colon: colon})
			}
		}
	}
	rs.joiners = map[string]bool{}
	for _, j := range r.BylineJoiners {
		rs.joiners[strings.ToLower(j)] = true
	}
	for _, lang := range sortedKeys(r.Byline) {
		for _, p := range r.Byline[lang] {
			f := strings.ToLower(normLine(p))
			colon := strings.HasSuffix(f, ":")
			f = strings.TrimSpace(strings.TrimSuffix(f, ":"))
			if f != "" {
				rs.byline = append(rs.byline, attrPrefix{fold: f, colon: colon})
			}
		}
	}
	for _, lang := range sortedKeys(r.SourceLine) {
		for _, p := range r.SourceLine[lang] {
			if f := foldPhrase(p); f != "" {
				rs.sourceLine = append(rs.sourceLine, f)
			}
		}
	}
	for _, lang := range sortedKeys(r.Signature) {
		for _, p := range r.Signature[lang] {
			rs.signature[foldPhrase(p)] = true
		}
	}
	for _, p := range r.Caption {
		if f := strings.ToLower(normLine(p)); f != "" {
			rs.caption = append(rs.caption, f)
		}
	}
	for _, e := range r.ImageExtensions {
		rs.imageExt[strings.ToLower(strings.TrimPrefix(e, "."))] = true
	}
	for _, a := range r.Abbreviations {
		rs.abbrev[strings.ToLower(a)] = true
	}
	for _, l := range r.DateLabels {
		if f := strings.ToLower(normLine(l)); f != "" {
			rs.dateLabels = append(rs.dateLabels, f)
		}
	}
	for _, w := range r.Weekdays {
		if f := strings.ToLower(normLine(w)); f != "" {
			rs.weekdays = append(rs.weekdays, f)
		}
	}
	for _, m := range r.Months {
		for name, n := range m {
			rs.months[strings.ToLower(normLine(name))] = n
		}
	}
	for p := range rs.chrome {
		rs.maxPhrase = max(rs.maxPhrase, len(p))
	}
	for p := range rs.relatedFold {
		rs.maxPhrase = max(rs.maxPhrase, len(p))
	}
	rs.maxPhrase += 64 // room for decoration: "» Read more ›"
	longestFirst := func(a, b string) int {
		if d := len(b) - len(a); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	}
	slices.SortFunc(rs.related, longestFirst)
	slices.SortFunc(rs.sourceLine, longestFirst)
	slices.SortFunc(rs.dateLabels, longestFirst)
	slices.SortFunc(rs.weekdays, longestFirst)
	slices.SortFunc(rs.attribution, func(a, b attrPrefix) int { return longestFirst(a.fold, b.fold) })
	slices.SortFunc(rs.byline, func(a, b attrPrefix) int { return longestFirst(a.fold, b.fold) })
	return rs
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// decoration is what surrounds chrome phrases on real pages: arrows,
// bullets, pipes, brackets, ellipses and trailing colons.
const decoration = " »«›‹><|•·*-–—:…[](){}/\\.!#"

// foldPhrase is the comparison key of a whole-line phrase: normalised, lower
// case, without surrounding decoration.
func foldPhrase(s string) string {
	return foldUnit(normLine(s))
}

// foldUnit is foldPhrase of an already normalised line.
func foldUnit(s string) string {
	return strings.ToLower(strings.Trim(s, decoration))
}

// mayHoldURL is a cheap test that guards the URL expression.
func mayHoldURL(s string) bool {
	return strings.Contains(s, "://") || strings.Contains(s, "www.") || strings.Contains(s, "WWW.")
}

// findURL returns the byte range of the first URL in s, or nil.
func (rs *ruleSet) findURL(s string) []int {
	if !mayHoldURL(s) {
		return nil
	}
	return rs.urlRe.FindStringIndex(s)
}
