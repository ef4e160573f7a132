package classify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/newsmill/newsmill/pkg/article"
	"gopkg.in/yaml.v3"
)

// Entity types, the values of article.Entity.Type.
const (
	EntityOrganisation = "organisation"
	EntityCountry      = "country"
	EntityPerson       = "person"
)

// Gazetteer lists the entities worth filtering on, read from YAML
// (data/entities.yaml).
type Gazetteer struct {
	Version       string         `yaml:"version"`
	Organisations []GazetteEntry `yaml:"organisations"`
	Countries     []GazetteEntry `yaml:"countries"`
	// Titles are the words before a person's name ("Bộ trưởng", "Minister",
	// "Mr"), per language.
	Titles map[string][]string `yaml:"titles"`
	// NameStops are words that start an organisation rather than a name
	// after a title ("Thứ trưởng Bộ …"); a run of capitalised words starting
	// with one is not a person.
	NameStops []string `yaml:"name_stops"`
}

// GazetteEntry is one entity and the forms it is written in. An alias
// written all in capitals (an acronym) matches only in capitals; other
// aliases match case-insensitively but must start with a capital letter in
// the text, and a one-word alias is ignored at the start of a sentence
// ("Pháp luật …" is not France).
type GazetteEntry struct {
	Name    string   `yaml:"name"`
	Aliases []string `yaml:"aliases"`
}

type entityDef struct {
	typ  string
	name string
}

// ParseGazetteer decodes and validates a gazetteer.
func ParseGazetteer(data []byte) (*Gazetteer, error) {
	var g Gazetteer
	if err := yaml.Unmarshal(data, &g); err != nil {
		return nil, fmt.Errorf("decoding gazetteer: %w", err)
	}
	if g.Version == "" {
		return nil, fmt.Errorf("decoding gazetteer: no version")
	}
	for _, e := range slices.Concat(g.Organisations, g.Countries) {
		if e.Name == "" {
			return nil, fmt.Errorf("decoding gazetteer: entry without a name: %v", e.Aliases)
		}
	}
	return &g, nil
}

// entityMatcher builds the matcher over aliases and titles.
func (g *Gazetteer) entityMatcher() (*matcher, []entityDef, map[uint64]bool) {
	m := newMatcher()
	var defs []entityDef
	addAll := func(typ string, entries []GazetteEntry) {
		for _, e := range entries {
			idx := len(defs)
			defs = append(defs, entityDef{typ: typ, name: e.Name})
			for _, a := range append([]string{e.Name}, e.Aliases...) {
				exact := a == strings.ToUpper(a) && a != strings.ToLower(a)
				m.add(a, hit{kind: hitEntity, index: idx, exact: exact})
			}
		}
	}
	addAll(EntityOrganisation, g.Organisations)
	addAll(EntityCountry, g.Countries)
	for _, lang := range sortedKeys(g.Titles) {
		for _, t := range g.Titles[lang] {
			m.add(t, hit{kind: hitTitle})
		}
	}
	stops := make(map[uint64]bool, len(g.NameStops))
	for _, s := range g.NameStops {
		if h, n := hashWords(s); n == 1 {
			stops[h] = true
		}
	}
	return m, defs, stops
}

// sentenceStart reports whether token i begins a sentence: the first token,
// or one preceded by end-of-sentence punctuation or a line break.
func sentenceStart(text string, toks []token, i int) bool {
	if i == 0 {
		return true
	}
	gap := text[toks[i-1].end:toks[i].start]
	return strings.ContainsAny(gap, ".!?:\n\"“")
}

// entityScan collects entities from text into an ordered, de-duplicated
// list.
type entityScan struct {
	out  []article.Entity
	seen map[entityDef]bool
}

func (s *entityScan) add(typ, name, surface string) {
	k := entityDef{typ: typ, name: name}
	if s.seen[k] {
		return
	}
	if s.seen == nil {
		s.seen = make(map[entityDef]bool)
	}
	s.seen[k] = true
	s.out = append(s.out, article.Entity{Type: typ, Name: name, Surface: surface})
}

