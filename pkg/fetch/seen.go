package fetch

import (
	"context"
	"sync"
	"time"
)

// SeenRecord is what a [SeenSet] knows of one page.
type SeenRecord struct {
	// Seen is set when the key was marked and has not expired; the other
	// fields are zero otherwise.
	Seen bool
	// Fetched is when the page was last fetched (or refused for good).
	// Zero when unknown: a key marked before records were kept.
	Fetched time.Time
	// Listed is the date the page's listing gave it (a feed item's updated
	// or published time, a sitemap's lastmod) when it was last fetched or
	// its date last recorded. Zero when no date was ever recorded.
	Listed time.Time
}

// SeenSet remembers which articles were fetched, so a page listed by many
// sources (or by one source on every poll) is fetched and published once,
// and again only when its listing shows it changed: for each page it keeps
// when it was last fetched and the date its listing gave it then
// ([SeenRecord]). Keys are article ids (see article.ID): 32 hex digits.
//
// Implementations must be safe for concurrent use, honour ctx, and treat a
// key whose TTL has passed as unseen. They may keep times to the
// millisecond only. The fetcher marks a key only after the article's
// publish was stored, so a crash between the two refetches the page
// (at-least-once) rather than losing it. [MemorySeen] is the in-process
// implementation; package redisstore provides a shared one.
type SeenSet interface {
	// Seen returns the record of each key: a zero [SeenRecord] (Seen
	// false) for a key not marked or expired. The result has len(keys)
	// entries.
	Seen(ctx context.Context, keys []string) ([]SeenRecord, error)
	// Mark records key as seen for ttl with rec's Fetched and Listed (rec.Seen
	// is ignored), replacing its record; marking it again extends the TTL.
	// A ttl ≤ 0 forgets key.
	Mark(ctx context.Context, key string, rec SeenRecord, ttl time.Duration) error
	// Amend replaces the Fetched and Listed of each key of recs that is
	// still seen, keeping its TTL; a key not seen stays unseen.
	Amend(ctx context.Context, recs map[string]SeenRecord) error
}

// MemorySeen is an in-memory [SeenSet] for a single fetcher process (tests,
// `newsctl up`). Expired keys are swept as new keys are marked, so memory
// follows the number of live keys. The zero value is not usable; call
// [NewMemorySeen].
type MemorySeen struct {
	now func() time.Time

	mu     sync.Mutex
	keys   map[string]memoryRecord
	marks  int
	sweepN int
}

type memoryRecord struct {
	exp             time.Time
	fetched, listed time.Time
}

// NewMemorySeen returns an empty in-memory seen-set. now is the clock
// (nil: time.Now).
func NewMemorySeen(now func() time.Time) *MemorySeen {
	if now == nil {
		now = time.Now
	}
	return &MemorySeen{now: now, keys: make(map[string]memoryRecord), sweepN: 1024}
}

// Seen implements [SeenSet]. It never fails.
func (m *MemorySeen) Seen(_ context.Context, keys []string) ([]SeenRecord, error) {
	now := m.now()
	out := make([]SeenRecord, len(keys))
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, k := range keys {
		if r, ok := m.keys[k]; ok && now.Before(r.exp) {
			out[i] = SeenRecord{Seen: true, Fetched: r.fetched, Listed: r.listed}
		}
	}
	return out, nil
}

// Mark implements [SeenSet]. It never fails; a ttl ≤ 0 forgets key.
func (m *MemorySeen) Mark(_ context.Context, key string, rec SeenRecord, ttl time.Duration) error {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if ttl <= 0 {
		delete(m.keys, key)
		return nil
	}
	m.keys[key] = memoryRecord{exp: now.Add(ttl), fetched: rec.Fetched, listed: rec.Listed}
	m.marks++
	if m.marks >= m.sweepN {
		m.marks = 0
		for k, r := range m.keys {
			if !now.Before(r.exp) {
				delete(m.keys, k)
			}
		}
		// Sweep again after the set has had time to grow by half.
		m.sweepN = max(1024, len(m.keys)/2)
	}
	return nil
}

// Amend implements [SeenSet]. It never fails.
func (m *MemorySeen) Amend(_ context.Context, recs map[string]SeenRecord) error {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, rec := range recs {
		if r, ok := m.keys[k]; ok && now.Before(r.exp) {
			r.fetched, r.listed = rec.Fetched, rec.Listed
			m.keys[k] = r
		}
	}
	return nil
}

// Len returns the number of keys held, expired or not yet swept.
func (m *MemorySeen) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.keys)
}

var _ SeenSet = (*MemorySeen)(nil)
