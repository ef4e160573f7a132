// Command deduplicator is newsmill's deduplicator service: it reads cleaned
// articles from news.cleaned.>, claims each one's content in Redis (exact
// and near duplicates) and publishes originals and updates on
// news.unique.<source>, duplicates on news.duplicate.<source>.
// Configuration: flags or NEWSMILL_* variables (-h lists them).
package main

import (
	"context"

	"go.uber.org/zap"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/config"
	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/stage"
	"github.com/newsmill/newsmill/services/internal/daemon"
	"github.com/newsmill/newsmill/services/internal/wire"
)

// Config is the deduplicator's configuration.
type Config struct {
	wire.StageService `conf:",inline"`
	Dedup             wire.DedupConfig `conf:",inline"`
}

func main() { wire.Main("deduplicator", run) }

func run(ctx context.Context, args []string) error {
	cfg := Config{StageService: wire.DefaultStageService(article.StageDeduplicator), Dedup: wire.DefaultDedupConfig()}
	if err := config.Load("deduplicator", args, &cfg); err != nil {
		return err
	}
	return wire.RunStageService(ctx, article.StageDeduplicator, cfg.StageService,
		func(ctx context.Context, d *daemon.Deps, bus *natsbus.Bus) (stage.HandlerFunc, func() error, error) {
			h, kind, closeFn, err := wire.DedupHandler(ctx, cfg.Dedup, bus)
			if err == nil {
				d.Log.Info("dedup store", zap.String("kind", kind))
			}
			return h, closeFn, err
		})
}
