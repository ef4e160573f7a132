// Package samples ships the sample news pages that `newsctl up` ingests and
// that the golden tests check: five pages scraped from Vietnamese and English
// government news sites, with what the pipeline must make of each
// (seeds/expected.json). See seeds/README.md for their origin.
package samples

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed seeds
var files embed.FS

// Seed is one sample page with its expectations.
type Seed struct {
	// Name is the file name, e.g. "000_c36b50a66868d70e.txt".
	Name string
	// Body is the page text as scraped.
	Body []byte
	// Expect is what the cleaned and classified article must hold.
	Expect Expectation
}

// Expectation is one entry of seeds/expected.json. Nil pointers mean the
// field must be absent from the article.
type Expectation struct {
	File        string   `json:"file"`
	Language    string   `json:"language"`
	Title       *string  `json:"title"`
	Published   *string  `json:"published"`
	Attribution *string  `json:"attribution"`
	SourceURL   *string  `json:"source_url"`
	BodyStarts  string   `json:"body_starts"`
	BodyEnds    string   `json:"body_ends"`
	MustContain []string `json:"must_contain"`
	MustNot     []string `json:"must_not_contain"`
	AtMostOnce  []string `json:"at_most_once"`
	Topics      []string `json:"topics"`
	Notes       string   `json:"notes"`
}

// FS returns the seed files (seeds/*.txt, seeds/expected.json).
func FS() fs.FS { return files }

// Seeds returns every sample page with its expectation, in file-name order.
func Seeds() ([]Seed, error) {
	raw, err := files.ReadFile("seeds/expected.json")
	if err != nil {
		return nil, fmt.Errorf("reading expectations: %w", err)
	}
	var doc struct {
		Seeds []Expectation `json:"seeds"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decoding expectations: %w", err)
	}
	byName := make(map[string]Expectation, len(doc.Seeds))
	for _, e := range doc.Seeds {
		byName[e.File] = e
	}
	entries, err := files.ReadDir("seeds")
	if err != nil {
		return nil, fmt.Errorf("listing seeds: %w", err)
	}
	var out []Seed
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".txt") {
			continue
		}
		body, err := files.ReadFile("seeds/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("reading seed %s: %w", e.Name(), err)
		}
		exp, ok := byName[e.Name()]
		if !ok {
			return nil, fmt.Errorf("seed %s has no expectation", e.Name())
		}
		out = append(out, Seed{Name: e.Name(), Body: body, Expect: exp})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
