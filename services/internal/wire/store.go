package wire

import (
	"context"
	"time"

	"github.com/newsmill/newsmill/pkg/dedup"
	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/redisstore"
)

// DedupBucket is the JetStream key-value bucket of the embedded dedup
// store.
const DedupBucket = "newsmill_dedup"

// DedupConfig selects and tunes the dedup store.
type DedupConfig struct {
	// RedisURL is the Redis holding content hashes; empty uses the NATS
	// key-value store (single host).
	RedisURL string `conf:"redis_url" help:"Redis for content hashes (empty: NATS key-value bucket)"`
	// RedisPrefix prefixes every dedup key, so pipelines can share a Redis.
	RedisPrefix string `conf:"redis_prefix" help:"prefix of every dedup key in Redis"`
	// TTL is how long an article is remembered.
	TTL time.Duration `conf:"dedup_ttl" help:"how long content hashes are remembered"`
}

// DefaultDedupConfig returns the embedded store, the default prefix and
// a 7-day TTL.
func DefaultDedupConfig() DedupConfig {
	return DedupConfig{RedisPrefix: redisstore.DefaultPrefix, TTL: dedup.DefaultTTL}
}

// DedupStore opens the store the deduplicator claims in: Redis when
// cfg.RedisURL is set, else the JetStream key-value store on bus (it
// survives restarts with the server's data). close releases it.
func DedupStore(ctx context.Context, cfg DedupConfig, bus *natsbus.Bus) (store dedup.Store, kind string, close func() error, err error) {
	if cfg.TTL <= 0 {
		cfg.TTL = dedup.DefaultTTL
	}
	if cfg.RedisURL != "" {
		client, err := redisstore.Open(ctx, cfg.RedisURL)
		if err != nil {
			return nil, "", nil, err
		}
		opts := []redisstore.Option{}
		if cfg.RedisPrefix != "" {
			opts = append(opts, redisstore.WithPrefix(cfg.RedisPrefix))
		}
		return redisstore.New(client, opts...), "redis", client.Close, nil
	}
	return embeddedStore(ctx, cfg, bus)
}
