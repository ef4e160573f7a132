package extract

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// block is one run of text between block-level boundaries.
type block struct {
	owner *html.Node // the innermost block element holding the text
	text  string
	runes int
	link  int  // runes inside <a>
	boil  bool // inside chrome (nav, aside, a bad class/id hint, hidden …)
	bad   int  // index+1 of the innermost soft-chrome ancestor in collector.bads, or 0
	head  bool // a heading
	punct int  // sentence punctuation marks
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
			if blockTags[a] {
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
	if b.boil {
		return -l * 0.5
	}
	if ld > 0.5 {
		return -l * ld
	}
	if b.head {
		return 0
	}
	w := (l - 30) * (1 - ld)
	if b.punct > 0 {
		w += 10 * float64(min(b.punct, 5))
	}
	return w
}

// body finds the article body of root (the parsed page) and returns its
// blocks in order, and the element chosen as the article.
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

	score := make(map[*html.Node]float64, len(c.blocks)*4)
	for i := range c.blocks {
		w := c.blocks[i].weight()
		if w == 0 {
			continue
		}
		for n := c.blocks[i].owner; n != nil && n != bodyEl.Parent; n = n.Parent {
			score[n] += w
		}
	}
	best, bestScore := bodyEl, score[bodyEl]
	for n, s := range score {
		if s > bestScore {
			best, bestScore = n, s
		}
	}
	var out []block
	for _, b := range c.blocks {
		if within(b.owner, best) {
			out = append(out, b)
		}
	}
	return out, best
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
	if b.boil || b.runes == 0 {
		return false
	}
	if float64(b.link) > 0.5*float64(b.runes) {
		return false
	}
	return true
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
