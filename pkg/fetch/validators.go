package fetch

import (
	"context"
	"net/http"
	"sync"

	"go.uber.org/zap"
)

// Validators are the conditional-GET validators of a listing: the ETag and
// Last-Modified headers of the response that was last processed in full.
// The next poll sends them as If-None-Match and If-Modified-Since, so an
// unchanged listing answers 304 Not Modified and is not downloaded again.
type Validators struct {
	ETag, LastModified string
}

// IsZero reports whether v holds no validator.
func (v Validators) IsZero() bool { return v == Validators{} }

// ValidatorStore keeps the listings' [Validators] by listing URL (the
// source's URL as configured), so that they outlive a restart and are
// shared by fetcher replicas. [MemoryValidators] is the in-process
// implementation; package redisstore provides a shared one.
//
// Implementations must be safe for concurrent use and honour ctx. Their
// errors never fail a poll: a read that fails makes the poll send an
// unconditional GET, a write that fails only costs a full download next
// time; both are logged.
type ValidatorStore interface {
	// Validators returns the validators remembered for url, or zero
	// Validators (and a nil error) when there are none.
	Validators(ctx context.Context, url string) (Validators, error)
	// RememberValidators records v for url; zero Validators forget url.
	RememberValidators(ctx context.Context, url string, v Validators) error
}

// MaxMemoryValidators is how many listing URLs a [MemoryValidators] holds.
// Past it, remembering a new URL evicts an arbitrary other one, whose
// next poll is then an unconditional GET: a full download, never a missed
// article. One entry per source is far below it for any real registry, so
// the cap only bounds the memory of a registry that churns through URLs.
const MaxMemoryValidators = 10000

// MemoryValidators is an in-memory [ValidatorStore] for a single fetcher
// process, bounded by [MaxMemoryValidators] entries. Its validators are
// lost when the process stops. The zero value is not usable; call
// [NewMemoryValidators].
type MemoryValidators struct {
	limit int

	mu sync.Mutex
	m  map[string]Validators
}

// NewMemoryValidators returns an empty in-memory validator store.
func NewMemoryValidators() *MemoryValidators {
	return &MemoryValidators{limit: MaxMemoryValidators, m: make(map[string]Validators)}
}

// Validators implements [ValidatorStore]. It never fails.
func (m *MemoryValidators) Validators(_ context.Context, url string) (Validators, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m[url], nil
}

// RememberValidators implements [ValidatorStore]. It never fails; a new
// URL beyond the cap evicts an arbitrary one.
func (m *MemoryValidators) RememberValidators(_ context.Context, url string, v Validators) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v.IsZero() {
		delete(m.m, url)
		return nil
	}
	if _, ok := m.m[url]; !ok && len(m.m) >= m.limit {
		for k := range m.m { // map order: an arbitrary entry
			delete(m.m, k)
			if len(m.m) < m.limit {
				break
			}
		}
	}
	m.m[url] = v
	return nil
}

// Len returns the number of URLs held.
func (m *MemoryValidators) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m)
}

var _ ValidatorStore = (*MemoryValidators)(nil)

// validators returns the validators to send with a listing's request. A
// store that fails is logged and yields none: the poll then sends an
// unconditional GET rather than failing.
func (f *Fetcher) validators(ctx context.Context, src Source) Validators {
	v, err := f.opts.Validators.Validators(ctx, src.URL)
	if err != nil {
		if ctx.Err() == nil {
			f.log.Warn("reading listing validators failed, fetching unconditionally",
				zap.String("source", src.ID), zap.String("url", src.URL), zap.Error(err))
		}
		return Validators{}
	}
	return v
}

// rememberValidators stores the validators of a listing whose new pages
// were all dealt with. A store that fails is logged: the next poll then
// downloads the listing in full, which refetches nothing already seen.
func (f *Fetcher) rememberValidators(ctx context.Context, src Source, h http.Header) {
	v := Validators{ETag: h.Get("ETag"), LastModified: h.Get("Last-Modified")}
	if err := f.opts.Validators.RememberValidators(ctx, src.URL, v); err != nil {
		f.log.Warn("remembering listing validators failed",
			zap.String("source", src.ID), zap.String("url", src.URL), zap.Error(err))
	}
}
