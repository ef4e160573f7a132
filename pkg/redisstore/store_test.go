package redisstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/newsmill/newsmill/pkg/dedup"
	"github.com/newsmill/newsmill/pkg/dedup/storetest"
	"github.com/newsmill/newsmill/pkg/redisstore"
	"github.com/newsmill/newsmill/pkg/redisstore/redistest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, _ time.Duration) dedup.Store {
		c, prefix := redistest.Client(t)
		return redisstore.New(c, redisstore.WithPrefix(prefix), redisstore.WithShards(64))
	}, storetest.Features{})
}

func TestOpen(t *testing.T) {
	srv := redistest.StartServer(t)
	tests := []struct {
		name    string
		url     string
		wantErr string
	}{
		{name: "ok", url: srv.URL()},
		{name: "empty", url: "", wantErr: "REDIS_URL"},
		{name: "not a URL", url: "localhost:6379", wantErr: "parsing redis URL"},
		{name: "nobody listening", url: "redis://:secret@127.0.0.1:1/0", wantErr: "pinging redis at 127.0.0.1:1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := redisstore.Open(context.Background(), tc.url)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				_ = c.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Open(%q) error %v, want one containing %q", tc.url, err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Fatalf("error leaks the password: %v", err)
			}
		})
	}
}

// TestDeduperOverRedis runs the decision end to end on Redis: the seeds
// are all original, and each is Same when checked again.
func TestDeduperOverRedis(t *testing.T) {
	c, prefix := redistest.Client(t)
	d := dedup.New(redisstore.New(c, redisstore.WithPrefix(prefix)), dedup.Options{})
	arts := seedArticles(t)
	for _, want := range []dedup.Status{dedup.Original, dedup.Same} {
		for _, a := range arts {
			v, err := d.Check(context.Background(), a)
			if err != nil {
				t.Fatal(err)
			}
			if v.Status != want || v.IsDuplicate() {
				t.Fatalf("%s: %v dup_of=%q, want %v", a.ID, v.Status, v.DuplicateOf, want)
			}
		}
	}
}
