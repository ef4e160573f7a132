package fetch

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestMemoryValidators(t *testing.T) {
	t.Parallel()
	const u = "https://example.com/rss.xml"
	v1 := Validators{ETag: `"v1"`, LastModified: "Mon, 23 Nov 2026 10:00:00 GMT"}
	v2 := Validators{ETag: `"v2"`}
	tests := []struct {
		name     string
		remember []Validators // remembered for u in order
		want     Validators
	}{
		{name: "nothing remembered", want: Validators{}},
		{name: "remembered", remember: []Validators{v1}, want: v1},
		{name: "replaced", remember: []Validators{v1, v2}, want: v2},
		{name: "forgotten", remember: []Validators{v1, {}}, want: Validators{}},
		{name: "forgotten then remembered", remember: []Validators{v1, {}, v2}, want: v2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := NewMemoryValidators()
			for _, v := range tt.remember {
				if err := m.RememberValidators(t.Context(), u, v); err != nil {
					t.Fatal(err)
				}
			}
			got, err := m.Validators(t.Context(), u)
			if err != nil || got != tt.want {
				t.Errorf("Validators = %+v, %v; want %+v", got, err, tt.want)
			}
			if other, _ := m.Validators(t.Context(), u+"?other"); !other.IsZero() {
				t.Errorf("another URL has validators %+v", other)
			}
		})
	}
}

func TestMemoryValidatorsCap(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	m := NewMemoryValidators()
	url := func(i int) string { return "https://example.com/" + strconv.Itoa(i) }
	for i := range MaxMemoryValidators {
		if err := m.RememberValidators(ctx, url(i), Validators{ETag: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	// Updating a held URL at the cap evicts nothing.
	if err := m.RememberValidators(ctx, url(0), Validators{ETag: "new"}); err != nil {
		t.Fatal(err)
	}
	if n := m.Len(); n != MaxMemoryValidators {
		t.Fatalf("Len = %d after filling and updating, want %d", n, MaxMemoryValidators)
	}
	for i := MaxMemoryValidators; i < MaxMemoryValidators+10; i++ {
		if err := m.RememberValidators(ctx, url(i), Validators{ETag: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
		if got, _ := m.Validators(ctx, url(i)); got.ETag != strconv.Itoa(i) {
			t.Errorf("newest URL %d holds %+v, want it kept", i, got)
		}
	}
	if n := m.Len(); n != MaxMemoryValidators {
		t.Errorf("Len = %d past the cap, want %d", n, MaxMemoryValidators)
	}
}

// TestValidatorsSurviveRestart polls the fixture's RSS feed with one
// Fetcher, then with a second one (a restart, or another replica) that
// shares the seen-set and, or not, the validator store.
func TestValidatorsSurviveRestart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		shareStore    bool
		wantFirstPoll string // result of the second Fetcher's first request
	}{
		{name: "shared store", shareStore: true, wantFirstPoll: "304"},
		{name: "store lost", shareStore: false, wantFirstPoll: "200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSite(t)
			seen := NewMemorySeen(nil)
			pub := &memPub{}
			store := NewMemoryValidators()
			src := Source{ID: "rss", Kind: KindRSS, URL: s.URL + "/rss.xml", Enabled: true}

			opts := testOptions(s)
			opts.Validators = store
			first := New(opts, seen, pub, nil)
			st, err := first.Poll(t.Context(), src)
			first.Close()
			if err != nil || st.Published != 4 || st.Fetches["200"] != 5 {
				t.Fatalf("first Fetcher's poll %+v, %v; want the feed and its 4 pages fetched", st, err)
			}
			if v, _ := store.Validators(t.Context(), src.URL); v.ETag != `"rss-v1"` {
				t.Fatalf("store holds %+v after the first poll, want the feed's ETag", v)
			}

			opts = testOptions(s)
			if tt.shareStore {
				opts.Validators = store
			}
			second := New(opts, seen, pub, nil)
			t.Cleanup(second.Close)
			st, err = second.Poll(t.Context(), src)
			if err != nil {
				t.Fatal(err)
			}
			if st.Fetches[tt.wantFirstPoll] != 1 || st.NotModified != (tt.wantFirstPoll == "304") {
				t.Errorf("second Fetcher's first poll %+v, want the listing answered %s", st, tt.wantFirstPoll)
			}
			if st.Published != 0 {
				t.Errorf("second Fetcher published %d, want 0 (all seen)", st.Published)
			}
			if n := s.count("/rss.xml"); n != 2 {
				t.Errorf("/rss.xml requested %d times, want 2", n)
			}
		})
	}
}

// failingValidators is a ValidatorStore whose reads, writes or both fail.
// A failing read still returns what the store holds, which the fetcher
// must not send.
type failingValidators struct {
	ValidatorStore
	failRead, failWrite bool
}

var errStoreDown = errors.New("validator store down")

func (s failingValidators) Validators(ctx context.Context, url string) (Validators, error) {
	v, err := s.ValidatorStore.Validators(ctx, url)
	if s.failRead {
		return v, errStoreDown
	}
	return v, err
}

func (s failingValidators) RememberValidators(ctx context.Context, url string, v Validators) error {
	if s.failWrite {
		return errStoreDown
	}
	return s.ValidatorStore.RememberValidators(ctx, url, v)
}

// TestValidatorStoreFailures shows that a failing store never fails a
// poll: the listing is fetched unconditionally and processed, and the
// failure is logged.
func TestValidatorStoreFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		failRead, failWrite bool
		wantLogs            []string
	}{
		{name: "reads fail", failRead: true,
			wantLogs: []string{"reading listing validators failed, fetching unconditionally"}},
		{name: "writes fail", failWrite: true,
			wantLogs: []string{"remembering listing validators failed"}},
		{name: "both fail", failRead: true, failWrite: true,
			wantLogs: []string{"reading listing validators failed, fetching unconditionally", "remembering listing validators failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSite(t)
			core, logs := observer.New(zapcore.WarnLevel)
			opts := testOptions(s)
			opts.Validators = failingValidators{ValidatorStore: NewMemoryValidators(), failRead: tt.failRead, failWrite: tt.failWrite}
			pub := &memPub{}
			f := New(opts, NewMemorySeen(nil), pub, zap.New(core))
			t.Cleanup(f.Close)
			src := Source{ID: "rss", Kind: KindRSS, URL: s.URL + "/rss.xml", Enabled: true}
			for i, wantPublished := range []int{4, 0} {
				st, err := f.Poll(t.Context(), src)
				if err != nil {
					t.Fatalf("poll %d: %v", i, err)
				}
				if st.NotModified || st.Fetches["200"] < 1 || st.Fetches["304"] != 0 || st.Listed != 4 || st.Published != wantPublished {
					t.Errorf("poll %d: %+v; want an unconditional GET of the feed, 4 listed, %d published", i, st, wantPublished)
				}
			}
			if n := len(pub.all()); n != 4 {
				t.Errorf("published %d in all, want 4", n)
			}
			for _, msg := range tt.wantLogs {
				if n := logs.FilterMessage(msg).FilterField(zap.String("source", "rss")).Len(); n != 2 {
					t.Errorf("logged %q %d times, want once per poll", msg, n)
				}
			}
			if n := logs.Len(); n != 2*len(tt.wantLogs) {
				t.Errorf("%d warnings logged, want %d: %v", n, 2*len(tt.wantLogs), logs.All())
			}
		})
	}
}
