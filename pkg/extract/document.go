package extract

import (
	"golang.org/x/net/html"
)

// extractNode builds the Document of a parsed page.
func extractNode(root *html.Node, pageURL string) *Document {
	doc := &Document{}
	blocks, _ := body(root)
	for _, b := range blocks {
		if b.keep() {
			doc.Paragraphs = append(doc.Paragraphs, b.text)
		}
	}
	return doc
}
