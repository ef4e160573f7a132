// Package storetest is the conformance suite for [dedup.Store]: one call
// runs every guarantee the interface documents (exact claims, id revisions,
// near-duplicate candidates, concurrent claims, idempotence, expiry) against
// an implementation. The Redis adapter, the NATS KV store and the in-memory
// test store all run it.
//
// It imports package dedup and the standard library only: the store under
// test is built by the caller.
package storetest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsmill/newsmill/pkg/dedup"
)

// Open returns a fresh, empty store for one test that remembers claims for
// ttl (stores with a fixed retention set it at construction). The store
// must be cleaned up by the test's Cleanup.
type Open func(t *testing.T, ttl time.Duration) dedup.Store

// Features tells the suite what an implementation cannot do.
type Features struct {
	// SkipExpiry skips the expiry test (stores whose retention cannot be
	// made short in a test).
	SkipExpiry bool
}

const longTTL = time.Hour

// Run runs the conformance suite against the stores open returns.
func Run(t *testing.T, open Open, f Features) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, s dedup.Store)
	}{
		{"FirstClaim", testFirstClaim},
		{"Redelivery", testRedelivery},
		{"ExactDuplicate", testExactDuplicate},
		{"Update", testUpdate},
		{"CanonicalURL", testCanonicalURL},
		{"Candidates", testCandidates},
		{"CandidateSketchFollowsUpdate", testCandidateSketchFollowsUpdate},
		{"IDForms", testIDForms},
		{"ConcurrentExactClaims", testConcurrentExact},
		{"ConcurrentSameID", testConcurrentSameID},
		{"ConcurrentNearClaims", testConcurrentNear},
		{"CancelledContext", testCancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, open(t, longTTL))
		})
	}
	t.Run("Expiry", func(t *testing.T) {
		if f.SkipExpiry {
			t.Skip("store retention cannot be shortened for a test")
		}
		testExpiry(t, open(t, time.Second))
	})
}

// Hash returns a content hash for a test text.
func Hash(s string) [16]byte {
	sum := sha256.Sum256([]byte(s))
	var h [16]byte
	copy(h[:], sum[:])
	return h
}

// ID returns a 32-hex-digit article id for a test name, like article.ID.
func ID(s string) string {
	sum := sha256.Sum256([]byte("id\x00" + s))
	return fmt.Sprintf("%x", sum[:16])
}

func claim(id, content string, bands ...uint64) dedup.Claim {
	return dedup.Claim{ID: id, Hash: Hash(content), Bands: bands, Sketch: []byte("sketch:" + content), TTL: longTTL}
}

func mustClaim(t *testing.T, s dedup.Store, c dedup.Claim) dedup.Prior {
	t.Helper()
	p, err := s.Claim(context.Background(), c)
	if err != nil {
		t.Fatalf("Claim(%s): %v", c.ID, err)
	}
	return p
}

func testFirstClaim(t *testing.T, s dedup.Store) {
	p := mustClaim(t, s, claim(ID("a"), "text a", 1, 2))
	if p.Owner != "" || p.URLOwner != "" || p.Existed || p.Revision != 0 || len(p.Candidates) != 0 {
		t.Fatalf("first claim: got %+v, want empty prior with revision 0", p)
	}
	if p.Seq == 0 {
		t.Fatalf("first claim: Seq 0, want a sequence number > 0")
	}
}

func testRedelivery(t *testing.T, s dedup.Store) {
	c := claim(ID("a"), "text a", 1, 2)
	first := mustClaim(t, s, c)
	for i := range 3 {
		p := mustClaim(t, s, c)
		if !p.Existed || p.PrevHash != c.Hash {
			t.Fatalf("repeat %d: Existed=%v PrevHash=%x, want true and the claimed hash", i, p.Existed, p.PrevHash)
		}
		if p.Owner != c.ID {
			t.Fatalf("repeat %d: Owner %q, want the claiming id %q", i, p.Owner, c.ID)
		}
		if p.Seq != first.Seq || p.Revision != 0 {
			t.Fatalf("repeat %d: Seq %d Revision %d, want %d and 0", i, p.Seq, p.Revision, first.Seq)
		}
		for _, cand := range p.Candidates {
			if cand.ID == c.ID {
				t.Fatalf("repeat %d: the claiming id is listed as its own candidate", i)
			}
		}
	}
}

