// Package stage holds newsmill's delivery semantics once for every service:
// receive a message, handle it, publish its outputs and wait until they are
// stored, then acknowledge the input — or nak it with a growing delay when the
// error is transient, or dead-letter and terminate it when the error is
// permanent or the message was delivered too often.
//
// It imports package article and the standard library only; the NATS adapter
// (package natsbus) implements [Source] and [Sink].
package stage

import (
	"context"
	"time"
)

// Message is one input message as the handler sees it.
type Message struct {
	// Subject the message was published on.
	Subject string
	// Data is the message body (an encoded article).
	Data []byte
	// Header holds the message headers.
	Header map[string][]string
	// Delivered counts deliveries of this message, starting at 1. A value
	// above 1 means an earlier attempt did not acknowledge it.
	Delivered int
	// Published is when the message was stored in its stream.
	Published time.Time
	// Sequence is the message's stream sequence (0 when unknown).
	Sequence uint64
}

// Output is one message a handler wants published.
type Output struct {
	// Subject to publish on.
	Subject string
	// Data is the message body.
	Data []byte
	// MsgID is the Nats-Msg-Id (see article.MsgID): the same output of a
	// redelivered input must carry the same MsgID.
	MsgID string
	// Header holds extra headers; Content-Type is set by the sink.
	Header map[string][]string
}

// Delivery is one received message and the means to settle it. The runner
// calls exactly one of Ack, Nak or Term, once.
type Delivery interface {
	Message() *Message
	// Ack acknowledges the message and waits for the server to confirm it.
	Ack(ctx context.Context) error
	// Nak asks for redelivery after delay.
	Nak(delay time.Duration) error
	// Term stops redelivery for good; reason goes to the server's advisory.
	Term(reason string) error
	// InProgress resets the server's redelivery timer for a slow handler.
	InProgress() error
}

// Source hands out input messages. Implementations must be safe for
// concurrent use by several workers.
type Source interface {
	// Next blocks until a message is available, ctx is done (it returns
	// ctx.Err()), or the source fails. Transient failures (a broker that is
	// reconnecting) are retried inside Next, not returned.
	Next(ctx context.Context) (Delivery, error)
	// Stop ends receiving: messages received but not handed out are nak'd so
	// another replica gets them at once. Next returns an error afterwards.
	Stop() error
}

// Sink stores output messages. Publish returns only once the message is
// stored (a JetStream publish ack) or it failed; a failed publish is
// transient unless wrapped with [Permanent]. Implementations must be safe
// for concurrent use.
type Sink interface {
	Publish(ctx context.Context, out Output) error
}

// HandlerFunc turns one input message into its outputs. Return an error
// wrapped with [Permanent] for input that can never succeed (it is
// dead-lettered); any other error is retried with backoff. A handler must be
// idempotent: the same input may arrive again after a crash.
type HandlerFunc func(ctx context.Context, msg *Message) ([]Output, error)

// Observer receives one call per settled message, for metrics and logs.
// Implementations must be safe for concurrent use and must not block.
type Observer interface {
	// Settled is called after a message was acked, nak'd or terminated.
	// outcome is one of the Outcome constants; reason is a short,
	// low-cardinality error class ("" on success); err is the error, if any.
	Settled(stage string, outcome Outcome, reason string, took time.Duration, msg *Message, err error)
}

// Outcome is how a message was settled.
type Outcome string

// Outcomes of a message.
const (
	// Processed: outputs stored, input acked.
	Processed Outcome = "processed"
	// Retried: a transient error, input nak'd with a delay.
	Retried Outcome = "retried"
	// DeadLettered: a permanent error or too many deliveries; the original
	// went to the stage's DLQ subject and the input was terminated.
	DeadLettered Outcome = "dead_lettered"
	// Abandoned: shutdown came before the handler finished; input nak'd.
	Abandoned Outcome = "abandoned"
)
