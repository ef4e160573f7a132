package stage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/newsmill/newsmill/pkg/article"
)

// Defaults of [Runner].
const (
	DefaultConcurrency  = 4
	DefaultMaxDeliver   = 10
	DefaultDrainTimeout = 20 * time.Second
	DefaultHeartbeat    = 10 * time.Second
)

// Runner receives messages from In, hands each to Handle, publishes the
// outputs to Out and waits until each is stored, and only then acks the
// input. A transient error naks the input with a growing delay; a permanent
// error, or a transient one on the MaxDeliver-th delivery, publishes a
// [article.DeadLetter] on the stage's DLQ subject and terminates the input.
// When the DLQ publish itself fails the input is nak'd, never dropped.
//
// When Run's context is cancelled (SIGTERM), the runner stops receiving,
// gives in-flight handlers up to DrainTimeout to finish (their outputs are
// published and inputs acked as usual), naks whatever is still unfinished
// and returns.
type Runner struct {
	// Stage names the stage: DLQ subject, metrics, dead letters.
	Stage string
	// In hands out input messages.
	In Source
	// Out stores outputs.
	Out Sink
	// DLQ stores dead letters; nil means Out.
	DLQ Sink
	// Handle turns an input into outputs.
	Handle HandlerFunc
	// Concurrency is the number of messages handled at once; default 4.
	Concurrency int
	// MaxDeliver is the delivery count at which a transient failure is
	// dead-lettered; default 10. Keep it at or below the consumer's own
	// MaxDeliver so the runner, not the server, gives up.
	MaxDeliver int
	// Backoff gives nak delays; zero value means DefaultBackoff.
	Backoff Backoff
	// DrainTimeout bounds how long in-flight messages may run after
	// shutdown begins; default 20s.
	DrainTimeout time.Duration
	// Heartbeat is how often a slow handler's message is marked in
	// progress so the server does not redeliver it; default 10s. Keep it
	// well below the consumer's AckWait.
	Heartbeat time.Duration
	// Observer is told how each message was settled; may be nil.
	Observer Observer
	// Now is the clock; default time.Now.
	Now func() time.Time
}

func (r *Runner) defaults() error {
	if r.Stage == "" || r.In == nil || r.Out == nil || r.Handle == nil {
		return errors.New("stage runner: Stage, In, Out and Handle are required")
	}
	if r.DLQ == nil {
		r.DLQ = r.Out
	}
	if r.Concurrency <= 0 {
		r.Concurrency = DefaultConcurrency
	}
	if r.MaxDeliver <= 0 {
		r.MaxDeliver = DefaultMaxDeliver
	}
	if r.Backoff == (Backoff{}) {
		r.Backoff = DefaultBackoff
	}
	if r.DrainTimeout <= 0 {
		r.DrainTimeout = DefaultDrainTimeout
	}
	if r.Heartbeat <= 0 {
		r.Heartbeat = DefaultHeartbeat
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	return nil
}

// Run processes messages until ctx is cancelled (then it drains and returns
// nil) or the source fails (it returns that error).
func (r *Runner) Run(ctx context.Context) error {
	if err := r.defaults(); err != nil {
		return err
	}
	// Handlers run on work, which outlives ctx by DrainTimeout so in-flight
	// messages can finish after shutdown begins.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	stopDrain := context.AfterFunc(ctx, func() {
		_ = r.In.Stop()
		t := time.AfterFunc(r.DrainTimeout, cancelWork)
		context.AfterFunc(work, func() { t.Stop() })
	})
	defer stopDrain()

	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for range r.Concurrency {
		wg.Go(func() {
			for {
				d, err := r.In.Next(ctx)
				if err != nil {
					if ctx.Err() == nil {
						errOnce.Do(func() { firstErr = fmt.Errorf("receiving: %w", err) })
					}
					return
				}
				r.process(work, d)
			}
		})
	}
	wg.Wait()
	// Stop again, synchronously: the AfterFunc above may still be running,
	// and the source must be quiet before the caller closes the connection.
	_ = r.In.Stop()
	return firstErr
}

