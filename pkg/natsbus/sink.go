package natsbus

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/stage"
)

// Sink is a [stage.Sink] that publishes to JetStream and returns only after
// the stream stored the message.
type Sink struct {
	js  jetstream.JetStream
	cfg Config
}

var _ stage.Sink = (*Sink)(nil)

// Sink returns a sink publishing through this bus.
func (b *Bus) Sink() *Sink { return &Sink{js: b.js, cfg: b.cfg} }

// JetStream error codes that decide how a failed publish is classified.
const (
	errCodeMsgTooLarge = 10054 // message size exceeds the stream's maximum
	errCodeStoreFailed = 10077 // e.g. "maximum bytes exceeded" on a full DiscardNew stream
)

// Publish stores out with its Nats-Msg-Id and Content-Type headers. A
// message the stream can never take (too large) is a permanent error; a full
// stream, a timeout or a lost connection is transient, reason
// "stream_full" or "nats_unavailable".
func (s *Sink) Publish(ctx context.Context, out stage.Output) error {
	m := nats.NewMsg(out.Subject)
	m.Data = out.Data
	for k, vs := range out.Header {
		for _, v := range vs {
			m.Header.Add(k, v)
		}
	}
	if m.Header.Get("Content-Type") == "" {
		m.Header.Set("Content-Type", contentType(out.Subject))
	}
	if out.MsgID != "" {
		m.Header.Set(jetstream.MsgIDHeader, out.MsgID)
	}
	pctx, cancel := context.WithTimeout(ctx, s.cfg.PublishTimeout)
	defer cancel()
	if _, err := s.js.PublishMsg(pctx, m); err != nil {
		return classifyPublish(out.Subject, err)
	}
	return nil
}

func contentType(subject string) string {
	if len(subject) > len(article.DLQRoot) && subject[:len(article.DLQRoot)] == article.DLQRoot {
		return "application/vnd.newsmill.deadletter.v1+json"
	}
	return article.ContentType
}

func classifyPublish(subject string, err error) error {
	err = fmt.Errorf("publishing to %s: %w", subject, err)
	var api *jetstream.APIError
	switch {
	case errors.Is(err, nats.ErrMaxPayload):
		return stage.WithReason("too_large", stage.Permanent(err))
	case errors.As(err, &api) && api.ErrorCode == errCodeMsgTooLarge:
		return stage.WithReason("too_large", stage.Permanent(err))
	case errors.As(err, &api) && api.ErrorCode == errCodeStoreFailed:
		return stage.WithReason("stream_full", err)
	case errors.Is(err, jetstream.ErrNoStreamResponse):
		return stage.WithReason("no_stream", err)
	}
	return stage.WithReason("nats_unavailable", err)
}
