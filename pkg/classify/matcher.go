package classify

// matcher finds phrases (sequences of lower-cased words) in a token stream in
// one pass: at each token it extends the sequence hash only while the words
// so far are the prefix of some phrase, so a text costs about one map look-up
// per word.
type matcher struct {
	// seqs maps the hash of a word sequence to the phrases it completes;
	// a sequence that is only the prefix of longer phrases maps to nil.
	seqs   map[uint64][]hit
	maxLen int
}

// hit is what a phrase stands for.
type hit struct {
	kind   hitKind
	index  int     // topic index, or entity index
	weight float64 // keyword weight (topics)
	exact  bool    // every word must be written in capitals (acronyms)
	words  int
}

type hitKind uint8

const (
	hitTopic hitKind = iota
	hitEntity
	hitTitle // a person's title: the capitalised words after it are a name
)

func newMatcher() *matcher {
	return &matcher{seqs: make(map[uint64][]hit)}
}

// add registers phrase; it returns false when the phrase has no words.
func (m *matcher) add(phrase string, h hit) bool {
	toks := tokenize(phrase, nil)
	if len(toks) == 0 {
		return false
	}
	h.words = len(toks)
	seq := toks[0].hash
	for i := range toks {
		if i > 0 {
			seq = mix(seq, toks[i].hash)
		}
		if _, ok := m.seqs[seq]; !ok {
			m.seqs[seq] = nil
		}
	}
	m.seqs[seq] = append(m.seqs[seq], h)
	m.maxLen = max(m.maxLen, len(toks))
	return true
}

// scan calls fn for every phrase occurrence in toks, with the index of its
// first and one past its last token. Adjacent tokens must be separated by
// white space or a hyphen only for a phrase to span them.
func (m *matcher) scan(text string, toks []token, fn func(h *hit, from, to int)) {
	for i := range toks {
		seq := toks[i].hash
		for j := i; j < len(toks) && j-i < m.maxLen; j++ {
			if j > i {
				if !joinable(text[toks[j-1].end:toks[j].start]) {
					break
				}
				seq = mix(seq, toks[j].hash)
			}
			hs, ok := m.seqs[seq]
			if !ok {
				break
			}
			for k := range hs {
				h := &hs[k]
				if h.exact && !allUpper(toks[i:j+1]) {
					continue
				}
				fn(h, i, j+1)
			}
		}
	}
}

func allUpper(toks []token) bool {
	for _, t := range toks {
		if !t.allUpper {
			return false
		}
	}
	return true
}

// joinable reports whether the text between two words lets a phrase span
// them: spaces, a hyphen, a dash, an ampersand, a slash or a comma
// ("Ministry of Labour, Invalids and Social Affairs"), but no sentence
// punctuation.
func joinable(gap string) bool {
	if len(gap) == 0 || len(gap) > 8 {
		return false
	}
	for _, r := range gap {
		switch r {
		case ' ', '\u00a0', '-', '\u2010', '\u2011', '\u2013', '\'', '\u2019', '&', '/', ',':
		default:
			return false
		}
	}
	return true
}
