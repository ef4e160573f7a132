package clean

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"

	"github.com/newsmill/newsmill/pkg/article"
)

// TemplateStore remembers, per source, which lines appeared on which pages,
// so that [Cleaner] can learn a source's boilerplate: a line found on many
// distinct pages of one source is a template line, not news.
//
// Lines are identified by 64-bit hashes computed by the cleaner; pages by a
// stable id (the article id), so that a redelivered message is the same
// page. Counts cover a sliding window of the source's most recent pages, so
// a template that changes is learned again and the old one forgotten.
//
// Implementations must be safe for concurrent use. Errors are transient
// (a store that cannot be reached); the cleaner returns them wrapped, and
// the stage retries the message.
type TemplateStore interface {
	// Observe records that page of source holds lines (hashes, each at most
	// once) and reports, for each line in order, how many distinct pages of
	// the source within the window hold it, this page included, and how
	// many pages the window holds. Observing a page already in the window
	// records nothing new and reports the current counts, so retries and
	// redeliveries do not inflate them. It is one round trip per page.
	Observe(ctx context.Context, source, page string, lines []uint64) (TemplateCounts, error)
}

// TemplateCounts is the answer of [TemplateStore.Observe].
type TemplateCounts struct {
	// Pages is the number of distinct pages of the source in the window,
	// the observed page included.
	Pages int
	// Lines holds, for each observed line in order, the number of distinct
	// pages in the window that hold it.
	Lines []int
}

// DefaultTemplateWindow is the number of recent pages per source that
// [MemoryTemplates] counts when created with a window of 0.
const DefaultTemplateWindow = 200

// MemoryTemplates is a [TemplateStore] in memory, for tests, `newsctl up`
// and single-replica deployments: it keeps the hashes of the last Window
// pages of every source. Memory grows with the number of sources times the
// window times the lines per page. It is safe for concurrent use.
type MemoryTemplates struct {
	window int
	mu     sync.Mutex
	bySrc  map[string]*srcTemplates
}

type srcTemplates struct {
	ring   []pageLines // oldest first, at most window entries
	pages  map[string]bool
	counts map[uint64]int
}

type pageLines struct {
	page  string
	lines []uint64
}

// NewMemoryTemplates returns an empty store that counts the last window
// pages of each source ([DefaultTemplateWindow] when window ≤ 0).
func NewMemoryTemplates(window int) *MemoryTemplates {
	if window <= 0 {
		window = DefaultTemplateWindow
	}
	return &MemoryTemplates{window: window, bySrc: map[string]*srcTemplates{}}
}

var _ TemplateStore = (*MemoryTemplates)(nil)

// Observe implements [TemplateStore]. Duplicate hashes within one call count
// once. It fails only when ctx is already done.
func (m *MemoryTemplates) Observe(ctx context.Context, source, page string, lines []uint64) (TemplateCounts, error) {
	if err := ctx.Err(); err != nil {
		return TemplateCounts{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.bySrc[source]
	if st == nil {
		st = &srcTemplates{pages: map[string]bool{}, counts: map[uint64]int{}}
		m.bySrc[source] = st
	}
	if !st.pages[page] {
		uniq := make([]uint64, 0, len(lines))
		seen := make(map[uint64]bool, len(lines))
		for _, h := range lines {
			if !seen[h] {
				seen[h] = true
				uniq = append(uniq, h)
				st.counts[h]++
			}
		}
		st.ring = append(st.ring, pageLines{page: page, lines: uniq})
		st.pages[page] = true
		for len(st.ring) > m.window {
			old := st.ring[0]
			st.ring[0] = pageLines{}
			st.ring = st.ring[1:]
			delete(st.pages, old.page)
			for _, h := range old.lines {
				if st.counts[h]--; st.counts[h] <= 0 {
					delete(st.counts, h)
				}
			}
		}
	}
	out := TemplateCounts{Pages: len(st.ring), Lines: make([]int, len(lines))}
	for i, h := range lines {
		out.Lines[i] = st.counts[h]
	}
	return out, nil
}

// templates removes the lines learned as the source's boilerplate and
// records this page's lines.
func (r *run) templates(ctx context.Context, units []string, in Input) ([]string, error) {
	store := r.c.opts.Templates
	if store == nil || len(units) == 0 {
		return units, nil
	}
	hashes := make([]uint64, 0, len(units))
	idx := make([]int, len(units)) // unit → index into hashes
	seen := make(map[uint64]int, len(units))
	for i, u := range units {
		h := lineHash(u)
		k, ok := seen[h]
		if !ok {
			k = len(hashes)
			seen[h] = k
			hashes = append(hashes, h)
		}
		idx[i] = k
	}
	page := in.Page
	if page == "" {
		page = article.ContentID([]byte(strings.Join(units, "\n")))
	}
	counts, err := store.Observe(ctx, in.Source, page, hashes)
	if err != nil {
		return nil, fmt.Errorf("observing templates of source %q: %w", in.Source, err)
	}
	if len(counts.Lines) != len(hashes) {
		return nil, fmt.Errorf("observing templates of source %q: %d counts for %d lines", in.Source, len(counts.Lines), len(hashes))
	}
	minPages := r.c.opts.TemplateMinPages
	minShare := r.c.opts.TemplateMinShare
	out := units[:0]
	for i, u := range units {
		n := counts.Lines[idx[i]]
		if n >= minPages && float64(n) >= minShare*float64(counts.Pages) {
			r.remove(RuleTemplate, u)
			continue
		}
		out = append(out, u)
	}
	return out, nil
}

// lineHash is the template identity of a line: FNV-1a of its lower case.
func lineHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strings.ToLower(s)))
	return h.Sum64()
}
