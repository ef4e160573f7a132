package classify

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Topics are the IPTC Media Topics top-level names, in the taxonomy's order.
var Topics = []string{
	"arts, culture, entertainment and media",
	"conflict, war and peace",
	"crime, law and justice",
	"disaster, accident and emergency incident",
	"economy, business and finance",
	"education",
	"environment",
	"health",
	"human interest",
	"labour",
	"lifestyle and leisure",
	"politics",
	"religion",
	"science and technology",
	"society",
	"sport",
	"weather",
}

// Taxonomy is the configurable part of topic classification: keywords and
// phrases per topic and language with weights, and how keyword evidence and
// the learned model are combined. It is read from YAML (data/taxonomy.yaml).
type Taxonomy struct {
	// Version names this revision of the file; it is reported in Why so a
	// label can be traced to the data that made it.
	Version string `yaml:"version"`
	// Weights tune the combination.
	Weights Weights `yaml:"weights"`
	// Topics maps an IPTC top-level name to its keywords: language (ISO
	// 639-1, or "any") → phrases. A phrase matches whole words,
	// case-insensitively; it weighs 1 unless it ends in " *w" ("lao động
	// *2" weighs 2, "match *0.5" half).
	Topics map[string]map[string][]string `yaml:"topics"`
}

// Weights tune how topic scores are made.
type Weights struct {
	// Model and Keywords weigh the learned model's probabilities against
	// the keyword shares; both are in the final score's mix.
	Model    float64 `yaml:"model"`
	Keywords float64 `yaml:"keywords"`
	// KeywordMass is how much keyword weight an article needs for its
	// keywords to count half their Keywords weight when a model also
	// speaks: keyword evidence of total weight m counts m/(m+KeywordMass)
	// of it, so one stray keyword does not overrule the model while many
	// agreeing keywords still do. 0 counts keywords fully.
	KeywordMass float64 `yaml:"keyword_mass"`
	// Title multiplies the weight of keywords found in the title.
	Title float64 `yaml:"title"`
	// Repeat is the factor applied to each further occurrence of the same
	// keyword (0.5: the second counts half, the third a quarter…), so one
	// word repeated does not decide alone.
	Repeat float64 `yaml:"repeat"`
	// Temperature flattens the model's probabilities (per 100 features).
	Temperature float64 `yaml:"temperature"`
	// MinScore drops topics scoring below it from the result.
	MinScore float64 `yaml:"min_score"`
	// MaxTopics bounds the number of topics returned.
	MaxTopics int `yaml:"max_topics"`
}

// ParseTaxonomy decodes and validates a taxonomy: every topic must be an IPTC
// top-level name (see [Topics]), every weight positive, and no phrase listed
// twice for the same topic and language.
func ParseTaxonomy(data []byte) (*Taxonomy, error) {
	var t Taxonomy
	if err := yaml.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("decoding taxonomy: %w", err)
	}
	if t.Version == "" {
		return nil, fmt.Errorf("decoding taxonomy: no version")
	}
	w := &t.Weights
	if w.Model < 0 || w.Keywords <= 0 || w.KeywordMass < 0 || w.Title <= 0 || w.Repeat < 0 || w.Repeat > 1 || w.Temperature <= 0 || w.MaxTopics <= 0 {
		return nil, fmt.Errorf("decoding taxonomy: weights out of range: %+v", *w)
	}
	for name, langs := range t.Topics {
		if !slices.Contains(Topics, name) {
			return nil, fmt.Errorf("decoding taxonomy: %q is not an IPTC top-level topic", name)
		}
		for lang, kws := range langs {
			if lang != "any" && !slices.Contains(Languages, lang) {
				return nil, fmt.Errorf("decoding taxonomy: topic %q: unknown language %q", name, lang)
			}
			seen := make(map[string]bool, len(kws))
			for _, kw := range kws {
				p, wt, err := parseKeyword(kw)
				if err != nil || wt <= 0 || p == "" {
					return nil, fmt.Errorf("decoding taxonomy: topic %q: keyword %q: bad weight or empty phrase", name, kw)
				}
				if k := strings.ToLower(p); seen[k] {
					return nil, fmt.Errorf("decoding taxonomy: topic %q: %s keyword %q listed twice", name, lang, p)
				} else {
					seen[k] = true
				}
			}
		}
	}
	return &t, nil
}

// matchers builds one keyword matcher per language (its own keywords plus
// the "any" ones); key "" holds every keyword, for text in other languages.
func (t *Taxonomy) matchers() map[string]*matcher {
	out := map[string]*matcher{"": newMatcher()}
	for _, l := range Languages {
		out[l] = newMatcher()
	}
	// Iterate in a fixed order so hits are registered deterministically.
	for ti, name := range Topics {
		langs := t.Topics[name]
		for _, lang := range sortedKeys(langs) {
			for _, entry := range langs[lang] {
				kw, wt, _ := parseKeyword(entry)
				h := hit{kind: hitTopic, index: ti, weight: wt}
				out[""].add(kw, h)
				for l, m := range out {
					if l != "" && (lang == "any" || lang == l) {
						m.add(kw, h)
					}
				}
			}
		}
	}
	return out
}

// parseKeyword splits "phrase *w" into the phrase and its weight (1 when
// there is no suffix).
func parseKeyword(s string) (string, float64, error) {
	i := strings.LastIndex(s, " *")
	if i < 0 {
		return strings.TrimSpace(s), 1, nil
	}
	w, err := strconv.ParseFloat(strings.TrimSpace(s[i+2:]), 64)
	if err != nil {
		return "", 0, fmt.Errorf("parsing keyword weight: %w", err)
	}
	return strings.TrimSpace(s[:i]), w, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
