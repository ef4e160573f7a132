// Command cleaner is newsmill's cleaner service: it reads raw pages from
// news.raw.>, extracts and cleans each article and publishes it on
// news.cleaned.<source>. Run several replicas to go faster: they share one
// durable consumer. Configuration: flags or NEWSMILL_* variables (-h lists
// them).
package main

import (
	"context"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/config"
	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/redisstore"
	"github.com/newsmill/newsmill/pkg/stage"
	"github.com/newsmill/newsmill/services/internal/daemon"
	"github.com/newsmill/newsmill/services/internal/wire"
)

// Config is the cleaner's configuration.
type Config struct {
	wire.StageService `conf:",inline"`
	// RedisURL holds learned per-source templates shared by every
	// replica; empty keeps them in memory per replica.
	RedisURL string `conf:"redis_url" help:"Redis for learned per-source boilerplate (empty: in memory, per replica)"`
	// RedisPrefix prefixes every key the cleaner writes in Redis, so
	// pipelines can share one.
	RedisPrefix string `conf:"redis_prefix" help:"prefix of every learned-template key in Redis"`
	// MaxBodyBytes caps the HTML a page may have.
	MaxBodyBytes int64 `conf:"max_body_bytes" help:"largest HTML page accepted, in bytes"`
}

func main() { wire.Main("cleaner", run) }

func run(ctx context.Context, args []string) error {
	cfg := Config{StageService: wire.DefaultStageService(article.StageCleaner), RedisPrefix: redisstore.DefaultTemplatesPrefix, MaxBodyBytes: 5 << 20}
	if err := config.Load("cleaner", args, &cfg); err != nil {
		return err
	}
	return wire.RunStageService(ctx, article.StageCleaner, cfg.StageService,
		func(ctx context.Context, d *daemon.Deps, _ *natsbus.Bus) (stage.HandlerFunc, func() error, error) {
			return wire.CleanerHandler(ctx, cfg.RedisURL, cfg.RedisPrefix, cfg.MaxBodyBytes, d.Registry)
		})
}
