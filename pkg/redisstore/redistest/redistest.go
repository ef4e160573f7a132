// Package redistest gives tests a real Redis: [Client] connects to the
// server named by REDIS_URL with a per-test key prefix and deletes only
// that prefix's keys when the test ends; [StartServer] runs a private
// redis-server process (for tests that stop, restart or fill it). A missing
// server is a test failure, never a skip: a dedup test that silently did
// not run is worse than a red build.
//
// It imports go-redis and the standard library; only tests import it.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

var unsafeKey = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// Client connects to REDIS_URL and returns the client with a key prefix
// unique to this test ("test:<name>:<random>:"). When the test ends, the
// keys under that prefix are deleted and the client closed; other keys are
// never touched. The test fails when REDIS_URL is unset or Redis does not
// answer.
func Client(t testing.TB) (*redis.Client, string) {
	t.Helper()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		t.Fatal("redistest: REDIS_URL is not set; run a Redis and set e.g. REDIS_URL=redis://127.0.0.1:6379/0 (scripts/test does this)")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("redistest: parsing REDIS_URL: %v", err)
	}
	c := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		t.Fatalf("redistest: Redis at %s does not answer: %v", opts.Addr, err)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name := unsafeKey.ReplaceAllString(t.Name(), "_")
	if len(name) > 60 {
		name = name[:60]
	}
	prefix := "test:" + name + ":" + hex.EncodeToString(rnd[:]) + ":"
	t.Cleanup(func() {
		defer c.Close()
		if err := DeletePrefix(context.Background(), c, prefix); err != nil {
			t.Errorf("redistest: cleaning %s: %v", prefix, err)
		}
	})
	return c, prefix
}

// DeletePrefix deletes every key starting with prefix (SCAN + UNLINK). The
// prefix must not contain glob characters.
func DeletePrefix(ctx context.Context, c *redis.Client, prefix string) error {
	if strings.ContainsAny(prefix, "*?[]\\") {
		return fmt.Errorf("deleting keys: prefix %q contains glob characters", prefix)
	}
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			if err := c.Unlink(ctx, batch...).Err(); err != nil {
				return fmt.Errorf("deleting keys: %w", err)
			}
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("scanning keys: %w", err)
	}
	if len(batch) > 0 {
		if err := c.Unlink(ctx, batch...).Err(); err != nil {
			return fmt.Errorf("deleting keys: %w", err)
		}
	}
	return nil
}

// Server is a private redis-server process.
type Server struct {
	// Addr is host:port; it stays the same across Stop and Start.
	Addr string
	// Dir is the server's working directory (its AOF lives there).
	Dir  string
	args []string
	cmd  *exec.Cmd
	done chan struct{}
}

// StartServer starts redis-server on a free loopback port with a temporary
// directory, append-only persistence and maxmemory-policy noeviction, plus
// any extra config directives ("maxmemory", "2mb"). It is stopped when the
// test ends. The test fails when redis-server is not installed.
func StartServer(t testing.TB, extra ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redistest: redis-server not found in PATH (install the redis-server package): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: finding a free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), Dir: t.TempDir()}
	s.args = append([]string{bin,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dir", s.Dir, "--save", "", "--appendonly", "yes",
		"--maxmemory-policy", "noeviction", "--protected-mode", "no",
		"--logfile", filepath.Join(s.Dir, "redis.log"),
	}, prefixDirectives(extra)...)
	s.Start(t)
	t.Cleanup(func() { s.Stop(t) })
	return s
}

func prefixDirectives(extra []string) []string {
	out := make([]string, 0, len(extra))
	for i, e := range extra {
		if i%2 == 0 {
			e = "--" + e
		}
		out = append(out, e)
	}
	return out
}

// Start (re)starts the server on its address and waits until it answers.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	if s.cmd != nil {
		t.Fatalf("redistest: server %s already running", s.Addr)
	}
	cmd := exec.Command(s.args[0], s.args[1:]...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("redistest: starting redis-server: %v", err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(s.done) }()
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(s.Dir, "redis.log"))
			t.Fatalf("redistest: redis-server exited at start: %s", log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: redis-server on %s not answering after 10s: %v", s.Addr, err)
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
}

// Stop kills the server (SIGKILL: a crash, not a clean shutdown) and waits
// for it to exit. Stopping a stopped server does nothing.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// URL returns the server's redis:// URL (database 0).
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// Client returns a client of the server, closed when the test ends.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}
