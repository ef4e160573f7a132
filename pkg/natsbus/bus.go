package natsbus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// Config holds the connection and stream settings. The zero value of each
// field means its default (see [DefaultConfig]).
type Config struct {
	// URL of the NATS server(s), comma-separated.
	URL string `conf:"nats_url" help:"NATS server URL(s), comma-separated"`
	// Name is the client connection name shown by the server.
	Name string `conf:"-"`
	// StreamMaxAge is how long messages stay in each stream (replay window).
	StreamMaxAge time.Duration `conf:"stream_max_age" help:"how long each stream keeps messages (replay window)"`
	// StreamMaxBytes caps each stream's size. Input streams refuse new
	// messages when full (publishers retry); output streams drop the oldest.
	StreamMaxBytes int64 `conf:"stream_max_bytes" help:"size cap of each stream in bytes; input streams refuse new messages when full"`
	// StreamReplicas is 1 for a single server (run it with sync_interval:
	// always) and 3 for a cluster.
	StreamReplicas int `conf:"stream_replicas" help:"stream replicas: 1 on a single server (sync_interval always), 3 in a cluster"`
	// DuplicateWindow is how long a Nats-Msg-Id is remembered: a republish
	// after a crash within it is dropped. Keep it longer than the outages
	// you expect to survive.
	DuplicateWindow time.Duration `conf:"duplicate_window" help:"how long a Nats-Msg-Id is remembered; longer than the outages to survive"`
	// MaxMsgSize caps one message in the streams (the server's max_payload
	// must allow it).
	MaxMsgSize int32 `conf:"-"`
	// AckWait is how long the server waits for an ack before redelivering.
	AckWait time.Duration `conf:"ack_wait" help:"redelivery timeout of an unacknowledged message"`
	// MaxDeliver is the server-side delivery cap; keep it above the
	// runner's own MaxDeliver so the runner dead-letters first.
	MaxDeliver int `conf:"-"`
	// MaxAckPending bounds unacked messages per consumer across replicas.
	MaxAckPending int `conf:"-"`
	// PublishTimeout bounds waiting for one publish ack.
	PublishTimeout time.Duration `conf:"-"`
}

// DefaultConfig returns the defaults: a local server, 7 days and 1 GiB per
// stream, one replica, a 20-minute duplicate window, 8 MiB messages, 30 s
// ack wait.
func DefaultConfig() Config {
	return Config{
		URL:             nats.DefaultURL,
		Name:            "newsmill",
		StreamMaxAge:    7 * 24 * time.Hour,
		StreamMaxBytes:  1 << 30,
		StreamReplicas:  1,
		DuplicateWindow: 20 * time.Minute,
		MaxMsgSize:      8 << 20,
		AckWait:         30 * time.Second,
		MaxDeliver:      20,
		MaxAckPending:   1000,
		PublishTimeout:  10 * time.Second,
	}
}

// withDefaults fills zero fields from DefaultConfig.
func (cfg Config) withDefaults() Config {
	d := DefaultConfig()
	if cfg.URL == "" {
		cfg.URL = d.URL
	}
	if cfg.Name == "" {
		cfg.Name = d.Name
	}
	if cfg.StreamMaxAge <= 0 {
		cfg.StreamMaxAge = d.StreamMaxAge
	}
	if cfg.StreamMaxBytes == 0 {
		cfg.StreamMaxBytes = d.StreamMaxBytes
	}
	if cfg.StreamReplicas <= 0 {
		cfg.StreamReplicas = d.StreamReplicas
	}
	if cfg.DuplicateWindow <= 0 {
		cfg.DuplicateWindow = d.DuplicateWindow
	}
	if cfg.MaxMsgSize <= 0 {
		cfg.MaxMsgSize = d.MaxMsgSize
	}
	cfg.AckWait = timeoutOr(cfg.AckWait, d.AckWait)
	if cfg.MaxDeliver <= 0 {
		cfg.MaxDeliver = d.MaxDeliver
	}
	if cfg.MaxAckPending <= 0 {
		cfg.MaxAckPending = d.MaxAckPending
	}
	cfg.PublishTimeout = timeoutOr(cfg.PublishTimeout, d.PublishTimeout)
	return cfg
}

// Validate reports a setting that cannot work.
func (cfg Config) Validate() error {
	switch {
	case cfg.DuplicateWindow > 0 && cfg.StreamMaxAge > 0 && cfg.DuplicateWindow > cfg.StreamMaxAge:
		return fmt.Errorf("duplicate_window (%s) must not exceed stream_max_age (%s)", cfg.DuplicateWindow, cfg.StreamMaxAge)
	case cfg.StreamReplicas != 0 && cfg.StreamReplicas != 1 && cfg.StreamReplicas != 3 && cfg.StreamReplicas != 5:
		return fmt.Errorf("stream_replicas must be 1, 3 or 5, not %d", cfg.StreamReplicas)
	}
	return nil
}

// Bus is a connection to NATS with JetStream.
type Bus struct {
	cfg Config
	nc  *nats.Conn
	js  jetstream.JetStream
	log *zap.Logger
}

// Connect connects to NATS. It reconnects forever after a lost connection
// (publishes fail meanwhile and are retried by the stage runner), logging
// each disconnect and reconnect.
func Connect(ctx context.Context, cfg Config, log *zap.Logger) (*Bus, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("checking nats config: %w", err)
	}
	if log == nil {
		log = zap.NewNop()
	}
	opts := []nats.Option{
		nats.Name(cfg.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.RetryOnFailedConnect(false),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", zap.Error(err))
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			log.Info("nats reconnected", zap.String("url", c.ConnectedUrlRedacted()))
		}),
		nats.ErrorHandler(func(_ *nats.Conn, s *nats.Subscription, err error) {
			subj := ""
			if s != nil {
				subj = s.Subject
			}
			log.Error("nats error", zap.String("subscription", subj), zap.Error(err))
		}),
	}
	if dl, ok := ctx.Deadline(); ok {
		opts = append(opts, nats.Timeout(time.Until(dl)))
	}
	nc, err := nats.Connect(cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("connecting to nats at %s: %w", cfg.URL, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("opening jetstream: %w", err)
	}
	return &Bus{cfg: cfg, nc: nc, js: js, log: log}, nil
}

// Config returns the bus's effective configuration.
func (b *Bus) Config() Config { return b.cfg }

// Conn returns the underlying connection.
func (b *Bus) Conn() *nats.Conn { return b.nc }

// JetStream returns the JetStream context.
func (b *Bus) JetStream() jetstream.JetStream { return b.js }

// Close drains the connection: pending publishes are flushed first.
func (b *Bus) Close() error {
	if b.nc.IsClosed() {
		return nil
	}
	if err := b.nc.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		b.nc.Close()
		return fmt.Errorf("draining nats connection: %w", err)
	}
	return nil
}
