package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// attr returns the value of n's attribute key ("" when absent).
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// hasAttr reports whether n has attribute key.
func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// skipTags hold no readable text: neither their text nor their children are
// ever part of a document.
var skipTags = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Svg: true, atom.Math: true, atom.Iframe: true, atom.Object: true,
	atom.Embed: true, atom.Canvas: true, atom.Button: true, atom.Select: true,
	atom.Option: true, atom.Textarea: true, atom.Input: true, atom.Head: true,
	atom.Title: true, atom.Video: true, atom.Audio: true, atom.Map: true,
	atom.Dialog: true, atom.Label: true,
}

// blockTags start a new text block; everything else is inline.
var blockTags = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Body: true, atom.Center: true, atom.Dd: true, atom.Details: true,
	atom.Dir: true, atom.Div: true, atom.Dl: true, atom.Dt: true,
	atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true, atom.Footer: true,
	atom.Form: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Header: true, atom.Hgroup: true, atom.Hr: true,
	atom.Li: true, atom.Main: true, atom.Menu: true, atom.Nav: true, atom.Ol: true,
	atom.P: true, atom.Pre: true, atom.Section: true, atom.Summary: true,
	atom.Table: true, atom.Tbody: true, atom.Tfoot: true,
	atom.Thead: true, atom.Tr: true, atom.Ul: true, atom.Caption: true,
	atom.Legend: true, atom.Html: true,
}

// chrome verdicts of a tag: hard chrome never holds body text, soft chrome
// usually does not (see collector.settle).
const (
	notChrome = iota
	soft
	hard
)

// boilerTags are structural chrome.
var boilerTags = map[atom.Atom]int{
	atom.Nav: hard, atom.Figure: hard, atom.Figcaption: hard, atom.Menu: hard,
	atom.Fieldset: hard, atom.Legend: hard,
	atom.Aside: soft, atom.Footer: soft, atom.Header: soft, atom.Address: soft,
}

func isHeading(a atom.Atom) bool {
	switch a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}

// hidden reports whether n is hidden from readers by markup.
func hidden(n *html.Node) bool {
	for _, a := range n.Attr {
		switch a.Key {
		case "hidden":
			return true
		case "aria-hidden":
			if a.Val == "true" {
				return true
			}
		case "style":
			if len(a.Val) < 200 {
				s := strings.ToLower(a.Val)
				s = strings.ReplaceAll(s, " ", "")
				if strings.Contains(s, "display:none") || strings.Contains(s, "visibility:hidden") {
					return true
				}
			}
		}
	}
	return false
}

// fold appends s to b with runs of white space folded to one space; space is
// whether b currently ends in a space (or is empty). It returns the new value
// of space and the number of runes appended.
func fold(b *strings.Builder, s string, space bool) (bool, int) {
	n := 0
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u00a0' || r == '\u200b' || r == '\ufeff' {
			if !space {
				b.WriteByte(' ')
				n++
				space = true
			}
			continue
		}
		if r == utf8.RuneError || r == 0 {
			continue
		}
		b.WriteRune(r)
		n++
		space = false
	}
	return space, n
}

// foldSpace returns s with white space folded and trimmed.
func foldSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	fold(&b, s, true)
	return strings.TrimSpace(b.String())
}

// textOf returns the folded text of n's subtree, skipping non-text elements.
func textOf(n *html.Node) string {
	var b strings.Builder
	space := true
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			space, _ = fold(&b, n.Data, space)
			return
		case html.ElementNode:
			if skipTags[n.DataAtom] {
				return
			}
			if blockTags[n.DataAtom] || n.DataAtom == atom.Br {
				if !space {
					b.WriteByte(' ')
					space = true
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// isWordRune reports whether r is part of a word: a letter, digit or
// combining mark.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}
