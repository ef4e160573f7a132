package evalmetric

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// Case is one benchmark page: its id, URL, HTML (decompressed, UTF-8) and the
// true article body.
type Case struct {
	ID    string
	URL   string
	HTML  []byte
	Truth string
}

// Load reads a benchmark directory laid out as the Zyte set is:
// ground-truth.json ({"<id>": {"articleBody": …, "url": …}}) and
// html/<id>.html.gz. Cases come back sorted by id. A page listed in the
// ground truth without its HTML file is an error, so a broken copy of the
// data is never scored as a smaller set.
func Load(dir string) ([]Case, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "ground-truth.json"))
	if err != nil {
		return nil, fmt.Errorf("reading ground truth: %w", err)
	}
	var truth map[string]struct {
		ArticleBody string `json:"articleBody"`
		URL         string `json:"url"`
	}
	if err := json.Unmarshal(raw, &truth); err != nil {
		return nil, fmt.Errorf("decoding ground truth: %w", err)
	}
	cases := make([]Case, 0, len(truth))
	for id, t := range truth {
		gz, err := os.ReadFile(filepath.Join(dir, "html", id+".html.gz"))
		if err != nil {
			return nil, fmt.Errorf("reading page %s: %w", id, err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			return nil, fmt.Errorf("decompressing page %s: %w", id, err)
		}
		html, err := io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("decompressing page %s: %w", id, err)
		}
		cases = append(cases, Case{ID: id, URL: t.URL, HTML: html, Truth: t.ArticleBody})
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].ID < cases[j].ID })
	return cases, nil
}
