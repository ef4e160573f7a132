package natsbus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsmill/newsmill/pkg/article"
)

// Stream names, one per stage output.
const (
	StreamRaw       = "RAW"
	StreamCleaned   = "CLEANED"
	StreamUnique    = "UNIQUE"
	StreamDuplicate = "DUPLICATE"
	StreamArticles  = "ARTICLES"
	StreamDLQ       = "DLQ"
)

// StreamSpec describes one stream of the pipeline.
type StreamSpec struct {
	Name    string
	Subject string // wildcard subject, e.g. "news.raw.>"
	// Input marks streams a stage consumes: they discard new messages when
	// full, so publishers see an error and retry, rather than silently
	// dropping the oldest unprocessed ones.
	Input bool
}

// Streams lists every stream of the pipeline.
var Streams = []StreamSpec{
	{Name: StreamRaw, Subject: article.RawRoot + ".>", Input: true},
	{Name: StreamCleaned, Subject: article.CleanedRoot + ".>", Input: true},
	{Name: StreamUnique, Subject: article.UniqueRoot + ".>", Input: true},
	{Name: StreamDuplicate, Subject: article.DuplicateRoot + ".>"},
	{Name: StreamArticles, Subject: article.ArticlesRoot + ".>"},
	{Name: StreamDLQ, Subject: article.DLQRoot + ".>", Input: true},
}

// InputStream returns the stream a stage consumes: the cleaner reads RAW,
// the deduplicator CLEANED, the classifier UNIQUE.
func InputStream(stage string) (string, error) {
	switch stage {
	case article.StageCleaner:
		return StreamRaw, nil
	case article.StageDeduplicator:
		return StreamCleaned, nil
	case article.StageClassifier:
		return StreamUnique, nil
	}
	return "", fmt.Errorf("stage %q has no input stream", stage)
}

// StreamConfig returns the JetStream configuration of spec under cfg.
func (cfg Config) StreamConfig(spec StreamSpec) jetstream.StreamConfig {
	discard := jetstream.DiscardOld
	if spec.Input {
		discard = jetstream.DiscardNew
	}
	return jetstream.StreamConfig{
		Name:        spec.Name,
		Description: "newsmill " + spec.Subject,
		Subjects:    []string{spec.Subject},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		MaxAge:      cfg.StreamMaxAge,
		MaxBytes:    cfg.StreamMaxBytes,
		Discard:     discard,
		Replicas:    cfg.StreamReplicas,
		Duplicates:  cfg.DuplicateWindow,
		MaxMsgSize:  cfg.MaxMsgSize,
		AllowDirect: true,
	}
}

// EnsureStreams creates every stream, or updates it to the current
// configuration; running it again changes nothing.
func (b *Bus) EnsureStreams(ctx context.Context) error {
	for _, spec := range Streams {
		sc := b.cfg.StreamConfig(spec)
		if _, err := b.js.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("ensuring stream %s: %w", spec.Name, err)
		}
	}
	return nil
}

// EnsureConsumer creates or updates the durable pull consumer of stage on
// its input stream. All replicas of a service share it.
func (b *Bus) EnsureConsumer(ctx context.Context, stage string) (jetstream.Consumer, error) {
	stream, err := InputStream(stage)
	if err != nil {
		return nil, err
	}
	cc := jetstream.ConsumerConfig{
		Durable:       stage,
		Description:   "newsmill " + stage,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       b.cfg.AckWait,
		MaxDeliver:    b.cfg.MaxDeliver,
		MaxAckPending: b.cfg.MaxAckPending,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		Replicas:      b.cfg.StreamReplicas,
	}
	c, err := b.js.CreateOrUpdateConsumer(ctx, stream, cc)
	if err != nil {
		return nil, fmt.Errorf("ensuring consumer %s on %s: %w", stage, stream, err)
	}
	return c, nil
}

// errNoStream is returned by lookups on a stream that does not exist yet.
var errNoStream = errors.New("stream not found")

// timeoutOr returns d, or def when d is zero.
func timeoutOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
