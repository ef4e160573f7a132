package redisstore_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/newsmill/newsmill/pkg/clean"
	"github.com/newsmill/newsmill/pkg/clean/templatetest"
	"github.com/newsmill/newsmill/pkg/dedup"
	"github.com/newsmill/newsmill/pkg/redisstore"
	"github.com/newsmill/newsmill/pkg/redisstore/redistest"
)

func TestTemplatesConformance(t *testing.T) {
	templatetest.Run(t, func(t *testing.T, window int) clean.TemplateStore {
		c, prefix := redistest.Client(t)
		return redisstore.NewTemplates(c, redisstore.WithTemplatesPrefix(prefix), redisstore.WithTemplatesWindow(window))
	})
}

// tplPage returns the lines of page i of a synthetic source: template
// lines 1..shared, found on every page, then unique lines of that page.
func tplPage(i, shared, unique int) []uint64 {
	lines := make([]uint64, 0, shared+unique)
	for j := range shared {
		lines = append(lines, uint64(1+j))
	}
	for j := range unique {
		lines = append(lines, uint64(i+1)<<20|uint64(j))
	}
	return lines
}

// tplState reads a source's keys and checks that they agree: the ring and
// the pages hash hold the same pages, and every count equals the number of
// stored pages holding its line. It returns the number of pages and the
// counts.
func tplState(t *testing.T, c *redis.Client, prefix, source string) (int, map[uint64]int) {
	t.Helper()
	ctx := context.Background()
	tag := prefix + "{" + source + "}:"
	ring, err := c.LRange(ctx, tag+"r", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	pages, err := c.HGetAll(ctx, tag+"p").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(ring) != len(pages) {
		t.Fatalf("ring holds %d pages, pages hash %d", len(ring), len(pages))
	}
	want := map[uint64]int{}
	for _, k := range ring {
		lines, ok := pages[k]
		if !ok {
			t.Fatalf("page %x in the ring but not in the pages hash", k)
		}
		for i := 0; i < len(lines); i += 8 {
			want[binary.BigEndian.Uint64([]byte(lines[i:i+8]))]++
		}
	}
	raw, err := c.HGetAll(ctx, tag+"c").Result()
	if err != nil {
		t.Fatal(err)
	}
	// One field per first byte of the line hash; entries of 7 more bytes
	// of the hash and a 2-byte count.
	got := map[uint64]int{}
	for b, v := range raw {
		if len(b) != 2 || len(v)%9 != 0 || len(v) == 0 {
			t.Fatalf("bucket %x holds %d bytes", b, len(v))
		}
		for i := 0; i < len(v); i += 9 {
			h := binary.BigEndian.Uint64([]byte(b[:1] + v[i:i+7]))
			if _, dup := got[h]; dup {
				t.Errorf("line %d counted twice", h)
			}
			got[h] = int(binary.BigEndian.Uint16([]byte(v[i+7 : i+9])))
		}
	}
	if len(got) != len(want) {
		t.Errorf("counts hash holds %d lines, the stored pages %d", len(got), len(want))
	}
	for h, n := range want {
		if got[h] != n {
			t.Errorf("line %d counted on %d pages, %d stored pages hold it", h, got[h], n)
		}
	}
	return len(ring), got
}

// TestTemplatesConcurrentReplicas observes distinct pages of one source
// from many goroutines, each with its own client as separate cleaner
// replicas would, with every page redelivered once, and checks that the
// final counts are exact — with a window larger than all pages, and with
// one that makes the observers evict each other's pages.
func TestTemplatesConcurrentReplicas(t *testing.T) {
	tests := []struct {
		name   string
		window int
	}{
		{name: "window holds every page", window: 1000},
		{name: "window evicts", window: 37},
	}
	const replicas, perReplica, shared, unique = 16, 25, 5, 10
	const pages = replicas * perReplica
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, prefix := redistest.Client(t)
			opts := c.Options()
			ctx := context.Background()
			var wg sync.WaitGroup
			errs := make(chan error, replicas)
			for r := range replicas {
				rc := redis.NewClient(opts)
				t.Cleanup(func() { _ = rc.Close() })
				st := redisstore.NewTemplates(rc, redisstore.WithTemplatesPrefix(prefix), redisstore.WithTemplatesWindow(tt.window))
				wg.Go(func() {
					for i := range perReplica {
						n := r*perReplica + i
						for range 2 { // a redelivery counts once
							got, err := st.Observe(ctx, "src", fmt.Sprintf("page-%d", n), tplPage(n, shared, unique))
							if err != nil {
								errs <- err
								return
							}
							if got.Pages < 1 || got.Pages > tt.window || got.Lines[0] < 1 || got.Lines[0] > got.Pages || got.Lines[shared] != 1 {
								errs <- fmt.Errorf("page %d: implausible counts %d pages, lines %v", n, got.Pages, got.Lines)
								return
							}
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			n, counts := tplState(t, c, prefix, "src")
			wantPages := min(pages, tt.window)
			if n != wantPages {
				t.Errorf("%d pages in the window, want %d", n, wantPages)
			}
			// The template lines are on every page, the others on one.
			byCount := map[int]int{}
			for _, n := range counts {
				byCount[n]++
			}
			if byCount[wantPages] != shared || byCount[1] != wantPages*unique {
				t.Errorf("lines by count %v, want %d on %d pages and %d on 1", byCount, shared, wantPages, wantPages*unique)
			}
			if want := shared + wantPages*unique; len(counts) != want {
				t.Errorf("%d distinct lines counted, want %d", len(counts), want)
			}
		})
	}
}

// TestTemplatesMatchesMemory replays the same observations, redeliveries
// and window evictions into the Redis store and clean.MemoryTemplates (the
// reference semantics) and compares every answer.
func TestTemplatesMatchesMemory(t *testing.T) {
	tests := []struct {
		name   string
		window int
		ops    []byte
	}{
		{name: "small window", window: 3, ops: []byte("abcabdxyzzyaaaqrstuvw")},
		{name: "window of one", window: 1, ops: []byte("aabbaab")},
		{name: "large window", window: 50, ops: []byte("the quick brown fox jumps over the lazy dog")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			compareWithMemory(t, tt.window, tt.ops)
		})
	}
}

// FuzzTemplatesMatchesMemory checks the Redis store against
// clean.MemoryTemplates for arbitrary sequences of observations: each byte
// picks a page (some pages recur: redeliveries) whose lines derive from the
// byte.
func FuzzTemplatesMatchesMemory(f *testing.F) {
	f.Add(uint8(3), []byte("abcabdxyzzy"))
	f.Add(uint8(1), []byte("aaab"))
	f.Add(uint8(0), []byte{})
	f.Fuzz(func(t *testing.T, window uint8, ops []byte) {
		if len(ops) > 200 {
			ops = ops[:200]
		}
		compareWithMemory(t, int(window%20)+1, ops)
	})
}

func compareWithMemory(t *testing.T, window int, ops []byte) {
	t.Helper()
	c, prefix := redistest.Client(t)
	rs := redisstore.NewTemplates(c, redisstore.WithTemplatesPrefix(prefix), redisstore.WithTemplatesWindow(window))
	ms := clean.NewMemoryTemplates(window)
	ctx := context.Background()
	for i, op := range ops {
		page := fmt.Sprintf("p%d", op%16)
		// Lines: a shared one, one per page, one by byte value, and a
		// duplicate within the call.
		lines := []uint64{1, uint64(op % 16), uint64(op), 1}
		src := "s" + string('a'+rune(op%2))
		got, err := rs.Observe(ctx, src, page, lines)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := ms.Observe(ctx, src, page, lines)
		if got.Pages != want.Pages || fmt.Sprint(got.Lines) != fmt.Sprint(want.Lines) {
			t.Fatalf("op %d (%s %s %v): redis pages %d lines %v, memory pages %d lines %v", i, src, page, lines, got.Pages, got.Lines, want.Pages, want.Lines)
		}
	}
}

// TestTemplatesKeys checks the key layout: every key of a source carries
// the source as its hash tag and the idle TTL, which each observation
// sets again.
func TestTemplatesKeys(t *testing.T) {
	c, prefix := redistest.Client(t)
	ctx := context.Background()
	st := redisstore.NewTemplates(c, redisstore.WithTemplatesPrefix(prefix), redisstore.WithTemplatesTTL(time.Hour))
	if _, err := st.Observe(ctx, "vnexpress", "p1", []uint64{1, 2}); err != nil {
		t.Fatal(err)
	}
	keys, err := c.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 {
		t.Fatalf("keys %q, want 3", keys)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix+"{vnexpress}:") {
			t.Errorf("key %q lacks the source's hash tag", k)
		}
		// Shorten the TTL, then check that a redelivery restores it.
		if err := c.PExpire(ctx, k, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Observe(ctx, "vnexpress", "p1", []uint64{1, 2}); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		ttl, err := c.PTTL(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl <= time.Minute || ttl > time.Hour {
			t.Errorf("TTL of %s after an observation: %v, want just under an hour", k, ttl)
		}
	}
	if _, err := st.Observe(ctx, "", "p1", []uint64{1}); err == nil {
		t.Error("an empty source was accepted")
	}
}

// TestTemplatesUnreachable checks that a Redis that does not answer gives
// a clear error naming the source and wrapping the network error (a
// transient failure the stage retries), not a store-full one.
func TestTemplatesUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = c.Close() })
	st := redisstore.NewTemplates(c)
	_, err = st.Observe(context.Background(), "vnexpress", "p1", []uint64{1})
	if err == nil {
		t.Fatal("Observe against a closed port succeeded")
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("error %v does not wrap the network error", err)
	}
	if !strings.Contains(err.Error(), `observing templates of source "vnexpress" in redis`) {
		t.Errorf("error %q does not say what failed", err)
	}
	if errors.Is(err, dedup.ErrStoreFull) {
		t.Errorf("unreachable Redis reported as full: %v", err)
	}
}

