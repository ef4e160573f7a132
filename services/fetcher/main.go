// Command fetcher is newsmill's fetcher service: it polls the sources of the
// live registry (a NATS key-value bucket that `newsctl sources` edits, seeded
// from a YAML file at start) politely, and publishes each new article page on
// news.raw.<source>. Configuration: flags or
// NEWSMILL_* variables (-h lists them).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/newsmill/newsmill/pkg/config"
	"github.com/newsmill/newsmill/pkg/fetch"
	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/pipeline"
	"github.com/newsmill/newsmill/pkg/redisstore"
	"github.com/newsmill/newsmill/services/internal/daemon"
	"github.com/newsmill/newsmill/services/internal/wire"
)

// Config is the fetcher's configuration.
type Config struct {
	Daemon daemon.Config  `conf:",inline"`
	NATS   natsbus.Config `conf:",inline"`
	// SourcesFile is a YAML file of sources read at start.
	SourcesFile string `conf:"sources_file" help:"YAML file of sources read at start"`
	// RedisURL holds the seen-set and the listings' conditional-GET
	// validators, shared by replicas and kept across restarts; empty keeps
	// both in memory.
	RedisURL string `conf:"redis_url" help:"Redis for the seen-set of fetched articles and the listings' ETag/Last-Modified (empty: in memory)"`
	// RedisPrefix prefixes every key the fetcher writes in Redis, so
	// pipelines can share one.
	RedisPrefix string `conf:"redis_prefix" help:"prefix of every seen-set and validator key in Redis"`
	// UserAgent is sent with every request.
	UserAgent string `conf:"user_agent" help:"User-Agent of every request"`
	// MaxBodyBytes caps a page.
	MaxBodyBytes int64 `conf:"max_body_bytes" help:"largest page accepted, in bytes"`
	// MaxPagesInFlight bounds the pages held at once across all sources.
	MaxPagesInFlight int `conf:"max_pages_in_flight" help:"most article pages fetched at once across all sources (memory: up to this × max_body_bytes)"`
	// MinRefetchInterval is the least time between two fetches of a page
	// its listing shows as updated.
	MinRefetchInterval time.Duration `conf:"min_refetch_interval" help:"least time between two fetches of a page whose feed entry or sitemap lastmod shows it changed"`
	// StartSpread spreads the first polls after a start over up to this
	// long, so a restart does not hit every site at once.
	StartSpread time.Duration `conf:"start_spread" help:"spread the first polls after a start over up to this long"`
}

func main() { wire.Main("fetcher", run) }

func run(ctx context.Context, args []string) error {
	nc := natsbus.DefaultConfig()
	nc.Name = "newsmill-fetcher"
	cfg := Config{Daemon: daemon.DefaultConfig(), NATS: nc, MaxBodyBytes: 5 << 20, RedisPrefix: "newsmill:", MaxPagesInFlight: 16, MinRefetchInterval: time.Hour}
	if err := config.Load("fetcher", args, &cfg); err != nil {
		return err
	}
	sources, err := loadSources(cfg.SourcesFile)
	if err != nil {
		return err
	}
	return daemon.Run(ctx, "fetcher", cfg.Daemon, func(ctx context.Context, d *daemon.Deps) error {
		bus, err := natsbus.Connect(ctx, cfg.NATS, d.Log)
		if err != nil {
			return err
		}
		defer func() { _ = bus.Close() }()
		if err := bus.EnsureStreams(ctx); err != nil {
			return err
		}
		d.Registry.MustRegister(natsbus.NewLagCollector(bus))
		var seen fetch.SeenSet = fetch.NewMemorySeen(nil)
		var validators fetch.ValidatorStore = fetch.NewMemoryValidators()
		if cfg.RedisURL != "" {
			client, err := redisstore.Open(ctx, cfg.RedisURL)
			if err != nil {
				return err
			}
			defer func() { _ = client.Close() }()
			seen = redisstore.NewSeenSet(client, cfg.RedisPrefix)
			validators = redisstore.NewValidators(client, cfg.RedisPrefix, 0)
		}
		f := fetch.New(fetch.Options{UserAgent: cfg.UserAgent, MaxBodyBytes: cfg.MaxBodyBytes, MaxPagesInFlight: cfg.MaxPagesInFlight, MinRefetchInterval: cfg.MinRefetchInterval, StartSpread: cfg.StartSpread, Validators: validators},
			seen, &pipeline.RawPublisher{Sink: bus.Sink()}, d.Log)
		defer f.Close()
		d.Registry.MustRegister(f.Collector())
		d.Handle("/sources", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(f.Health())
		}))
		d.SetReady(true)
		d.Log.Info("fetching", zap.Int("sources_in_file", len(sources)), zap.String("registry", wire.SourcesBucket))
		return wire.RunFetcher(ctx, bus, f, sources, d.Log)
	})
}

func loadSources(path string) ([]fetch.Source, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening sources file: %w", err)
	}
	defer func() { _ = f.Close() }()
	srcs, err := fetch.LoadSources(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return srcs, nil
}