func testExactDuplicate(t *testing.T, s dedup.Store) {
	a := mustClaim(t, s, claim(ID("a"), "same text"))
	b := mustClaim(t, s, claim(ID("b"), "same text"))
	if b.Owner != ID("a") {
		t.Fatalf("second id with the same hash: Owner %q, want %q", b.Owner, ID("a"))
	}
	if b.Existed || b.Seq <= a.Seq {
		t.Fatalf("second id: Existed=%v Seq=%d (first %d), want a new id with a larger Seq", b.Existed, b.Seq, a.Seq)
	}
	// The owner does not change hands: a redelivery of b still names a.
	if again := mustClaim(t, s, claim(ID("b"), "same text")); again.Owner != ID("a") || !again.Existed {
		t.Fatalf("redelivered duplicate: Owner %q Existed %v, want %q and true", again.Owner, again.Existed, ID("a"))
	}
	if again := mustClaim(t, s, claim(ID("a"), "same text")); again.Owner != ID("a") {
		t.Fatalf("redelivered original: Owner %q, want itself", again.Owner)
	}
}

func testUpdate(t *testing.T, s dedup.Store) {
	id := ID("a")
	first := mustClaim(t, s, claim(id, "version 1"))
	steps := []struct {
		name    string
		content string
		prev    string
		rev     int
	}{
		{name: "changed", content: "version 2", prev: "version 1", rev: 1},
		{name: "redelivered", content: "version 2", prev: "version 2", rev: 1},
		{name: "changed again", content: "version 3", prev: "version 2", rev: 2},
		{name: "changed back", content: "version 1", prev: "version 3", rev: 3},
	}
	for _, st := range steps {
		p := mustClaim(t, s, claim(id, st.content))
		if !p.Existed || p.PrevHash != Hash(st.prev) || p.Revision != st.rev || p.Seq != first.Seq {
			t.Fatalf("%s: Existed=%v PrevHash=%x Revision=%d Seq=%d, want true, hash of %q, %d, %d",
				st.name, p.Existed, p.PrevHash, p.Revision, p.Seq, st.prev, st.rev, first.Seq)
		}
	}
}

func testCanonicalURL(t *testing.T, s dedup.Store) {
	u := Hash("url https://example.org/a")
	a := claim(ID("a"), "text a")
	a.URL = u
	if p := mustClaim(t, s, a); p.URLOwner != "" {
		t.Fatalf("first URL claim: URLOwner %q, want empty", p.URLOwner)
	}
	b := claim(ID("b"), "text b")
	b.URL = u
	if p := mustClaim(t, s, b); p.URLOwner != ID("a") {
		t.Fatalf("same URL, other id: URLOwner %q, want %q", p.URLOwner, ID("a"))
	}
	if p := mustClaim(t, s, claim(ID("c"), "text c")); p.URLOwner != "" {
		t.Fatalf("claim without URL: URLOwner %q, want empty", p.URLOwner)
	}
}

func candidateIDs(p dedup.Prior) map[string]dedup.Candidate {
	m := make(map[string]dedup.Candidate, len(p.Candidates))
	for _, c := range p.Candidates {
		m[c.ID] = c
	}
	return m
}

