package wire

import (
	"context"
	"fmt"

	"github.com/newsmill/newsmill/pkg/classify"
	"github.com/newsmill/newsmill/pkg/clean"
	"github.com/newsmill/newsmill/pkg/dedup"
	"github.com/newsmill/newsmill/pkg/extract"
	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/pipeline"
	"github.com/newsmill/newsmill/pkg/stage"
)

func noClose() error { return nil }

// CleanerHandler builds the cleaner stage's handler. Learned templates are
// kept in memory per process.
func CleanerHandler(_ context.Context, _ string, maxBodyBytes int64) (stage.HandlerFunc, func() error, error) {
	c := &pipeline.Cleaner{
		Clean:   clean.New(clean.Options{Templates: clean.NewMemoryTemplates(0)}),
		Extract: extract.Options{MaxBytes: maxBodyBytes},
	}
	return c.Handle, noClose, nil
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
