package classify

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// nbMagic starts every model file; the version after the slash changes when
// the layout does.
const nbMagic = "newsmill-nb/1"

// nbCounts is a multinomial naive Bayes model being trained: feature counts
// per hashed bucket and class.
type nbCounts struct {
	kind    string // which feature extractor the model expects
	bits    uint
	classes []string
	docs    []uint64 // documents per class
	counts  []uint32 // [bucket*len(classes)+class]
}

func newCounts(kind string, bits uint, classes []string) *nbCounts {
	return &nbCounts{
		kind:    kind,
		bits:    bits,
		classes: classes,
		docs:    make([]uint64, len(classes)),
		counts:  make([]uint32, (1<<bits)*len(classes)),
	}
}

func (m *nbCounts) class(name string) int {
	for i, c := range m.classes {
		if c == name {
			return i
		}
	}
	return -1
}

// add counts feature hash f for class c, weight times.
func (m *nbCounts) add(f uint64, c int, weight uint32) {
	b := int(f & (1<<m.bits - 1))
	m.counts[b*len(m.classes)+c] += weight
}

// writeTo encodes the model: magic, kind, bits, classes with their document
// counts, then every non-empty bucket in increasing order as a delta and its
// per-class counts, all as uvarints, gzip-compressed with a zero header so
// the same counts always give the same bytes.
func (m *nbCounts) writeTo(w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("creating gzip writer: %w", err)
	}
	bw := bufio.NewWriter(zw)
	var buf [binary.MaxVarintLen64]byte
	putU := func(v uint64) { bw.Write(buf[:binary.PutUvarint(buf[:], v)]) }
	putS := func(s string) { putU(uint64(len(s))); bw.WriteString(s) }
	putS(nbMagic)
	putS(m.kind)
	putU(uint64(m.bits))
	putU(uint64(len(m.classes)))
	for i, c := range m.classes {
		putS(c)
		putU(m.docs[i])
	}
	nc := len(m.classes)
	last := -1
	for b := 0; b < 1<<m.bits; b++ {
		row := m.counts[b*nc : (b+1)*nc]
		empty := true
		for _, v := range row {
			if v != 0 {
				empty = false
				break
			}
		}
		if empty {
			continue
		}
		putU(uint64(b - last))
		last = b
		for _, v := range row {
			putU(uint64(v))
		}
	}
	putU(0) // end of buckets
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing model: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("closing model: %w", err)
	}
	return nil
}

// maxModelCells bounds buckets × classes of a model file (64 MiB of
// counts); the shipped models use a quarter of it.
const maxModelCells = 1 << 24

// readCounts decodes a model written by writeTo.
func readCounts(data []byte) (*nbCounts, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("opening model: %w", err)
	}
	br := bufio.NewReader(zr)
	getU := func() uint64 {
		if err != nil {
			return 0
		}
		var v uint64
		v, err = binary.ReadUvarint(br)
		return v
	}
	getS := func() string {
		n := getU()
		if err != nil || n > 1<<16 {
			if err == nil {
				err = errors.New("string too long")
			}
			return ""
		}
		b := make([]byte, n)
		_, err = io.ReadFull(br, b)
		return string(b)
	}
	if magic := getS(); err == nil && magic != nbMagic {
		return nil, fmt.Errorf("reading model: magic %q, want %q", magic, nbMagic)
	}
	kind := getS()
	bits := getU()
	nc := getU()
	// The shape decides the allocation: refuse one over maxModelCells
	// before making it, so a corrupt file cannot exhaust memory.
	if err == nil && (bits < 8 || bits > 24 || nc == 0 || nc > 64 || (uint64(1)<<bits)*nc > maxModelCells) {
		return nil, fmt.Errorf("reading model: bad shape: %d bits, %d classes", bits, nc)
	}
	if err != nil {
		return nil, fmt.Errorf("reading model header: %w", err)
	}
	classes := make([]string, nc)
	docs := make([]uint64, nc)
	for i := range classes {
		classes[i] = getS()
		docs[i] = getU()
	}
	m := newCounts(kind, uint(bits), classes)
	m.docs = docs
	b := -1
	for err == nil {
		d := getU()
		if d == 0 || err != nil {
			break
		}
		b += int(d)
		if b >= 1<<bits {
			return nil, fmt.Errorf("reading model: bucket %d out of range", b)
		}
		for c := range classes {
			m.counts[b*int(nc)+c] = uint32(getU())
		}
	}
	if err != nil {
		return nil, fmt.Errorf("reading model buckets: %w", err)
	}
	return m, nil
}

// nbModel is a trained model ready to score: log probabilities per bucket
// and class, smoothed.
type nbModel struct {
	kind    string
	mask    uint64
	classes []string
	prior   []float64
	logp    []float32 // [bucket*len(classes)+class]
}

// compile turns counts into log probabilities with additive smoothing alpha
// over the buckets actually seen (the hashed vocabulary).
func (m *nbCounts) compile(alpha float64) *nbModel {
	nc := len(m.classes)
	total := make([]float64, nc)
	vocab := 0
	for b := 0; b < 1<<m.bits; b++ {
		seen := false
		for c := 0; c < nc; c++ {
			v := m.counts[b*nc+c]
			total[c] += float64(v)
			if v != 0 {
				seen = true
			}
		}
		if seen {
			vocab++
		}
	}
	out := &nbModel{
		kind:    m.kind,
		mask:    1<<m.bits - 1,
		classes: m.classes,
		prior:   make([]float64, nc),
		logp:    make([]float32, len(m.counts)),
	}
	var docs float64
	for _, d := range m.docs {
		docs += float64(d)
	}
	for c := 0; c < nc; c++ {
		out.prior[c] = math.Log((float64(m.docs[c]) + 1) / (docs + float64(nc)))
		denom := math.Log(total[c] + alpha*float64(vocab+1))
		for b := 0; b < 1<<m.bits; b++ {
			out.logp[b*nc+c] = float32(math.Log(float64(m.counts[b*nc+c])+alpha) - denom)
		}
	}
	return out
}

// addFeature adds feature f's log probabilities to scores.
func (m *nbModel) addFeature(scores []float64, f uint64, weight float64) {
	nc := len(m.classes)
	row := m.logp[int(f&m.mask)*nc : int(f&m.mask)*nc+nc]
	for c, v := range row {
		scores[c] += weight * float64(v)
	}
}

// softmax turns log scores into probabilities in place, after dividing them
// by temperature (above 1 flattens an over-confident model).
func softmax(scores []float64, temperature float64) {
	best := math.Inf(-1)
	for _, s := range scores {
		best = max(best, s)
	}
	var sum float64
	for i, s := range scores {
		scores[i] = math.Exp((s - best) / temperature)
		sum += scores[i]
	}
	for i := range scores {
		scores[i] /= sum
	}
}