func testCandidates(t *testing.T, s dedup.Store) {
	a := mustClaim(t, s, claim(ID("a"), "text a", 10, 11, 12))
	mustClaim(t, s, claim(ID("z"), "text z", 90, 91))
	b := mustClaim(t, s, claim(ID("b"), "text b", 12, 13))
	got := candidateIDs(b)
	ca, ok := got[ID("a")]
	if !ok {
		t.Fatalf("candidates of b: %v, want a (shares band 12)", got)
	}
	if ca.Seq != a.Seq || ca.Hash != Hash("text a") || string(ca.Sketch) != "sketch:text a" {
		t.Fatalf("candidate a: Seq %d Hash %x Sketch %q, want %d, hash of \"text a\", \"sketch:text a\"", ca.Seq, ca.Hash, ca.Sketch, a.Seq)
	}
	if _, ok := got[ID("z")]; ok {
		t.Fatalf("candidates of b include z, which shares no band")
	}
	if len(b.Candidates) != 1 {
		t.Fatalf("candidates of b: %d entries, want 1 (no repeats across bands)", len(b.Candidates))
	}
	// A third claim sharing two bands with a and one with b lists both once.
	c := mustClaim(t, s, claim(ID("c"), "text c", 10, 11, 13))
	got = candidateIDs(c)
	if len(got) != 2 || len(c.Candidates) != 2 {
		t.Fatalf("candidates of c: %v, want a and b once each", c.Candidates)
	}
	if got[ID("b")].Seq != b.Seq || got[ID("a")].Seq >= got[ID("b")].Seq {
		t.Fatalf("candidate seqs: a %d b %d, want a < b = %d", got[ID("a")].Seq, got[ID("b")].Seq, b.Seq)
	}
}

func testCandidateSketchFollowsUpdate(t *testing.T, s dedup.Store) {
	mustClaim(t, s, claim(ID("a"), "old text", 5))
	mustClaim(t, s, claim(ID("a"), "new text", 5))
	p := mustClaim(t, s, claim(ID("b"), "other text", 5))
	ca, ok := candidateIDs(p)[ID("a")]
	if !ok {
		t.Fatalf("candidates: %v, want a", p.Candidates)
	}
	if string(ca.Sketch) != "sketch:new text" || ca.Hash != Hash("new text") {
		t.Fatalf("candidate a after update: Sketch %q, want the updated sketch", ca.Sketch)
	}
}

func testIDForms(t *testing.T, s dedup.Store) {
	ids := []struct{ name, id string }{
		{name: "hex", id: ID("x")},
		{name: "upper hex", id: strings.ToUpper(ID("y"))},
		{name: "short", id: "a1"},
		{name: "fifteen bytes", id: "fifteen-bytes-1"},
		{name: "sixteen bytes", id: "sixteen-bytes-12"},
		{name: "unicode", id: "bài-báo/1"},
		{name: "long", id: strings.Repeat("long-id-", 23)},
	}
	for _, tc := range ids {
		t.Run(tc.name, func(t *testing.T) {
			content := "shared " + tc.name
			mustClaim(t, s, claim(tc.id, content, 77))
			p := mustClaim(t, s, claim(tc.id+"-2", content, 77))
			if p.Owner != tc.id {
				t.Fatalf("Owner %q, want %q", p.Owner, tc.id)
			}
			if _, ok := candidateIDs(p)[tc.id]; !ok {
				t.Fatalf("candidates %v, want %q", p.Candidates, tc.id)
			}
		})
	}
}

// parallel runs n claims at once and returns their priors.
func parallel(t *testing.T, s dedup.Store, n int, mk func(i int) dedup.Claim) []dedup.Prior {
	t.Helper()
	priors := make([]dedup.Prior, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			priors[i], errs[i] = s.Claim(context.Background(), mk(i))
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("claim %d: %v", i, err)
		}
	}
	return priors
}

