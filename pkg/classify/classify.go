package classify

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/newsmill/newsmill/pkg/article"
	"golang.org/x/text/unicode/norm"
)

//go:embed data/taxonomy.yaml data/entities.yaml data/lang.model data/topic_*.model
var dataFS embed.FS

// maxTextBytes bounds how much of an article body is read for topics and
// entities: the start of an article carries its subject, and the bound keeps
// the cost of a pathological page flat.
const maxTextBytes = 32 << 10

// Result is what [Classifier.Classify] makes of an article.
type Result struct {
	// Language is the ISO 639-1 code, or "und".
	Language string
	// LanguageConfidence is in [0,1].
	LanguageConfidence float64
	// Topics are IPTC top-level topics, best first, scores in [0,1]
	// (they sum to at most 1). Empty when nothing pointed to a topic.
	Topics []article.Topic
	// Entities are organisations, countries and titled people, in order of
	// first appearance, each once.
	Entities []article.Entity
	// Why holds short human-readable reasons: the features that decided.
	Why []string
}

// TopTopic returns the best topic's name, or "" when there is none.
func (r Result) TopTopic() string {
	if len(r.Topics) == 0 {
		return ""
	}
	return r.Topics[0].Name
}

// Classifier labels articles. Build it with [New]; it is immutable and safe
// for concurrent use.
type Classifier struct {
	lang       *langDetector
	taxonomy   *Taxonomy
	keywords   map[string]*matcher
	models     map[string]*topicModel // by language
	entities   *matcher
	entityDefs []entityDef
	nameStops  map[uint64]bool
	pool       sync.Pool // *scratch
}

// scratch holds per-call buffers.
type scratch struct {
	toks  []token
	title []token
	seen  []uint64 // bitset of model buckets seen in this article
	used  []uint64 // buckets set in seen, to clear it
}

// New loads the embedded taxonomy, gazetteer and models.
func New() (*Classifier, error) {
	sub, err := fs.Sub(dataFS, "data")
	if err != nil {
		return nil, err
	}
	return NewFromFS(sub)
}

