package redisstore_test

import (
	"testing"

	"github.com/newsmill/newsmill/pkg/fetch"
	"github.com/newsmill/newsmill/pkg/fetch/seentest"
	"github.com/newsmill/newsmill/pkg/redisstore"
	"github.com/newsmill/newsmill/pkg/redisstore/redistest"
)

func TestSeenSet(t *testing.T) {
	t.Parallel()
	seentest.Run(t, func(t *testing.T) fetch.SeenSet {
		c, prefix := redistest.Client(t)
		return redisstore.NewSeenSet(c, prefix)
	})
}

func TestSeenSetKeys(t *testing.T) {
	t.Parallel()
	c, prefix := redistest.Client(t)
	s := redisstore.NewSeenSet(c, prefix)
	if err := s.Mark(t.Context(), "0123456789abcdef0123456789abcdef", fetch.FailedTTL); err != nil {
		t.Fatal(err)
	}
	ttl, err := c.PTTL(t.Context(), prefix+"seen:0123456789abcdef0123456789abcdef").Result()
	if err != nil || ttl <= 0 || ttl > fetch.FailedTTL {
		t.Errorf("key TTL = %v, %v; want the TTL given to Mark", ttl, err)
	}
}
