package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Open parses a Redis URL (redis://[user:pass@]host:port/db or rediss://
// for TLS, as in REDIS_URL), connects and pings the server, so that a wrong
// address fails at start with a clear error rather than on the first
// article. The error names the host, never the password. The caller closes
// the client.
func Open(ctx context.Context, url string) (*redis.Client, error) {
	if url == "" {
		return nil, fmt.Errorf("opening redis: empty URL (set REDIS_URL, e.g. redis://127.0.0.1:6379/0)")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("parsing redis URL: %w", err)
	}
	c := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("pinging redis at %s (db %d): %w", opts.Addr, opts.DB, err)
	}
	return c, nil
}
