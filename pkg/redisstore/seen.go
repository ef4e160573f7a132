package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/newsmill/newsmill/pkg/fetch"
)

// SeenSet is the fetcher's seen-set in Redis (fetch.SeenSet), shared by
// every fetcher replica: one key per fetched article,
// <prefix>seen:<article id>, with the seen TTL as its expiry. Seen is one
// MGET round trip for a whole listing; Mark is one SET … PX.
//
// Redis must run with maxmemory-policy noeviction: an evicted key would
// make the fetcher fetch and publish an article again (the deduplicator
// still catches it, at a cost). A full Redis fails Mark loudly, and the
// fetcher then stops the poll without marking, so nothing is lost.
type SeenSet struct {
	c      *redis.Client
	prefix string
}

var _ fetch.SeenSet = (*SeenSet)(nil)

// NewSeenSet returns a seen-set on c whose keys start with prefix (for
// example "newsmill:"; "" is allowed).
func NewSeenSet(c *redis.Client, prefix string) *SeenSet {
	return &SeenSet{c: c, prefix: prefix + "seen:"}
}

// Seen implements fetch.SeenSet with one MGET.
func (s *SeenSet) Seen(ctx context.Context, keys []string) ([]bool, error) {
	out := make([]bool, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = s.prefix + k
	}
	vals, err := s.c.MGet(ctx, full...).Result()
	if err != nil {
		return nil, fmt.Errorf("reading seen-set: %w", err)
	}
	for i, v := range vals {
		out[i] = v != nil
	}
	return out, nil
}

// Mark implements fetch.SeenSet: SET key 1 PX ttl (a TTL below one
// millisecond is rounded up); ttl ≤ 0 deletes the key.
func (s *SeenSet) Mark(ctx context.Context, key string, ttl time.Duration) error {
	if ttl <= 0 {
		if err := s.c.Del(ctx, s.prefix+key).Err(); err != nil {
			return fmt.Errorf("forgetting seen key: %w", err)
		}
		return nil
	}
	ttl = max(ttl, time.Millisecond)
	if err := s.c.Set(ctx, s.prefix+key, "1", ttl).Err(); err != nil {
		return fmt.Errorf("marking seen: %w", err)
	}
	return nil
}
