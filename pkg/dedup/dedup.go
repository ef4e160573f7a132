package dedup

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/newsmill/newsmill/pkg/article"
)

// Options tune a [Deduper]. The zero value of each field selects its
// default.
type Options struct {
	// TTL is how long claims are remembered at least; an article that
	// comes back after it is new again. Default 7 days.
	TTL time.Duration
	// MinSimilarity is the estimated Jaccard similarity of word 3-gram
	// sets at or above which an earlier article sharing an LSH band is a
	// near duplicate. Default 0.5: a variant with a paragraph of five
	// dropped scores about 0.8, a rewritten article on the same topic
	// below 0.2.
	MinSimilarity float64
	// MaxHamming is the SimHash distance at or under which an earlier
	// article sharing an LSH band is a near duplicate even when its
	// estimated similarity is below MinSimilarity (small texts, where the
	// estimate is noisy). Default 3; negative disables it.
	MaxHamming int
}

// Default option values.
const (
	DefaultTTL           = 7 * 24 * time.Hour
	DefaultMinSimilarity = 0.5
	DefaultMaxHamming    = 3
)

func (o Options) withDefaults() Options {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.MinSimilarity <= 0 {
		o.MinSimilarity = DefaultMinSimilarity
	}
	if o.MaxHamming == 0 {
		o.MaxHamming = DefaultMaxHamming
	}
	return o
}

// Deduper decides whether an article is new, a redelivery, an update or a
// duplicate, claiming it in a [Store]. It is safe for concurrent use.
type Deduper struct {
	store Store
	opts  Options
}

// New returns a Deduper over store with opts (defaults filled in).
func New(store Store, opts Options) *Deduper {
	return &Deduper{store: store, opts: opts.withDefaults()}
}

// Options returns the options in effect, defaults filled in.
func (d *Deduper) Options() Options { return d.opts }

// Status is the outcome of [Deduper.Check].
type Status int

// Statuses. Original and Update are delivered as unique; Same repeats the
// first decision (see [Verdict]). (The first is not called New: that name
// is the constructor's.)
const (
	// Original: the first article with this content.
	Original Status = iota + 1
	// Same: this id already holds this content — a redelivery after a
	// crash or a source listing the article again. Verdict.DuplicateOf is
	// set when the content belongs to an earlier article, so the wiring
	// can repeat its first decision (and the stream's duplicate window
	// drops the repeated publish).
	Same
	// Update: a known id with changed content (a correction); Revision is
	// incremented.
	Update
	// Duplicate: another article already holds this exact content (or
	// this canonical URL together with shared text); Similarity is 1.
	Duplicate
	// NearDuplicate: an earlier article is the same story with other
	// boilerplate or light edits.
	NearDuplicate
)