func testConcurrentExact(t *testing.T, s dedup.Store) {
	const n = 16
	ps := parallel(t, s, n, func(i int) dedup.Claim { return claim(ID(fmt.Sprint("racer", i)), "one story") })
	winners := 0
	winner := ""
	for i, p := range ps {
		if p.Owner == "" {
			winners++
			winner = ID(fmt.Sprint("racer", i))
		}
	}
	if winners != 1 {
		t.Fatalf("%d of %d racing claims of one hash got it, want exactly 1", winners, n)
	}
	for i, p := range ps {
		if p.Owner != "" && p.Owner != winner {
			t.Fatalf("claim %d: Owner %q, want the winner %q", i, p.Owner, winner)
		}
	}
}

func testConcurrentSameID(t *testing.T, s dedup.Store) {
	const n = 8
	ps := parallel(t, s, n, func(int) dedup.Claim { return claim(ID("a"), "one story", 3) })
	firsts := 0
	for i, p := range ps {
		if !p.Existed {
			firsts++
		}
		if p.Seq != ps[0].Seq || p.Revision != 0 {
			t.Fatalf("claim %d: Seq %d Revision %d, want %d and 0", i, p.Seq, p.Revision, ps[0].Seq)
		}
	}
	if firsts != 1 {
		t.Fatalf("%d of %d concurrent claims of one id saw it unknown, want exactly 1", firsts, n)
	}
}

func testConcurrentNear(t *testing.T, s dedup.Store) {
	const n = 12
	ps := parallel(t, s, n, func(i int) dedup.Claim {
		// Distinct texts sharing one band, each with a band of its own.
		return claim(ID(fmt.Sprint("near", i)), fmt.Sprint("story variant ", i), 500, uint64(600+i))
	})
	seqs := make(map[uint64]bool, n)
	originals := 0
	for i, p := range ps {
		if seqs[p.Seq] {
			t.Fatalf("claim %d: Seq %d given twice", i, p.Seq)
		}
		seqs[p.Seq] = true
		earlier := 0
		for _, c := range p.Candidates {
			if c.Seq < p.Seq {
				earlier++
			}
		}
		if earlier == 0 {
			originals++
		}
		// Every claim with a smaller Seq must be listed.
		for j, q := range ps {
			if q.Seq < p.Seq {
				if _, ok := candidateIDs(p)[ID(fmt.Sprint("near", j))]; !ok {
					t.Fatalf("claim %d (seq %d) misses earlier claim %d (seq %d)", i, p.Seq, j, q.Seq)
				}
			}
		}
	}
	if originals != 1 {
		t.Fatalf("%d of %d racing near-duplicates have no earlier candidate, want exactly 1", originals, n)
	}
}

func testCancelled(t *testing.T, s dedup.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Claim(ctx, claim(ID("a"), "text a", 1)); err == nil {
		t.Fatalf("Claim with a cancelled context succeeded, want an error")
	}
}

func testExpiry(t *testing.T, s dedup.Store) {
	c := claim(ID("a"), "short-lived", 42)
	c.TTL = time.Second
	mustClaim(t, s, c)
	other := claim(ID("b"), "short-lived", 42)
	other.TTL = time.Second
	if p := mustClaim(t, s, other); p.Owner != ID("a") {
		t.Fatalf("before expiry: Owner %q, want %q", p.Owner, ID("a"))
	}
	// Poll with fresh ids until the first claim is forgotten; each probe
	// claims the hash itself when it is free, so the probe ends there.
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; ; i++ {
		probe := claim(ID(fmt.Sprint("probe", i)), "short-lived", 42)
		probe.TTL = time.Second
		p := mustClaim(t, s, probe)
		if p.Owner == "" {
			return
		}
		if p.Owner != ID("a") {
			t.Fatalf("probe %d: Owner %q, want %q until it expires", i, p.Owner, ID("a"))
		}
		if time.Now().After(deadline) {
			t.Fatalf("claim with a 1s TTL still held by %q after 30s", p.Owner)
		}
		time.Sleep(100 * time.Millisecond) // polling interval, not an assertion
	}
}
