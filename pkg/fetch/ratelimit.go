package fetch

import (
	"context"
	"sync"
	"time"
)

// hostLimiter spaces requests to each host by an interval (the source's
// rate limit or the robots.txt crawl-delay, whichever is longer) and bounds
// the requests in flight per host. Hosts never block each other.
type hostLimiter struct {
	concurrency int
	now         func() time.Time

	mu    sync.Mutex
	hosts map[string]*hostState
}

type hostState struct {
	sem  chan struct{}
	next time.Time // earliest start of the next request
}

func newHostLimiter(concurrency int, now func() time.Time) *hostLimiter {
	return &hostLimiter{concurrency: concurrency, now: now, hosts: make(map[string]*hostState)}
}

func (l *hostLimiter) state(host string) *hostState {
	l.mu.Lock()
	defer l.mu.Unlock()
	h, ok := l.hosts[host]
	if !ok {
		h = &hostState{sem: make(chan struct{}, l.concurrency)}
		l.hosts[host] = h
	}
	return h
}

// acquire waits for a concurrency slot and a start time for host, at least
// interval after the previous request's start. It returns the function that
// frees the slot, or ctx's error.
func (l *hostLimiter) acquire(ctx context.Context, host string, interval time.Duration) (func(), error) {
	h := l.state(host)
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release := func() { <-h.sem }
	l.mu.Lock()
	now := l.now()
	start := h.next
	if start.Before(now) {
		start = now
	}
	h.next = start.Add(interval)
	l.mu.Unlock()
	if err := sleep(ctx, start.Sub(now)); err != nil {
		release()
		return nil, err
	}
	return release, nil
}

// pause delays every further request to host by d (Retry-After).
func (l *hostLimiter) pause(host string, d time.Duration) {
	h := l.state(host)
	l.mu.Lock()
	defer l.mu.Unlock()
	if t := l.now().Add(d); t.After(h.next) {
		h.next = t
	}
}
