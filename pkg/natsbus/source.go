package natsbus

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsmill/newsmill/pkg/stage"
)

// ErrStopped is returned by Next after Stop: the source hands out nothing
// more.
var ErrStopped = errors.New("natsbus: source stopped")

// Source is a [stage.Source] over a durable pull consumer. One goroutine
// pulls batches; workers take messages one at a time from it.
type Source struct {
	cons  jetstream.Consumer
	batch int
	wait  time.Duration
	log   *zap.Logger

	ch       chan jetstream.Msg
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

var _ stage.Source = (*Source)(nil)

// Source ensures the durable consumer of stage and starts pulling from it in
// batches of up to batch messages (use the runner's concurrency).
func (b *Bus) Source(ctx context.Context, stageName string, batch int) (*Source, error) {
	cons, err := b.EnsureConsumer(ctx, stageName)
	if err != nil {
		return nil, err
	}
	if batch <= 0 {
		batch = stage.DefaultConcurrency
	}
	s := &Source{
		cons:  cons,
		batch: batch,
		wait:  time.Second,
		log:   b.log.With(zap.String("consumer", stageName)),
		ch:    make(chan jetstream.Msg),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go s.pump()
	return s, nil
}

func (s *Source) pump() {
	defer close(s.done)
	failing := 0
	for {
		select {
		case <-s.stop:
			return
		default:
		}
		mb, err := s.cons.Fetch(s.batch, jetstream.FetchMaxWait(s.wait))
		if err == nil {
			for m := range mb.Messages() {
				select {
				case s.ch <- m:
				case <-s.stop:
					// Hand it back at once so another replica takes it.
					_ = m.Nak()
				}
			}
			err = mb.Error()
		}
		if err != nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
			failing++
			if failing == 1 || failing%30 == 0 {
				s.log.Warn("pulling messages failed; retrying", zap.Int("attempt", failing), zap.Error(err))
			}
			select {
			case <-s.stop:
				return
			case <-time.After(min(time.Duration(failing)*200*time.Millisecond, 5*time.Second)):
			}
			continue
		}
		failing = 0
	}
}

// Next blocks until a message is pulled, ctx is done or the source stops.
func (s *Source) Next(ctx context.Context) (stage.Delivery, error) {
	select {
	case m := <-s.ch:
		return newDelivery(m), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.done:
		return nil, ErrStopped
	}
}

// Stop stops pulling; messages pulled but not handed out are nak'd. It
// waits for the puller to exit (at most the pull wait, 1 s).
func (s *Source) Stop() error {
	s.stopOnce.Do(func() { close(s.stop) })
	<-s.done
	return nil
}

type delivery struct {
	m   jetstream.Msg
	msg *stage.Message
}

func newDelivery(m jetstream.Msg) *delivery {
	msg := &stage.Message{
		Subject:   m.Subject(),
		Data:      m.Data(),
		Header:    m.Headers(),
		Delivered: 1,
	}
	if md, err := m.Metadata(); err == nil {
		msg.Delivered = int(md.NumDelivered)
		msg.Published = md.Timestamp
		msg.Sequence = md.Sequence.Stream
	}
	return &delivery{m: m, msg: msg}
}

func (d *delivery) Message() *stage.Message { return d.msg }

// Ack waits for the server to confirm the ack (DoubleAck), so a returned
// nil means the message will not come back under normal operation.
func (d *delivery) Ack(ctx context.Context) error {
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := d.m.DoubleAck(actx); err != nil {
		return fmt.Errorf("acking: %w", err)
	}
	return nil
}

func (d *delivery) Nak(delay time.Duration) error {
	if delay <= 0 {
		return d.m.Nak()
	}
	return d.m.NakWithDelay(delay)
}

func (d *delivery) Term(reason string) error { return d.m.TermWithReason(reason) }

func (d *delivery) InProgress() error { return d.m.InProgress() }
