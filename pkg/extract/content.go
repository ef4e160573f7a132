package extract

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// block is one run of text between block-level boundaries.
type block struct {
	owner  *html.Node // the innermost block element holding the text
	text   string
	runes  int
	link   int  // runes inside <a>
	boil   bool // inside chrome (nav, aside, a bad class/id hint, hidden …)
	bad    int  // index+1 of the innermost soft-chrome ancestor in collector.bads, or 0
	head   bool // a heading
	punct  int  // sentence punctuation marks
	teaser bool // inside a repeated, link-carrying card (see body)
}

// collector walks the body and cuts its text into blocks.
type collector struct {
	blocks []block
	bads   []badNode
	b      strings.Builder
	space  bool
	runes  int
	link   int
	brs    int
}

// badNode is an element that looks like chrome by its tag or class but may
// still hold the article (a "modal-enabled" article box, a <header> around
// the whole story): its verdict waits until its text is known.
type badNode struct {
	parent int  // index+1 of the enclosing badNode, or 0
	never  bool // chrome whatever it holds (comments)
	runes  int  // all text inside
	good   int  // runes of sentence-like, unlinked paragraphs inside
	goodN  int  // number of those paragraphs
}

func (c *collector) flush(owner *html.Node, boil bool, bad int) {
	if c.runes > 0 {
		t := strings.TrimSpace(c.b.String())
		if t != "" {
			n := utf8.RuneCountInString(t)
			c.blocks = append(c.blocks, block{
				owner: owner, text: t, runes: n, link: min(c.link, n), boil: boil,
				head: isHeading(owner.DataAtom), punct: countPunct(t), bad: bad,
			})
		}
	}
	c.b.Reset()
	c.space, c.runes, c.link, c.brs = true, 0, 0, 0
}

// walk visits n's children; owner is the innermost block element, boil
// whether we are inside chrome, inLink whether inside <a>.
func (c *collector) walk(n, owner *html.Node, boil bool, bad int, inLink bool) {
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		switch ch.Type {
		case html.TextNode:
			if markup(ch.Data) {
				continue
			}
			var k int
			c.space, k = fold(&c.b, ch.Data, c.space)
			c.runes += k
			if inLink {
				c.link += k
			}
			if k > 0 && strings.TrimSpace(ch.Data) != "" {
				c.brs = 0
			}
		case html.ElementNode:
			a := ch.DataAtom
			if skipTags[a] || (a == 0 && ch.Data == "svg") {
				continue
			}
			if a == atom.Br {
				c.brs++
				if c.brs >= 2 {
					c.flush(owner, boil, bad)
				} else if !c.space {
					c.b.WriteByte(' ')
					c.space = true
				}
				continue
			}
			chBoil, chBad := boil, bad
			if a == atom.Blockquote {
				// Quoted content (an embedded post, a pull quote) is
				// content even inside a box that looks like chrome.
				chBad = 0
			}
			if !boil {
				switch t := boilerTags[a]; {
				case t == hard || hidden(ch):
					chBoil = true
				default:
					h := hintNone
					if len(ch.Attr) > 0 {
						h = classify(ch)
					}
					if h == hintNever {
						chBoil = true
					} else if h >= hintBad || t == soft {
						c.bads = append(c.bads, badNode{parent: bad})
						chBad = len(c.bads)
					}
				}
			}
			inL := inLink || a == atom.A
			cell := (a == atom.Td || a == atom.Th) && !layoutCell(ch)
			if cell {
				// Data cells are read row by row: a row is one block, so
				// a table of short cells weighs as the text it holds.
				if !c.space {
					c.b.WriteByte(' ')
					c.space = true
				}
			}
			if blockTags[a] || (a == atom.Td || a == atom.Th) && !cell {
				c.flush(owner, boil, bad)
				c.walk(ch, ch, chBoil, chBad, inL)
				c.flush(ch, chBoil, chBad)
				continue
			}
			if chBoil != boil || chBad != bad {
				// An inline element with its own verdict (a hidden span, a
				// "share" link) is cut out as a block of its own.
				c.flush(owner, boil, bad)
				c.walk(ch, owner, chBoil, chBad, inL)
				c.flush(owner, chBoil, chBad)
				continue
			}
			c.walk(ch, owner, chBoil, chBad, inL)
		}
	}
}

