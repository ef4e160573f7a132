package wire

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsmill/newsmill/pkg/classify"
	"github.com/newsmill/newsmill/pkg/clean"
	"github.com/newsmill/newsmill/pkg/dedup"
	"github.com/newsmill/newsmill/pkg/extract"
	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/pipeline"
	"github.com/newsmill/newsmill/pkg/redisstore"
	"github.com/newsmill/newsmill/pkg/stage"
)

func noClose() error { return nil }

// CleanerHandler builds the cleaner stage's handler, counting removals per
// rule on reg (newsmill_clean_removals_total{rule}). Learned per-source
// templates are kept in Redis when redisURL is set, so every replica learns
// from every page, and in memory per process otherwise.
// templatesPrefix prefixes the learned-template keys in Redis (empty:
// redisstore.DefaultTemplatesPrefix).
func CleanerHandler(ctx context.Context, redisURL, templatesPrefix string, maxBodyBytes int64, reg prometheus.Registerer) (stage.HandlerFunc, func() error, error) {
	removals := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "newsmill_clean_removals_total",
		Help: "Text the cleaner removed or moved to a field, by rule.",
	}, []string{"rule"})
	if reg != nil {
		if err := reg.Register(removals); err != nil {
			return nil, nil, fmt.Errorf("registering cleaner metrics: %w", err)
		}
	}
	var templates clean.TemplateStore = clean.NewMemoryTemplates(0)
	closeFn := noClose
	if redisURL != "" {
		client, err := redisstore.Open(ctx, redisURL)
		if err != nil {
			return nil, nil, err
		}
		var opts []redisstore.TemplatesOption
		if templatesPrefix != "" {
			opts = append(opts, redisstore.WithTemplatesPrefix(templatesPrefix))
		}
		templates, closeFn = redisstore.NewTemplates(client, opts...), client.Close
	}
	c := &pipeline.Cleaner{
		Clean:   clean.New(clean.Options{Templates: templates}),
		Extract: extract.Options{MaxBytes: maxBodyBytes},
		Removed: func(rule string) { removals.WithLabelValues(rule).Inc() },
	}
	return c.Handle, closeFn, nil
}

// DedupHandler builds the deduplicator stage's handler over the store
// cfg selects (see [DedupStore]). kind names the store for logs.
func DedupHandler(ctx context.Context, cfg DedupConfig, bus *natsbus.Bus) (h stage.HandlerFunc, kind string, closeFn func() error, err error) {
	store, kind, closeFn, err := DedupStore(ctx, cfg, bus)
	if err != nil {
		return nil, "", nil, err
	}
	d := &pipeline.Deduplicator{Dedup: dedup.New(store, dedup.Options{TTL: cfg.TTL})}
	return d.Handle, kind, closeFn, nil
}

// ClassifierHandler builds the classifier stage's handler.
func ClassifierHandler() (stage.HandlerFunc, func() error, error) {
	c, err := classify.New()
	if err != nil {
		return nil, nil, fmt.Errorf("loading the classifier: %w", err)
	}
	h := &pipeline.Classifier{Classify: c}
	return h.Handle, noClose, nil
}
