package stage_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/natsbus/natstest"
	"github.com/newsmill/newsmill/pkg/stage"
)

// TestNATSRestartLosesNothing stops the NATS server while a runner works
// through a backlog and starts it again on the same store: the runner's
// connection reconnects by itself, and every input ends up processed, its
// output stored exactly once, nothing left unacked.
func TestNATSRestartLosesNothing(t *testing.T) {
	opts := natstest.Options(t.TempDir())
	srv, url := natstest.StartWith(t, opts)
	_, port, _ := net.SplitHostPort(srv.Addr().String())
	opts.Port, _ = strconv.Atoi(port)

	cfg := natsbus.DefaultConfig()
	cfg.URL = url
	cfg.AckWait = time.Second
	cfg.PublishTimeout = 2 * time.Second
	e := &env{t: t, url: url, cfg: cfg}
	admin := e.bus()
	if err := admin.EnsureStreams(context.Background()); err != nil {
		t.Fatal(err)
	}
	const n = 60
	var bodies [][]byte
	for i := range n {
		bodies = append(bodies, articleJSON(t, fmt.Sprintf("o%02d", i)))
	}
	publishRaw(t, admin, bodies[:n/2]...)

	rec := newRecorder()
	slow := func(ctx context.Context, m *stage.Message) ([]stage.Output, error) {
		time.Sleep(5 * time.Millisecond)
		return passThrough(ctx, m)
	}
	startRunner(t, e.bus(), &stage.Runner{Handle: slow, Observer: rec,
		Backoff: stage.Backoff{Base: 50 * time.Millisecond, Max: 500 * time.Millisecond}, MaxDeliver: 1000})
	waitFor(t, "the runner to be mid-stream", func() bool { return rec.count(stage.Processed) >= 5 })

	before := rec.count(stage.Processed)
	srv.Shutdown()
	srv.WaitForShutdown()
	time.Sleep(300 * time.Millisecond) // the outage
	natstest.StartWith(t, opts)

	publishRaw(t, admin, bodies[n/2:]...) // admin reconnects too
	waitFor(t, "every input settled after the restart", func() bool { return settled(t, admin, n) })
	if got := streamMsgs(t, admin, natsbus.StreamCleaned); got != n {
		t.Errorf("CLEANED holds %d messages, want exactly %d", got, n)
	}
	if got := streamMsgs(t, admin, natsbus.StreamDLQ); got != 0 {
		t.Errorf("%d dead letters: an outage must not dead-letter anything", got)
	}
	t.Logf("%d of the first %d processed before the outage; %d retried across it", before, n/2, rec.count(stage.Retried))
}
