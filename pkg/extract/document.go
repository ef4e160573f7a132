package extract

import (
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsmill/newsmill/pkg/article"
)

// extractNode builds the Document of a parsed page.
func extractNode(root *html.Node, pageURL string) *Document {
	var base *url.URL
	if pageURL != "" {
		if u, err := url.Parse(pageURL); err == nil {
			base = u
		}
	}
	m := readMeta(goquery.NewDocumentFromNode(root))
	doc := &Document{
		SiteName:     m.siteName,
		Language:     m.lang,
		Byline:       m.byline,
		CanonicalURL: resolve(base, m.canonical),
	}
	all, best := body(root)
	var kept []int // indexes into all
	for i := range all {
		if best != nil && within(all[i].owner, best) && all[i].keep() && !junk(&all[i]) {
			kept = append(kept, i)
		}
	}
	doc.Title = chooseTitle(&m, headingsOf(root), nearHeading(all, kept))
	kept, titleAt := dropTitle(all, kept, doc.Title)
	kept = trimEdges(all, kept)

	doc.Lead = findLead(all, best)
	for _, i := range kept {
		if doc.Lead != "" && all[i].text == doc.Lead {
			continue
		}
		doc.Paragraphs = append(doc.Paragraphs, all[i].text)
	}
	if doc.Byline == "" {
		doc.Byline = findByline(root)
	}
	doc.PublishedAt = findDate(&m, root, all, titleAt, kept, doc.Language)
	doc.Images = findImages(best, base, m.image)
	return doc
}

// nearHeading returns the last heading before the first body paragraph
// (looking back a few blocks): the article's own headline on most pages.
func nearHeading(all []block, kept []int) string {
	start := len(all)
	for _, i := range kept {
		if !all[i].head {
			start = i
			break
		}
	}
	for i := start - 1; i >= 0 && i >= start-12; i-- {
		b := &all[i]
		if b.head && b.runes >= 10 && b.link*2 < b.runes && !hasWord(b.owner, leadWords) {
			return b.text
		}
	}
	return ""
}

// junk reports blocks inside the article that are not prose: a single word
// that is not a heading ("Advert", "narrow-browser-and-phone").
func junk(b *block) bool {
	if b.head || b.owner.DataAtom == atom.Li || b.owner.DataAtom == atom.Tr || b.owner.DataAtom == atom.Dd {
		return false
	}
	if strings.ContainsRune(b.text, ' ') || b.runes >= 40 || sentenceEnd(b.text) {
		return false
	}
	for _, r := range b.text {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Thai) {
			return false
		}
	}
	return true
}

// dropTitle removes the heading that repeats the title, and the short
// blocks before it (kicker, breadcrumb, date line), which belong to the
// article's header rather than its body. It returns the kept indexes and
// the index in all of the title heading (-1 when absent).
func dropTitle(all []block, kept []int, title string) ([]int, int) {
	if title == "" {
		return kept, -1
	}
	for k, i := range kept {
		b := &all[i]
		if !b.head && b.runes > 300 {
			break
		}
		if (b.head || b.runes < 200) && similarTitle(b.text, title) && utf8.RuneCountInString(title)*2 >= b.runes {
			good := 0
			for _, j := range kept[:k] {
				if all[j].runes >= 100 {
					good++
				}
			}
			if good == 0 {
				return kept[k+1:], i
			}
			return append(kept[:k:k], kept[k+1:]...), i
		}
	}
	// The title may sit outside the article element; report where.
	for i := range all {
		if all[i].head && similarTitle(all[i].text, title) {
			return kept, i
		}
	}
	return kept, -1
}

// sentenceEnd reports whether s ends like a sentence.
func sentenceEnd(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(strings.TrimRight(s, " \"'”’»)]*"))
	switch r {
	case '.', '!', '?', '…', '。', '！', '？', ':', ';':
		return true
	}
	return false
}

// maxTrim is the longest run of short lines trimEdges removes.
const maxTrim = 3

// trimEdges drops the short, unpunctuated lines at the start and end of
// the body (share prompts, dates, "Advertisement", a dangling heading).
func trimEdges(all []block, kept []int) []int {
	weak := func(b *block) bool {
		return b.runes < 60 && !sentenceEnd(b.text)
	}
	// A longer run of short lines is content (a list, a table), not chrome.
	n := 0
	for n < len(kept) && weak(&all[kept[n]]) && !all[kept[n]].head {
		n++
	}
	if n <= maxTrim {
		kept = kept[n:]
	}
	n = 0
	for n < len(kept) {
		b := &all[kept[len(kept)-1-n]]
		if !(weak(b) || b.head) {
			break
		}
		n++
	}
	if n <= maxTrim {
		kept = kept[:len(kept)-n]
	}
	return kept
}

// leadWords name a lead (sapo, standfirst) in a class or id.
var leadWords = map[string]bool{
	"lead": true, "sapo": true, "standfirst": true, "dek": true, "summary": true,
	"excerpt": true, "intro": true, "description": true, "subtitle": true,
	"chapeau": true, "subheadline": true, "deck": true, "abstract": true,
	"strapline": true, "leadtext": true, "articlelead": true,
}

