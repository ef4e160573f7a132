package dedup_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/newsmill/newsmill/pkg/dedup"
)

// memStore is an in-process dedup.Store for the domain tests: one mutex
// makes every claim atomic. It passes the conformance suite, so tests of
// the decision logic run against the same guarantees the Redis and NATS
// stores give.
type memStore struct {
	mu     sync.Mutex
	seq    uint64
	owners map[[16]byte]memEntry[string]
	ids    map[string]memEntry[memRecord]
	bands  map[uint64]memEntry[[]string]
}

type memEntry[T any] struct {
	v       T
	expires time.Time
}

type memRecord struct {
	hash   [16]byte
	rev    int
	seq    uint64
	sketch []byte
}

func newMemStore() *memStore {
	return &memStore{
		owners: map[[16]byte]memEntry[string]{},
		ids:    map[string]memEntry[memRecord]{},
		bands:  map[uint64]memEntry[[]string]{},
	}
}

func live[K comparable, T any](m map[K]memEntry[T], k K, now time.Time) (T, bool) {
	e, ok := m[k]
	if !ok || now.After(e.expires) {
		var zero T
		return zero, false
	}
	return e.v, true
}

func (s *memStore) Claim(ctx context.Context, c dedup.Claim) (dedup.Prior, error) {
	if err := ctx.Err(); err != nil {
		return dedup.Prior{}, fmt.Errorf("claiming %s: %w", c.ID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	exp := now.Add(c.TTL)
	var p dedup.Prior
	rec, ok := live(s.ids, c.ID, now)
	if ok {
		p.Existed, p.PrevHash = true, rec.hash
		if rec.hash != c.Hash {
			rec = memRecord{hash: c.Hash, rev: rec.rev + 1, seq: rec.seq, sketch: slices.Clone(c.Sketch)}
			s.ids[c.ID] = memEntry[memRecord]{rec, exp}
		}
	} else {
		s.seq++
		rec = memRecord{hash: c.Hash, seq: s.seq, sketch: slices.Clone(c.Sketch)}
		s.ids[c.ID] = memEntry[memRecord]{rec, exp}
	}
	p.Seq, p.Revision = rec.seq, rec.rev
	claimKey := func(k [16]byte) string {
		if o, ok := live(s.owners, k, now); ok {
			return o
		}
		s.owners[k] = memEntry[string]{c.ID, exp}
		return ""
	}
	p.Owner = claimKey(c.Hash)
	if c.URL != ([16]byte{}) {
		p.URLOwner = claimKey(c.URL)
	}
	seen := map[string]bool{c.ID: true}
	for _, b := range c.Bands {
		ids, _ := live(s.bands, b, now)
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			if r, ok := live(s.ids, id, now); ok {
				p.Candidates = append(p.Candidates, dedup.Candidate{ID: id, Hash: r.hash, Seq: r.seq, Sketch: slices.Clone(r.sketch)})
			}
		}
		if !slices.Contains(ids, c.ID) {
			s.bands[b] = memEntry[[]string]{append(slices.Clone(ids), c.ID), exp}
		}
	}
	return p, nil
}