// NewFromFS loads the taxonomy (taxonomy.yaml), the gazetteer
// (entities.yaml), the language model and the topic models
// (topic_<language>.model) from fsys: a directory laid out like the
// package's data/, for operators who ship their own taxonomy and for
// evaluating freshly trained models. Files missing from fsys are taken from
// the embedded data.
func NewFromFS(fsys fs.FS) (*Classifier, error) {
	read := func(name string) ([]byte, error) {
		b, err := fs.ReadFile(fsys, name)
		if errors.Is(err, fs.ErrNotExist) {
			b, err = dataFS.ReadFile("data/" + name)
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		return b, nil
	}
	var files [3][]byte
	for i, name := range []string{"taxonomy.yaml", "entities.yaml", LanguageModelFile} {
		b, err := read(name)
		if err != nil {
			return nil, err
		}
		files[i] = b
	}
	// The embedded topic models and fsys's own, each read once (fsys's
	// copy wins).
	embedded, err := fs.Glob(dataFS, "data/"+TopicModelFile("*"))
	if err != nil {
		return nil, fmt.Errorf("listing topic models: %w", err)
	}
	own, err := fs.Glob(fsys, TopicModelFile("*"))
	if err != nil {
		return nil, fmt.Errorf("listing topic models: %w", err)
	}
	topicModels := map[string][]byte{}
	for _, n := range append(embedded, own...) {
		lang := topicModelLanguage(path.Base(n))
		if _, done := topicModels[lang]; done {
			continue
		}
		b, err := read(path.Base(n))
		if err != nil {
			return nil, err
		}
		topicModels[lang] = b
	}
	return NewFromData(files[0], files[1], files[2], topicModels)
}

// topicModel is one language's topic model.
type topicModel struct {
	nb    *nbModel
	topic []int // model class → index in Topics
}

func loadTopicModel(data []byte) (*topicModel, error) {
	tc, err := readCounts(data)
	if err != nil {
		return nil, err
	}
	if tc.kind != topicKind {
		return nil, fmt.Errorf("features %q, want %q", tc.kind, topicKind)
	}
	m := &topicModel{nb: tc.compile(topicAlpha)}
	for _, name := range tc.classes {
		i := slices.Index(Topics, name)
		if i < 0 {
			return nil, fmt.Errorf("unknown topic %q", name)
		}
		m.topic = append(m.topic, i)
	}
	return m, nil
}

// NewFromData builds a classifier from the contents of a taxonomy, a
// gazetteer, the language model and the topic models by language, for
// operators who ship their own taxonomy, and for evaluating freshly trained
// models.
func NewFromData(taxonomy, gazetteer, langModel []byte, topicModels map[string][]byte) (*Classifier, error) {
	tax, err := ParseTaxonomy(taxonomy)
	if err != nil {
		return nil, fmt.Errorf("loading taxonomy: %w", err)
	}
	gaz, err := ParseGazetteer(gazetteer)
	if err != nil {
		return nil, fmt.Errorf("loading gazetteer: %w", err)
	}
	ld, err := loadLangDetector(langModel)
	if err != nil {
		return nil, err
	}
	c := &Classifier{lang: ld, taxonomy: tax, keywords: tax.matchers(), models: map[string]*topicModel{}}
	for lang, data := range topicModels {
		m, err := loadTopicModel(data)
		if err != nil {
			return nil, fmt.Errorf("loading %s topic model: %w", lang, err)
		}
		c.models[lang] = m
	}
	c.entities, c.entityDefs, c.nameStops = gaz.entityMatcher()
	c.pool.New = func() any { return &scratch{toks: make([]token, 0, 1024), title: make([]token, 0, 32)} }
	return c, nil
}

func loadLangDetector(data []byte) (*langDetector, error) {
	lc, err := readCounts(data)
	if err != nil {
		return nil, fmt.Errorf("loading language model: %w", err)
	}
	if lc.kind != langKind || !slices.Equal(lc.classes, latinLanguages) {
		return nil, fmt.Errorf("loading language model: features %q classes %v, want %q %v", lc.kind, lc.classes, langKind, latinLanguages)
	}
	return &langDetector{latin: lc.compile(0.5)}, nil
}

var defaultLangDetector = sync.OnceValue(func() *langDetector {
	data, err := dataFS.ReadFile("data/" + LanguageModelFile)
	if err != nil {
		return nil
	}
	d, err := loadLangDetector(data)
	if err != nil {
		return nil
	}
	return d
})

// minModelFeatures is the fewest distinct features a text needs for the
// model's opinion to count: below it the probabilities are mostly prior.
const minModelFeatures = 12

// Classify labels one article. languageHint (the page's declared language,
// may be empty) is used when the text is too short or ambiguous to detect.
// The body is read up to 32 KiB. Text need not be NFC; it is normalised.
func (c *Classifier) Classify(title, text, languageHint string) Result {
	text = head(text, maxTextBytes)
	if !norm.NFC.IsNormalString(text) {
		text = norm.NFC.String(text)
	}
	if !norm.NFC.IsNormalString(title) {
		title = norm.NFC.String(title)
	}
	var r Result
	lang, conf, why := c.lang.detect(title + "\n" + text)
	if lang == Und && languageHint != "" {
		hint := strings.ToLower(languageHint)
		if i := strings.IndexAny(hint, "-_"); i > 0 {
			hint = hint[:i]
		}
		if slices.Contains(Languages, hint) {
			lang, conf, why = hint, 0.5, "declared language (detection unsure)"
		}
	}
	r.Language, r.LanguageConfidence = lang, round3(conf)
	r.Why = append(r.Why, fmt.Sprintf("language %s %.2f: %s", lang, conf, why))

	sc := c.pool.Get().(*scratch)
	defer c.pool.Put(sc)
	sc.title = tokenize(title, sc.title[:0])
	sc.toks = tokenize(text, sc.toks[:0])

	c.topics(&r, lang, title, text, sc)

	var es entityScan
	c.findEntities(&es, title, sc.title)
	c.findEntities(&es, text, sc.toks)
	r.Entities = es.out
	return r
}

// kwHit accumulates one keyword's evidence.
type kwHit struct {
	topic  int
	phrase string
	n      int
	score  float64
}

// topics scores every topic from keywords and the model, and explains the
// winner.
func (c *Classifier) topics(r *Result, lang, title, text string, sc *scratch) {
	w := c.taxonomy.Weights
	km := c.keywords[lang]
	if km == nil {
		km = c.keywords[""]
	}
	var kw [32]float64
	kwTotal := 0.0
	hits := make(map[*hit]*kwHit, 32)
	count := func(src string, toks []token, mult float64) {
		km.scan(src, toks, func(h *hit, from, to int) {
			kh := hits[h]
			if kh == nil {
				kh = &kwHit{topic: h.index, phrase: strings.ToLower(src[toks[from].start:toks[to-1].end])}
				hits[h] = kh
			}
			// Each further occurrence counts Repeat times the last.
			v := h.weight * mult * math.Pow(w.Repeat, float64(kh.n))
			kh.n++
			kh.score += v
			kw[h.index] += v
			kwTotal += v
		})
	}
	count(title, sc.title, w.Title)
	count(text, sc.toks, 1)

	var model [32]float64
	tm := c.models[lang] // for other languages only keywords decide
	useModel := w.Model > 0 && tm != nil
	nfeat := 0
	var probs []float64
	if useModel {
		probs = make([]float64, len(tm.nb.classes))
		copy(probs, tm.nb.prior)
		// Binarised like training: each bucket counts once per article.
		if len(sc.seen) < int(tm.nb.mask+1)/64 {
			sc.seen = make([]uint64, (tm.nb.mask+1)/64)
		}
		sc.used = sc.used[:0]
		add := func(f uint64) {
			b := f & tm.nb.mask
			if sc.seen[b/64]&(1<<(b%64)) != 0 {
				return
			}
			sc.seen[b/64] |= 1 << (b % 64)
			sc.used = append(sc.used, b)
			tm.nb.addFeature(probs, f, 1)
			nfeat++
		}
		topicFeatures(title, sc.title, add)
		topicFeatures(text, sc.toks, add)
		for _, b := range sc.used {
			sc.seen[b/64] = 0
		}
		if nfeat < minModelFeatures {
			useModel = false
		} else {
			softmax(probs, math.Max(1, w.Temperature*float64(nfeat)/100))
			for i, p := range probs {
				model[tm.topic[i]] = p
			}
		}
	}

	var scores [32]float64
	var mix float64
	if kwTotal > 0 {
		kc := 1.0 // how far the keywords are to be trusted
		if useModel {
			kc = kwTotal / (kwTotal + w.KeywordMass)
		}
		mix += w.Keywords * kc
		for i := range Topics {
			scores[i] += kc * w.Keywords * kw[i] / kwTotal
		}
	}
	if useModel {
		// The model knows only the topics of its training corpus. Its
		// probabilities share out the keyword evidence for those topics,
		// so strong keywords for a topic it never saw (labour, say) are
		// not drowned by its confidence in the nearest one it knows.
		known := 1.0
		if kwTotal > 0 {
			known = 0
			for _, ti := range tm.topic {
				known += kw[ti] / kwTotal
			}
			known = max(known, 0.1)
		}
		mix += w.Model
		for i := range Topics {
			scores[i] += w.Model * model[i] * known
		}
	}
	if mix == 0 {
		r.Why = append(r.Why, "no topic: no keyword matched and no model for "+lang)
		return
	}
	order := make([]int, len(Topics))
	for i := range order {
		order[i] = i
		scores[i] /= mix
	}
	sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] > scores[order[b]] })
	for _, i := range order {
		if len(r.Topics) >= w.MaxTopics || scores[i] < w.MinScore && len(r.Topics) > 0 || scores[i] == 0 {
			break
		}
		r.Topics = append(r.Topics, article.Topic{Name: Topics[i], Score: round3(scores[i])})
	}

	// Why: the keywords and model words behind the top topics.
	for n, t := range r.Topics {
		if n == 3 {
			break
		}
		ti := slices.Index(Topics, t.Name)
		var parts []string
		if kw[ti] > 0 {
			var list []*kwHit
			for _, kh := range hits {
				if kh.topic == ti {
					list = append(list, kh)
				}
			}
			sort.Slice(list, func(a, b int) bool {
				if list[a].score != list[b].score {
					return list[a].score > list[b].score
				}
				return list[a].phrase < list[b].phrase
			})
			var kws []string
			for _, kh := range list[:min(4, len(list))] {
				kws = append(kws, strconv.Quote(kh.phrase)+"×"+strconv.Itoa(kh.n))
			}
			parts = append(parts, fmt.Sprintf("keywords %.2f (%s)", kw[ti]/kwTotal, strings.Join(kws, " ")))
		}
		if useModel && model[ti] > 0.01 && n == 0 {
			parts = append(parts, fmt.Sprintf("model %.2f (%s)", model[ti], strings.Join(tm.evidence(ti, title, text, sc), " ")))
		}
		if len(parts) > 0 {
			r.Why = append(r.Why, fmt.Sprintf("%s %.2f: %s", t.Name, t.Score, strings.Join(parts, "; ")))
		}
	}
	r.Why = append(r.Why, "taxonomy "+c.taxonomy.Version)
}

