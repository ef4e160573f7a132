package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/dedup"
	"github.com/newsmill/newsmill/pkg/natsbus/natstest"
	"github.com/newsmill/newsmill/pkg/redisstore"
	"github.com/newsmill/newsmill/pkg/redisstore/redistest"
)

// TestRedisRestartDrainsBacklog runs a small deduplicator loop over a real
// JetStream consumer and a private redis-server, kills Redis, and checks
// that while it is down every article is nak'd with a delay (nothing acked,
// nothing decided), and that the backlog drains with correct verdicts once
// Redis is back — including the claim made before the crash.
func TestRedisRestartDrainsBacklog(t *testing.T) {
	srv := redistest.StartServer(t, "appendfsync", "always")
	rc := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond, ReadTimeout: time.Second})
	t.Cleanup(func() { _ = rc.Close() })
	d := dedup.New(redisstore.New(rc), dedup.Options{})

	nc, _ := natstest.Connect(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "CLEANED", Subjects: []string{"news.cleaned.>"}}); err != nil {
		t.Fatal(err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, "CLEANED", jetstream.ConsumerConfig{
		Durable: "deduplicator", AckPolicy: jetstream.AckExplicitPolicy, AckWait: 30 * time.Second, MaxAckPending: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	publish := func(a *article.Article) {
		t.Helper()
		data, err := a.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.Publish(ctx, article.Cleaned(a.Source), data); err != nil {
			t.Fatal(err)
		}
	}

	// The loop under test: check, then ack; on a store error nak with a
	// delay, as the stage runner does for transient errors.
	var mu sync.Mutex
	verdicts := map[string]dedup.Verdict{}
	var naks int
	cc, err := cons.Consume(func(m jetstream.Msg) {
		a, err := article.Unmarshal(m.Data())
		if err != nil {
			_ = m.Term()
			return
		}
		v, err := d.Check(ctx, a)
		if err != nil {
			mu.Lock()
			naks++
			mu.Unlock()
			_ = m.NakWithDelay(100 * time.Millisecond)
			return
		}
		mu.Lock()
		verdicts[a.ID] = v
		mu.Unlock()
		_ = m.DoubleAck(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cc.Stop)

	arts := seedArticles(t)
	waitFor(t, "the first article to be decided", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(verdicts) == 1
	}, func() { publish(arts[0]) })

	srv.Stop(t)
	// While Redis is down: the rest of the seeds, a copy of the first
	// under another id, and a redelivery of the first.
	copyOf := article.New("copy-of-first", "other")
	copyOf.Text = arts[0].Text
	backlog := append(append([]*article.Article{}, arts[1:]...), copyOf, arts[0])
	for _, a := range backlog {
		publish(a)
	}
	waitFor(t, "naks while Redis is down", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return naks >= 2*len(backlog)
	}, nil)
	mu.Lock()
	decided := len(verdicts)
	mu.Unlock()
	if decided != 1 {
		t.Fatalf("%d articles decided while Redis was down, want only the first", decided)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.NumPending + uint64(info.NumAckPending); got != uint64(len(backlog)) {
		t.Fatalf("pending+ack pending %d while Redis is down, want the whole backlog %d", got, len(backlog))
	}

	srv.Start(t)
	waitFor(t, "the backlog to drain", func() bool {
		info, err := cons.Info(ctx)
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	}, nil)
	mu.Lock()
	defer mu.Unlock()
	for _, a := range arts[1:] {
		if v := verdicts[a.ID]; v.Status != dedup.Original {
			t.Fatalf("%s after restart: %v, want original", a.ID, v.Status)
		}
	}
	if v := verdicts[copyOf.ID]; v.Status != dedup.Duplicate || v.DuplicateOf != arts[0].ID {
		t.Fatalf("copy after restart: %v of %q, want duplicate of %s (the claim made before the crash)", v.Status, v.DuplicateOf, arts[0].ID)
	}
	if v := verdicts[arts[0].ID]; v.Status != dedup.Same {
		t.Fatalf("redelivered first article after restart: %v, want same", v.Status)
	}
}

// waitFor polls cond until it holds, calling poke (if any) first; it fails
// the test after 30 s.
func waitFor(t *testing.T, what string, cond func() bool, poke func()) {
	t.Helper()
	if poke != nil {
		poke()
	}
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
}

// TestFullRedisIsALoudError fills a private Redis with maxmemory-policy
// noeviction and checks that claims then fail with dedup.ErrStoreFull, that
// nothing was evicted, and that the refused claim left nothing behind.
func TestFullRedisIsALoudError(t *testing.T) {
	srv := redistest.StartServer(t)
	rc := srv.Client(t)
	ctx := context.Background()
	used, err := usedMemory(ctx, rc)
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.ConfigSet(ctx, "maxmemory", fmt.Sprint(used+2<<20)).Err(); err != nil {
		t.Fatal(err)
	}
	st := redisstore.New(rc, redisstore.WithShards(16))
	var full error
	n := 0
	for ; n < 1_000_000 && full == nil; n++ {
		_, err := st.Claim(ctx, benchClaim(n))
		if err != nil {
			full = err
		}
	}
	if full == nil {
		t.Fatalf("a million claims fitted into 2 MiB; the test's premise is wrong")
	}
	if !errors.Is(full, dedup.ErrStoreFull) || !strings.Contains(full.Error(), "OOM") {
		t.Fatalf("error when full: %v, want one wrapping dedup.ErrStoreFull with the OOM reply", full)
	}
	t.Logf("full after %d claims: %v", n-1, full)
	stats, err := rc.Info(ctx, "stats").Result()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stats, "evicted_keys:0\r\n") {
		t.Fatalf("keys were evicted under noeviction:\n%s", stats)
	}
	// The refused claim wrote nothing: its id is still unknown once memory
	// is available again.
	if err := rc.ConfigSet(ctx, "maxmemory", "0").Err(); err != nil {
		t.Fatal(err)
	}
	p, err := st.Claim(ctx, benchClaim(n-1))
	if err != nil {
		t.Fatal(err)
	}
	if p.Existed || p.Owner != "" {
		t.Fatalf("the refused claim left state behind: %+v", p)
	}
}

func usedMemory(ctx context.Context, c *redis.Client) (int64, error) {
	info, err := c.Info(ctx, "memory").Result()
	if err != nil {
		return 0, fmt.Errorf("reading INFO memory: %w", err)
	}
	for line := range strings.SplitSeq(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			var n int64
			_, err := fmt.Sscan(v, &n)
			return n, err
		}
	}
	return 0, errors.New("reading INFO memory: no used_memory")
}
