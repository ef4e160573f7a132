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
		{name: "empty key list", run: testEmpty},
		{name: "keys expire", run: testExpire},
		{name: "marking again extends the TTL", run: testExtend},
		{name: "concurrent marks", run: testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newSet(t))
		})
	}
}

func key(i int) string { return fmt.Sprintf("%032x", i) }

func seen(t *testing.T, s fetch.SeenSet, keys ...string) []bool {
	t.Helper()
	got, err := s.Seen(t.Context(), keys)
	if err != nil {
		t.Fatalf("Seen: %v", err)
	}
	if len(got) != len(keys) {
		t.Fatalf("Seen returned %d answers for %d keys", len(got), len(keys))
	}
	return got
}

func mark(t *testing.T, s fetch.SeenSet, k string, ttl time.Duration) {
	t.Helper()
	if err := s.Mark(t.Context(), k, ttl); err != nil {
		t.Fatalf("Mark: %v", err)
	}
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

func testEmpty(t *testing.T, s fetch.SeenSet) {
	if got := seen(t, s); len(got) != 0 {
		t.Errorf("Seen() = %v", got)
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
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Mark(context.Background(), key(i), time.Hour); err != nil {
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
	for i, v := range seen(t, s, keys...) {
		if !v {
			t.Fatalf("key %d lost", i)
		}
	}
}
