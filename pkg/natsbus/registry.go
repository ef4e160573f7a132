package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsmill/newsmill/pkg/fetch"
)

// DefaultRegistryBucket is the KV bucket that holds the source registry.
const DefaultRegistryBucket = "newsmill_sources"

// Registry errors.
var (
	// ErrSourceNotFound: no source has this id. `newsctl` reports it as
	// such; the fetcher never sees it.
	ErrSourceNotFound = errors.New("source not found")
	// ErrSourceExists: Create found a source with this id already; the
	// registry's copy (possibly changed by an operator) is kept.
	ErrSourceExists = errors.New("source already exists")
)

// Registry is the live source registry: one JSON-encoded fetch.Source per
// key (the source id) in a JetStream KV bucket. `newsctl sources` edits it
// and the fetcher watches it, so a change takes effect without a restart.
// It is safe for concurrent use.
type Registry struct {
	kv jetstream.KeyValue
}

var _ fetch.Registry = (*Registry)(nil)

// NewRegistry opens the KV bucket, creating it (file storage, five
// revisions of history per source) when it does not exist.
func NewRegistry(ctx context.Context, js jetstream.JetStream, bucket string) (*Registry, error) {
	if bucket == "" {
		bucket = DefaultRegistryBucket
	}
	kv, err := js.KeyValue(ctx, bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      bucket,
			Description: "newsmill fetcher sources",
			History:     5,
			Storage:     jetstream.FileStorage,
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, bucket)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("opening source registry %s: %w", bucket, err)
	}
	return &Registry{kv: kv}, nil
}

// Put validates src and stores it, replacing any source with its id. The
// error of an invalid source is a *fetch.ValidationError naming the field.
func (r *Registry) Put(ctx context.Context, src fetch.Source) error {
	b, err := encodeSource(src)
	if err != nil {
		return err
	}
	if _, err := r.kv.Put(ctx, src.ID, b); err != nil {
		return fmt.Errorf("storing source %s: %w", src.ID, err)
	}
	return nil
}

// Create validates and stores src only if no source has its id; otherwise
// it returns ErrSourceExists and keeps the stored one. Services use it to
// seed the registry from a sources file without undoing an operator's
// later changes (a pause, a new interval).
func (r *Registry) Create(ctx context.Context, src fetch.Source) error {
	b, err := encodeSource(src)
	if err != nil {
		return err
	}
	if _, err := r.kv.Create(ctx, src.ID, b); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return fmt.Errorf("creating source %s: %w", src.ID, ErrSourceExists)
		}
		return fmt.Errorf("creating source %s: %w", src.ID, err)
	}
	return nil
}

func encodeSource(src fetch.Source) ([]byte, error) {
	if err := src.Validate(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(src)
	if err != nil {
		return nil, fmt.Errorf("encoding source %s: %w", src.ID, err)
	}
	return b, nil
}

// Get returns the source with id, or an error wrapping ErrSourceNotFound.
func (r *Registry) Get(ctx context.Context, id string) (fetch.Source, error) {
	src, _, err := r.get(ctx, id)
	return src, err
}

func (r *Registry) get(ctx context.Context, id string) (fetch.Source, uint64, error) {
	if id == "" {
		return fetch.Source{}, 0, fmt.Errorf("reading source: empty id: %w", ErrSourceNotFound)
	}
	e, err := r.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) || errors.Is(err, jetstream.ErrInvalidKey) {
		return fetch.Source{}, 0, fmt.Errorf("reading source %s: %w", id, ErrSourceNotFound)
	}
	if err != nil {
		return fetch.Source{}, 0, fmt.Errorf("reading source %s: %w", id, err)
	}
	var src fetch.Source
	if err := json.Unmarshal(e.Value(), &src); err != nil {
		return fetch.Source{}, 0, fmt.Errorf("decoding source %s: %w", id, err)
	}
	return src, e.Revision(), nil
}

// List returns every stored source, sorted by id. Entries that do not
// decode (edited by hand) are skipped.
func (r *Registry) List(ctx context.Context) ([]fetch.Source, error) {
	w, err := r.kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("listing sources: %w", err)
	}
	defer func() { _ = w.Stop() }()
	set := make(map[string]fetch.Source)
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("listing sources: %w", ctx.Err())
		case e, ok := <-w.Updates():
			if !ok {
				return nil, fmt.Errorf("listing sources: watcher closed")
			}
			if e == nil { // end of the initial values
				return sortedSources(set), nil
			}
			registryApply(set, e)
		}
	}
}

// Delete removes the source with id; it returns an error wrapping
// ErrSourceNotFound when there is none.
func (r *Registry) Delete(ctx context.Context, id string) error {
	if _, _, err := r.get(ctx, id); err != nil {
		return err
	}
	if err := r.kv.Delete(ctx, id); err != nil {
		return fmt.Errorf("deleting source %s: %w", id, err)
	}
	return nil
}

// SetEnabled pauses (false) or resumes (true) the source with id. It
// updates the stored revision it read, retrying when another writer got
// there first, so a concurrent edit of other fields is not lost.
func (r *Registry) SetEnabled(ctx context.Context, id string, enabled bool) error {
	for attempt := 0; ; attempt++ {
		src, rev, err := r.get(ctx, id)
		if err != nil {
			return err
		}
		if src.Enabled == enabled {
			return nil
		}
		src.Enabled = enabled
		b, err := encodeSource(src)
		if err != nil {
			return err
		}
		_, err = r.kv.Update(ctx, id, b, rev)
		if err == nil {
			return nil
		}
		if attempt < 5 && (errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists)) {
			continue
		}
		return fmt.Errorf("updating source %s: %w", id, err)
	}
}

// Watch sends the full current set of sources (sorted by id, paused ones
// included) once at start and again after every change, until ctx is
// done; then the channel is closed. A consumer that falls behind receives
// only the latest set: intermediate sets are dropped, never queued. This
// is what fetch.Fetcher.Run consumes.
func (r *Registry) Watch(ctx context.Context) (<-chan []fetch.Source, error) {
	w, err := r.kv.WatchAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("watching sources: %w", err)
	}
	out := make(chan []fetch.Source, 1)
	go func() {
		defer close(out)
		defer func() { _ = w.Stop() }()
		set := make(map[string]fetch.Source)
		initial := true
		send := func() {
			select {
			case <-out: // drop the unread older set
			default:
			}
			out <- sortedSources(set)
		}
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-w.Updates():
				if !ok {
					return
				}
				if e == nil {
					initial = false
					send()
					continue
				}
				registryApply(set, e)
				if !initial {
					send()
				}
			}
		}
	}()
	return out, nil
}

func registryApply(set map[string]fetch.Source, e jetstream.KeyValueEntry) {
	switch e.Operation() {
	case jetstream.KeyValueDelete, jetstream.KeyValuePurge:
		delete(set, e.Key())
		return
	}
	var src fetch.Source
	if err := json.Unmarshal(e.Value(), &src); err != nil || src.ID != e.Key() {
		delete(set, e.Key())
		return
	}
	set[e.Key()] = src
}

func sortedSources(set map[string]fetch.Source) []fetch.Source {
	out := make([]fetch.Source, 0, len(set))
	for _, s := range set {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
