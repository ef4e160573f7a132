package natsbus_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/dedup"
	"github.com/newsmill/newsmill/pkg/dedup/storetest"
	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/natsbus/natstest"
	"github.com/newsmill/newsmill/pkg/samples"
)

func kvJetStream(t *testing.T) jetstream.JetStream {
	t.Helper()
	nc, _ := natstest.Connect(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func TestKVStoreConformance(t *testing.T) {
	js := kvJetStream(t)
	var n atomic.Int64
	storetest.Run(t, func(t *testing.T, ttl time.Duration) dedup.Store {
		s, err := natsbus.NewKVStore(context.Background(), js, fmt.Sprint("dedup_", n.Add(1)), ttl)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, storetest.Features{})
}

// TestKVStoreDeduper runs the decision end to end on the KV store: the
// seeds are original, then Same, and a copy under another id a duplicate.
func TestKVStoreDeduper(t *testing.T) {
	js := kvJetStream(t)
	s, err := natsbus.NewKVStore(context.Background(), js, "dedup", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	d := dedup.New(s, dedup.Options{})
	seeds, err := samples.Seeds()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		id     func(i int) string
		status dedup.Status
	}{
		{name: "first delivery", id: func(i int) string { return fmt.Sprint("seed", i) }, status: dedup.Original},
		{name: "redelivery", id: func(i int) string { return fmt.Sprint("seed", i) }, status: dedup.Same},
		{name: "copy elsewhere", id: func(i int) string { return fmt.Sprint("copy", i) }, status: dedup.Duplicate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i, sd := range seeds {
				a := article.New(tc.id(i), "seeds")
				a.Text = string(sd.Body)
				v, err := d.Check(context.Background(), a)
				if err != nil {
					t.Fatal(err)
				}
				if v.Status != tc.status {
					t.Fatalf("%s: %v of %q, want %v", sd.Name, v.Status, v.DuplicateOf, tc.status)
				}
			}
		})
	}
}

func BenchmarkKVStoreClaim(b *testing.B) {
	nc, _ := natstest.Connect(b)
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	s, err := natsbus.NewKVStore(context.Background(), js, "dedup", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	i := 0
	for b.Loop() {
		c := dedup.Claim{ID: fmt.Sprintf("%032x", i), Hash: storetest.Hash(fmt.Sprint(i)), TTL: time.Hour, Sketch: make([]byte, 56)}
		for j := range 8 {
			c.Bands = append(c.Bands, uint64(i)<<8|uint64(j))
		}
		if _, err := s.Claim(ctx, c); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
}

// syncAlwaysKVStore opens a store on an embedded server that fsyncs every
// JetStream write before acknowledging it, as the product ships.
func syncAlwaysKVStore(b *testing.B) *natsbus.KVStore {
	b.Helper()
	opts := natstest.Options(b.TempDir())
	opts.SyncAlways = true
	_, url := natstest.StartWith(b, opts)
	nc, err := nats.Connect(url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	s, err := natsbus.NewKVStore(context.Background(), js, "dedup", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// benchClaim is the i-th claim of a benchmark: a new id and hash, a URL
// and eight bands of its own, like a new article.
func benchClaim(i int64) dedup.Claim {
	c := dedup.Claim{
		ID:     fmt.Sprintf("%032x", i),
		Hash:   storetest.Hash(fmt.Sprint(i)),
		URL:    storetest.Hash(fmt.Sprint("url", i)),
		TTL:    time.Hour,
		Sketch: make([]byte, 56),
	}
	for j := range 8 {
		c.Bands = append(c.Bands, uint64(i)<<8|uint64(j))
	}
	return c
}

// BenchmarkKVStoreClaimSyncAlways measures new-article claims against a
// server with SyncAlways, one at a time and from 8 goroutines per CPU
// (racing claims, as several deduplicator workers make them), reporting
// ms/claim and claims/s.
func BenchmarkKVStoreClaimSyncAlways(b *testing.B) {
	tests := []struct {
		name        string
		parallelism int
	}{
		{name: "serial", parallelism: 0},
		{name: "parallel8", parallelism: 8},
	}
	for _, tc := range tests {
		b.Run(tc.name, func(b *testing.B) {
			s := syncAlwaysKVStore(b)
			ctx := context.Background()
			var n atomic.Int64
			if tc.parallelism == 0 {
				for b.Loop() {
					if _, err := s.Claim(ctx, benchClaim(n.Add(1))); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				b.SetParallelism(tc.parallelism)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := s.Claim(ctx, benchClaim(n.Add(1))); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			sec := b.Elapsed().Seconds()
			b.ReportMetric(sec*1000/float64(b.N), "ms/claim")
			b.ReportMetric(float64(b.N)/sec, "claims/s")
		})
	}
}

// TestKVStoreWritesOnlyChanges counts the bucket's writes per claim: a
// redelivery writes nothing, and a key already holding what a claim would
// write is not written again.
func TestKVStoreWritesOnlyChanges(t *testing.T) {
	js := kvJetStream(t)
	ctx := context.Background()
	s, err := natsbus.NewKVStore(ctx, js, "dedup", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	lastSeq := func() uint64 {
		t.Helper()
		st, err := js.Stream(ctx, "KV_dedup")
		if err != nil {
			t.Fatal(err)
		}
		info, err := st.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info.State.LastSeq
	}
	withURL := func(c dedup.Claim, url string) dedup.Claim {
		c.URL = storetest.Hash(url)
		return c
	}
	claim := func(id, content string, bands ...uint64) dedup.Claim {
		return dedup.Claim{ID: storetest.ID(id), Hash: storetest.Hash(content), Bands: bands, Sketch: []byte(content), TTL: time.Hour}
	}
	tests := []struct {
		name   string
		claim  dedup.Claim
		writes uint64
	}{
		{name: "new article", claim: withURL(claim("a", "text a", 1, 2, 3), "u/a"), writes: 6},
		{name: "redelivery", claim: withURL(claim("a", "text a", 1, 2, 3), "u/a"), writes: 0},
		{name: "copy under a new id", claim: claim("b", "text a", 1, 2, 3), writes: 4},
		{name: "repeated band", claim: claim("c", "text c", 7, 7), writes: 3},
		{name: "update", claim: withURL(claim("a", "text a2", 1, 2, 4), "u/a"), writes: 3},
		{name: "update redelivered", claim: withURL(claim("a", "text a2", 1, 2, 4), "u/a"), writes: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := lastSeq()
			if _, err := s.Claim(ctx, tc.claim); err != nil {
				t.Fatal(err)
			}
			if got := lastSeq() - before; got != tc.writes {
				t.Fatalf("%d writes, want %d", got, tc.writes)
			}
		})
	}
}