// findEntities scans text (already tokenized into toks) for gazetteer
// entries and for titled people. Where matches overlap, the longest wins
// ("UN Women" is not also "UN").
func (c *Classifier) findEntities(s *entityScan, text string, toks []token) {
	type match struct {
		h        *hit
		from, to int
	}
	var ms []match
	c.entities.scan(text, toks, func(h *hit, from, to int) {
		if h.kind == hitEntity && !c.keepEntity(h, text, toks, from, to) {
			return
		}
		if n := len(ms); n > 0 && ms[n-1].from == from {
			ms[n-1] = match{h, from, to} // scan reports longer matches later
			return
		}
		if n := len(ms); n > 0 && from < ms[n-1].to {
			return // inside the previous, longer match
		}
		ms = append(ms, match{h, from, to})
	})
	for i, m := range ms {
		switch m.h.kind {
		case hitEntity:
			d := c.entityDefs[m.h.index]
			s.add(d.typ, d.name, text[toks[m.from].start:toks[m.to-1].end])
		case hitTitle:
			// A title with its organisation names the person after both:
			// "Bộ trưởng Bộ Y tế Đào Hồng Lan", "Secretary-General of
			// ASEAN Kao Kim Hourn".
			if i+1 < len(ms) && c.orgAfterTitle(text, toks, m.to, ms[i+1].h, ms[i+1].from) {
				if name, end := c.personAfter(text, toks, ms[i+1].to); name != "" {
					s.add(EntityPerson, name, text[toks[m.from].start:end])
					continue
				}
			}
			if name, end := c.personAfter(text, toks, m.to); name != "" {
				s.add(EntityPerson, name, text[toks[m.from].start:end])
			}
		}
	}
}

// ofWords may join a title to its organisation ("Director-General of the
// ILO").
var ofWords = [...]uint64{fnvWord("of"), fnvWord("the"), fnvWord("của")}

func fnvWord(w string) uint64 {
	h, _ := hashWords(w)
	return h
}

// orgAfterTitle reports whether the match h starting at token from is an
// organisation that follows a title ending at token k, directly or after
// "of" / "of the" / "của", every gap a single space.
func (c *Classifier) orgAfterTitle(text string, toks []token, k int, h *hit, from int) bool {
	if h.kind != hitEntity || c.entityDefs[h.index].typ != EntityOrganisation || from < k || from-k > 2 {
		return false
	}
	for j := k; j < from; j++ {
		if !slices.Contains(ofWords[:], toks[j].hash) {
			return false
		}
	}
	for j := max(k, 1); j <= from; j++ {
		if g := text[toks[j-1].end:toks[j].start]; g != " " && g != "\u00a0" {
			return false
		}
	}
	return true
}

// keepEntity filters gazetteer matches that are more likely ordinary words
// or parts of a name: an alias must start with a capital letter, and a
// one-word alias that is not an acronym is ignored at a sentence start or
// next to another capitalised word ("Đức" in "Nguyễn Minh Đức").
func (c *Classifier) keepEntity(h *hit, text string, toks []token, from, to int) bool {
	if !toks[from].upper {
		return false
	}
	if h.exact || h.words > 1 {
		return true
	}
	if sentenceStart(text, toks, from) {
		return false
	}
	if from > 0 && toks[from-1].upper && text[toks[from-1].end:toks[from].start] == " " {
		return false
	}
	if to < len(toks) && toks[to].upper && text[toks[to-1].end:toks[to].start] == " " {
		return false
	}
	return true
}

// personAfter returns the name that starts at token k: the run of two to
// five capitalised words (not acronyms, not organisation heads) separated by
// single spaces; and the byte offset where it ends.
func (c *Classifier) personAfter(text string, toks []token, k int) (string, int) {
	start := k
	for k < len(toks) && k-start < 5 && toks[k].upper && !toks[k].digits && !toks[k].allUpper {
		gap := text[toks[k-1].end:toks[k].start]
		if k == start {
			gap = strings.TrimPrefix(gap, ".")
		}
		if gap != " " && gap != "\u00a0" || c.nameStops[toks[k].hash] {
			break
		}
		k++
	}
	if k-start < 2 {
		return "", 0
	}
	return text[toks[start].start:toks[k-1].end], toks[k-1].end
}