// findLead returns the first block in or beside the article marked as a
// lead by its own class or one of its two nearest ancestors', when it reads
// as prose; a long heading may be the lead (Vietnamese sites often mark
// the sapo up as <h2 class="sapo">).
func findLead(all []block, best *html.Node) string {
	scope := best
	if best != nil && best.Parent != nil && best.Parent.Type == html.ElementNode && best.Parent.DataAtom != atom.Body {
		// The lead often sits just beside the body's element.
		scope = best.Parent
	}
	for i := range all {
		b := &all[i]
		if b.runes < 40 || b.link*3 > b.runes || b.teaser || b.head && b.runes < 80 {
			continue
		}
		if best == nil || b.boil || !within(b.owner, scope) {
			continue
		}
		depth := 0
		for n := b.owner; n != nil && depth < 3; n, depth = n.Parent, depth+1 {
			if n.Type == html.ElementNode && hasWord(n, leadWords) {
				return b.text
			}
		}
	}
	return ""
}

// hasWord reports whether a word of n's class or id is in set.
func hasWord(n *html.Node, set map[string]bool) bool {
	found := false
	for _, a := range n.Attr {
		if a.Key == "class" || a.Key == "id" {
			words(a.Val, func(w []byte) {
				if set[string(w)] {
					found = true
				}
			})
		}
	}
	return found
}

// bylineWords name a byline element.
var bylineWords = map[string]bool{"byline": true, "author": true, "authors": true, "writer": true}

// findByline reads the first short element marked as a byline or with
// rel=author, without a leading "By".
func findByline(root *html.Node) string {
	var found string
	var walk func(*html.Node) bool
	walk = func(n *html.Node) bool {
		if n.Type == html.ElementNode {
			if skipTags[n.DataAtom] {
				return false
			}
			if attr(n, "rel") == "author" || attr(n, "itemprop") == "author" || hasWord(n, bylineWords) {
				t := textOf(n)
				t = trimBy(t)
				if n := utf8.RuneCountInString(t); n >= 3 && n <= 80 {
					found = t
					return true
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if walk(c) {
				return true
			}
		}
		return false
	}
	walk(root)
	return found
}

// trimBy removes a leading "By" (any case) or "Tác giả:" from a byline.
func trimBy(t string) string {
	for _, p := range []string{"by ", "by: ", "bởi ", "tác giả: ", "tác giả "} {
		if len(t) > len(p) && strings.EqualFold(t[:len(p)], p) {
			return strings.TrimSpace(t[len(p):])
		}
	}
	return t
}

// findDate returns the publication time: the first declared date that
// parses (JSON-LD, meta tags, microdata), else a <time datetime>, else a
// date written near the title in the page's locale.
func findDate(m *meta, root *html.Node, all []block, titleAt int, kept []int, lang string) *time.Time {
	for _, d := range m.dates {
		if t, ok := parseDeclared(d); ok {
			return &t
		}
	}
	if n := findTime(root); n != nil {
		if t, ok := parseDeclared(attr(n, "datetime")); ok {
			return &t
		}
	}
	start := 0
	if titleAt >= 0 {
		start = max(0, titleAt-5)
	} else if len(kept) > 0 {
		start = max(0, kept[0]-15)
	}
	for i := start; i < len(all) && i < start+40; i++ {
		if all[i].runes > 150 {
			continue
		}
		if t, ok := parseVisible(all[i].text, lang); ok {
			return &t
		}
	}
	return nil
}

// findTime returns the first <time datetime> element, preferring one marked
// pubdate or itemprop=datePublished.
func findTime(root *html.Node) *html.Node {
	var first, marked *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if marked != nil {
			return
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.Time && attr(n, "datetime") != "" {
			if hasAttr(n, "pubdate") || attr(n, "itemprop") == "datePublished" {
				marked = n
				return
			}
			if first == nil {
				first = n
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	if marked != nil {
		return marked
	}
	return first
}

// imageSrcAttrs hold an image's URL, lazy-loading attributes first.
var imageSrcAttrs = []string{"data-src", "data-original", "data-lazy-src", "data-url", "src"}

// findImages lists the article's images with their figure captions; the
// page's declared image (og:image) is used when the article has none.
func findImages(best *html.Node, base *url.URL, declared string) []article.Image {
	var out []article.Image
	seen := map[string]bool{}
	add := func(u, caption string) {
		if u == "" || seen[u] {
			return
		}
		seen[u] = true
		out = append(out, article.Image{URL: u, Caption: caption})
	}
	if best != nil {
		var walk func(*html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode && n.DataAtom == atom.Img {
				if w := attr(n, "width"); w != "" && len(w) <= 2 && w != "0" {
					return // icons and tracking pixels
				}
				src := ""
				for _, k := range imageSrcAttrs {
					if v := strings.TrimSpace(attr(n, k)); v != "" && !strings.HasPrefix(v, "data:") {
						src = v
						break
					}
				}
				if src == "" {
					if ss := attr(n, "srcset"); ss != "" {
						src, _, _ = strings.Cut(strings.TrimSpace(ss), " ")
					}
				}
				add(resolve(base, src), captionOf(n))
				return
			}
			if n.Type == html.ElementNode && skipTags[n.DataAtom] {
				return
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(best)
	}
	if len(out) == 0 && declared != "" {
		add(resolve(base, declared), "")
	}
	return out
}

// captionOf returns the figcaption of the figure holding img, if any.
func captionOf(img *html.Node) string {
	for n, depth := img.Parent, 0; n != nil && depth < 4; n, depth = n.Parent, depth+1 {
		if n.Type == html.ElementNode && n.DataAtom == atom.Figure {
			if fc := findFirst(n, atom.Figcaption); fc != nil {
				return textOf(fc)
			}
			return ""
		}
	}
	return ""
}
