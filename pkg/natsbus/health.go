package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsmill/newsmill/pkg/fetch"
)

// HealthBoard shares the fetcher's view of each source (last fetch, last
// error, failures, articles found) through a JetStream key-value bucket, so
// `newsctl sources list` can show it from another process. Entries expire
// when no fetcher refreshes them.
type HealthBoard struct {
	kv jetstream.KeyValue
}

// NewHealthBoard opens (or creates) the bucket; entries live for ttl after
// their last refresh.
func NewHealthBoard(ctx context.Context, js jetstream.JetStream, bucket string, ttl time.Duration) (*HealthBoard, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      bucket,
		Description: "newsmill source health, written by the fetcher",
		History:     1,
		TTL:         ttl,
		Storage:     jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("opening health bucket %s: %w", bucket, err)
	}
	return &HealthBoard{kv: kv}, nil
}

// Publish stores the health of every given source.
func (h *HealthBoard) Publish(ctx context.Context, states []fetch.SourceHealth) error {
	for _, s := range states {
		data, err := json.Marshal(s)
		if err != nil {
			return fmt.Errorf("encoding health of %s: %w", s.ID, err)
		}
		if _, err := h.kv.Put(ctx, s.ID, data); err != nil {
			return fmt.Errorf("storing health of %s: %w", s.ID, err)
		}
	}
	return nil
}

// List returns the stored health of every source, by id.
func (h *HealthBoard) List(ctx context.Context) (map[string]fetch.SourceHealth, error) {
	out := map[string]fetch.SourceHealth{}
	lister, err := h.kv.ListKeys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing source health: %w", err)
	}
	var keys []string
	for k := range lister.Keys() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		e, err := h.kv.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("reading health of %s: %w", k, err)
		}
		var s fetch.SourceHealth
		if json.Unmarshal(e.Value(), &s) == nil {
			out[k] = s
		}
	}
	return out, nil
}
