package natsbus_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

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
