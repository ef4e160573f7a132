package fetch

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"sort"
	"time"

	"go.uber.org/zap"
)

// Run schedules every enabled source of the latest set received on
// sources, polling each at its interval on Options.Workers workers, until
// ctx is done. Each value received replaces the whole set (as
// natsbus.Registry.Watch delivers it): a new or changed source is polled at
// once, a paused or removed one stops (an in-flight poll of it is
// canceled). Sources present when Run starts are spread over
// Options.StartSpread. A failing source is retried after interval ×
// 2^(failures-1), with jitter, capped at Options.MaxSourceBackoff, and not
// before a Retry-After it was given; it never delays other sources.
//
// Run returns nil after ctx is done and in-flight polls have returned
// (they are canceled with ctx). A closed sources channel keeps the last
// set running.
func (f *Fetcher) Run(ctx context.Context, sources <-chan []Source) error {
	type slot struct {
		src     Source
		next    time.Time
		running bool
		gen     int
		cancel  context.CancelFunc
	}
	type result struct {
		id  string
		gen int
		st  Stats
		err error
	}
	var (
		slots   = make(map[string]*slot)
		results = make(chan result)
		busy    = 0
		gen     = 0
		started = false
		known   = make(map[string]bool) // ids in the latest set, paused ones included
		timer   = time.NewTimer(time.Hour)
	)
	defer timer.Stop()

	apply := func(set []Source) {
		now := f.opts.Now()
		want := make(map[string]Source, len(set))
		for _, s := range set {
			if err := s.Validate(); err != nil {
				f.log.Error("ignoring invalid source", zap.String("source", s.ID), zap.Error(err))
				continue
			}
			if !s.Enabled {
				f.health.schedule(s, time.Time{})
				continue
			}
			want[s.ID] = s
		}
		for id, sl := range slots {
			s, ok := want[id]
			if ok && reflect.DeepEqual(s, sl.src) {
				continue
			}
			if sl.cancel != nil {
				sl.cancel()
			}
			delete(slots, id)
			if !ok {
				f.log.Info("source unscheduled", zap.String("source", id))
			}
		}
		known = make(map[string]bool, len(set))
		for _, s := range set {
			known[s.ID] = true
		}
		f.health.retain(known)
		for id, s := range want {
			if _, ok := slots[id]; ok {
				continue
			}
			gen++
			next := now
			if !started {
				next = now.Add(rand.N(min(s.EffectiveInterval(), f.opts.StartSpread) + 1))
			}
			slots[id] = &slot{src: s, next: next, gen: gen}
			f.health.schedule(s, next)
			f.log.Info("source scheduled", zap.String("source", id), zap.String("kind", s.Kind), zap.Duration("interval", s.EffectiveInterval()))
		}
		started = true
	}

	dispatch := func() {
		now := f.opts.Now()
		var due []*slot
		for _, sl := range slots {
			if !sl.running && !sl.next.After(now) {
				due = append(due, sl)
			}
		}
		sort.Slice(due, func(i, j int) bool { return due[i].next.Before(due[j].next) })
		for _, sl := range due {
			if busy >= f.opts.Workers {
				return
			}
			busy++
			sl.running = true
			pctx, cancel := context.WithCancel(ctx)
			sl.cancel = cancel
			src, g := sl.src, sl.gen
			go func() {
				st, err := f.Poll(pctx, src)
				cancel()
				results <- result{id: src.ID, gen: g, st: st, err: err}
			}()
		}
	}

	rearm := func() {
		var earliest time.Time
		for _, sl := range slots {
			if !sl.running && (earliest.IsZero() || sl.next.Before(earliest)) {
				earliest = sl.next
			}
		}
		d := time.Hour
		if !earliest.IsZero() {
			d = max(earliest.Sub(f.opts.Now()), 0)
		}
		if busy >= f.opts.Workers {
			d = time.Hour // a finishing poll re-arms
		}
		timer.Reset(d)
	}

	for {
		dispatch()
		rearm()
		select {
		case <-ctx.Done():
			for busy > 0 {
				<-results
				busy--
			}
			return nil
		case set, ok := <-sources:
			if !ok {
				sources = nil
				continue
			}
			apply(set)
		case r := <-results:
			busy--
			sl, ok := slots[r.id]
			if !ok || sl.gen != r.gen {
				// Removed or changed while polling: the poll's health record
				// must not bring a removed source back.
				f.health.retain(known)
				continue
			}
			sl.running, sl.cancel = false, nil
			sl.next = f.nextPoll(sl.src, r.err)
			f.health.schedule(sl.src, sl.next)
			if r.err != nil && ctx.Err() == nil {
				f.log.Warn("poll failed", zap.String("source", r.id), zap.String("reason", Reason(r.err)),
					zap.Int("failures", f.health.failures(r.id)), zap.Time("next_poll", sl.next), zap.Error(r.err))
			} else {
				f.log.Debug("polled", zap.String("source", r.id), zap.Int("listed", r.st.Listed), zap.Int("new", r.st.New),
					zap.Int("published", r.st.Published), zap.Int("failed", r.st.Failed), zap.Bool("not_modified", r.st.NotModified))
			}
		case <-timer.C:
		}
	}
}

// nextPoll is when a source is due again after a poll that ended with err.
func (f *Fetcher) nextPoll(src Source, err error) time.Time {
	now := f.opts.Now()
	iv := src.EffectiveInterval()
	if err == nil {
		// Up to 5% jitter keeps sources that started together apart.
		return now.Add(iv + rand.N(iv/20+1))
	}
	n := max(f.health.failures(src.ID), 1)
	d := iv
	for i := 1; i < n && d < f.opts.MaxSourceBackoff; i++ {
		d *= 2
	}
	d = min(d, max(f.opts.MaxSourceBackoff, iv))
	d = d/2 + rand.N(d/2+1)
	var se *StatusError
	if errors.As(err, &se) && se.RetryAfter > d {
		d = se.RetryAfter
	}
	return now.Add(d)
}

// Registry is a live source registry that [Fetcher.Run] can follow:
// Watch sends the full current set at start and after every change, and
// closes the channel when ctx is done. natsbus.Registry implements it over
// a NATS KV bucket; [Static] serves a fixed set.
type Registry interface {
	Watch(ctx context.Context) (<-chan []Source, error)
}

// Static returns a channel that delivers srcs once, for running a fixed
// set (a sources file without a live registry): pass it to [Fetcher.Run].
func Static(srcs []Source) <-chan []Source {
	ch := make(chan []Source, 1)
	ch <- append([]Source(nil), srcs...)
	close(ch)
	return ch
}
