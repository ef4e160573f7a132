package stage_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/natsbus/natstest"
	"github.com/newsmill/newsmill/pkg/stage"
)

// env is one embedded JetStream server with the pipeline's streams.
type env struct {
	t   *testing.T
	url string
	cfg natsbus.Config
}

func newEnv(t *testing.T) *env {
	t.Helper()
	_, url := natstest.Start(t)
	cfg := natsbus.DefaultConfig()
	cfg.URL = url
	cfg.AckWait = time.Second
	e := &env{t: t, url: url, cfg: cfg}
	b := e.bus()
	if err := b.EnsureStreams(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) bus() *natsbus.Bus {
	e.t.Helper()
	b, err := natsbus.Connect(context.Background(), e.cfg, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = b.Close() })
	return b
}

// publishRaw puts n raw articles (or the given bodies) on news.raw.test.
func publishRaw(t *testing.T, b *natsbus.Bus, bodies ...[]byte) {
	t.Helper()
	for _, body := range bodies {
		err := b.Sink().Publish(context.Background(), stage.Output{
			Subject: article.Raw("test"),
			Data:    body,
			MsgID:   fmt.Sprintf("test:%x", sha256.Sum256(body)),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func articleJSON(t *testing.T, id string) []byte {
	t.Helper()
	a := article.New(id, "test")
	a.Text = "body of " + id
	data, err := a.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// passThrough republishes each input on news.cleaned.<src>.
func passThrough(_ context.Context, m *stage.Message) ([]stage.Output, error) {
	a, err := article.Unmarshal(m.Data)
	if err != nil {
		return nil, stage.WithReason("bad_json", stage.Permanent(err))
	}
	return []stage.Output{{
		Subject: article.Cleaned(a.Source),
		Data:    m.Data,
		MsgID:   article.MsgID(article.StageCleaner, a.ID, "1"),
	}}, nil
}

// recorder counts settled outcomes.
type recorder struct {
	mu      sync.Mutex
	counts  map[stage.Outcome]int
	reasons map[string]int
}

func newRecorder() *recorder {
	return &recorder{counts: map[stage.Outcome]int{}, reasons: map[string]int{}}
}

func (r *recorder) Settled(_ string, o stage.Outcome, reason string, _ time.Duration, _ *stage.Message, _ error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counts[o]++
	if reason != "" {
		r.reasons[reason]++
	}
}

func (r *recorder) reason(reason string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reasons[reason]
}

func (r *recorder) count(o stage.Outcome) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[o]
}

// runner starts a runner for the cleaner stage and returns a stop func that
// cancels it and waits for Run to return.
func startRunner(t *testing.T, b *natsbus.Bus, r *stage.Runner) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	src, err := b.Source(ctx, article.StageCleaner, 4)
	if err != nil {
		t.Fatal(err)
	}
	r.Stage = article.StageCleaner
	r.In = src
	if r.Out == nil {
		r.Out = b.Sink()
	}
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(30 * time.Second):
				runErr = errors.New("runner did not return within 30s of cancellation")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// waitFor polls cond until it holds or 20 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func streamMsgs(t *testing.T, b *natsbus.Bus, name string) uint64 {
	t.Helper()
	s, err := b.JetStream().Stream(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// settled reports whether the cleaner consumer has nothing pending or unacked.
func settled(t *testing.T, b *natsbus.Bus, n uint64) bool {
	t.Helper()
	c, err := b.JetStream().Consumer(context.Background(), natsbus.StreamRaw, article.StageCleaner)
	if err != nil {
		t.Fatal(err)
	}
	ci, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ci.NumPending == 0 && ci.NumAckPending == 0 && ci.AckFloor.Stream >= n
}

func TestRunnerPublishesThenAcks(t *testing.T) {
	e := newEnv(t)
	b := e.bus()
	const n = 25
	var bodies [][]byte
	for i := range n {
		bodies = append(bodies, articleJSON(t, fmt.Sprintf("a%02d", i)))
	}
	publishRaw(t, b, bodies...)
	rec := newRecorder()
	startRunner(t, b, &stage.Runner{Handle: passThrough, Observer: rec})
	waitFor(t, "all inputs acked", func() bool { return settled(t, b, n) })
	if got := streamMsgs(t, b, natsbus.StreamCleaned); got != n {
		t.Errorf("CLEANED holds %d messages, want %d", got, n)
	}
	if got := rec.count(stage.Processed); got != n {
		t.Errorf("processed %d, want %d", got, n)
	}
}

// crashSink stores the output, then never returns: the process "dies"
// between publishing and acking.
type crashSink struct {
	inner   stage.Sink
	crashed chan struct{}
	once    sync.Once
}

func (s *crashSink) Publish(ctx context.Context, out stage.Output) error {
	if err := s.inner.Publish(ctx, out); err != nil {
		return err
	}
	s.once.Do(func() { close(s.crashed) })
	<-ctx.Done()
	return ctx.Err()
}

func TestCrashBeforeAckIsRedeliveredAndNotDuplicated(t *testing.T) {
	e := newEnv(t)
	admin := e.bus()
	publishRaw(t, admin, articleJSON(t, "crash"))

	// First process: publishes the output, then dies before acking.
	dying := e.bus()
	cs := &crashSink{inner: dying.Sink(), crashed: make(chan struct{})}
	startRunner(t, dying, &stage.Runner{Handle: passThrough, Out: cs, DrainTimeout: 100 * time.Millisecond})
	select {
	case <-cs.crashed:
	case <-time.After(20 * time.Second):
		t.Fatal("first runner never published")
	}
	dying.Conn().Close() // the process is gone: no ack, no nak

	// Second process: gets the message again after AckWait.
	rec := newRecorder()
	startRunner(t, e.bus(), &stage.Runner{Handle: passThrough, Observer: rec})
	waitFor(t, "redelivered input acked", func() bool { return settled(t, admin, 1) })
	if got := streamMsgs(t, admin, natsbus.StreamCleaned); got != 1 {
		t.Errorf("CLEANED holds %d messages, want exactly 1 (Nats-Msg-Id dedup)", got)
	}
	if rec.count(stage.Processed) != 1 {
		t.Errorf("second runner processed %d, want 1", rec.count(stage.Processed))
	}
}

func TestPoisonGoesToDLQWithReasonAndPayload(t *testing.T) {
	e := newEnv(t)
	b := e.bus()
	poison := []byte(`{"schema":"not-an-article"`)
	publishRaw(t, b, poison, articleJSON(t, "good"))
	rec := newRecorder()
	startRunner(t, b, &stage.Runner{Handle: passThrough, Observer: rec})
	waitFor(t, "both inputs settled", func() bool { return settled(t, b, 2) })

	cons, err := b.JetStream().OrderedConsumer(context.Background(), natsbus.StreamDLQ, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
	if err != nil {
		t.Fatalf("reading DLQ: %v", err)
	}
	if m.Subject() != article.DLQ(article.StageCleaner) {
		t.Errorf("DLQ subject %q", m.Subject())
	}
	var dl article.DeadLetter
	if err := json.Unmarshal(m.Data(), &dl); err != nil {
		t.Fatal(err)
	}
	if dl.Schema != article.DeadLetterSchema || dl.Stage != article.StageCleaner || dl.Reason != "bad_json" {
		t.Errorf("dead letter = %+v", dl)
	}
	if string(dl.Payload) != string(poison) || dl.Subject != article.Raw("test") || dl.Delivered != 1 {
		t.Errorf("dead letter lost the original: payload %q subject %q delivered %d", dl.Payload, dl.Subject, dl.Delivered)
	}
	if got := streamMsgs(t, b, natsbus.StreamCleaned); got != 1 {
		t.Errorf("CLEANED holds %d, want 1: the good message must pass", got)
	}
	if rec.count(stage.DeadLettered) != 1 || rec.count(stage.Processed) != 1 {
		t.Errorf("dead-lettered %d, processed %d", rec.count(stage.DeadLettered), rec.count(stage.Processed))
	}
}

func TestTransientErrorsRetryThenDeadLetter(t *testing.T) {
	tests := []struct {
		name       string
		failTimes  int
		maxDeliver int
		wantOut    uint64
		wantDLQ    uint64
		wantReason string
	}{
		{name: "recovers on the third delivery", failTimes: 2, maxDeliver: 5, wantOut: 1},
		{name: "gives up at max deliver", failTimes: 100, maxDeliver: 3, wantDLQ: 1, wantReason: "max_deliver"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			b := e.bus()
			publishRaw(t, b, articleJSON(t, "flaky"))
			var calls atomic.Int32
			handle := func(ctx context.Context, m *stage.Message) ([]stage.Output, error) {
				if int(calls.Add(1)) <= tt.failTimes {
					return nil, stage.WithReason("redis_unavailable", errors.New("connection refused"))
				}
				return passThrough(ctx, m)
			}
			rec := newRecorder()
			startRunner(t, b, &stage.Runner{
				Handle: handle, Observer: rec, MaxDeliver: tt.maxDeliver,
				Backoff: stage.Backoff{Base: 10 * time.Millisecond, Max: 50 * time.Millisecond},
			})
			waitFor(t, "input settled", func() bool { return settled(t, b, 1) })
			if got := streamMsgs(t, b, natsbus.StreamCleaned); got != tt.wantOut {
				t.Errorf("CLEANED %d, want %d", got, tt.wantOut)
			}
			if got := streamMsgs(t, b, natsbus.StreamDLQ); got != tt.wantDLQ {
				t.Errorf("DLQ %d, want %d", got, tt.wantDLQ)
			}
			if tt.wantReason != "" && rec.reason(tt.wantReason) != 1 {
				t.Errorf("want one %q dead letter", tt.wantReason)
			}
			if rec.reason("redis_unavailable") == 0 {
				t.Error("transient failures not reported")
			}
		})
	}
}

func TestShutdownFinishesInFlightWork(t *testing.T) {
	e := newEnv(t)
	b := e.bus()
	publishRaw(t, b, articleJSON(t, "slow"))
	started := make(chan struct{})
	var once sync.Once
	handle := func(ctx context.Context, m *stage.Message) ([]stage.Output, error) {
		once.Do(func() { close(started) })
		select {
		case <-time.After(300 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return passThrough(ctx, m)
	}
	rec := newRecorder()
	stop := startRunner(t, b, &stage.Runner{Handle: handle, Observer: rec, DrainTimeout: 10 * time.Second})
	<-started
	if err := stop(); err != nil { // SIGTERM while the message is in flight
		t.Fatal(err)
	}
	if rec.count(stage.Processed) != 1 {
		t.Fatalf("in-flight message not finished on shutdown: abandoned %d", rec.count(stage.Abandoned))
	}
	if !settled(t, b, 1) || streamMsgs(t, b, natsbus.StreamCleaned) != 1 {
		t.Error("finished message not published and acked")
	}
}

func TestShutdownPastDrainTimeoutHandsMessageBack(t *testing.T) {
	e := newEnv(t)
	b := e.bus()
	publishRaw(t, b, articleJSON(t, "stuck"))
	started := make(chan struct{})
	var once sync.Once
	stuck := func(ctx context.Context, _ *stage.Message) ([]stage.Output, error) {
		once.Do(func() { close(started) })
		<-ctx.Done()
		return nil, ctx.Err()
	}
	rec := newRecorder()
	stop := startRunner(t, b, &stage.Runner{Handle: stuck, Observer: rec, DrainTimeout: 100 * time.Millisecond})
	<-started
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if rec.count(stage.Abandoned) != 1 {
		t.Fatalf("abandoned %d, processed %d; want one abandoned", rec.count(stage.Abandoned), rec.count(stage.Processed))
	}
	// The nak'd message goes to the next replica at once.
	rec2 := newRecorder()
	startRunner(t, e.bus(), &stage.Runner{Handle: passThrough, Observer: rec2})
	waitFor(t, "message taken over", func() bool { return settled(t, b, 1) })
	if rec2.count(stage.Processed) != 1 {
		t.Errorf("second runner processed %d, want 1", rec2.count(stage.Processed))
	}
}

func TestBackoffGrowsAndCaps(t *testing.T) {
	b := stage.Backoff{Base: time.Second, Max: 10 * time.Second, Jitter: 0.2}
	tests := []struct {
		delivered int
		min, max  time.Duration
	}{
		{delivered: 0, min: time.Second, max: 1200 * time.Millisecond},
		{delivered: 1, min: time.Second, max: 1200 * time.Millisecond},
		{delivered: 2, min: 2 * time.Second, max: 2400 * time.Millisecond},
		{delivered: 4, min: 8 * time.Second, max: 9600 * time.Millisecond},
		{delivered: 30, min: 10 * time.Second, max: 12 * time.Second},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.delivered), func(t *testing.T) {
			for range 50 {
				if d := b.Delay(tt.delivered); d < tt.min || d > tt.max {
					t.Fatalf("Delay(%d) = %s, want in [%s, %s]", tt.delivered, d, tt.min, tt.max)
				}
			}
		})
	}
}

func TestErrorClassification(t *testing.T) {
	base := errors.New("boom")
	tests := []struct {
		name      string
		err       error
		permanent bool
		reason    string
	}{
		{name: "nil", err: nil, reason: ""},
		{name: "plain is transient", err: base, reason: "transient"},
		{name: "permanent", err: stage.Permanent(base), permanent: true, reason: "permanent"},
		{name: "wrapped permanent", err: fmt.Errorf("x: %w", stage.Permanent(base)), permanent: true, reason: "permanent"},
		{name: "reason on permanent", err: stage.WithReason("bad_json", stage.Permanent(base)), permanent: true, reason: "bad_json"},
		{name: "reason on transient", err: stage.WithReason("redis_unavailable", base), reason: "redis_unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stage.IsPermanent(tt.err); got != tt.permanent {
				t.Errorf("IsPermanent = %v", got)
			}
			if got := stage.Reason(tt.err); got != tt.reason {
				t.Errorf("Reason = %q, want %q", got, tt.reason)
			}
			if tt.err != nil && !strings.Contains(tt.err.Error(), "boom") {
				t.Errorf("message lost: %v", tt.err)
			}
		})
	}
}
