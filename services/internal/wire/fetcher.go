package wire

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/newsmill/newsmill/pkg/fetch"
	"github.com/newsmill/newsmill/pkg/natsbus"
)

// Buckets of the live source registry and of the fetcher's source health.
const (
	SourcesBucket = "newsmill_sources"
	HealthBucket  = "newsmill_source_health"
)

// healthEvery is how often the fetcher shares its sources' health.
const healthEvery = 2 * time.Second

// RunFetcher runs f over the live source registry until ctx is done: the
// sources in seed are added to the registry unless it already has a source
// of that id (an operator's later pause or edit wins over the file), every
// change to the registry takes effect at once, and the health of every
// source is shared for `newsctl sources list`.
func RunFetcher(ctx context.Context, bus *natsbus.Bus, f *fetch.Fetcher, seed []fetch.Source, log *zap.Logger) error {
	reg, err := natsbus.NewRegistry(ctx, bus.JetStream(), SourcesBucket)
	if err != nil {
		return err
	}
	for _, s := range seed {
		switch err := reg.Create(ctx, s); {
		case errors.Is(err, natsbus.ErrSourceExists):
			log.Info("source already registered; keeping the registry's version", zap.String("source", s.ID))
		case err != nil:
			return fmt.Errorf("registering source %s: %w", s.ID, err)
		}
	}
	board, err := natsbus.NewHealthBoard(ctx, bus.JetStream(), HealthBucket, 10*time.Minute)
	if err != nil {
		return err
	}
	watch, err := reg.Watch(ctx)
	if err != nil {
		return fmt.Errorf("watching the source registry: %w", err)
	}
	go func() {
		t := time.NewTicker(healthEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				pctx, cancel := context.WithTimeout(ctx, healthEvery)
				if err := board.Publish(pctx, f.Health()); err != nil && ctx.Err() == nil {
					log.Warn("sharing source health failed", zap.Error(err))
				}
				cancel()
			}
		}
	}()
	return f.Run(ctx, watch)
}

// FetchCollector exposes the fetcher's per-source health as Prometheus
// metrics, read at each scrape.
type FetchCollector struct {
	f                                        *fetch.Fetcher
	failures, articles, fetches, bytes, last *prometheus.Desc
	polls                                    *prometheus.Desc
}

// NewFetchCollector returns a collector over f.
func NewFetchCollector(f *fetch.Fetcher) *FetchCollector {
	src := []string{"source"}
	return &FetchCollector{
		f:        f,
		failures: prometheus.NewDesc("newsmill_fetch_source_consecutive_failures", "Failed polls of the source since its last success.", src, nil),
		articles: prometheus.NewDesc("newsmill_fetch_articles_total", "Articles published from the source.", src, nil),
		fetches:  prometheus.NewDesc("newsmill_fetch_requests_total", "Requests by HTTP status or failure reason.", []string{"source", "status"}, nil),
		bytes:    prometheus.NewDesc("newsmill_fetch_bytes_total", "Bytes read from the network or disk.", src, nil),
		last:     prometheus.NewDesc("newsmill_fetch_last_success_timestamp_seconds", "When the last successful poll started.", src, nil),
		polls:    prometheus.NewDesc("newsmill_fetch_polls_total", "Completed polls of the source.", src, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *FetchCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.failures, c.articles, c.fetches, c.bytes, c.last, c.polls} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *FetchCollector) Collect(ch chan<- prometheus.Metric) {
	for _, h := range c.f.Health() {
		ch <- prometheus.MustNewConstMetric(c.failures, prometheus.GaugeValue, float64(h.ConsecutiveFailures), h.ID)
		ch <- prometheus.MustNewConstMetric(c.articles, prometheus.CounterValue, float64(h.ArticlesFound), h.ID)
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.CounterValue, float64(h.Bytes), h.ID)
		ch <- prometheus.MustNewConstMetric(c.polls, prometheus.CounterValue, float64(h.Polls), h.ID)
		if !h.LastSuccess.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.last, prometheus.GaugeValue, float64(h.LastSuccess.Unix()), h.ID)
		}
		for status, n := range h.Fetches {
			ch <- prometheus.MustNewConstMetric(c.fetches, prometheus.CounterValue, float64(n), h.ID, status)
		}
	}
}
