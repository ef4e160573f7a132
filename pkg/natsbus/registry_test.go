package natsbus_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/fetch"
	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/natsbus/natstest"
)

func newRegistry(t *testing.T) (*natsbus.Registry, jetstream.JetStream) {
	t.Helper()
	nc, _ := natstest.Connect(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	r, err := natsbus.NewRegistry(t.Context(), js, "test_sources")
	if err != nil {
		t.Fatalf("NewRegistry: %v", err)
	}
	return r, js
}

func feed(id string) fetch.Source {
	return fetch.Source{ID: id, Kind: fetch.KindRSS, URL: "https://example.com/" + id + ".xml", Interval: 5 * time.Minute, Enabled: true}
}

func TestRegistryCRUD(t *testing.T) {
	t.Parallel()
	r, js := newRegistry(t)
	ctx := t.Context()

	tests := []struct {
		name string
		run  func() error
		want error
	}{
		{name: "put a", run: func() error { return r.Put(ctx, feed("a")) }},
		{name: "put b", run: func() error { return r.Put(ctx, feed("b")) }},
		{name: "put invalid", run: func() error { return r.Put(ctx, fetch.Source{ID: "c", Kind: fetch.KindRSS}) }, want: &fetch.ValidationError{}},
		{name: "create existing", run: func() error { return r.Create(ctx, feed("a")) }, want: natsbus.ErrSourceExists},
		{name: "create new", run: func() error { return r.Create(ctx, feed("d")) }},
		{name: "get missing", run: func() error { _, err := r.Get(ctx, "zz"); return err }, want: natsbus.ErrSourceNotFound},
		{name: "pause b", run: func() error { return r.SetEnabled(ctx, "b", false) }},
		{name: "pause missing", run: func() error { return r.SetEnabled(ctx, "zz", false) }, want: natsbus.ErrSourceNotFound},
		{name: "delete d", run: func() error { return r.Delete(ctx, "d") }},
		{name: "delete d again", run: func() error { return r.Delete(ctx, "d") }, want: natsbus.ErrSourceNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			var ve *fetch.ValidationError
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("unexpected error %v", err)
			case errors.As(tc.want, &ve):
				if !errors.As(err, &ve) || ve.Field != "url" {
					t.Fatalf("error %v, want a validation error naming url", err)
				}
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
	got, err := r.Get(ctx, "a")
	if err != nil || got.URL != feed("a").URL || got.Interval != 5*time.Minute {
		t.Errorf("Get(a) = %+v, %v", got, err)
	}
	list, err := r.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != "a" || list[1].ID != "b" || list[1].Enabled {
		t.Errorf("List = %+v, want a and paused b", list)
	}
	// Reopening the bucket keeps its content.
	r2, err := natsbus.NewRegistry(ctx, js, "test_sources")
	if err != nil {
		t.Fatal(err)
	}
	if list2, err := r2.List(ctx); err != nil || len(list2) != 2 {
		t.Errorf("reopened List = %+v, %v", list2, err)
	}
}

func TestRegistryWatch(t *testing.T) {
	t.Parallel()
	r, _ := newRegistry(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if err := r.Put(ctx, feed("a")); err != nil {
		t.Fatal(err)
	}
	ch, err := r.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// next waits for a set satisfying ok; older sets may be coalesced.
	next := func(what string, ok func([]fetch.Source) bool) {
		t.Helper()
		timeout := time.After(30 * time.Second)
		for {
			select {
			case set := <-ch:
				if ok(set) {
					return
				}
			case <-timeout:
				t.Fatalf("no source set with %s", what)
			}
		}
	}
	next("a", func(s []fetch.Source) bool { return len(s) == 1 && s[0].ID == "a" })
	if err := r.Put(ctx, feed("b")); err != nil {
		t.Fatal(err)
	}
	next("a and b", func(s []fetch.Source) bool { return len(s) == 2 })
	if err := r.SetEnabled(ctx, "a", false); err != nil {
		t.Fatal(err)
	}
	next("a paused", func(s []fetch.Source) bool { return len(s) == 2 && !s[0].Enabled })
	if err := r.Delete(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	next("b removed", func(s []fetch.Source) bool { return len(s) == 1 && s[0].ID == "a" })
	cancel()
	for range ch { // closed after cancel
	}
}

// TestRegistryDrivesFetcher checks the wiring end to end: a source added to
// the registry is polled by fetch.Fetcher.Run without a restart.
func TestRegistryDrivesFetcher(t *testing.T) {
	t.Parallel()
	r, _ := newRegistry(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	dir := t.TempDir()
	writeFile(t, dir+"/a.txt", "Một bài báo mẫu.")
	pub := &countingPublisher{got: make(chan string, 10)}
	f := fetch.New(fetch.Options{}, fetch.NewMemorySeen(nil), pub, nil)
	ch, err := r.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, ch) }()
	if err := r.Put(ctx, fetch.Source{ID: "files", Kind: fetch.KindFile, Path: dir, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	select {
	case src := <-pub.got:
		if src != "files" {
			t.Errorf("article from %q", src)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the new source was not polled")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

type countingPublisher struct{ got chan string }

func (p *countingPublisher) Publish(_ context.Context, a *article.Article) error {
	p.got <- a.Source
	return nil
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
