// Package seentest is the conformance suite every fetch.SeenSet
// implementation runs: the in-memory one in package fetch and the Redis
// one in package redisstore call [Run] with a constructor, so both keep
// the same contract. It imports package fetch and the standard library
// only.
package seentest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/newsmill/newsmill/pkg/fetch"
)

// Run checks s against the fetch.SeenSet contract. newSet must return an
// empty set private to the test.
func Run(t *testing.T, newSet func(t *testing.T) fetch.SeenSet) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, s fetch.SeenSet)
	}{
		{name: "unknown keys are unseen", run: testUnknown},
		{name: "marked keys are seen", run: testMark},
		{name: "records are kept", run: testRecords},
		{name: "marking again replaces the record", run: testRemark},
		{name: "empty key list", run: testEmpty},
		{name: "keys expire", run: testExpire},
		{name: "marking again extends the TTL", run: testExtend},
		{name: "a ttl of zero forgets the key", run: testForget},
		{name: "amend replaces records of seen keys only", run: testAmend},
		{name: "amend keeps the TTL", run: testAmendTTL},
		{name: "amend leaves an expired key unseen", run: testAmendExpired},
		{name: "concurrent marks and amends", run: testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newSet(t))
		})
	}
}

func key(i int) string { return fmt.Sprintf("%032x", i) }

// at returns a time on a whole millisecond (the precision a SeenSet may
// keep), h hours after a fixed instant.
func at(h int) time.Time {
	return time.Date(2026, 3, 1, 10, 0, 0, 123_000_000, time.UTC).Add(time.Duration(h) * time.Hour)
}

func records(t *testing.T, s fetch.SeenSet, keys ...string) []fetch.SeenRecord {
	t.Helper()
	got, err := s.Seen(t.Context(), keys)
	if err != nil {
		t.Fatalf("Seen: %v", err)
	}
	if len(got) != len(keys) {
		t.Fatalf("Seen returned %d answers for %d keys", len(got), len(keys))
	}
	for i, r := range got {
		if !r.Seen && (!r.Fetched.IsZero() || !r.Listed.IsZero()) {
			t.Errorf("unseen key %d has a record: %+v", i, r)
		}
	}
	return got
}

func seen(t *testing.T, s fetch.SeenSet, keys ...string) []bool {
	t.Helper()
	recs := records(t, s, keys...)
	out := make([]bool, len(recs))
	for i, r := range recs {
		out[i] = r.Seen
	}
	return out
}

func mark(t *testing.T, s fetch.SeenSet, k string, ttl time.Duration) {
	t.Helper()
	markRecord(t, s, k, fetch.SeenRecord{Fetched: at(0)}, ttl)
}

func markRecord(t *testing.T, s fetch.SeenSet, k string, rec fetch.SeenRecord, ttl time.Duration) {
	t.Helper()
	if err := s.Mark(t.Context(), k, rec, ttl); err != nil {
		t.Fatalf("Mark: %v", err)
	}
}

func amend(t *testing.T, s fetch.SeenSet, recs map[string]fetch.SeenRecord) {
	t.Helper()
	if err := s.Amend(t.Context(), recs); err != nil {
		t.Fatalf("Amend: %v", err)
	}
}

// sameRecord reports whether got is a seen record holding want's times.
func sameRecord(got, want fetch.SeenRecord) bool {
	return got.Seen && got.Fetched.Equal(want.Fetched) && got.Listed.Equal(want.Listed)
}

// eventually polls cond; it never asserts how long expiry took.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func testUnknown(t *testing.T, s fetch.SeenSet) {
	for i, v := range seen(t, s, key(1), key(2)) {
		if v {
			t.Errorf("key %d seen in an empty set", i)
		}
	}
}

func testMark(t *testing.T, s fetch.SeenSet) {
	mark(t, s, key(1), time.Hour)
	mark(t, s, key(3), time.Hour)
	got := seen(t, s, key(1), key(2), key(3), key(1))
	want := []bool{true, false, true, true}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Seen = %v, want %v", got, want)
			break
		}
	}
}

func testRecords(t *testing.T, s fetch.SeenSet) {
	tests := []struct {
		name string
		rec  fetch.SeenRecord
	}{
		{name: "fetched and listed", rec: fetch.SeenRecord{Fetched: at(2), Listed: at(1)}},
		{name: "no listed date", rec: fetch.SeenRecord{Fetched: at(2)}},
		{name: "no fetch time", rec: fetch.SeenRecord{Listed: at(1)}},
		{name: "empty record", rec: fetch.SeenRecord{}},
		{name: "other time zone", rec: fetch.SeenRecord{Fetched: at(3).In(time.FixedZone("ICT", 7*3600)), Listed: at(-5000)}},
		{name: "listed before 1970", rec: fetch.SeenRecord{Fetched: at(2), Listed: time.Date(1969, 7, 20, 20, 17, 40, 0, time.UTC)}},
	}
	for i, tc := range tests {
		markRecord(t, s, key(i), tc.rec, time.Hour)
	}
	keys := make([]string, len(tests))
	for i := range tests {
		keys[i] = key(i)
	}
	got := records(t, s, keys...)
	for i, tc := range tests {
		if !sameRecord(got[i], tc.rec) {
			t.Errorf("%s: Seen = %+v, want %+v", tc.name, got[i], tc.rec)
		}
	}
}