// layoutCell reports whether a table cell lays out a page region rather
// than holding a datum: it contains block elements or line breaks. Old
// portals put the menu and the article side by side in one table row.
func layoutCell(td *html.Node) bool {
	for c := td.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (blockTags[c.DataAtom] || c.DataAtom == atom.Br) {
			return true
		}
	}
	return false
}

func countPunct(s string) int {
	n := 0
	for _, r := range s {
		switch r {
		case '.', ',', ';', ':', '!', '?', '。', '，', '、', '！', '？', '؟', '،', '।':
			n++
		}
	}
	return n
}

// weight is a block's contribution to the score of every element holding
// it: long, punctuated, unlinked text counts for, chrome and link lists
// against.
func (b *block) weight() float64 {
	if b.runes == 0 {
		return 0
	}
	l := float64(b.runes)
	ld := float64(b.link) / l
	if b.boil || b.teaser {
		return -l * 0.5
	}
	if ld > b.maxLinkDensity() {
		return -l * ld
	}
	if b.head {
		return 0
	}
	if l < 30 {
		return -(30 - l) * shortPenalty
	}
	w := (l - 30) * (1 - ld)
	if b.punct > 0 {
		w += 10 * float64(min(b.punct, 5))
	}
	return w
}

// teaserLinkShare is the least share of linked text that makes a repeated
// element a teaser card.
const teaserLinkShare = 0.15

// teaserMaxRunes is the most text a teaser card holds.
const teaserMaxRunes = 800

// likeSiblings counts n's element siblings with n's tag and first class
// (only the first: WordPress and others add per-item classes such as
// "post-3494850" after the shared one).
func likeSiblings(n *html.Node) int {
	if n.Parent == nil {
		return 0
	}
	cls := firstClass(n)
	k := 0
	for s := n.Parent.FirstChild; s != nil; s = s.NextSibling {
		if s != n && s.Type == html.ElementNode && s.DataAtom == n.DataAtom && s.Data == n.Data && firstClass(s) == cls {
			k++
		}
	}
	return k
}

