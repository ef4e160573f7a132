package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startUp runs `newsctl up` without the samples in the background until
// the test ends, and returns its NATS URL and its standard output.
func startUp(t *testing.T) (string, *syncBuffer) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	upOut, upErr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"up", "-data", t.TempDir(), "-listen", addr, "-redis", "", "-no-samples"}, upOut, upErr)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("up: %v\n%s", err, upErr.String())
		}
	})
	eventually(t, "up to listen", func() bool { return strings.Contains(upErr.String(), "newsmill up: NATS") })
	return "nats://" + addr, upOut
}

// TestSourcesLive adds a source to a running `newsctl up`, sees its first
// article and its health, pauses it and removes it — no restart.
func TestSourcesLive(t *testing.T) {
	url, upOut := startUp(t)

	feed := t.TempDir()
	body := "Flood waters recede in the delta\n\nFarmers returned to their fields on Friday as the flood waters receded across the delta provinces, officials said, and schools reopened.\n"
	if err := os.WriteFile(filepath.Join(feed, "flood.txt"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		wantErr string
		wantOut string
	}{
		{name: "bad definition names the field", args: []string{"add", "-nats", url, "-id", "Bad Id!", "-kind", "file", "-path", feed}, wantErr: "id"},
		{name: "unknown kind names the field", args: []string{"add", "-nats", url, "-id", "x", "-kind", "gopher", "-url", "https://example.org/"}, wantErr: "kind"},
		{name: "add", args: []string{"add", "-nats", url, "-id", "local", "-kind", "file", "-path", feed, "-interval", "10s"}, wantOut: "added local"},
		{name: "add again is refused", args: []string{"add", "-nats", url, "-id", "local", "-kind", "file", "-path", feed}, wantErr: "exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runCmd(t, append([]string{"sources"}, tt.args...)...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !strings.Contains(out, tt.wantOut) {
				t.Fatalf("out %q err %v", out, err)
			}
		})
	}
	eventually(t, "the new source's article", func() bool { return strings.Contains(upOut.String(), "Flood waters recede in the delta") })
	eventually(t, "the source's health in sources list", func() bool {
		out, _, err := runCmd(t, "sources", "list", "-nats", url)
		return err == nil && strings.Contains(out, "local") && strings.Contains(out, " ok ") && strings.Contains(out, "  1  ")
	})
	statsOut, _, err := runCmd(t, "stats", "-nats", url, "-interval", "200ms")
	if err != nil {
		t.Fatalf("stats: %v", err)
	}
	for _, want := range []string{"STREAM", "RAW", "CLEANED", "UNIQUE", "ARTICLES", "DLQ", "cleaner", "deduplicator", "classifier"} {
		if !strings.Contains(statsOut, want) {
			t.Errorf("stats lacks %q:\n%s", want, statsOut)
		}
	}
	if out, _, err := runCmd(t, "sources", "pause", "-nats", url, "local"); err != nil || !strings.Contains(out, "paused local") {
		t.Fatalf("pause: %q %v", out, err)
	}
	out, _, err := runCmd(t, "sources", "list", "-nats", url)
	if err != nil || !strings.Contains(out, "paused") {
		t.Fatalf("list after pause: %q %v", out, err)
	}
	out, _, err = runCmd(t, "sources", "show", "-nats", url, "local")
	if err != nil || !strings.Contains(out, `"id": "local"`) || !strings.Contains(out, `"articles_found": 1`) {
		t.Fatalf("show: %q %v", out, err)
	}
	if _, _, err := runCmd(t, "sources", "rm", "-nats", url, "local"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, "sources", "show", "-nats", url, "local"); err == nil {
		t.Error("show after rm found the source")
	}
	if _, _, err := runCmd(t, "sources", "rm", "-nats", url, "local"); err == nil {
		t.Error("rm of a missing source succeeded")
	}
}