func testRemark(t *testing.T, s fetch.SeenSet) {
	markRecord(t, s, key(1), fetch.SeenRecord{Fetched: at(1), Listed: at(0)}, time.Hour)
	want := fetch.SeenRecord{Fetched: at(5), Listed: at(4)}
	markRecord(t, s, key(1), want, time.Hour)
	if got := records(t, s, key(1))[0]; !sameRecord(got, want) {
		t.Errorf("Seen = %+v, want %+v", got, want)
	}
	want = fetch.SeenRecord{Fetched: at(6)}
	markRecord(t, s, key(1), want, time.Hour)
	if got := records(t, s, key(1))[0]; !sameRecord(got, want) {
		t.Errorf("Seen = %+v, want the listed date cleared: %+v", got, want)
	}
}

func testEmpty(t *testing.T, s fetch.SeenSet) {
	if got := seen(t, s); len(got) != 0 {
		t.Errorf("Seen() = %v", got)
	}
	amend(t, s, nil)
	amend(t, s, map[string]fetch.SeenRecord{})
}

func testForget(t *testing.T, s fetch.SeenSet) {
	mark(t, s, key(1), time.Hour)
	mark(t, s, key(2), time.Hour)
	mark(t, s, key(1), 0)
	mark(t, s, key(2), -time.Second)
	if got := seen(t, s, key(1), key(2)); got[0] || got[1] {
		t.Errorf("Seen = %v after marking with ttl ≤ 0", got)
	}
}

func testAmend(t *testing.T, s fetch.SeenSet) {
	markRecord(t, s, key(1), fetch.SeenRecord{Fetched: at(1)}, time.Hour)
	markRecord(t, s, key(2), fetch.SeenRecord{Fetched: at(1), Listed: at(0)}, time.Hour)
	markRecord(t, s, key(4), fetch.SeenRecord{Fetched: at(1), Listed: at(0)}, time.Hour)
	want := map[string]fetch.SeenRecord{
		key(1): {Fetched: at(1), Listed: at(3)},
		key(2): {Listed: at(4)},
		key(3): {Fetched: at(1), Listed: at(3)}, // never marked
	}
	amend(t, s, want)
	got := records(t, s, key(1), key(2), key(3), key(4))
	if !sameRecord(got[0], want[key(1)]) || !sameRecord(got[1], want[key(2)]) {
		t.Errorf("amended records = %+v, %+v; want %+v, %+v", got[0], got[1], want[key(1)], want[key(2)])
	}
	if got[2].Seen {
		t.Errorf("amending an unseen key marked it: %+v", got[2])
	}
	if untouched := (fetch.SeenRecord{Fetched: at(1), Listed: at(0)}); !sameRecord(got[3], untouched) {
		t.Errorf("a key left out of Amend changed: %+v, want %+v", got[3], untouched)
	}
}

func testAmendTTL(t *testing.T, s fetch.SeenSet) {
	mark(t, s, key(1), 50*time.Millisecond)
	mark(t, s, key(2), time.Hour)
	amend(t, s, map[string]fetch.SeenRecord{key(1): {Listed: at(1)}, key(2): {Listed: at(1)}})
	eventually(t, "the amended short key to expire", func() bool { return !seen(t, s, key(1))[0] })
	if got := records(t, s, key(2))[0]; !sameRecord(got, fetch.SeenRecord{Listed: at(1)}) {
		t.Errorf("amended long key = %+v", got)
	}
}

func testAmendExpired(t *testing.T, s fetch.SeenSet) {
	mark(t, s, key(1), 20*time.Millisecond)
	eventually(t, "the key to expire", func() bool { return !seen(t, s, key(1))[0] })
	amend(t, s, map[string]fetch.SeenRecord{key(1): {Listed: at(1)}})
	if seen(t, s, key(1))[0] {
		t.Error("amending an expired key brought it back")
	}
}

func testExpire(t *testing.T, s fetch.SeenSet) {
	mark(t, s, key(1), 50*time.Millisecond)
	mark(t, s, key(2), time.Hour)
	eventually(t, "the short key to expire", func() bool { return !seen(t, s, key(1))[0] })
	if !seen(t, s, key(2))[0] {
		t.Error("the long key expired too")
	}
}

func testExtend(t *testing.T, s fetch.SeenSet) {
	mark(t, s, key(1), 50*time.Millisecond)
	mark(t, s, key(1), time.Hour)
	// Once a key marked at the same time with the short TTL has expired,
	// the extended one must still be there.
	mark(t, s, key(2), 50*time.Millisecond)
	eventually(t, "the reference key to expire", func() bool { return !seen(t, s, key(2))[0] })
	if !seen(t, s, key(1))[0] {
		t.Error("the re-marked key expired with its first TTL")
	}
}

func testConcurrent(t *testing.T, s fetch.SeenSet) {
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := s.Mark(context.Background(), key(i), fetch.SeenRecord{Fetched: at(i)}, time.Hour); err != nil {
				errs <- err
			}
		}()
		go func() {
			defer wg.Done()
			// Races with the Mark above: either order leaves the key seen
			// or unseen consistently, never failing.
			if err := s.Amend(context.Background(), map[string]fetch.SeenRecord{key(i): {Fetched: at(i), Listed: at(i)}}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Mark: %v", err)
	}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = key(i)
	}
	for i, r := range records(t, s, keys...) {
		if !r.Seen || !r.Fetched.Equal(at(i)) {
			t.Fatalf("key %d lost: %+v", i, r)
		}
		if !r.Listed.IsZero() && !r.Listed.Equal(at(i)) {
			t.Fatalf("key %d has a listed date it was never given: %+v", i, r)
		}
	}
}
