package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/newsmill/newsmill/pkg/fetch"
)

// SeenSet is the fetcher's seen-set in Redis (fetch.SeenSet), shared by
// every fetcher replica: one string key per fetched article,
// <prefix>seen:<article id>, with the seen TTL as its expiry. Seen is one
// MGET round trip for a whole listing; Mark is one SET … PX; Amend is one
// pipeline of SET … XX KEEPTTL (Redis 6.0 or later) for a whole batch.
//
// A key's value is the page's record: "<fetched>,<listed>", each a Unix
// time in milliseconds or empty when zero. A key holding anything else
// (the "1" written before records were kept) is seen with a zero record.
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
func (s *SeenSet) Seen(ctx context.Context, keys []string) ([]fetch.SeenRecord, error) {
	out := make([]fetch.SeenRecord, len(keys))
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
	if len(vals) != len(keys) {
		return nil, fmt.Errorf("reading seen-set: %d values for %d keys", len(vals), len(keys))
	}
	for i, v := range vals {
		if v == nil {
			continue
		}
		str, _ := v.(string)
		out[i] = decodeSeen(str)
	}
	return out, nil
}

// Mark implements fetch.SeenSet: SET key record PX ttl (a TTL below one
// millisecond is rounded up); ttl ≤ 0 deletes the key.
func (s *SeenSet) Mark(ctx context.Context, key string, rec fetch.SeenRecord, ttl time.Duration) error {
	if ttl <= 0 {
		if err := s.c.Del(ctx, s.prefix+key).Err(); err != nil {
			return fmt.Errorf("forgetting seen key: %w", err)
		}
		return nil
	}
	ttl = max(ttl, time.Millisecond)
	if err := s.c.Set(ctx, s.prefix+key, encodeSeen(rec), ttl).Err(); err != nil {
		return fmt.Errorf("marking seen: %w", err)
	}
	return nil
}

// Amend implements fetch.SeenSet: SET key record XX KEEPTTL for every key,
// in one pipeline. XX leaves an expired key unseen; KEEPTTL keeps the
// expiry of the others.
func (s *SeenSet) Amend(ctx context.Context, recs map[string]fetch.SeenRecord) error {
	if len(recs) == 0 {
		return nil
	}
	cmds, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for k, rec := range recs {
			p.SetArgs(ctx, s.prefix+k, encodeSeen(rec), redis.SetArgs{Mode: "XX", KeepTTL: true})
		}
		return nil
	})
	if len(cmds) == 0 && err != nil {
		return fmt.Errorf("amending seen records: %w", err)
	}
	for _, c := range cmds {
		// SET … XX answers nil for a missing key: not a failure.
		if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("amending seen records: %w", err)
		}
	}
	return nil
}

// encodeSeen returns the value of a seen key: "<fetched>,<listed>".
func encodeSeen(rec fetch.SeenRecord) string {
	ms := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return strconv.FormatInt(t.UnixMilli(), 10)
	}
	return ms(rec.Fetched) + "," + ms(rec.Listed)
}

// decodeSeen reads the value of a seen key; a value it cannot read is a
// seen key with a zero record.
func decodeSeen(v string) fetch.SeenRecord {
	rec := fetch.SeenRecord{Seen: true}
	f, l, ok := strings.Cut(v, ",")
	if !ok {
		return rec
	}
	t := func(s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}
		}
		return time.UnixMilli(n).UTC()
	}
	rec.Fetched, rec.Listed = t(f), t(l)
	return rec
}
