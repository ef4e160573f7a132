package clean

import (
	"fmt"
	"strings"
	"time"

	"github.com/newsmill/newsmill/pkg/article"
)

// Apply copies the cleaning result onto a: Text, Removed and
// RemovedTruncated always; Title, Attribution and SourceURL when found; and
// PublishedAt and Byline only when a has none, because the page's metadata
// (a date with its time of day, an author field) says more than a line of
// text.
func (o Output) Apply(a *article.Article) {
	a.Text = o.Text
	a.Removed = o.Removed
	a.RemovedTruncated = o.RemovedTruncated
	if o.Title != "" {
		a.Title = o.Title
	}
	if o.Byline != "" && a.Byline == "" {
		a.Byline = o.Byline
	}
	if o.Attribution != "" {
		a.Attribution = o.Attribution
	}
	if o.SourceURL != "" {
		a.SourceURL = o.SourceURL
	}
	if a.PublishedAt == nil && o.PublishedAt != nil {
		t := *o.PublishedAt
		a.PublishedAt = &t
	}
}

// Explain renders what cleaning found and removed, one item per line, for
// operators (`newsctl clean --explain`): the fields moved out of the text,
// then each removal as "rule<TAB>text" in the order the rules ran.
func (o Output) Explain() string {
	var b strings.Builder
	field := func(name, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s:\t%s\n", name, v)
		}
	}
	field("title", o.Title)
	if o.PublishedAt != nil {
		field("published", o.PublishedAt.Format(time.RFC3339))
	}
	field("byline", o.Byline)
	field("attribution", o.Attribution)
	field("source_url", o.SourceURL)
	fmt.Fprintf(&b, "removed:\t%d\n", len(o.Removed))
	for _, r := range o.Removed {
		fmt.Fprintf(&b, "  %s\t%s\n", r.Rule, r.Text)
	}
	if o.RemovedTruncated {
		b.WriteString("  …\tmore removals, not listed (see Options.MaxRemovals)\n")
	}
	return b.String()
}