// TestTemplatesFullRedis fills a private Redis under noeviction and checks
// that Observe then fails with dedup.ErrStoreFull, and that the refused
// page left nothing behind.
func TestTemplatesFullRedis(t *testing.T) {
	srv := redistest.StartServer(t)
	c := srv.Client(t)
	ctx := context.Background()
	used, err := usedMemory(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ConfigSet(ctx, "maxmemory", fmt.Sprint(used+1<<20)).Err(); err != nil {
		t.Fatal(err)
	}
	st := redisstore.NewTemplates(c, redisstore.WithTemplatesWindow(redisstore.MaxTemplatesWindow))
	var full error
	n := 0
	for ; n < 100_000 && full == nil; n++ {
		_, full = st.Observe(ctx, "src", fmt.Sprintf("page-%d", n), tplPage(n, 20, 40))
	}
	if full == nil {
		t.Fatal("100,000 pages fitted into 1 MiB; the test's premise is wrong")
	}
	if !errors.Is(full, dedup.ErrStoreFull) || !strings.Contains(full.Error(), "OOM") {
		t.Fatalf("error when full: %v, want one wrapping dedup.ErrStoreFull with the OOM reply", full)
	}
	pages, _ := tplState(t, c, redisstore.DefaultTemplatesPrefix, "src")
	if pages != n-1 {
		t.Errorf("%d pages stored after %d accepted observations: the refused one left state behind", pages, n-1)
	}
}

// tplAOFSize returns the size of the server's append-only file, which
// grows by what every write costs replicas and disks as well.
func tplAOFSize(b *testing.B, c *redis.Client) int64 {
	b.Helper()
	info, err := c.Info(context.Background(), "persistence").Result()
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "aof_current_size:"); ok {
			var n int64
			if _, err := fmt.Sscan(v, &n); err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatal("INFO persistence: no aof_current_size (is AOF on?)")
	return 0
}

// BenchmarkTemplatesObserve measures observations per second of realistic
// pages (60 lines, 20 of them template lines) into sources with a full
// window of 200 pages, so that every observation also evicts a page,
// against a private local redis-server (AOF on, as in production). It
// reports the Redis CPU time per observation as well, which depends less
// on how busy the benchmarking machine is, and the bytes each observation
// adds to the append-only file (and sends to replicas).
func BenchmarkTemplatesObserve(b *testing.B) {
	// No AOF rewrite during the run: the file only grows.
	srv := redistest.StartServer(b, "auto-aof-rewrite-percentage", "0")
	mon := srv.Client(b)
	ctx := context.Background()
	const sources = 8
	var next atomic.Int64
	fill := redisstore.NewTemplates(mon)
	for s := range sources {
		for range clean.DefaultTemplateWindow {
			n := int(next.Add(1))
			if _, err := fill.Observe(ctx, fmt.Sprintf("src-%d", s), fmt.Sprintf("page-%d", n), tplPage(n, 20, 40)); err != nil {
				b.Fatal(err)
			}
		}
	}
	report := func(b *testing.B, cpu float64, aof int64, n int) {
		used := redisCPU(b, mon) - cpu
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "observes/s")
		if n > 0 && used > 0 {
			b.ReportMetric(used*1e6/float64(n), "redis-cpu-µs/observe")
		}
		if n > 0 {
			b.ReportMetric(float64(tplAOFSize(b, mon)-aof)/float64(n), "aof-B/observe")
		}
	}
	b.Run("sequential", func(b *testing.B) {
		st := redisstore.NewTemplates(srv.Client(b))
		cpu, aof := redisCPU(b, mon), tplAOFSize(b, mon)
		count := 0
		for b.Loop() {
			n := int(next.Add(1))
			if _, err := st.Observe(ctx, fmt.Sprintf("src-%d", n%sources), fmt.Sprintf("page-%d", n), tplPage(n, 20, 40)); err != nil {
				b.Fatal(err)
			}
			count++
		}
		report(b, cpu, aof, count)
	})
	b.Run("parallel-16", func(b *testing.B) {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr, PoolSize: 16})
		defer c.Close()
		st := redisstore.NewTemplates(c)
		b.SetParallelism(8)
		cpu, aof := redisCPU(b, mon), tplAOFSize(b, mon)
		var count atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				n := int(next.Add(1))
				if _, err := st.Observe(ctx, fmt.Sprintf("src-%d", n%sources), fmt.Sprintf("page-%d", n), tplPage(n, 20, 40)); err != nil {
					b.Error(err)
					return
				}
				count.Add(1)
			}
		})
		report(b, cpu, aof, int(count.Load()))
	})
}

