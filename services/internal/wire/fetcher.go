package wire

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/newsmill/newsmill/pkg/fetch"
	"github.com/newsmill/newsmill/pkg/natsbus"
)

// Buckets of the live source registry and of the fetcher's source health.
const (
	SourcesBucket = "newsmill_sources"
	HealthBucket  = "newsmill_source_health"
)

// healthEvery is how often the fetcher shares its sources' health.
const healthEvery = 2 * time.Second

// RunFetcher runs f over the live source registry until ctx is done: the
// sources in seed are added to the registry unless it already has a source
// of that id (an operator's later pause or edit wins over the file), every
// change to the registry takes effect at once, and the health of every
// source is shared for `newsctl sources list`.
func RunFetcher(ctx context.Context, bus *natsbus.Bus, f *fetch.Fetcher, seed []fetch.Source, log *zap.Logger) error {
	reg, err := natsbus.NewRegistry(ctx, bus.JetStream(), SourcesBucket)
	if err != nil {
		return err
	}
	for _, s := range seed {
		switch err := reg.Create(ctx, s); {
		case errors.Is(err, natsbus.ErrSourceExists):
			log.Info("source already registered; keeping the registry's version", zap.String("source", s.ID))
		case err != nil:
			return fmt.Errorf("registering source %s: %w", s.ID, err)
		}
	}
	board, err := natsbus.NewHealthBoard(ctx, bus.JetStream(), HealthBucket, 10*time.Minute)
	if err != nil {
		return err
	}
	watch, err := reg.Watch(ctx)
	if err != nil {
		return fmt.Errorf("watching the source registry: %w", err)
	}
	go func() {
		t := time.NewTicker(healthEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				pctx, cancel := context.WithTimeout(ctx, healthEvery)
				if err := board.Publish(pctx, f.Health()); err != nil && ctx.Err() == nil {
					log.Warn("sharing source health failed", zap.Error(err))
				}
				cancel()
			}
		}
	}()
	return f.Run(ctx, watch)
}
