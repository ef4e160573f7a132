package redisstore_test

import (
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/newsmill/newsmill/pkg/fetch"
	"github.com/newsmill/newsmill/pkg/redisstore"
	"github.com/newsmill/newsmill/pkg/redisstore/redistest"
)

func TestValidators(t *testing.T) {
	t.Parallel()
	const u = "https://example.com/rss.xml"
	both := fetch.Validators{ETag: `"v1"`, LastModified: "Mon, 23 Nov 2026 10:00:00 GMT"}
	etag := fetch.Validators{ETag: `W/"v2"`}
	lm := fetch.Validators{LastModified: "Tue, 24 Nov 2026 10:00:00 GMT"}
	tests := []struct {
		name     string
		remember []fetch.Validators // remembered for u in order
		want     fetch.Validators
	}{
		{name: "nothing remembered", want: fetch.Validators{}},
		{name: "both validators", remember: []fetch.Validators{both}, want: both},
		{name: "ETag only", remember: []fetch.Validators{etag}, want: etag},
		{name: "Last-Modified only", remember: []fetch.Validators{lm}, want: lm},
		{name: "replaced drops the old ETag", remember: []fetch.Validators{both, lm}, want: lm},
		{name: "forgotten", remember: []fetch.Validators{both, {}}, want: fetch.Validators{}},
		{name: "forgotten then remembered", remember: []fetch.Validators{both, {}, etag}, want: etag},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, prefix := redistest.Client(t)
			s := redisstore.NewValidators(c, prefix, 0)
			ctx := t.Context()
			for _, v := range tt.remember {
				if err := s.RememberValidators(ctx, u, v); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.Validators(ctx, u)
			if err != nil || got != tt.want {
				t.Errorf("Validators = %+v, %v; want %+v", got, err, tt.want)
			}
			if other, err := s.Validators(ctx, u+"?page=2"); err != nil || !other.IsZero() {
				t.Errorf("another URL has validators %+v, %v", other, err)
			}
			keys, err := c.Keys(ctx, prefix+"*").Result()
			if err != nil {
				t.Fatal(err)
			}
			wantKeys := 0
			if !tt.want.IsZero() {
				wantKeys = 1
			}
			if len(keys) != wantKeys {
				t.Errorf("keys %v, want %d (reads create none, forgetting deletes)", keys, wantKeys)
			}
		})
	}
}

func TestValidatorsKeys(t *testing.T) {
	t.Parallel()
	c, prefix := redistest.Client(t)
	ctx := t.Context()
	const ttl = time.Hour
	s := redisstore.NewValidators(c, prefix, ttl)
	urls := []string{"https://example.com/rss.xml", "https://example.com/" + strings.Repeat("long/", 400) + "feed.xml"}
	v := fetch.Validators{ETag: `"x"`}
	for _, u := range urls {
		if err := s.RememberValidators(ctx, u, v); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := c.Keys(ctx, prefix+"validators:*").Result()
	if err != nil || len(keys) != len(urls) {
		t.Fatalf("keys %v, %v; want one per URL", keys, err)
	}
	for _, k := range keys {
		if n := len(k) - len(prefix+"validators:"); n != 32 {
			t.Errorf("key %q: %d characters after the prefix, want 32 whatever the URL's length", k, n)
		}
		got, err := c.PTTL(ctx, k).Result()
		if err != nil || got <= 0 || got > ttl {
			t.Errorf("key %q TTL = %v, %v; want at most %v", k, got, err, ttl)
		}
	}

	// A read sets the TTL again: a listing still polled is not forgotten.
	if err := c.PExpire(ctx, keys[0], time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	for _, u := range urls {
		if _, err := s.Validators(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := c.PTTL(ctx, keys[0]).Result(); err != nil || got <= time.Minute {
		t.Errorf("TTL after a read = %v, %v; want it set back to %v", got, err, ttl)
	}

	// The default TTL.
	d := redisstore.NewValidators(c, prefix+"d:", 0)
	if err := d.RememberValidators(ctx, urls[0], v); err != nil {
		t.Fatal(err)
	}
	dk, err := c.Keys(ctx, prefix+"d:validators:*").Result()
	if err != nil || len(dk) != 1 {
		t.Fatalf("keys %v, %v; want one", dk, err)
	}
	if got, err := c.PTTL(ctx, dk[0]).Result(); err != nil || got <= ttl || got > redisstore.DefaultValidatorsTTL {
		t.Errorf("default TTL = %v, %v; want at most %v", got, err, redisstore.DefaultValidatorsTTL)
	}
}

// TestValidatorsReplicas shows two stores on the same Redis (two fetcher
// replicas, or one before and after a restart) seeing each other's
// validators, and a store with another prefix seeing none.
func TestValidatorsReplicas(t *testing.T) {
	t.Parallel()
	c, prefix := redistest.Client(t)
	opts := *c.Options()
	c2 := redis.NewClient(&opts) // a second connection pool, as a replica has
	t.Cleanup(func() { _ = c2.Close() })
	a := redisstore.NewValidators(c, prefix, 0)
	b := redisstore.NewValidators(c2, prefix, 0)
	other := redisstore.NewValidators(c2, prefix+"other:", 0)
	ctx := t.Context()
	const u = "https://example.com/sitemap.xml"
	v1 := fetch.Validators{ETag: `"1"`}
	v2 := fetch.Validators{ETag: `"2"`, LastModified: "Mon, 23 Nov 2026 10:00:00 GMT"}
	steps := []struct {
		name   string
		writer *redisstore.Validators
		v      fetch.Validators
		want   fetch.Validators // read by both replicas afterwards
	}{
		{name: "a remembers", writer: a, v: v1, want: v1},
		{name: "b replaces", writer: b, v: v2, want: v2},
		{name: "a forgets", writer: a, v: fetch.Validators{}, want: fetch.Validators{}},
		{name: "b remembers again", writer: b, v: v1, want: v1},
	}
	for _, st := range steps {
		if err := st.writer.RememberValidators(ctx, u, st.v); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		for name, r := range map[string]*redisstore.Validators{"a": a, "b": b} {
			if got, err := r.Validators(ctx, u); err != nil || got != st.want {
				t.Errorf("%s: replica %s reads %+v, %v; want %+v", st.name, name, got, err, st.want)
			}
		}
		if got, err := other.Validators(ctx, u); err != nil || !got.IsZero() {
			t.Errorf("%s: a store with another prefix reads %+v, %v; want none", st.name, got, err)
		}
	}
}

// TestValidatorsRedisDown checks that a store whose Redis is gone returns
// errors (which the fetcher logs, then fetches unconditionally) rather
// than zero validators as if nothing were remembered.
func TestValidatorsRedisDown(t *testing.T) {
	t.Parallel()
	srv := redistest.StartServer(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = c.Close() })
	s := redisstore.NewValidators(c, "", 0)
	ctx := t.Context()
	const u = "https://example.com/rss.xml"
	v := fetch.Validators{ETag: `"1"`}
	if err := s.RememberValidators(ctx, u, v); err != nil {
		t.Fatal(err)
	}
	srv.Stop(t)
	if got, err := s.Validators(ctx, u); err == nil {
		t.Errorf("Validators with Redis down = %+v, nil; want an error", got)
	}
	if err := s.RememberValidators(ctx, u, v); err == nil {
		t.Error("RememberValidators with Redis down: nil error")
	}
	if err := s.RememberValidators(ctx, u, fetch.Validators{}); err == nil {
		t.Error("forgetting with Redis down: nil error")
	}
}