// BenchmarkTemplatesMemoryPerSource fills the window (200 pages of 60
// lines, 20 shared by every page) of a number of sources in a private
// redis-server and reports Redis memory per source: overall (INFO
// used_memory) and per key (MEMORY USAGE). Run with -benchtime=1x.
func BenchmarkTemplatesMemoryPerSource(b *testing.B) {
	const sources = 20
	srv := redistest.StartServer(b)
	c := srv.Client(b)
	ctx := context.Background()
	before, err := usedMemory(ctx, c)
	if err != nil {
		b.Fatal(err)
	}
	st := redisstore.NewTemplates(c)
	n := 0
	for b.Loop() {
		for s := range sources {
			for range clean.DefaultTemplateWindow {
				n++
				if _, err := st.Observe(ctx, fmt.Sprintf("src-%d", s), fmt.Sprintf("page-%d", n), tplPage(n, 20, 40)); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	after, err := usedMemory(ctx, c)
	if err != nil {
		b.Fatal(err)
	}
	perKey := map[string]int64{}
	for _, k := range []string{"c", "p", "r"} {
		for s := range sources {
			m, err := c.MemoryUsage(ctx, fmt.Sprintf("%s{src-%d}:%s", redisstore.DefaultTemplatesPrefix, s, k), 0).Result()
			if err != nil {
				b.Fatal(err)
			}
			perKey[k] += m
		}
	}
	b.ReportMetric(float64(after-before)/sources, "B/source")
	for k, m := range perKey {
		b.ReportMetric(float64(m)/sources, "B/source-"+k)
	}
	b.Logf("%d sources, %d observations, used_memory %d → %d", sources, n, before, after)
}

// TestTemplatesLongPage observes pages of more lines than one Lua call may
// pass at once and checks every count.
func TestTemplatesLongPage(t *testing.T) {
	tests := []struct {
		name          string
		lines, shared int
	}{
		{name: "20,000 lines, half shared", lines: 20_000, shared: 10_000},
		{name: "100,000 lines, none shared", lines: 100_000, shared: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, prefix := redistest.Client(t)
			st := redisstore.NewTemplates(c, redisstore.WithTemplatesPrefix(prefix), redisstore.WithTemplatesWindow(1))
			page := func(p int) []uint64 {
				lines := make([]uint64, tt.lines)
				for i := range lines {
					lines[i] = uint64(i)
					if i >= tt.shared {
						lines[i] |= uint64(p) << 40
					}
				}
				return lines
			}
			ctx := context.Background()
			for p := 1; p <= 3; p++ {
				got, err := st.Observe(ctx, "src", fmt.Sprint(p), page(p))
				if err != nil {
					t.Fatal(err)
				}
				// The window holds one page: every line counts once.
				if got.Pages != 1 {
					t.Fatalf("page %d: %d pages in a window of 1", p, got.Pages)
				}
				for i, n := range got.Lines {
					if n != 1 {
						t.Fatalf("page %d line %d: count %d, want 1", p, i, n)
					}
				}
			}
			_, counts := tplState(t, c, prefix, "src")
			if len(counts) != tt.lines {
				t.Errorf("%d lines counted, want %d", len(counts), tt.lines)
			}
		})
	}
}

// TestTemplatesStoredForm pins the stored form of a count: a store that
// changed how lines are scrambled or bucketed would misread the counts
// that live stores already hold.
func TestTemplatesStoredForm(t *testing.T) {
	c, prefix := redistest.Client(t)
	ctx := context.Background()
	st := redisstore.NewTemplates(c, redisstore.WithTemplatesPrefix(prefix))
	for _, p := range []string{"p1", "p2"} {
		if _, err := st.Observe(ctx, "src", p, []uint64{1}); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := c.HGetAll(ctx, prefix+"{src}:c").Result()
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%x", raw)
	// SplitMix64 finalizer of 1: 5692161d100b05e5 (computed independently).
	const want = "map[5602:92161d100b05e50002]"
	if got != want {
		t.Errorf("stored count of line 1 on two pages: %s, want %s", got, want)
	}
}
