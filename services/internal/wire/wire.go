// Package wire assembles newsmill's stages from the library: it connects a
// stage handler to the bus through the runner with metrics and logs, and
// opens the dedup store the configuration asks for. The service binaries and
// `newsctl up` share it so a stage runs the same way in both.
package wire

import (
	"context"
	"fmt"
	"time"

	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/stage"
)

// StageOptions tune one stage's runner.
type StageOptions struct {
	// Concurrency is how many messages this process handles at once.
	Concurrency int `conf:"concurrency" help:"messages handled at once by this process"`
	// MaxDeliver is the delivery count at which a failing message is
	// dead-lettered.
	MaxDeliver int `conf:"max_deliver" help:"deliveries before a failing message is dead-lettered"`
	// DrainTimeout bounds finishing in-flight messages on shutdown.
	DrainTimeout time.Duration `conf:"drain_timeout" help:"how long in-flight messages may finish after SIGTERM"`
}

// DefaultStageOptions returns 4 at once, 10 deliveries, 20 s drain.
func DefaultStageOptions() StageOptions {
	return StageOptions{
		Concurrency:  stage.DefaultConcurrency,
		MaxDeliver:   stage.DefaultMaxDeliver,
		DrainTimeout: stage.DefaultDrainTimeout,
	}
}

// Stage is one stage ready to run.
type Stage struct {
	runner *stage.Runner
}

// NewStage ensures the stage's durable consumer and builds its runner, with
// the stage metrics registered on reg (nil: none) and logs on log.
func NewStage(ctx context.Context, bus *natsbus.Bus, name string, handle stage.HandlerFunc, opts StageOptions, observer stage.Observer) (*Stage, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = stage.DefaultConcurrency
	}
	src, err := bus.Source(ctx, name, opts.Concurrency)
	if err != nil {
		return nil, fmt.Errorf("starting %s consumer: %w", name, err)
	}
	return &Stage{runner: &stage.Runner{
		Stage:        name,
		In:           src,
		Out:          bus.Sink(),
		Handle:       handle,
		Concurrency:  opts.Concurrency,
		MaxDeliver:   opts.MaxDeliver,
		DrainTimeout: opts.DrainTimeout,
		Observer:     observer,
	}}, nil
}

// Run processes messages until ctx is cancelled, then drains.
func (s *Stage) Run(ctx context.Context) error { return s.runner.Run(ctx) }
