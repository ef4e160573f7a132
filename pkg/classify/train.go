package classify

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Corpus file names under the corpus directory that [TrainLanguageModel] and
// [TrainTopicModels] read. Topic corpora are the files matching
// TopicCorpora, named topics_<language>_<name>.jsonl.
const (
	LanguageCorpus = "langid_lingua_sentences.jsonl"
	LanguageWords  = "lang_words.txt"
	TopicCorpora   = "topics_*_*.jsonl"
)

// LanguageModelFile is the language model under data/, embedded into the
// package; the topic models are [TopicModelFile] of each language.
const LanguageModelFile = "lang.model"

// TopicModelFile names the topic model of one language under data/.
func TopicModelFile(lang string) string { return "topic_" + lang + ".model" }

// topicModelLanguage is the language of a topic model file name, the
// inverse of [TopicModelFile].
func topicModelLanguage(name string) string {
	return strings.TrimSuffix(strings.TrimPrefix(name, "topic_"), ".model")
}

// TopicCorpusLanguage returns the language of a topic corpus file name
// (topics_<language>_<name>.jsonl), or "" when the name is not one.
func TopicCorpusLanguage(name string) string {
	if ok, _ := path.Match(TopicCorpora, name); !ok {
		return ""
	}
	lang, _, _ := strings.Cut(strings.TrimPrefix(name, "topics_"), "_")
	return lang
}

const (
	langBits   = 18
	topicBits  = 18
	topicKind  = "topic:words1-2"
	topicAlpha = 0.1 // additive smoothing of the topic models
)

// Row is one labelled text of a corpus file (JSON Lines). Label is an ISO
// 639-1 code for language rows and an IPTC top-level name (the "iptc" field)
// for topic rows; Alt lists other topics a judge accepts.
type Row struct {
	ID    string   `json:"id"`
	Text  string   `json:"text"`
	Lang  string   `json:"lang"`
	Topic string   `json:"iptc"`
	Alt   []string `json:"iptc_alt"`
}

// HeldOut reports whether the row with this id belongs to the evaluation
// split (about a quarter of the rows, chosen by a hash of the id so the split
// is stable). Training never reads held-out rows; tests and `classify eval`
// measure on them.
func HeldOut(id string) bool {
	h := fnv.New32a()
	h.Write([]byte(id))
	return h.Sum32()%4 == 0
}

// ReadRows decodes a JSON Lines corpus.
func ReadRows(data []byte) ([]Row, error) {
	var rows []Row
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r Row
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("decoding line %d: %w", line, err)
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("scanning rows: %w", err)
	}
	return rows, nil
}

// TrainLanguageModel builds the Latin-script language model from the corpus
// directory: the training split of LanguageCorpus (Latin-script languages
// only) plus the distinguishing words of LanguageWords. The same files always
// give the same bytes.
func TrainLanguageModel(corpus fs.FS) ([]byte, error) {
	data, err := fs.ReadFile(corpus, LanguageCorpus)
	if err != nil {
		return nil, fmt.Errorf("reading language corpus: %w", err)
	}
	rows, err := ReadRows(data)
	if err != nil {
		return nil, fmt.Errorf("reading language corpus: %w", err)
	}
	m := newCounts(langKind, langBits, latinLanguages)
	for _, r := range rows {
		c := m.class(r.Lang)
		if c < 0 || HeldOut(r.ID) {
			continue
		}
		m.docs[c]++
		langFeatures(r.Text, func(f uint64, w float64) { m.add(f, c, uint32(w)) })
	}
	words, err := fs.ReadFile(corpus, LanguageWords)
	if err != nil {
		return nil, fmt.Errorf("reading language words: %w", err)
	}
	for n, line := range strings.Split(string(words), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		lang, list, ok := strings.Cut(line, ":")
		c := m.class(strings.TrimSpace(lang))
		if !ok || c < 0 {
			return nil, fmt.Errorf("reading language words: line %d: want \"<lang>: words\" with a Latin-script language", n+1)
		}
		// Each listed word counts as if seen in two sentences.
		for _, w := range strings.Fields(list) {
			langFeatures(w, func(f uint64, wt float64) { m.add(f, c, 2*uint32(wt)) })
		}
	}
	var buf bytes.Buffer
	if err := m.writeTo(&buf); err != nil {
		return nil, fmt.Errorf("encoding language model: %w", err)
	}
	return buf.Bytes(), nil
}

// TrainTopicModels builds one topic model per language from the training
// split of the topic corpora (every file matching [TopicCorpora]), one class
// per IPTC topic that occurs in the language's rows. It returns the model
// bytes by language; the same files always give the same bytes.
func TrainTopicModels(corpus fs.FS) (map[string][]byte, error) {
	files, err := fs.Glob(corpus, TopicCorpora)
	if err != nil {
		return nil, fmt.Errorf("listing topic corpora: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no topic corpus (%s)", TopicCorpora)
	}
	byLang := map[string][]Row{}
	for _, f := range files { // fs.Glob returns them sorted
		data, err := fs.ReadFile(corpus, f)
		if err != nil {
			return nil, fmt.Errorf("reading topic corpus: %w", err)
		}
		rows, err := ReadRows(data)
		if err != nil {
			return nil, fmt.Errorf("reading topic corpus %s: %w", f, err)
		}
		lang := TopicCorpusLanguage(path.Base(f))
		for _, r := range rows {
			if r.Lang != lang {
				return nil, fmt.Errorf("topic corpus %s: row %s is in %q, the file name says %q", f, r.ID, r.Lang, lang)
			}
			if !slices.Contains(Topics, r.Topic) {
				return nil, fmt.Errorf("topic corpus %s: row %s has unknown topic %q", f, r.ID, r.Topic)
			}
		}
		byLang[lang] = append(byLang[lang], rows...)
	}
	out := map[string][]byte{}
	for lang, rows := range byLang {
		b, err := trainTopicModel(rows)
		if err != nil {
			return nil, fmt.Errorf("training %s topic model: %w", lang, err)
		}
		out[lang] = b
	}
	return out, nil
}

func trainTopicModel(rows []Row) ([]byte, error) {
	var classes []string
	for _, t := range Topics {
		for _, r := range rows {
			if r.Topic == t {
				classes = append(classes, t)
				break
			}
		}
	}
	m := newCounts(topicKind, topicBits, classes)
	mask := uint64(1)<<topicBits - 1
	seen := make([]bool, mask+1)
	var used []uint64
	for _, r := range rows {
		c := m.class(r.Topic)
		if c < 0 || HeldOut(r.ID) {
			continue
		}
		m.docs[c]++
		// Binarised counts: a bucket counts once per document, so one long
		// article does not outweigh ten short ones.
		used = used[:0]
		topicFeatures(r.Text, nil, func(f uint64) {
			if b := f & mask; !seen[b] {
				seen[b] = true
				used = append(used, b)
				m.add(f, c, 1)
			}
		})
		for _, b := range used {
			seen[b] = false
		}
	}
	var buf bytes.Buffer
	if err := m.writeTo(&buf); err != nil {
		return nil, fmt.Errorf("encoding topic model: %w", err)
	}
	return buf.Bytes(), nil
}
