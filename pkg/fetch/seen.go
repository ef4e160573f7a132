package fetch

import (
	"context"
	"sync"
	"time"
)

// SeenSet remembers which articles were fetched, so a page listed by many
// sources (or by one source on every poll) is fetched and published once.
// Keys are article ids (see article.ID): 32 hex digits.
//
// Implementations must be safe for concurrent use, honour ctx, and treat a
// key whose TTL has passed as unseen. The fetcher marks a key only after
// the article's publish was stored, so a crash between the two refetches
// the page (at-least-once) rather than losing it. [MemorySeen] is the
// in-process implementation; package redisstore provides a shared one.
type SeenSet interface {
	// Seen reports, for each key, whether it was marked and has not
	// expired. The result has len(keys) entries.
	Seen(ctx context.Context, keys []string) ([]bool, error)
	// Mark records key as seen for ttl; marking it again extends the TTL.
	Mark(ctx context.Context, key string, ttl time.Duration) error
}

// MemorySeen is an in-memory [SeenSet] for a single fetcher process (tests,
// `newsctl up`). Expired keys are swept as new keys are marked, so memory
// follows the number of live keys. The zero value is not usable; call
// [NewMemorySeen].
type MemorySeen struct {
	now func() time.Time

	mu     sync.Mutex
	keys   map[string]time.Time // key → expiry
	marks  int
	sweepN int
}

// NewMemorySeen returns an empty in-memory seen-set. now is the clock
// (nil: time.Now).
func NewMemorySeen(now func() time.Time) *MemorySeen {
	if now == nil {
		now = time.Now
	}
	return &MemorySeen{now: now, keys: make(map[string]time.Time), sweepN: 1024}
}

// Seen implements [SeenSet]. It never fails.
func (m *MemorySeen) Seen(_ context.Context, keys []string) ([]bool, error) {
	now := m.now()
	out := make([]bool, len(keys))
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, k := range keys {
		exp, ok := m.keys[k]
		out[i] = ok && now.Before(exp)
	}
	return out, nil
}

// Mark implements [SeenSet]. It never fails; a ttl ≤ 0 forgets key.
func (m *MemorySeen) Mark(_ context.Context, key string, ttl time.Duration) error {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if ttl <= 0 {
		delete(m.keys, key)
		return nil
	}
	m.keys[key] = now.Add(ttl)
	m.marks++
	if m.marks >= m.sweepN {
		m.marks = 0
		for k, exp := range m.keys {
			if !now.Before(exp) {
				delete(m.keys, k)
			}
		}
		// Sweep again after the set has had time to grow by half.
		m.sweepN = max(1024, len(m.keys)/2)
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
