package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/stage"
)

// RawPublisher publishes the fetcher's raw articles on news.raw.<source>
// through a [stage.Sink], returning once the stream stored them. It
// implements fetch.Publisher.
type RawPublisher struct {
	Sink stage.Sink
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Publish stamps a as fetched and stores it. The Nats-Msg-Id is the id plus
// a hash of the raw body, so publishing the same page twice within the
// duplicate window stores it once, while a changed page is stored again.
func (p *RawPublisher) Publish(ctx context.Context, a *article.Article) error {
	if a.Schema == "" {
		a.Schema = article.Schema
	}
	rev := "empty"
	if a.Raw != nil {
		rev = shortHash(a.Raw.Body)
	}
	a.Stamp(article.StageFetcher, nowOr(p.Now))
	data, err := a.Marshal()
	if err != nil {
		return fmt.Errorf("encoding raw article %s: %w", a.ID, err)
	}
	return p.Sink.Publish(ctx, stage.Output{
		Subject: article.Raw(a.Source),
		Data:    data,
		MsgID:   article.MsgID(article.StageFetcher, a.ID, rev),
	})
}
