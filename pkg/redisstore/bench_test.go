package redisstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/newsmill/newsmill/pkg/dedup"
	"github.com/newsmill/newsmill/pkg/redisstore"
	"github.com/newsmill/newsmill/pkg/redisstore/redistest"
)

// benchClaim is the claim of synthetic article n: a 32-hex id, a content
// hash, 8 band keys and a 56-byte sketch, as dedup.Deduper makes them.
func benchClaim(n int) dedup.Claim {
	sum := sha256.Sum256(fmt.Appendf(nil, "article %d", n))
	c := dedup.Claim{ID: hex.EncodeToString(sum[:16]), TTL: 7 * 24 * time.Hour, Sketch: make([]byte, 56)}
	h := sha256.Sum256(sum[:])
	copy(c.Hash[:], h[:16])
	copy(c.Sketch, h[:])
	for i := range 8 {
		b := sha256.Sum256(append(h[:], byte(i)))
		c.Bands = append(c.Bands, binary.BigEndian.Uint64(b[:8]))
	}
	return c
}

// BenchmarkClaim measures claims per second from one process against a
// private local redis-server (AOF on, as in production): one at a time,
// from many goroutines, and pipelined in batches. Besides wall-clock
// checks/s it reports the Redis server's CPU time per check (INFO cpu), and
// the checks/s one Redis core sustains at that cost, which does not depend
// on how busy the machine running the benchmark is.
func BenchmarkClaim(b *testing.B) {
	srv := redistest.StartServer(b, benchServerConfig...)
	var next atomic.Int64
	mon := srv.Client(b)
	b.Run("sequential", func(b *testing.B) {
		st := redisstore.New(srv.Client(b))
		ctx := context.Background()
		cpu := redisCPU(b, mon)
		for b.Loop() {
			if _, err := st.Claim(ctx, benchClaim(int(next.Add(1)))); err != nil {
				b.Fatal(err)
			}
		}
		reportRates(b, mon, cpu, b.N)
	})
	b.Run("parallel-64", func(b *testing.B) {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr, PoolSize: 64})
		defer c.Close()
		st := redisstore.New(c)
		ctx := context.Background()
		b.SetParallelism(32)
		cpu := redisCPU(b, mon)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := st.Claim(ctx, benchClaim(int(next.Add(1)))); err != nil {
					b.Error(err)
					return
				}
			}
		})
		reportRates(b, mon, cpu, b.N)
	})
	for _, batch := range []int{16, 128} {
		b.Run(fmt.Sprintf("pipelined-%d-x4", batch), func(b *testing.B) {
			st := redisstore.New(srv.Client(b))
			cpu := redisCPU(b, mon)
			n := claimBatches(b, st, batch, 4, &next)
			reportRates(b, mon, cpu, n)
		})
	}
	b.Run("exact-only-pipelined-128-x4", func(b *testing.B) {
		// Claims without bands: the exact and id indexes alone.
		st := redisstore.New(srv.Client(b))
		cpu := redisCPU(b, mon)
		ctx := context.Background()
		total := 0
		for b.Loop() {
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					cs := make([]dedup.Claim, 128)
					for i := range cs {
						cs[i] = benchClaim(int(next.Add(1)))
						cs[i].Bands = nil
					}
					if _, errs := st.ClaimBatch(ctx, cs); errs[0] != nil {
						b.Error(errs[0])
					}
				})
			}
			wg.Wait()
			total += 4 * 128
		}
		reportRates(b, mon, cpu, total)
	})
}

// benchServerConfig is extra redis-server configuration for the
// benchmarks (production settings by default).
var benchServerConfig []string

