package extract

import (
	"encoding/json"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// meta is what the page declares about itself, before the body is read.
type meta struct {
	ogTitle, docTitle, ldHeadline string
	siteName                      string
	byline                        string
	canonical                     string
	lang                          string
	description                   string
	image                         string
	dates                         []string // declared publication dates, best first
}

// readMeta collects the head's meta tags, links and JSON-LD.
func readMeta(doc *goquery.Document) meta {
	var m meta
	get := map[string]string{}
	doc.Find("meta").Each(func(_ int, s *goquery.Selection) {
		key := strings.ToLower(firstNonEmpty(attrOf(s, "property"), attrOf(s, "name"), attrOf(s, "itemprop"), attrOf(s, "http-equiv")))
		val := strings.TrimSpace(attrOf(s, "content"))
		if key == "" || val == "" {
			return
		}
		if _, seen := get[key]; !seen {
			get[key] = val
		}
	})
	m.ogTitle = foldSpace(firstNonEmpty(get["og:title"], get["twitter:title"]))
	if t := doc.Find("title").First(); t.Length() > 0 {
		m.docTitle = foldSpace(t.Text())
	}
	m.siteName = foldSpace(firstNonEmpty(get["og:site_name"], get["application-name"]))
	m.description = foldSpace(firstNonEmpty(get["description"], get["og:description"], get["twitter:description"]))
	m.image = firstNonEmpty(get["og:image"], get["og:image:url"], get["twitter:image"])
	for _, k := range []string{"author", "article:author", "dc.creator", "byl", "sailthru.author", "parsely-author"} {
		if v := get[k]; v != "" && !strings.Contains(v, "://") {
			m.byline = trimBy(foldSpace(v))
			break
		}
	}
	for _, k := range []string{"article:published_time", "article:published", "og:published_time", "datepublished", "publishdate", "publish-date", "pubdate", "date", "dc.date.issued", "dc.date", "sailthru.date", "parsely-pub-date", "article.published", "published_time", "pdate", "date_published", "publication_date", "datecreated"} {
		if v := get[k]; v != "" {
			m.dates = append(m.dates, v)
		}
	}
	doc.Find("link[rel]").Each(func(_ int, s *goquery.Selection) {
		if m.canonical == "" && strings.EqualFold(strings.TrimSpace(attrOf(s, "rel")), "canonical") {
			m.canonical = strings.TrimSpace(attrOf(s, "href"))
		}
	})
	if m.canonical == "" {
		m.canonical = get["og:url"]
	}
	if h := doc.Find("html").First(); h.Length() > 0 {
		m.lang = firstNonEmpty(attrOf(h, "lang"), attrOf(h, "xml:lang"))
	}
	if m.lang == "" {
		m.lang = firstNonEmpty(get["content-language"], get["language"], get["dc.language"], get["og:locale"])
	}
	m.lang = normLang(m.lang)

	doc.Find(`script[type="application/ld+json"]`).Each(func(_ int, s *goquery.Selection) {
		var v any
		if err := json.Unmarshal([]byte(strings.TrimSpace(s.Text())), &v); err != nil {
			return
		}
		walkLD(v, &m, 0)
	})
	// Microdata dates inside the page.
	doc.Find(`[itemprop~="datePublished"]`).Each(func(_ int, s *goquery.Selection) {
		if v := firstNonEmpty(attrOf(s, "content"), attrOf(s, "datetime")); v != "" {
			m.dates = append(m.dates, v)
		}
	})
	return m
}

// walkLD reads schema.org objects: the first article-like object gives the
// headline, dates and author. Its articleBody is not used: measured on the
// Zyte set it was truncated or padded more often than the extracted body.
func walkLD(v any, m *meta, depth int) {
	if depth > 6 {
		return
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			walkLD(e, m, depth+1)
		}
	case map[string]any:
		if g, ok := x["@graph"]; ok {
			walkLD(g, m, depth+1)
		}
		t := ldType(x["@type"])
		if !articleType(t) {
			if strings.Contains(t, "WebPage") {
				if mt, ok := x["mainEntity"]; ok {
					walkLD(mt, m, depth+1)
				}
			}
			return
		}
		if m.ldHeadline == "" {
			m.ldHeadline = foldSpace(ldString(x["headline"]))
		}
		if d := ldString(x["datePublished"]); d != "" {
			m.dates = append([]string{d}, m.dates...)
		}
		if m.byline == "" {
			m.byline = ldNames(x["author"])
		}
		if m.siteName == "" {
			if p, ok := x["publisher"].(map[string]any); ok {
				m.siteName = foldSpace(ldString(p["name"]))
			}
		}
	}
}

func ldType(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var b strings.Builder
		for _, e := range x {
			if s, ok := e.(string); ok {
				b.WriteString(s)
				b.WriteByte(' ')
			}
		}
		return b.String()
	}
	return ""
}

func articleType(t string) bool {
	for _, k := range []string{"Article", "BlogPosting", "NewsArticle", "Report", "Posting", "Review"} {
		if strings.Contains(t, k) {
			return true
		}
	}
	return false
}

