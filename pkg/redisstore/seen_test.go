package redisstore_test

import (
	"testing"
	"time"

	"github.com/newsmill/newsmill/pkg/fetch"
	"github.com/newsmill/newsmill/pkg/fetch/seentest"
	"github.com/newsmill/newsmill/pkg/redisstore"
	"github.com/newsmill/newsmill/pkg/redisstore/redistest"
)

func TestSeenSet(t *testing.T) {
	t.Parallel()
	seentest.Run(t, func(t *testing.T) fetch.SeenSet {
		c, prefix := redistest.Client(t)
		return redisstore.NewSeenSet(c, prefix)
	})
}

func TestSeenSetKeys(t *testing.T) {
	t.Parallel()
	c, prefix := redistest.Client(t)
	s := redisstore.NewSeenSet(c, prefix)
	const id = "0123456789abcdef0123456789abcdef"
	key := prefix + "seen:" + id
	fetched := time.UnixMilli(1_780_000_000_123)
	listed := time.UnixMilli(1_779_990_000_000)
	if err := s.Mark(t.Context(), id, fetch.SeenRecord{Fetched: fetched, Listed: listed}, fetch.FailedTTL); err != nil {
		t.Fatal(err)
	}
	ttl, err := c.PTTL(t.Context(), key).Result()
	if err != nil || ttl <= 0 || ttl > fetch.FailedTTL {
		t.Errorf("key TTL = %v, %v; want the TTL given to Mark", ttl, err)
	}
	if v, err := c.Get(t.Context(), key).Result(); err != nil || v != "1780000000123,1779990000000" {
		t.Errorf("key value = %q, %v; want <fetched ms>,<listed ms>", v, err)
	}
	// Amend keeps the TTL Mark gave, to the millisecond Redis keeps.
	if err := s.Amend(t.Context(), map[string]fetch.SeenRecord{id: {Listed: listed}}); err != nil {
		t.Fatal(err)
	}
	after, err := c.PTTL(t.Context(), key).Result()
	if err != nil || after <= 0 || after > ttl {
		t.Errorf("key TTL after Amend = %v, %v; want at most %v (kept)", after, err, ttl)
	}
	if v, err := c.Get(t.Context(), key).Result(); err != nil || v != ",1779990000000" {
		t.Errorf("amended value = %q, %v", v, err)
	}
}

// TestSeenSetValues reads keys written by hand: the "1" that keys held
// before records were kept, and values no version writes.
func TestSeenSetValues(t *testing.T) {
	t.Parallel()
	c, prefix := redistest.Client(t)
	s := redisstore.NewSeenSet(c, prefix)
	ms := func(n int64) time.Time { return time.UnixMilli(n) }
	tests := []struct {
		value string
		want  fetch.SeenRecord
	}{
		{value: "1", want: fetch.SeenRecord{Seen: true}},
		{value: "", want: fetch.SeenRecord{Seen: true}},
		{value: ",", want: fetch.SeenRecord{Seen: true}},
		{value: "1780000000000,", want: fetch.SeenRecord{Seen: true, Fetched: ms(1780000000000)}},
		{value: ",1780000000000", want: fetch.SeenRecord{Seen: true, Listed: ms(1780000000000)}},
		{value: "x,1780000000000", want: fetch.SeenRecord{Seen: true, Listed: ms(1780000000000)}},
		{value: "-1000,17", want: fetch.SeenRecord{Seen: true, Fetched: ms(-1000), Listed: ms(17)}},
	}
	keys := make([]string, len(tests))
	for i, tc := range tests {
		keys[i] = "0123456789abcdef0123456789abcd" + string(rune('a'+i)) + "0"
		if err := c.Set(t.Context(), prefix+"seen:"+keys[i], tc.value, time.Hour).Err(); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Seen(t.Context(), keys)
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range tests {
		g := got[i]
		if g.Seen != tc.want.Seen || !g.Fetched.Equal(tc.want.Fetched) || !g.Listed.Equal(tc.want.Listed) {
			t.Errorf("value %q: Seen = %+v, want %+v", tc.value, g, tc.want)
		}
	}
}
