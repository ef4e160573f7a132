package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/dedup"
	"github.com/newsmill/newsmill/pkg/stage"
)

// Deduplicator is the deduplicator stage: cleaned article → news.unique or
// news.duplicate.
type Deduplicator struct {
	// Dedup decides; required.
	Dedup *dedup.Deduper
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Verdict names used in [HeaderVerdict].
const (
	VerdictOriginal      = "original"
	VerdictUpdate        = "update"
	VerdictDuplicate     = "duplicate"
	VerdictNearDuplicate = "near_duplicate"
	// VerdictUnchanged: the same article with the same content came again
	// as a new message (a source re-listing it); it is not delivered again
	// as unique but reported on news.duplicate.<src> with duplicate_of set
	// to its own id.
	VerdictUnchanged = "unchanged"
)

// Handle implements [stage.HandlerFunc]. Original articles and updates go to
// news.unique.<src>, duplicates to news.duplicate.<src> with duplicate_of and
// similarity. An article whose id already holds its content is a
// redelivery when the message was delivered before (the first decision is
// repeated under the same Nats-Msg-Id, so the stream drops it if it was
// stored), and a re-listing otherwise (reported as unchanged, not delivered
// again). Store failures are transient: the input is nak'd and retried.
func (d *Deduplicator) Handle(ctx context.Context, msg *stage.Message) ([]stage.Output, error) {
	a, err := article.Unmarshal(msg.Data)
	if err != nil {
		return nil, stage.WithReason("bad_json", stage.Permanent(err))
	}
	v, err := d.Dedup.Check(ctx, a)
	switch {
	case errors.Is(err, dedup.ErrEmpty):
		return nil, stage.WithReason("empty_body", stage.Permanent(err))
	case errors.Is(err, dedup.ErrStoreFull):
		return nil, stage.WithReason("store_full", err)
	case stage.IsPermanent(err):
		return nil, stage.WithReason("bad_article", err)
	case err != nil:
		return nil, stage.WithReason("store_unavailable", fmt.Errorf("checking %s: %w", a.ID, err))
	}
	a.ContentHash, a.SimHash, a.Revision = v.ContentHash, v.SimHash, v.Revision
	a.DuplicateOf, a.Similarity = v.DuplicateOf, v.Similarity
	a.Stamp(article.StageDeduplicator, nowOr(d.Now))

	verdict := verdictName(v)
	subject := article.Unique(a.Source)
	msgID := article.MsgID(article.StageDeduplicator, a.ID, v.ContentHash)
	switch {
	case v.Status == dedup.Same && msg.Delivered <= 1:
		verdict = VerdictUnchanged
		if a.DuplicateOf == "" {
			a.DuplicateOf, a.Similarity = a.ID, 1
		}
		subject = article.Duplicate(a.Source)
		msgID = article.MsgID(article.StageDeduplicator, a.ID, fmt.Sprintf("unchanged-%d", msg.Sequence))
	case v.IsDuplicate():
		subject = article.Duplicate(a.Source)
	}
	data, err := a.Marshal()
	if err != nil {
		return nil, stage.WithReason("encode", stage.Permanent(err))
	}
	return []stage.Output{{
		Subject: subject,
		Data:    data,
		MsgID:   msgID,
		Header:  map[string][]string{HeaderVerdict: {verdict}},
	}}, nil
}

func verdictName(v dedup.Verdict) string {
	switch v.Status {
	case dedup.Update:
		return VerdictUpdate
	case dedup.Duplicate:
		return VerdictDuplicate
	case dedup.NearDuplicate:
		return VerdictNearDuplicate
	case dedup.Same:
		if v.IsDuplicate() {
			if v.Similarity < 1 {
				return VerdictNearDuplicate
			}
			return VerdictDuplicate
		}
	}
	return VerdictOriginal
}