func firstClass(n *html.Node) string {
	f := strings.Fields(attr(n, "class"))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// shortPenalty weighs short unlinked blocks (labels, dates): slightly
// against, so they never pull the choice of the article element.
const shortPenalty = 0.25

// body cuts the page's body into blocks, in document order, and returns
// them with the element chosen as the article (nil when the page has no
// text).
func body(root *html.Node) ([]block, *html.Node) {
	bodyEl := findFirst(root, atom.Body)
	if bodyEl == nil {
		bodyEl = root
	}
	var c collector
	c.space = true
	c.walk(bodyEl, bodyEl, false, 0, false)
	c.flush(bodyEl, false, 0)
	if len(c.blocks) == 0 {
		return nil, nil
	}
	c.settle()

	// Text and link totals of every element, chrome included, for the
	// teaser test below.
	type total struct {
		text, link int
		titled     bool // holds a fully linked block (a linked headline)
		prose      int  // sentence-like unlinked paragraphs inside
	}
	totals := make(map[*html.Node]*total, len(c.blocks)*2)
	for i := range c.blocks {
		b := &c.blocks[i]
		for n := b.owner; n != nil && n != bodyEl.Parent; n = n.Parent {
			t := totals[n]
			if t == nil {
				t = &total{}
				totals[n] = t
			}
			t.text += b.runes
			t.link += b.link
			if b.runes >= 80 && b.punct > 0 && b.link*3 < b.runes {
				t.prose++
			}
		}
		// A linked headline marks the few elements around it.
		if b.runes >= 15 && b.link*10 >= b.runes*8 {
			depth := 0
			for n := b.owner; n != nil && n != bodyEl && depth < 6; n, depth = n.Parent, depth+1 {
				totals[n].titled = true
			}
		}
	}
	// Teasers: a block inside one of several like-shaped siblings (same tag
	// and first class) that carries a sizeable link, typically a list of
	// cards with a linked headline and at most one summary paragraph each.
	// Article paragraphs repeat too, but without linked headlines.
	repeated := make(map[*html.Node]bool)
	isRepeated := func(n *html.Node) bool {
		r, ok := repeated[n]
		if !ok {
			r = likeSiblings(n) >= 2
			repeated[n] = r
		}
		return r
	}
	for i := range c.blocks {
		b := &c.blocks[i]
		if b.boil || b.runes < 30 || b.link*2 > b.runes {
			continue
		}
		depth := 0
		for n := b.owner; n != nil && n != bodyEl && depth < 6; n, depth = n.Parent, depth+1 {
			t := totals[n]
			if n.DataAtom == atom.P || t == nil || t.text == 0 {
				continue
			}
			if t.titled && t.prose <= 1 && t.text <= teaserMaxRunes && float64(t.link) >= teaserLinkShare*float64(t.text) && isRepeated(n) {
				b.teaser = true
				break
			}
		}
	}
	// The article is the element whose subtree weighs most. Elements are
	// compared in the order they were first scored, so ties resolve the
	// same way on every run (a redelivered page must give the same text).
	score := make(map[*html.Node]float64, len(totals))
	order := make([]*html.Node, 0, len(totals))
	for i := range c.blocks {
		b := &c.blocks[i]
		w := b.weight()
		if w == 0 {
			continue
		}
		for n := b.owner; n != nil && n != bodyEl.Parent; n = n.Parent {
			if _, ok := score[n]; !ok {
				order = append(order, n)
			}
			score[n] += w
		}
	}
	best, bestScore := bodyEl, score[bodyEl]
	for _, n := range order {
		if s := score[n]; s > bestScore {
			best, bestScore = n, s
		}
	}
	return c.blocks, best
}

// within reports whether n is inside (or is) anc.
func within(n, anc *html.Node) bool {
	for ; n != nil; n = n.Parent {
		if n == anc {
			return true
		}
	}
	return false
}

// findFirst returns the first element of type a in document order.
func findFirst(n *html.Node, a atom.Atom) *html.Node {
	if n.Type == html.ElementNode && n.DataAtom == a {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findFirst(c, a); f != nil {
			return f
		}
	}
	return nil
}

// keep reports whether a block inside the article is body text.
func (b *block) keep() bool {
	if b.boil || b.teaser || b.runes == 0 {
		return false
	}
	return float64(b.link) <= b.maxLinkDensity()*float64(b.runes)
}

// maxLinkDensity is the largest share of linked text a block may have and
// still be body text: a half for most blocks, more for prose (long,
// punctuated sentences), where deal posts and blogs link many words.
func (b *block) maxLinkDensity() float64 {
	if b.runes >= 100 && b.punct >= 2 && sentenceEnd(b.text) {
		return 0.8
	}
	return 0.5
}

// settle decides the elements that look like chrome: one that holds most of
// the page's sentence-like prose is the article after all (a layout box
// named "l-sidebar-fixed", an article box with "modal-enabled", a <header>
// around the whole story); any other marks its blocks as chrome.
func (c *collector) settle() {
	if len(c.bads) == 0 {
		return
	}
	pageGood := 0
	for i := range c.blocks {
		b := &c.blocks[i]
		good := 0
		if b.runes >= 80 && b.punct > 0 && b.link*3 < b.runes {
			good = b.runes
		}
		pageGood += good
		for k := b.bad; k != 0; k = c.bads[k-1].parent {
			c.bads[k-1].runes += b.runes
			c.bads[k-1].good += good
			if good > 0 {
				c.bads[k-1].goodN++
			}
		}
	}
	chrome := make([]bool, len(c.bads))
	for k, n := range c.bads {
		chrome[k] = n.never || !(n.goodN >= 3 && n.good*2 >= pageGood)
	}
	for i := range c.blocks {
		b := &c.blocks[i]
		for k := b.bad; k != 0 && !b.boil; k = c.bads[k-1].parent {
			b.boil = chrome[k-1]
		}
	}
}

// markup reports whether a text node is HTML source that leaked into the
// text (an escaped tracking pixel, a template), not prose.
func markup(s string) bool {
	s = strings.TrimSpace(s)
	return len(s) > 2 && s[0] == '<' && s[len(s)-1] == '>' && strings.Contains(s, "=")
}
