package classify

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io/fs"
	"strings"
)

// Corpus file names under the corpus directory that [TrainLanguageModel] and
// [TrainTopicModel] read.
const (
	LanguageCorpus = "langid_lingua_sentences.jsonl"
	LanguageWords  = "lang_words.txt"
	TopicCorpus    = "topics_vi_vntc.jsonl"
)

// Model files under data/, embedded into the package.
const (
	LanguageModelFile = "lang.model"
	TopicModelFile    = "topic.model"
)

const (
	langBits  = 18
	topicBits = 18
	topicKind = "topic:words1-2"
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

// TrainTopicModel builds the topic model from the training split of
// TopicCorpus, one class per IPTC topic that occurs in it. The same file
// always gives the same bytes.
func TrainTopicModel(corpus fs.FS) ([]byte, error) {
	data, err := fs.ReadFile(corpus, TopicCorpus)
	if err != nil {
		return nil, fmt.Errorf("reading topic corpus: %w", err)
	}
	rows, err := ReadRows(data)
	if err != nil {
		return nil, fmt.Errorf("reading topic corpus: %w", err)
	}
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
