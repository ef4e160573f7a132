package natsbus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsmill/newsmill/pkg/article"
)

// StreamStats is a snapshot of one stream and the stage consuming it.
type StreamStats struct {
	Stream   string
	Messages uint64
	Bytes    uint64
	MaxBytes int64
	// LastSeq is the last stored sequence: its growth over time is the
	// stream's inflow rate.
	LastSeq uint64
	// Consumer is the durable consuming this stream, "" for output-only
	// streams.
	Consumer string
	// Pending is the number of messages not yet delivered to the consumer.
	Pending uint64
	// AckPending is the number delivered and not yet acknowledged.
	AckPending int
	// Redelivered is the number delivered more than once and still unacked.
	Redelivered int
	// Delivered is the consumer's delivered stream sequence: its growth is
	// the stage's processing rate.
	Delivered uint64
	// AckFloor is the highest stream sequence below which every message is
	// acknowledged.
	AckFloor uint64
	At       time.Time
}

// consumerOf maps input streams to the stage consuming them.
var consumerOf = map[string]string{
	StreamRaw:     article.StageCleaner,
	StreamCleaned: article.StageDeduplicator,
	StreamUnique:  article.StageClassifier,
}

// Stats returns a snapshot of every pipeline stream that exists.
func (b *Bus) Stats(ctx context.Context) ([]StreamStats, error) {
	out := make([]StreamStats, 0, len(Streams))
	for _, spec := range Streams {
		st, err := b.streamStats(ctx, spec.Name)
		if errors.Is(err, errNoStream) {
			continue
		}
		if err != nil {
			return out, err
		}
		out = append(out, st)
	}
	return out, nil
}

func (b *Bus) streamStats(ctx context.Context, name string) (StreamStats, error) {
	st := StreamStats{Stream: name, At: time.Now()}
	s, err := b.js.Stream(ctx, name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return st, errNoStream
	}
	if err != nil {
		return st, fmt.Errorf("reading stream %s: %w", name, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return st, fmt.Errorf("reading stream %s: %w", name, err)
	}
	st.Messages, st.Bytes, st.MaxBytes, st.LastSeq = info.State.Msgs, info.State.Bytes, info.Config.MaxBytes, info.State.LastSeq
	durable, ok := consumerOf[name]
	if !ok {
		return st, nil
	}
	c, err := s.Consumer(ctx, durable)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("reading consumer %s: %w", durable, err)
	}
	ci, err := c.Info(ctx)
	if err != nil {
		return st, fmt.Errorf("reading consumer %s: %w", durable, err)
	}
	st.Consumer = durable
	st.Pending, st.AckPending, st.Redelivered = ci.NumPending, ci.NumAckPending, ci.NumRedelivered
	st.Delivered, st.AckFloor = ci.Delivered.Stream, ci.AckFloor.Stream
	return st, nil
}

// LagCollector is a Prometheus collector of stream and consumer state, read
// from the server at each scrape, so a growing backlog shows.
type LagCollector struct {
	bus *Bus

	pending, ackPending, redelivered *prometheus.Desc
	msgs, bytes, maxBytes, up        *prometheus.Desc
}

var _ prometheus.Collector = (*LagCollector)(nil)

// NewLagCollector returns a collector over every pipeline stream; register
// it on the service's registry.
func NewLagCollector(b *Bus) *LagCollector {
	cl := []string{"stream", "consumer"}
	sl := []string{"stream"}
	return &LagCollector{
		bus:         b,
		pending:     prometheus.NewDesc("newsmill_consumer_pending_messages", "Messages not yet delivered to the stage's consumer.", cl, nil),
		ackPending:  prometheus.NewDesc("newsmill_consumer_ack_pending_messages", "Messages delivered and not yet acknowledged.", cl, nil),
		redelivered: prometheus.NewDesc("newsmill_consumer_redelivered_messages", "Messages delivered more than once and not yet acknowledged.", cl, nil),
		msgs:        prometheus.NewDesc("newsmill_stream_messages", "Messages stored in the stream.", sl, nil),
		bytes:       prometheus.NewDesc("newsmill_stream_bytes", "Bytes stored in the stream.", sl, nil),
		maxBytes:    prometheus.NewDesc("newsmill_stream_max_bytes", "The stream's byte limit (alert at 80 %).", sl, nil),
		up:          prometheus.NewDesc("newsmill_jetstream_up", "1 when the stream state could be read at the last scrape.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *LagCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.pending, c.ackPending, c.redelivered, c.msgs, c.bytes, c.maxBytes, c.up} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *LagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	stats, err := c.bus.Stats(ctx)
	up := 1.0
	if err != nil {
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up)
	for _, s := range stats {
		ch <- prometheus.MustNewConstMetric(c.msgs, prometheus.GaugeValue, float64(s.Messages), s.Stream)
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, float64(s.Bytes), s.Stream)
		ch <- prometheus.MustNewConstMetric(c.maxBytes, prometheus.GaugeValue, float64(s.MaxBytes), s.Stream)
		if s.Consumer == "" {
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(s.Pending), s.Stream, s.Consumer)
		ch <- prometheus.MustNewConstMetric(c.ackPending, prometheus.GaugeValue, float64(s.AckPending), s.Stream, s.Consumer)
		ch <- prometheus.MustNewConstMetric(c.redelivered, prometheus.GaugeValue, float64(s.Redelivered), s.Stream, s.Consumer)
	}
}
