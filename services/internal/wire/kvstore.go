package wire

import (
	"context"
	"fmt"

	"github.com/newsmill/newsmill/pkg/dedup"
	"github.com/newsmill/newsmill/pkg/natsbus"
)

// embeddedStore is the dedup store in a JetStream key-value bucket: for a
// single host or `newsctl up`, where no Redis runs. It is kept with the
// server's JetStream data.
func embeddedStore(ctx context.Context, cfg DedupConfig, bus *natsbus.Bus) (dedup.Store, string, func() error, error) {
	kv, err := natsbus.NewKVStore(ctx, bus.JetStream(), DedupBucket, cfg.TTL)
	if err != nil {
		return nil, "", nil, fmt.Errorf("opening the embedded dedup store: %w", err)
	}
	return kv, "jetstream-kv", noClose, nil
}
