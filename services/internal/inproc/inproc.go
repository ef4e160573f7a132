// Package inproc runs the whole pipeline in one process: an embedded NATS
// server with JetStream and the cleaner, deduplicator and classifier stages
// on it, for `newsctl up`, `newsctl ingest`, the load benchmark and tests.
// The caller drives the fetcher (or publishes raw articles itself).
package inproc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/obs"
	"github.com/newsmill/newsmill/pkg/stage"
	"github.com/newsmill/newsmill/services/internal/embedded"
	"github.com/newsmill/newsmill/services/internal/wire"

	"github.com/prometheus/client_golang/prometheus"
)

// Options configure an in-process pipeline.
type Options struct {
	DataDir  string
	Listen   string
	RedisURL string
	// RedisPrefix prefixes the dedup keys (default: the store's own).
	RedisPrefix  string
	Concurrency  int
	MaxBodyBytes int64
	Log          *zap.Logger
	Registry     *prometheus.Registry
}

// Pipeline is the whole pipeline in one process: an embedded NATS server
// and the cleaner, deduplicator and classifier stages on it.
type Pipeline struct {
	srv *embedded.Server
	// Bus is connected to the embedded server.
	Bus *natsbus.Bus
	// StoreKind names the dedup store: redis or jetstream-kv.
	StoreKind string
	closers   []func() error

	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	errs   []error
}

// Start starts the server and the three stages. With o.RedisURL the
// deduplicator claims in Redis, otherwise in a JetStream key-value bucket
// kept in o.DataDir.
func Start(ctx context.Context, o Options) (l *Pipeline, err error) {
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	srv, err := embedded.Start(embedded.Options{Dir: o.DataDir, Listen: o.Listen, FallbackPort: true})
	if err != nil {
		return nil, err
	}
	l = &Pipeline{srv: srv}
	defer func() {
		if err != nil {
			l.Close()
		}
	}()
	nc := natsbus.DefaultConfig()
	nc.URL = srv.ClientURL()
	nc.Name = "newsctl"
	if l.Bus, err = natsbus.Connect(ctx, nc, o.Log); err != nil {
		return l, err
	}
	if err = l.Bus.EnsureStreams(ctx); err != nil {
		return l, err
	}
	o.Registry.MustRegister(natsbus.NewLagCollector(l.Bus))

	cleanH, closeClean, err := wire.CleanerHandler(ctx, o.RedisURL, "", o.MaxBodyBytes, o.Registry)
	if err != nil {
		return l, err
	}
	l.closers = append(l.closers, closeClean)
	dc := wire.DefaultDedupConfig()
	dc.RedisURL = o.RedisURL
	if o.RedisPrefix != "" {
		dc.RedisPrefix = o.RedisPrefix
	}
	dedupH, kind, closeStore, err := wire.DedupHandler(ctx, dc, l.Bus)
	if err != nil {
		return l, err
	}
	l.StoreKind = kind
	l.closers = append(l.closers, closeStore)
	classH, _, err := wire.ClassifierHandler()
	if err != nil {
		return l, err
	}
	observer := obs.NewStageMetrics(o.Registry, o.Log)
	opts := wire.DefaultStageOptions()
	if o.Concurrency > 0 {
		opts.Concurrency = o.Concurrency
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.cancel = cancel
	for _, s := range []struct {
		name   string
		handle stage.HandlerFunc
	}{
		{article.StageCleaner, cleanH},
		{article.StageDeduplicator, dedupH},
		{article.StageClassifier, classH},
	} {
		st, err := wire.NewStage(ctx, l.Bus, s.name, s.handle, opts, observer)
		if err != nil {
			return l, err
		}
		l.wg.Go(func() {
			if err := st.Run(runCtx); err != nil {
				l.mu.Lock()
				l.errs = append(l.errs, fmt.Errorf("%s: %w", s.name, err))
				l.mu.Unlock()
			}
		})
	}
	return l, nil
}

// URL is the embedded server's client URL.
func (l *Pipeline) URL() string { return l.srv.ClientURL() }

// Close stops the stages (draining in-flight messages), the bus and the
// server.
func (l *Pipeline) Close() error {
	if l.cancel != nil {
		l.cancel()
	}
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		l.errs = append(l.errs, errors.New("stages did not stop within 30s"))
	}
	for _, c := range l.closers {
		_ = c()
	}
	if l.Bus != nil {
		_ = l.Bus.Close()
	}
	if l.srv != nil {
		l.srv.Stop()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return errors.Join(l.errs...)
}
