// Package templatetest is the conformance suite of [clean.TemplateStore]:
// every implementation (the in-memory one in package clean, the Redis one
// in the adapter package) runs [Run] from its tests so that all of them keep
// the same contract.
//
// It imports package clean and the standard library's testing package only;
// it must not import NATS or Redis (implementations bring their own
// connections through the constructor passed to Run).
package templatetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/newsmill/newsmill/pkg/clean"
)

// NewStore returns an empty store whose window holds at least window pages
// per source. It is called once per subtest; the store must be isolated
// from the stores of other subtests (a Redis store uses its own key prefix)
// and cleaned up by the constructor through t.Cleanup.
type NewStore func(t *testing.T, window int) clean.TemplateStore

// Run runs the conformance suite against the stores that newStore returns.
// Stores may approximate the window (count per bucket of pages), so the
// suite checks eviction only for pages that left the window long ago.
func Run(t *testing.T, newStore NewStore) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, NewStore)
	}{
		{name: "CountsDistinctPages", fn: testCountsDistinctPages},
		{name: "SamePageCountsOnce", fn: testSamePageCountsOnce},
		{name: "DuplicateLinesInOneCall", fn: testDuplicateLines},
		{name: "SourcesAreIsolated", fn: testSourcesIsolated},
		{name: "EmptyLines", fn: testEmptyLines},
		{name: "OldPagesLeaveTheWindow", fn: testWindow},
		{name: "Concurrent", fn: testConcurrent},
		{name: "CancelledContext", fn: testCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore) })
	}
}

func observe(t *testing.T, s clean.TemplateStore, source, page string, lines ...uint64) clean.TemplateCounts {
	t.Helper()
	got, err := s.Observe(context.Background(), source, page, lines)
	if err != nil {
		t.Fatalf("Observe(%q, %q, %v): %v", source, page, lines, err)
	}
	if len(got.Lines) != len(lines) {
		t.Fatalf("Observe(%q, %q, %v) returned %d counts, want %d", source, page, lines, len(got.Lines), len(lines))
	}
	return got
}

func want(t *testing.T, what string, got clean.TemplateCounts, pages int, lines ...int) {
	t.Helper()
	if got.Pages != pages || fmt.Sprint(got.Lines) != fmt.Sprint(lines) {
		t.Errorf("%s: got pages %d lines %v, want pages %d lines %v", what, got.Pages, got.Lines, pages, lines)
	}
}

func testCountsDistinctPages(t *testing.T, newStore NewStore) {
	s := newStore(t, 100)
	want(t, "first page", observe(t, s, "src", "p1", 10, 20), 1, 1, 1)
	want(t, "second page", observe(t, s, "src", "p2", 10, 30), 2, 2, 1)
	want(t, "third page", observe(t, s, "src", "p3", 30, 10, 40), 3, 2, 3, 1)
}

func testSamePageCountsOnce(t *testing.T, newStore NewStore) {
	s := newStore(t, 100)
	observe(t, s, "src", "p1", 10)
	for range 3 {
		want(t, "redelivered page", observe(t, s, "src", "p1", 10), 1, 1)
	}
	want(t, "next page", observe(t, s, "src", "p2", 10), 2, 2)
}

func testDuplicateLines(t *testing.T, newStore NewStore) {
	s := newStore(t, 100)
	want(t, "a line twice in one page", observe(t, s, "src", "p1", 10, 10, 20), 1, 1, 1, 1)
}

func testSourcesIsolated(t *testing.T, newStore NewStore) {
	s := newStore(t, 100)
	observe(t, s, "a", "p1", 10)
	observe(t, s, "a", "p2", 10)
	want(t, "other source", observe(t, s, "b", "p1", 10), 1, 1)
}

func testEmptyLines(t *testing.T, newStore NewStore) {
	s := newStore(t, 100)
	want(t, "page without lines", observe(t, s, "src", "p1"), 1)
	want(t, "next page", observe(t, s, "src", "p2", 10), 2, 1)
}

func testWindow(t *testing.T, newStore NewStore) {
	const window = 10
	s := newStore(t, window)
	for i := range window {
		observe(t, s, "src", fmt.Sprintf("old-%d", i), 10, uint64(100+i))
	}
	for i := range 4 * window {
		observe(t, s, "src", fmt.Sprintf("new-%d", i), 20)
	}
	got := observe(t, s, "src", "last", 10, 20)
	if got.Lines[0] != 1 {
		t.Errorf("a line last seen %d pages ago counts %d pages, want 1 (this page)", 4*window, got.Lines[0])
	}
	if got.Lines[1] < window || got.Lines[1] > got.Pages {
		t.Errorf("a line on every recent page counts %d of %d pages, want at least the window (%d)", got.Lines[1], got.Pages, window)
	}
	if got.Pages > 2*window {
		t.Errorf("window holds %d pages after %d, want about %d", got.Pages, 5*window+1, window)
	}
}

func testConcurrent(t *testing.T, newStore NewStore) {
	const workers, perWorker = 8, 10
	s := newStore(t, 1000)
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				if _, err := s.Observe(context.Background(), "src", fmt.Sprintf("p%d-%d", w, i), []uint64{10}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	want(t, "after concurrent pages", observe(t, s, "src", "p0-0", 10), workers*perWorker, workers*perWorker)
}

func testCancelled(t *testing.T, newStore NewStore) {
	s := newStore(t, 100)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Observe(ctx, "src", "p1", []uint64{10}); !errors.Is(err, context.Canceled) {
		t.Errorf("Observe with a cancelled context = %v, want context.Canceled", err)
	}
}