func ldString(v any) string {
	switch x := v.(type) {
	case string:
		// Some CMSs encode entities twice: "&#8216;Title&#8217;".
		if strings.IndexByte(x, '&') >= 0 {
			return html.UnescapeString(x)
		}
		return x
	case []any:
		if len(x) > 0 {
			return ldString(x[0])
		}
	case map[string]any:
		return ldString(x["@value"])
	}
	return ""
}

// ldNames joins the names of a schema.org author value (a string, a Person
// or a list of either).
func ldNames(v any) string {
	var names []string
	var add func(any)
	add = func(v any) {
		switch x := v.(type) {
		case string:
			if x != "" && !strings.Contains(x, "://") {
				names = append(names, trimBy(foldSpace(x)))
			}
		case map[string]any:
			add(x["name"])
		case []any:
			for _, e := range x {
				add(e)
			}
		}
	}
	add(v)
	return strings.Join(names, ", ")
}

func attrOf(s *goquery.Selection, k string) string {
	v, _ := s.Attr(k)
	return v
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// normLang turns "vi_VN", "en-US" or "EN" into a lower-case BCP 47 tag.
func normLang(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, ",; "); i >= 0 {
		s = s[:i]
	}
	s = strings.ToLower(strings.ReplaceAll(s, "_", "-"))
	if len(s) < 2 || len(s) > 20 {
		return ""
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r == '-' || r >= '0' && r <= '9') {
			return ""
		}
	}
	return s
}

// titleSeparators split "Headline | Site" and "Site - Section - Headline".
var titleSeparators = []string{" | ", " - ", " – ", " — ", " :: ", " « ", " » ", " · ", " / "}

// chooseTitle picks the headline. A heading that agrees with a declared
// article title (JSON-LD headline, og:title) wins, then the declared title
// without its site-name part. The heading just above the body (near) is
// preferred to a declared title of four words or fewer that is much
// shorter and does not agree with it, which is how generic titles ("Chi tiết tin", a section name)
// are recognised without a list of them; with only a <title>, near wins
// as well. An <h1> agreeing with <title> is the last resort before the
// bare <title>.
func chooseTitle(m *meta, headings []string, near string) string {
	agree := func(d string) string {
		for _, h := range headings {
			if utf8.RuneCountInString(h) >= 8 && similarTitle(h, d) {
				return h
			}
		}
		return ""
	}
	nearOK := utf8.RuneCountInString(near) >= 15 && strings.Count(near, " ") >= 2
	for _, d := range []string{m.ldHeadline, m.ogTitle} {
		if d == "" {
			continue
		}
		t := agree(d)
		if t == "" {
			t = stripSiteName(d, m.siteName)
		}
		if nearOK && len(strings.Fields(t)) <= 4 && !similarTitle(near, t) && utf8.RuneCountInString(t)*10 < utf8.RuneCountInString(near)*6 {
			return near
		}
		return t
	}
	if nearOK {
		return near
	}
	if m.docTitle == "" {
		if len(headings) > 0 {
			return headings[0]
		}
		return ""
	}
	if t := agree(m.docTitle); t != "" {
		return t
	}
	return stripSiteName(m.docTitle, m.siteName)
}

// stripSiteName removes the site-name parts of a declared title: the parts
// equal to the site name, else the shorter outer part when one part is much
// longer than the others.
func stripSiteName(t, site string) string {
	for _, sep := range titleSeparators {
		if !strings.Contains(t, sep) {
			continue
		}
		parts := strings.Split(t, sep)
		best := ""
		for _, p := range parts {
			p = strings.TrimSpace(p)
			if site != "" && strings.EqualFold(p, site) {
				continue
			}
			if utf8.RuneCountInString(p) > utf8.RuneCountInString(best) {
				best = p
			}
		}
		if utf8.RuneCountInString(best) >= 15 || utf8.RuneCountInString(best)*2 >= utf8.RuneCountInString(t) {
			return best
		}
	}
	return t
}

// similarTitle reports whether heading h and declared title d name the same
// article: one contains the other, ignoring case and punctuation.
func similarTitle(h, d string) bool {
	nh, nd := normKey(h), normKey(d)
	if nh == "" || nd == "" {
		return false
	}
	return strings.Contains(nd, nh) || strings.Contains(nh, nd)
}

// normKey lower-cases s and keeps letters and digits separated by single
// spaces, for comparing texts that differ in punctuation.
func normKey(s string) string {
	var b strings.Builder
	space := true
	for _, r := range strings.ToLower(s) {
		if isWordRune(r) {
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}

// resolve makes ref absolute against base; it returns ref unchanged when
// either does not parse, and "" for javascript: and data: URLs.
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	low := strings.ToLower(ref)
	if strings.HasPrefix(low, "javascript:") || strings.HasPrefix(low, "data:") {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base == nil {
		return u.String()
	}
	return base.ResolveReference(u).String()
}

// headingsOf returns the texts of the page's h1 elements, then of its h2
// elements, outside chrome.
func headingsOf(root *html.Node) []string {
	var h1, h2 []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if skipTags[n.DataAtom] || n.DataAtom == atom.Nav || n.DataAtom == atom.Footer {
				return
			}
			switch n.DataAtom {
			case atom.H1:
				if t := textOf(n); t != "" {
					h1 = append(h1, t)
				}
				return
			case atom.H2:
				if t := textOf(n); t != "" && len(h2) < 5 {
					h2 = append(h2, t)
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return append(h1, h2...)
}