// process settles one delivery exactly once.
func (r *Runner) process(ctx context.Context, d Delivery) {
	msg := d.Message()
	start := r.Now()
	busy, done := context.WithCancel(ctx)
	hb := time.AfterFunc(r.Heartbeat, func() { r.heartbeat(busy, d) })
	outs, err := r.Handle(ctx, msg)
	if err == nil {
		err = r.publish(ctx, outs)
	}
	hb.Stop()
	done()
	took := r.Now().Sub(start)

	if err == nil {
		if aerr := d.Ack(ctx); aerr != nil {
			// Outputs are stored; the input comes back after AckWait and
			// its republish is dropped by the duplicate window.
			r.observe(Retried, "ack_failed", took, msg, aerr)
			return
		}
		r.observe(Processed, "", took, msg, nil)
		return
	}
	if ctx.Err() != nil {
		// Shutdown ran past DrainTimeout: hand the message back now.
		r.observe(Abandoned, "shutdown", took, msg, settled(err, "nak", d.Nak(0)))
		return
	}
	if !IsPermanent(err) && msg.Delivered < r.MaxDeliver {
		r.observe(Retried, Reason(err), took, msg, settled(err, "nak", d.Nak(r.Backoff.Delay(msg.Delivered))))
		return
	}
	if !IsPermanent(err) {
		err = maxDeliverError(msg.Delivered, err)
	}
	reason := Reason(err)
	if derr := r.deadLetter(ctx, msg, reason, err); derr != nil {
		derr = fmt.Errorf("dead-lettering (%v): %w", err, derr)
		r.observe(Retried, "dlq_publish_failed", took, msg, settled(derr, "nak", d.Nak(r.Backoff.Delay(msg.Delivered))))
		return
	}
	r.observe(DeadLettered, reason, took, msg, settled(err, "term", d.Term(reason)))
}

// settled adds a failed nak or term to the message's error, so the
// observer logs it. Nothing else is needed: an unsettled message comes back
// after the consumer's AckWait.
func settled(err error, how string, serr error) error {
	if serr == nil {
		return err
	}
	return errors.Join(err, fmt.Errorf("%s failed, redelivery after AckWait: %w", how, serr))
}

func (r *Runner) heartbeat(ctx context.Context, d Delivery) {
	t := time.NewTicker(r.Heartbeat)
	defer t.Stop()
	_ = d.InProgress()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = d.InProgress()
		}
	}
}

func (r *Runner) publish(ctx context.Context, outs []Output) error {
	for _, o := range outs {
		if err := r.Out.Publish(ctx, o); err != nil {
			return fmt.Errorf("publishing to %s: %w", o.Subject, err)
		}
	}
	return nil
}

func (r *Runner) deadLetter(ctx context.Context, msg *Message, reason string, cause error) error {
	dl := article.DeadLetter{
		Schema:    article.DeadLetterSchema,
		Stage:     r.Stage,
		Reason:    reason,
		Error:     cause.Error(),
		Subject:   msg.Subject,
		Sequence:  msg.Sequence,
		Delivered: msg.Delivered,
		ArticleID: peekID(msg.Data),
		FailedAt:  r.Now().UTC(),
		Header:    msg.Header,
		Payload:   msg.Data,
	}
	data, err := json.Marshal(dl)
	if err != nil {
		return fmt.Errorf("encoding dead letter: %w", err)
	}
	// The same message dead-lettered twice (a crash after the DLQ publish)
	// is stored once; the same payload published again as a new message (a
	// replay) gets its own dead letter: the input's stream sequence is part
	// of the id.
	sum := sha256.Sum256(append([]byte(msg.Subject+"\x00"), msg.Data...))
	return r.DLQ.Publish(ctx, Output{
		Subject: article.DLQ(r.Stage),
		Data:    data,
		MsgID:   article.MsgID("dlq."+r.Stage, hex.EncodeToString(sum[:16]), strconv.FormatUint(msg.Sequence, 10)),
	})
}

func (r *Runner) observe(o Outcome, reason string, took time.Duration, msg *Message, err error) {
	if r.Observer != nil {
		r.Observer.Settled(r.Stage, o, reason, took, msg, err)
	}
}

// peekID returns the "id" field of a JSON article, or "" when data is not one.
func peekID(data []byte) string {
	var v struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(data, &v) != nil {
		return ""
	}
	return v.ID
}
