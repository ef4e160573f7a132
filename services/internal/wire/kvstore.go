package wire

import (
	"context"
	"errors"

	"github.com/newsmill/newsmill/pkg/dedup"
	"github.com/newsmill/newsmill/pkg/natsbus"
)

func embeddedStore(context.Context, DedupConfig, *natsbus.Bus) (dedup.Store, string, func() error, error) {
	return nil, "", nil, errors.New("the embedded dedup store is not built yet: set a Redis URL")
}