// String returns the status name ("original", "same", …).
func (s Status) String() string {
	switch s {
	case Original:
		return "original"
	case Same:
		return "same"
	case Update:
		return "update"
	case Duplicate:
		return "duplicate"
	case NearDuplicate:
		return "near_duplicate"
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// Verdict is the decision about one article.
type Verdict struct {
	Status Status
	// DuplicateOf is the id of the earlier article this one duplicates;
	// set for Duplicate and NearDuplicate, and for Same when the first
	// decision was a duplicate.
	DuplicateOf string
	// Similarity to DuplicateOf in [0,1]: 1 for exact duplicates, the
	// estimated Jaccard similarity of word 3-grams for near duplicates.
	Similarity float64
	// ContentHash and SimHash are the article's hashes as stored in
	// article.Article (32 and 16 hex digits).
	ContentHash, SimHash string
	// Revision is the article's revision: 0 when first seen, +1 for each
	// content change of the same id.
	Revision int
}

// IsDuplicate reports whether the article must go to the duplicate
// subject rather than be delivered as unique.
func (v Verdict) IsDuplicate() bool { return v.DuplicateOf != "" }

// ErrEmpty is returned by [Deduper.Check] for an article whose text has no
// letters or digits: it cannot be compared with anything. The caller should
// treat it as permanent (dead-letter the message).
var ErrEmpty = errors.New("article text is empty")

// Check claims a in the store and returns the verdict. The article is not
// modified; the caller copies ContentHash, SimHash, DuplicateOf, Similarity
// and Revision into it. Checking the same article again returns Same with
// the first decision's DuplicateOf, so a redelivery is never a duplicate of
// itself.
//
// Errors wrap the store's error and are transient (retry with backoff;
// [ErrStoreFull] when the store is out of memory), except [ErrEmpty] and an
// empty or invalid id, which are permanent.
func (d *Deduper) Check(ctx context.Context, a *article.Article) (Verdict, error) {
	if a.ID == "" || len(a.ID) > MaxIDLen || a.ID[0] == 0 {
		return Verdict{}, fmt.Errorf("checking article %q: invalid id", a.ID)
	}
	normalized := Normalize(a.Text)
	if normalized == "" {
		return Verdict{}, fmt.Errorf("checking article %s: %w", a.ID, ErrEmpty)
	}
	sh := shingles(normalized)
	sim := simhash(sh)
	sig := minhash(sh)
	c := Claim{
		ID:     a.ID,
		Hash:   contentHash(normalized),
		Bands:  sig.bands(),
		Sketch: makeSketch(sim, &sig),
		TTL:    d.opts.TTL,
	}
	if a.CanonicalURL != "" {
		c.URL = urlHash(a.CanonicalURL)
	}
	p, err := d.store.Claim(ctx, c)
	if err != nil {
		return Verdict{}, fmt.Errorf("claiming article %s: %w", a.ID, err)
	}
	v := d.decide(&c, &p)
	v.ContentHash = hex.EncodeToString(c.Hash[:])
	v.SimHash = fmt.Sprintf("%016x", sim)
	return v, nil
}

// decide turns what the store held into a verdict.
func (d *Deduper) decide(c *Claim, p *Prior) Verdict {
	v := Verdict{Revision: p.Revision}
	exactOf := ""
	if p.Owner != "" && p.Owner != c.ID {
		exactOf = p.Owner
	}
	nearOf, nearSim := d.nearest(c, p)
	switch {
	case p.Existed && p.PrevHash == c.Hash:
		v.Status = Same
		if exactOf != "" {
			v.DuplicateOf, v.Similarity = exactOf, 1
		} else if nearOf != "" {
			v.DuplicateOf, v.Similarity = nearOf, nearSim
		}
	case exactOf != "":
		v.Status, v.DuplicateOf, v.Similarity = Duplicate, exactOf, 1
	case nearOf != "":
		v.Status, v.DuplicateOf, v.Similarity = NearDuplicate, nearOf, nearSim
	case p.Existed:
		v.Status = Update
	default:
		v.Status = Original
	}
	return v
}

// nearest returns the most similar earlier candidate that qualifies as a
// near duplicate, or "". Only candidates claimed before this id (smaller
// Seq) count, so of two racing near-duplicates exactly one is original. The
// owner of the same canonical URL qualifies with any shared band: a page
// re-listed under another URL with edits is the same article.
func (d *Deduper) nearest(c *Claim, p *Prior) (string, float64) {
	best, bestSim := "", -1.0
	for _, cand := range p.Candidates {
		if cand.ID == c.ID || cand.Seq >= p.Seq {
			continue
		}
		jac, ham, ok := compareSketches(c.Sketch, cand.Sketch)
		if !ok {
			continue
		}
		qualifies := jac >= d.opts.MinSimilarity ||
			(d.opts.MaxHamming >= 0 && ham <= d.opts.MaxHamming) ||
			(p.URLOwner != "" && cand.ID == p.URLOwner)
		if !qualifies {
			continue
		}
		if jac > bestSim || (jac == bestSim && cand.Seq < bestSeq(p, best)) {
			best, bestSim = cand.ID, jac
		}
	}
	if best == "" {
		return "", 0
	}
	return best, bestSim
}

func bestSeq(p *Prior, id string) uint64 {
	for _, c := range p.Candidates {
		if c.ID == id {
			return c.Seq
		}
	}
	return ^uint64(0)
}