// evidence returns the words that most favour topic ti over the other
// model classes (margin over the strongest rival times frequency), in the
// title and the first part of the text.
func (tm *topicModel) evidence(ti int, title, text string, sc *scratch) []string {
	ci := slices.Index(tm.topic, ti)
	if ci < 0 {
		return nil
	}
	nc := len(tm.nb.classes)
	type ev struct {
		src        string
		start, end int
		score      float64
	}
	const keep = 4
	var best [keep]ev // best first; distinct features
	var feats [keep]uint64
	consider := func(f uint64, src string, start, end int) {
		row := tm.nb.logp[int(f&tm.nb.mask)*nc : int(f&tm.nb.mask)*nc+nc]
		others := math.Inf(-1) // the strongest rival class
		for k, v := range row {
			if k != ci {
				others = max(others, float64(v))
			}
		}
		// Weigh the margin by how common the word is in the topic, so
		// frequent telling words beat rare accidents; a word not at least
		// twice as likely in the topic as in any rival tells nothing.
		margin := float64(row[ci]) - others
		if margin < math.Ln2 {
			return
		}
		d := margin * math.Exp(float64(row[ci]))
		if d <= best[keep-1].score {
			return
		}
		for k := range keep {
			if best[k].score > 0 && feats[k] == f {
				return
			}
		}
		k := keep - 1
		for k > 0 && best[k-1].score < d {
			best[k], feats[k] = best[k-1], feats[k-1]
			k--
		}
		best[k], feats[k] = ev{src, start, end, d}, f
	}
	look := func(src string, toks []token) {
		for i, t := range toks {
			if t.digits || t.runes < 2 {
				continue
			}
			consider(t.hash, src, t.start, t.end)
			if i+1 < len(toks) && !toks[i+1].digits && joinable(src[t.end:toks[i+1].start]) {
				consider(mix(t.hash, toks[i+1].hash), src, t.start, toks[i+1].end)
			}
		}
	}
	look(title, sc.title)
	look(text, sc.toks[:min(400, len(sc.toks))])
	var out []string
	for _, e := range best {
		if e.score > 0 {
			out = append(out, strconv.Quote(strings.ToLower(e.src[e.start:e.end])))
		}
	}
	return out
}

// topicFeatures calls fn for every feature of the topic model in text: each
// lower-cased word and each pair of adjacent words. toks, when not nil, are
// text's tokens (to save tokenizing twice).
func topicFeatures(text string, toks []token, fn func(f uint64)) {
	if toks == nil {
		toks = tokenize(text, nil)
	}
	for i, t := range toks {
		if t.digits {
			continue
		}
		fn(t.hash)
		if i+1 < len(toks) && !toks[i+1].digits && joinable(text[t.end:toks[i+1].start]) {
			fn(mix(t.hash, toks[i+1].hash))
		}
	}
}

// normNFC returns s in Unicode NFC.
func normNFC(s string) string {
	if norm.NFC.IsNormalString(s) {
		return s
	}
	return norm.NFC.String(s)
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }
