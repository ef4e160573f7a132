package clean

import (
	"context"
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
	RuleByline          = "byline"            // "By Jane Doe" before the body, moved to Byline
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
	// Rules replaces the embedded rules (nil: [DefaultRules]). Load them
	// with [ParseRules], which checks them: New panics on an invalid chrome
	// pattern in Rules built by other means.
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
	// Byline names the authors of a byline line before the body ("Jane
	// Doe" of "By Jane Doe").
	Byline string
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
// state, and idempotent: cleaning an Output's Title and Text again, as the
// same kind of input (text or paragraphs), changes neither — with templates,
// as long as the same Page is given, since another page id is another
// observation. Empty input gives an empty Output. The error is only ever a
// TemplateStore error (transient, to be retried); the Output is then zero.
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
		orig := u
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
		if u != orig {
			u = normLine(u)
		}
		if u != "" {
			out = append(out, u)
		}
	}
	return out
}
