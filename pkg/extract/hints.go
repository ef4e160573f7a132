package extract

import (
	"golang.org/x/net/html"
)

// hint is what an element's class and id say about its content.
type hint int8

const (
	hintNone  hint = iota
	hintGood       // names the article body ("article-body", "entry-content")
	hintBad        // names page chrome ("sidebar", "share-tools") but may still wrap the article
	hintHard       // names chrome that rarely holds the article ("related", "sidebar")
	hintNever      // names chrome that never holds the article ("comments")
)

// neverWords mark chrome whatever it holds.
var neverWords = map[string]bool{
	"comment": true, "comments": true, "commentlist": true, "disqus": true,
	"consent": true, "cookie": true, "cookies": true, "gdpr": true,
}

// hardWords mark chrome that never holds the article itself.
var hardWords = map[string]bool{
	"comment": true, "comments": true, "commentlist": true, "disqus": true,
	"sidebar": true, "related": true, "relatedposts": true, "outbrain": true,
	"taboola": true, "recirc": true, "recirculation": true, "breadcrumb": true,
	"breadcrumbs": true, "share": true, "sharing": true, "sharebar": true,
	"newsletter": true, "cookie": true, "gdpr": true,
	"caption": true, "figcaption": true, "byline": true, "copyright": true,
	"recommended": true, "recommendations": true, "trending": true,
}

// badWords mark chrome wherever they appear as a word of a class or id.
var badWords = map[string]bool{
	"comment": true, "comments": true, "commentlist": true, "disqus": true,
	"sidebar": true, "related": true, "relatedposts": true, "share": true,
	"sharing": true, "sharebar": true,
	"breadcrumb": true, "breadcrumbs": true, "newsletter": true, "subscribe": true,
	"subscription": true, "advert": true, "advertisement": true, "adverts": true,
	"ads": true, "adslot": true, "adunit": true, "outbrain": true, "taboola": true,
	"recirc": true, "recirculation": true, "cookie": true, "cookies": true,
	"gdpr": true, "popup": true, "modal": true, "footer": true, "navbar": true,
	"navigation": true, "nav": true, "menu": true, "sponsor": true,
	"sponsored": true, "promo": true, "promotion": true,
	"trending": true, "popular": true, "recommended": true, "recommendations": true,
	"recommendation": true, "signup": true, "login": true, "paywall": true,
	"masthead": true, "toolbar": true, "pagination": true, "pager": true,
	"skip": true, "tags": true, "tagcloud": true, "keywords": true, "rail": true,
	"banner": true, "byline": true, "dateline": true, "caption": true,
	"credit": true, "credits": true, "copyright": true, "author": true,
	"authors": true, "bio": true, "meta": true, "metadata": true, "timestamp": true,
	"print": true, "hidden": true, "hide": true, "visually": true,
	"sr": true, "screenreader": true, "readmore": true, "more": true,
	"also": true, "next": true, "prev": true, "previous": true, "infobox": true,
	"tooltip": true, "dropdown": true, "header": true, "headline": true,
	"title": true, "kicker": true, "eyebrow": true, "topics": true,
	"categories": true, "category": true, "follow": true, "donate": true,
	"donation": true, "cta": true, "widget": true, "alert": true, "notice": true, "ad": true, "dfp": true,
	"gpt": true, "teaser": true, "teasers": true, "shoutbox": true, "rss": true,
	"feedback": true, "survey": true, "poll": true, "sticky": true,
	"overlay": true, "lightbox": true, "gallery": true, "slideshow": true,
	"carousel": true, "thumbnail": true, "thumb": true, "figure": true,
	"figcaption": true, "photo": true, "image": true, "img": true, "video": true,
	"icon": true, "icons": true, "btn": true,
	"button": true, "tool": true, "tools": true, "utility": true, "utilities": true,
}

// goodWords name the article body; they outweigh the weak bad words.
var goodWords = map[string]bool{
	"article": true, "articlebody": true, "body": true, "content": true,
	"entry": true, "main": true, "post": true, "story": true, "storybody": true,
	"text": true, "prose": true, "blog": true, "news": true, "paragraph": true,
	"richtext": true, "detail": true, "details": true, "fulltext": true,
	"maincontent": true, "postbody": true, "entrycontent": true, "hentry": true,
	"single": true, "page": true,
}

// strongBad words mark chrome even next to a good word ("article-comments",
// "related-content"); other bad words yield to a good word
// ("article-header" stays neutral, "entry-meta" too).
var strongBad = map[string]bool{
	"comment": true, "comments": true, "commentlist": true, "disqus": true,
	"sidebar": true, "related": true, "relatedposts": true, "share": true,
	"sharing": true, "breadcrumb": true, "breadcrumbs": true,
	"newsletter": true, "subscribe": true, "advert": true, "advertisement": true,
	"outbrain": true, "taboola": true, "recirc": true, "cookie": true,
	"gdpr": true, "popup": true, "modal": true, "footer": true, "navbar": true,
	"navigation": true, "sponsored": true, "promo": true, "trending": true,
	"popular": true, "recommended": true, "signup": true, "paywall": true,
	"ads": true, "ad": true, "caption": true, "figcaption": true, "byline": true,
	"tags": true, "readmore": true, "copyright": true,
	"skip": true, "hidden": true,
}

// classify reads the class and id of n. Words are split at non-letters and
// at lower-to-upper case changes, so "relatedArticles", "related-articles"
// and "related_articles" read alike.
func classify(n *html.Node) hint {
	var good, bad, strong, hardw, never bool
	for _, a := range n.Attr {
		if a.Key != "class" && a.Key != "id" && a.Key != "itemprop" && a.Key != "role" {
			continue
		}
		if a.Key == "itemprop" {
			if a.Val == "articleBody" || a.Val == "text" {
				good = true
			}
			continue
		}
		if a.Key == "role" {
			switch a.Val {
			case "navigation", "complementary", "banner", "contentinfo", "menu", "menubar", "dialog", "alert", "search":
				bad, strong, hardw = true, true, true
			case "main", "article":
				good = true
			}
			continue
		}
		words(a.Val, func(w []byte) {
			// Indexing with string(w) directly does not allocate.
			if goodWords[string(w)] {
				good = true
			}
			if neverWords[string(w)] {
				never = true
			}
			if hardWords[string(w)] {
				hardw = true
			}
			if badWords[string(w)] {
				bad = true
				if strongBad[string(w)] {
					strong = true
				}
			}
		})
	}
	switch {
	case never:
		return hintNever
	case hardw:
		return hintHard
	case strong:
		return hintBad
	case good:
		return hintGood
	case bad:
		return hintBad
	}
	return hintNone
}

// words calls f with each lower-case word of s; f must not keep the slice.
// Words longer than 32 bytes are skipped.
func words(s string, f func([]byte)) {
	var buf [32]byte
	n := 0
	prevLower := false
	emit := func() {
		if n > 0 && n < len(buf) {
			f(buf[:n])
		}
		n = 0
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9' && n > 0:
			if n < len(buf) {
				buf[n] = c
			}
			n++
			prevLower = c >= 'a' && c <= 'z'
		case c >= 'A' && c <= 'Z':
			if prevLower {
				emit()
			}
			if n < len(buf) {
				buf[n] = c + 'a' - 'A'
			}
			n++
			prevLower = false
		default:
			emit()
			prevLower = false
		}
	}
	emit()
}
