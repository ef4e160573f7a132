package fetch

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"
)

// SourceHealth is the state of one source as the fetcher sees it, for
// `newsctl sources show`, /metrics and alerts.
type SourceHealth struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	URL     string `json:"url,omitempty"`
	Path    string `json:"path,omitempty"`
	Enabled bool   `json:"enabled"`
	// Polls counts completed polls.
	Polls int64 `json:"polls"`
	// LastFetch is when the last poll started; LastSuccess when the last
	// successful one started.
	LastFetch   time.Time `json:"last_fetch,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	// LastDuration is how long the last poll took.
	LastDuration time.Duration `json:"last_duration,omitempty"`
	// LastError and LastReason describe the last failed poll; they are
	// cleared by a success.
	LastError  string `json:"last_error,omitempty"`
	LastReason string `json:"last_reason,omitempty"`
	// ConsecutiveFailures counts failed polls since the last success; the
	// scheduler backs off by it.
	ConsecutiveFailures int `json:"consecutive_failures"`
	// ArticlesFound counts articles published from this source, updated
	// ones included.
	ArticlesFound int64 `json:"articles_found"`
	// ArticlesUpdated counts the articles published again because the
	// source listed them as changed since they were fetched.
	ArticlesUpdated int64 `json:"articles_updated"`
	// PagesFailed counts article pages or files that failed, by reason.
	PagesFailed map[string]int64 `json:"pages_failed,omitempty"`
	// Fetches counts HTTP requests by status code or failure reason.
	Fetches map[string]int64 `json:"fetches,omitempty"`
	// Bytes counts bytes read from the network or disk.
	Bytes int64 `json:"bytes"`
	// NextPoll is when [Fetcher.Run] will poll the source next (zero when
	// it is not scheduled).
	NextPoll time.Time `json:"next_poll,omitzero"`
}

type healthBook struct {
	mu      sync.Mutex
	sources map[string]*SourceHealth
}

func newHealthBook() *healthBook {
	return &healthBook{sources: make(map[string]*SourceHealth)}
}

func (b *healthBook) get(src Source) *SourceHealth {
	h, ok := b.sources[src.ID]
	if !ok {
		h = &SourceHealth{ID: src.ID}
		b.sources[src.ID] = h
	}
	h.Kind, h.URL, h.Path, h.Enabled = src.Kind, src.URL, src.Path, src.Enabled
	return h
}

func (b *healthBook) record(src Source, start, end time.Time, st Stats, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	// The poll's copy of the source may be stale (paused or edited while
	// it ran): it only creates the entry, never overwrites it.
	h, ok := b.sources[src.ID]
	if !ok {
		h = b.get(src)
	}
	h.Polls++
	h.LastFetch = start
	h.LastDuration = end.Sub(start)
	h.ArticlesFound += int64(st.Published)
	h.ArticlesUpdated += int64(st.Republished)
	h.Bytes += st.Bytes
	for k, n := range st.Fetches {
		if h.Fetches == nil {
			h.Fetches = make(map[string]int64)
		}
		h.Fetches[k] += int64(n)
	}
	for k, n := range st.Reasons {
		if h.PagesFailed == nil {
			h.PagesFailed = make(map[string]int64)
		}
		h.PagesFailed[k] += int64(n)
	}
	if errors.Is(err, context.Canceled) {
		// Stopped by a pause, a removal or shutdown: not the source's
		// failure, and no reason to back off.
		return
	}
	if err != nil {
		h.LastError, h.LastReason = err.Error(), Reason(err)
		h.ConsecutiveFailures++
		return
	}
	h.LastSuccess = start
	h.LastError, h.LastReason = "", ""
	h.ConsecutiveFailures = 0
}

func (b *healthBook) schedule(src Source, next time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.get(src).NextPoll = next
}

func (b *healthBook) failures(id string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if h, ok := b.sources[id]; ok {
		return h.ConsecutiveFailures
	}
	return 0
}

// retain forgets the sources not in keep (removed from the registry).
func (b *healthBook) retain(keep map[string]bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for id := range b.sources {
		if !keep[id] {
			delete(b.sources, id)
		}
	}
}

// Health returns a snapshot of every source's health, sorted by id. A
// source appears once it was polled or scheduled; a source removed from
// the registry disappears.
func (f *Fetcher) Health() []SourceHealth {
	b := f.health
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]SourceHealth, 0, len(b.sources))
	for _, h := range b.sources {
		c := *h
		c.Fetches = cloneMap(h.Fetches)
		c.PagesFailed = cloneMap(h.PagesFailed)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func cloneMap(m map[string]int64) map[string]int64 {
	if m == nil {
		return nil
	}
	c := make(map[string]int64, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
