package wire

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/obs"
	"github.com/newsmill/newsmill/pkg/stage"
	"github.com/newsmill/newsmill/services/internal/daemon"
)

// StageService is the configuration every stage binary shares.
type StageService struct {
	Daemon daemon.Config  `conf:",inline"`
	NATS   natsbus.Config `conf:",inline"`
	Stage  StageOptions   `conf:",inline"`
}

// DefaultStageService returns the defaults of a stage binary.
func DefaultStageService(name string) StageService {
	nc := natsbus.DefaultConfig()
	nc.Name = "newsmill-" + name
	return StageService{Daemon: daemon.DefaultConfig(), NATS: nc, Stage: DefaultStageOptions()}
}

// Validate checks the settings.
func (s StageService) Validate() error {
	if err := s.NATS.Validate(); err != nil {
		return err
	}
	if s.Stage.Concurrency < 1 {
		return fmt.Errorf("concurrency must be at least 1, not %d", s.Stage.Concurrency)
	}
	return nil
}

// RunStageService runs one stage as a service process: connect to NATS,
// ensure the streams, build the handler with build (which may open stores
// and returns a close func), consume until SIGTERM, drain, exit.
func RunStageService(ctx context.Context, name string, cfg StageService,
	build func(ctx context.Context, d *daemon.Deps, bus *natsbus.Bus) (stage.HandlerFunc, func() error, error)) error {
	return daemon.Run(ctx, name, cfg.Daemon, func(ctx context.Context, d *daemon.Deps) error {
		bus, err := natsbus.Connect(ctx, cfg.NATS, d.Log)
		if err != nil {
			return err
		}
		defer func() { _ = bus.Close() }()
		if err := bus.EnsureStreams(ctx); err != nil {
			return err
		}
		d.Registry.MustRegister(natsbus.NewLagCollector(bus))
		handle, closeFn, err := build(ctx, d, bus)
		if err != nil {
			return err
		}
		defer func() { _ = closeFn() }()
		st, err := NewStage(ctx, bus, name, handle, cfg.Stage, obs.NewStageMetrics(d.Registry, d.Log))
		if err != nil {
			return err
		}
		d.SetReady(true)
		d.Log.Info("consuming", zap.String("stage", name), zap.String("nats", cfg.NATS.URL))
		return st.Run(ctx)
	})
}