// redisCPU returns the server's used CPU seconds (user + system).
func redisCPU(b *testing.B, c *redis.Client) float64 {
	b.Helper()
	info, err := c.Info(context.Background(), "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	var total float64
	for line := range strings.SplitSeq(info, "\r\n") {
		for _, k := range []string{"used_cpu_sys:", "used_cpu_user:"} {
			if v, ok := strings.CutPrefix(line, k); ok {
				var f float64
				if _, err := fmt.Sscan(v, &f); err != nil {
					b.Fatal(err)
				}
				total += f
			}
		}
	}
	return total
}

func reportRates(b *testing.B, mon *redis.Client, cpuBefore float64, checks int) {
	b.Helper()
	cpu := redisCPU(b, mon) - cpuBefore
	b.ReportMetric(float64(checks)/b.Elapsed().Seconds(), "checks/s")
	if checks > 0 && cpu > 0 {
		us := cpu * 1e6 / float64(checks)
		b.ReportMetric(us, "redis-cpu-µs/check")
		b.ReportMetric(1e6/us, "checks/s/redis-core")
	}
}

// claimBatches runs b.N rounds of pipelined batches from workers
// goroutines and returns the number of claims.
func claimBatches(b *testing.B, st *redisstore.Store, batch, workers int, next *atomic.Int64) int {
	ctx := context.Background()
	total := 0
	for b.Loop() {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				cs := make([]dedup.Claim, batch)
				for i := range cs {
					cs[i] = benchClaim(int(next.Add(1)))
				}
				if _, errs := st.ClaimBatch(ctx, cs); errs[0] != nil {
					b.Error(errs[0])
				}
			})
		}
		wg.Wait()
		total += batch * workers
	}
	return total
}

var memArticles = flag.Int("mem-articles", 1_000_000, "articles claimed by BenchmarkMemoryPerArticle")

// BenchmarkMemoryPerArticle claims -mem-articles synthetic articles into a
// private redis-server and reports Redis memory per remembered article,
// overall (INFO used_memory) and per index (MEMORY USAGE summed over each
// index's keys). Run with -benchtime=1x.
func BenchmarkMemoryPerArticle(b *testing.B) {
	n := *memArticles
	shards := max(64, n/64)
	srv := redistest.StartServer(b)
	// A generous read timeout: a busy machine must slow the run down, not
	// fail it.
	c := redis.NewClient(&redis.Options{Addr: srv.Addr, ReadTimeout: time.Minute, WriteTimeout: time.Minute})
	defer c.Close()
	ctx := context.Background()
	before, err := usedMemory(ctx, c)
	if err != nil {
		b.Fatal(err)
	}
	st := redisstore.New(c, redisstore.WithShards(shards))
	var next atomic.Int64
	limit := 0
	for b.Loop() {
		limit += n
		for int(next.Load()) < limit {
			claimBatches1(b, st, 256, 4, &next, limit)
		}
	}
	after, err := usedMemory(ctx, c)
	if err != nil {
		b.Fatal(err)
	}
	perIndex, keys, err := memoryByIndex(ctx, c)
	if err != nil {
		b.Fatal(err)
	}
	claimed := float64(next.Load())
	b.ReportMetric(claimed/b.Elapsed().Seconds(), "checks/s")
	b.ReportMetric(float64(after-before)/claimed, "B/article")
	for _, idx := range []string{"x", "i", "s", "b"} {
		b.ReportMetric(float64(perIndex[idx])/claimed, "B/article-"+idx)
	}
	b.Logf("%d articles, %d shards, %d keys, used_memory %d → %d", int(claimed), shards, keys, before, after)
}

// claimBatches1 claims one round of batches, stopping at limit.
func claimBatches1(b *testing.B, st *redisstore.Store, batch, workers int, next *atomic.Int64, limit int) {
	ctx := context.Background()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			cs := make([]dedup.Claim, 0, batch)
			for range batch {
				i := int(next.Add(1))
				if i > limit {
					next.Add(-1)
					break
				}
				cs = append(cs, benchClaim(i))
			}
			if len(cs) == 0 {
				return
			}
			if _, errs := st.ClaimBatch(ctx, cs); errs[0] != nil {
				b.Error(errs[0])
			}
		})
	}
	wg.Wait()
}

// memoryByIndex sums MEMORY USAGE over the keys of each index (the letter
// after the prefix).
func memoryByIndex(ctx context.Context, c *redis.Client) (map[string]int64, int, error) {
	out := map[string]int64{}
	keys := 0
	iter := c.Scan(ctx, 0, redisstore.DefaultPrefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		idx, _, _ := strings.Cut(strings.TrimPrefix(k, redisstore.DefaultPrefix), ":")
		n, err := c.MemoryUsage(ctx, k, 0).Result()
		if err != nil {
			return nil, 0, fmt.Errorf("MEMORY USAGE %s: %w", k, err)
		}
		out[idx] += n
		keys++
	}
	return out, keys, iter.Err()
}
