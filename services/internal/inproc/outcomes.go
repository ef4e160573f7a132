package inproc

import (
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/newsmill/newsmill/pkg/article"
)

// OutcomeSubjects are where every article ends: classified, duplicate or
// dead-lettered.
var OutcomeSubjects = []string{article.ArticlesRoot + ".>", article.DuplicateRoot + ".>", article.DLQRoot + ".>"}

// SubscribeOutcomes calls handle for every message on [OutcomeSubjects] from
// now on, with no pending limit so a slow reader never loses an outcome. The
// returned func unsubscribes.
func SubscribeOutcomes(nc *nats.Conn, handle nats.MsgHandler) (func(), error) {
	var subs []*nats.Subscription
	unsub := func() {
		for _, s := range subs {
			_ = s.Unsubscribe()
		}
	}
	for _, subj := range OutcomeSubjects {
		s, err := nc.Subscribe(subj, handle)
		if err != nil {
			unsub()
			return nil, fmt.Errorf("subscribing to %s: %w", subj, err)
		}
		subs = append(subs, s)
		if err := s.SetPendingLimits(-1, -1); err != nil {
			unsub()
			return nil, fmt.Errorf("subscribing to %s: %w", subj, err)
		}
	}
	if err := nc.Flush(); err != nil {
		unsub()
		return nil, fmt.Errorf("subscribing: %w", err)
	}
	return unsub, nil
}
