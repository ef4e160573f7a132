package pipeline_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/dedup"
	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/natsbus/natstest"
	"github.com/newsmill/newsmill/pkg/pipeline"
	"github.com/newsmill/newsmill/pkg/redisstore"
	"github.com/newsmill/newsmill/pkg/redisstore/redistest"
	"github.com/newsmill/newsmill/pkg/stage"
)

var vocabulary = strings.Fields(`council approved plan schools clinics roads debate flood harvest rice
export prices bank credit factory energy solar river storm forest museum music football coach election court
police budget tax port railway airport bridge housing water vaccine doctors research university software`)

// distinctText returns a text that shares no run of three words with the
// text of another i, so no two are near duplicates.
func distinctText(i int) string {
	r := rand.New(rand.NewPCG(uint64(i), 99))
	words := make([]string, 60)
	for j := range words {
		words[j] = vocabulary[r.IntN(len(vocabulary))]
	}
	return fmt.Sprintf("Report %d. %s.", i, strings.Join(words, " "))
}

// outcomes counts how the runner settled messages.
type outcomes struct {
	mu      sync.Mutex
	counts  map[stage.Outcome]int
	reasons map[string]int
}

func (o *outcomes) Settled(_ string, out stage.Outcome, reason string, _ time.Duration, _ *stage.Message, _ error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.counts[out]++
	o.reasons[reason]++
}

func (o *outcomes) get(out stage.Outcome, reason string) (int, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.counts[out], o.reasons[reason]
}

// TestDeduplicatorSurvivesRedisRestart runs the deduplicator stage (runner,
// handler, JetStream, a private redis-server) and stops Redis mid-stream:
// while it is down every message is nak'd with a delay and none is acked,
// dead-lettered or decided; once Redis is back the backlog drains and every
// article is delivered exactly once.
func TestDeduplicatorSurvivesRedisRestart(t *testing.T) {
	srv := redistest.StartServer(t)
	rc := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond, ReadTimeout: 500 * time.Millisecond})
	t.Cleanup(func() { _ = rc.Close() })
	h := &pipeline.Deduplicator{Dedup: dedup.New(redisstore.New(rc), dedup.Options{})}

	_, url := natstest.Start(t)
	cfg := natsbus.DefaultConfig()
	cfg.URL = url
	bus, err := natsbus.Connect(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bus.Close() })
	ctx := context.Background()
	if err := bus.EnsureStreams(ctx); err != nil {
		t.Fatal(err)
	}
	publish := func(from, to int) {
		for i := from; i < to; i++ {
			a := article.New(fmt.Sprintf("article-%03d", i), "src")
			a.Text = distinctText(i)
			data, _ := a.Marshal()
			if err := bus.Sink().Publish(ctx, stage.Output{Subject: article.Cleaned("src"), Data: data, MsgID: "t:" + a.ID}); err != nil {
				t.Fatal(err)
			}
		}
	}
	publish(0, 10)

	src, err := bus.Source(ctx, article.StageDeduplicator, 4)
	if err != nil {
		t.Fatal(err)
	}
	obs := &outcomes{counts: map[stage.Outcome]int{}, reasons: map[string]int{}}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- (&stage.Runner{
			Stage: article.StageDeduplicator, In: src, Out: bus.Sink(), Handle: h.Handle, Observer: obs,
			Backoff: stage.Backoff{Base: 50 * time.Millisecond, Max: 200 * time.Millisecond}, MaxDeliver: 1000,
		}).Run(runCtx)
	}()
	t.Cleanup(func() { cancel(); <-done })

	count := func(stream string) uint64 {
		s, err := bus.JetStream().Stream(ctx, stream)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info.State.Msgs
	}
	wait := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	wait("the first ten to be decided", func() bool { return count(natsbus.StreamUnique) == 10 })

	srv.Stop(t)
	publish(10, 30)
	wait("retries while Redis is down", func() bool {
		_, n := obs.get(stage.Retried, "store_unavailable")
		return n >= 20
	})
	if n := count(natsbus.StreamUnique); n != 10 {
		t.Errorf("%d unique while Redis was down, want still 10", n)
	}
	if dl, _ := obs.get(stage.DeadLettered, ""); dl != 0 || count(natsbus.StreamDLQ) != 0 {
		t.Errorf("dead-lettered %d while Redis was down; an outage must not lose articles", dl)
	}
	stats, err := bus.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stats {
		if s.Consumer == article.StageDeduplicator && s.AckFloor != 10 {
			t.Errorf("ack floor %d while Redis was down, want 10: nothing may be acked undecided", s.AckFloor)
		}
	}

	srv.Start(t)
	wait("the backlog to drain", func() bool { return count(natsbus.StreamUnique) == 30 })
	if n := count(natsbus.StreamDuplicate); n != 0 {
		t.Errorf("%d duplicates after the restart, want 0 (claims survived in the AOF)", n)
	}
	processed, _ := obs.get(stage.Processed, "")
	retried, _ := obs.get(stage.Retried, "")
	t.Logf("processed %d, retried %d while Redis was down", processed, retried)
}
