package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/newsmill/newsmill/pkg/fetch"
)

// DefaultValidatorsTTL is how long a listing's validators are kept after
// it was last polled.
const DefaultValidatorsTTL = 30 * 24 * time.Hour

// Validators is the fetcher's store of listing validators in Redis
// (fetch.ValidatorStore), shared by every fetcher replica and kept across
// restarts, so that the first poll of a listing after either is still a
// conditional GET. It is safe for concurrent use.
//
// One hash per listing URL, <prefix>validators:<hash>, where <hash> is the
// first 16 bytes of the SHA-256 of the URL in hex (32 characters, whatever
// the URL's length), with two fields: e (ETag) and m (Last-Modified), either
// possibly empty. Every read and every write sets the key's TTL again, so a
// listing that is still polled keeps its validators and an abandoned one
// is forgotten a TTL after its last poll. Losing a key, to the TTL or to
// eviction, costs one full download of the listing, never an article.
type Validators struct {
	c      *redis.Client
	prefix string
	ttl    time.Duration
}

var _ fetch.ValidatorStore = (*Validators)(nil)

// NewValidators returns a validator store on c whose keys start with
// prefix (for example "newsmill:"; "" is allowed) and expire ttl after the
// listing was last polled (ttl ≤ 0: [DefaultValidatorsTTL]; a TTL below one
// millisecond is rounded up).
func NewValidators(c *redis.Client, prefix string, ttl time.Duration) *Validators {
	if ttl <= 0 {
		ttl = DefaultValidatorsTTL
	}
	return &Validators{c: c, prefix: prefix + "validators:", ttl: max(ttl, time.Millisecond)}
}

// key returns the Redis key of a listing URL.
func (s *Validators) key(url string) string {
	h := sha256.Sum256([]byte(url))
	return s.prefix + hex.EncodeToString(h[:16])
}

// Validators implements fetch.ValidatorStore: HMGET and PEXPIRE in one
// round trip. A URL without a key has zero validators.
func (s *Validators) Validators(ctx context.Context, url string) (fetch.Validators, error) {
	key := s.key(url)
	var get *redis.SliceCmd
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		get = p.HMGet(ctx, key, "e", "m")
		p.PExpire(ctx, key, s.ttl)
		return nil
	})
	if err != nil {
		return fetch.Validators{}, fmt.Errorf("reading validators: %w", err)
	}
	vals := get.Val()
	if len(vals) != 2 {
		return fetch.Validators{}, fmt.Errorf("reading validators: %d fields for 2", len(vals))
	}
	var v fetch.Validators
	for i, dst := range []*string{&v.ETag, &v.LastModified} {
		switch x := vals[i].(type) {
		case nil:
		case string:
			*dst = x
		default:
			return fetch.Validators{}, fmt.Errorf("reading validators: field of type %T", x)
		}
	}
	return v, nil
}

// RememberValidators implements fetch.ValidatorStore: HSET and PEXPIRE in
// one MULTI, so a key never lives without its TTL; zero validators delete
// the key.
func (s *Validators) RememberValidators(ctx context.Context, url string, v fetch.Validators) error {
	key := s.key(url)
	if v.IsZero() {
		if err := s.c.Del(ctx, key).Err(); err != nil {
			return fmt.Errorf("forgetting validators: %w", err)
		}
		return nil
	}
	_, err := s.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, "e", v.ETag, "m", v.LastModified)
		p.PExpire(ctx, key, s.ttl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("remembering validators: %w", err)
	}
	return nil
}
