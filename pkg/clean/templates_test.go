package clean

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/newsmill/newsmill/pkg/article"
)

// page builds an article of a fictional source: its own story, a sentence
// the story repeats, and the site's footer, which no rule knows.
func page(i int, footer string) Input {
	story := fmt.Sprintf("Story %d: the district council met on day %d to discuss the harbour, the schools and the new bus lines for the coming year.", i, i)
	quote := fmt.Sprintf("“We will finish the works in %d weeks,” the mayor said.", i+2)
	paras := []string{
		story,
		quote,
		fmt.Sprintf("Residents asked questions about item %d for an hour and the council answered most of them in detail.", i),
		quote,
	}
	if footer != "" {
		paras = append(paras, footer)
	}
	return Input{Source: "harbour-times", Page: fmt.Sprintf("page-%d", i), Paragraphs: paras}
}

const footer = "Harbour Times Media Group: reproduction of any part requires written permission."

func TestTemplateLearning(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := NewMemoryTemplates(50)
	c := New(Options{Templates: store, TemplateMinPages: 4})
	for i := 1; i <= 8; i++ {
		out, err := c.Clean(ctx, page(i, footer))
		if err != nil {
			t.Fatal(err)
		}
		learned := i >= 4
		if got := strings.Contains(out.Text, footer); got == learned {
			t.Errorf("page %d: footer kept = %v, want %v", i, got, !learned)
		}
		quote := fmt.Sprintf("“We will finish the works in %d weeks,” the mayor said.", i+2)
		if n := strings.Count(out.Text, quote); n != 2 {
			t.Errorf("page %d: the repeated sentence appears %d times, want 2 (it repeats inside one article only)", i, n)
		}
		if learned {
			if len(out.Removed) != 1 || out.Removed[0] != (article.Removal{Rule: RuleTemplate, Text: footer}) {
				t.Errorf("page %d: removed %+v, want the footer by rule %q", i, out.Removed, RuleTemplate)
			}
		}
	}
	// Another source has not shown the footer often enough.
	other := page(9, footer)
	other.Source = "other-paper"
	out, err := c.Clean(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.Text, footer) {
		t.Error("a footer learned on one source was removed from another")
	}
}

func TestTemplateRedeliveryCountsOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := New(Options{Templates: NewMemoryTemplates(0), TemplateMinPages: 3})
	for range 5 { // the same page delivered five times
		if _, err := c.Clean(ctx, page(1, footer)); err != nil {
			t.Fatal(err)
		}
	}
	out, err := c.Clean(ctx, page(2, footer))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.Text, footer) {
		t.Error("redeliveries of one page taught the footer as a template")
	}
}

func TestTemplateChangeIsRelearned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := New(Options{Templates: NewMemoryTemplates(10), TemplateMinPages: 3, TemplateMinShare: 0.5})
	oldFooter := "Old footer of the Harbour Times, all rights reserved by the group."
	for i := 1; i <= 10; i++ {
		if _, err := c.Clean(ctx, page(i, oldFooter)); err != nil {
			t.Fatal(err)
		}
	}
	// The site changes its footer: the new one is learned within a few
	// pages and the old one ages out of the window.
	var out Output
	var err error
	for i := 11; i <= 20; i++ {
		if out, err = c.Clean(ctx, page(i, footer)); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Contains(out.Text, footer) {
		t.Error("the new footer was not learned")
	}
	out, err = c.Clean(ctx, page(21, oldFooter))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.Text, oldFooter) {
		t.Error("the old footer is still boilerplate after leaving the window")
	}
}

func TestMemoryTemplatesObserve(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemoryTemplates(3)
	tests := []struct {
		name      string
		page      string
		lines     []uint64
		wantPages int
		wantLines []int
	}{
		{name: "first page", page: "a", lines: []uint64{1, 2, 2}, wantPages: 1, wantLines: []int{1, 1, 1}},
		{name: "second page shares a line", page: "b", lines: []uint64{1, 3}, wantPages: 2, wantLines: []int{2, 1}},
		{name: "redelivery changes nothing", page: "a", lines: []uint64{1, 2}, wantPages: 2, wantLines: []int{2, 1}},
		{name: "third page", page: "c", lines: []uint64{1}, wantPages: 3, wantLines: []int{3}},
		{name: "fourth page evicts the first", page: "d", lines: []uint64{1, 2}, wantPages: 3, wantLines: []int{3, 1}},
		{name: "unknown line", page: "d", lines: []uint64{99}, wantPages: 3, wantLines: []int{0}},
	}
	for _, tt := range tests { // sequential: each step builds on the last
		got, err := m.Observe(ctx, "src", tt.page, tt.lines)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got.Pages != tt.wantPages || fmt.Sprint(got.Lines) != fmt.Sprint(tt.wantLines) {
			t.Errorf("%s: got pages %d lines %v, want %d %v", tt.name, got.Pages, got.Lines, tt.wantPages, tt.wantLines)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := m.Observe(cctx, "src", "e", nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Observe with a cancelled context: %v", err)
	}
}

func TestMemoryTemplatesConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemoryTemplates(1000)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 50 {
				if _, err := m.Observe(ctx, "src", fmt.Sprintf("p%d-%d", w, i), []uint64{7, uint64(i)}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got, err := m.Observe(ctx, "src", "p0-0", []uint64{7})
	if err != nil {
		t.Fatal(err)
	}
	if got.Pages != 400 || got.Lines[0] != 400 {
		t.Errorf("after 400 distinct pages: pages %d, count %d", got.Pages, got.Lines[0])
	}
}

type failingStore struct{ err error }

func (f failingStore) Observe(context.Context, string, string, []uint64) (TemplateCounts, error) {
	return TemplateCounts{}, f.err
}

func TestTemplateStoreErrorIsReturned(t *testing.T) {
	t.Parallel()
	boom := errors.New("store unreachable")
	c := New(Options{Templates: failingStore{err: boom}})
	_, err := c.Clean(context.Background(), page(1, footer))
	if !errors.Is(err, boom) {
		t.Fatalf("Clean error = %v, want it to wrap the store's", err)
	}
}
