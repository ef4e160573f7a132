package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

// robotsCache fetches and caches robots.txt per scheme and host.
type robotsCache struct {
	c *client

	mu      sync.Mutex
	entries map[string]*robotsEntry
}

type robotsEntry struct {
	mu      sync.Mutex // one fetch per host at a time
	data    *robotstxt.RobotsData
	expires time.Time
}

// robotsRetry is how long a robots.txt that could not be fetched (5xx or
// network failure, which mean "disallow all" per RFC 9309) is cached.
const robotsRetry = 10 * time.Minute

const robotsMaxBytes = 512 << 10

func newRobotsCache(c *client) *robotsCache {
	return &robotsCache{c: c, entries: make(map[string]*robotsEntry)}
}

// check returns the host's crawl-delay for our agent, or an error wrapping
// ErrRobots when u is disallowed.
func (r *robotsCache) check(ctx context.Context, src Source, u *url.URL) (time.Duration, error) {
	key := u.Scheme + "://" + u.Host
	r.mu.Lock()
	e, ok := r.entries[key]
	if !ok {
		e = &robotsEntry{}
		r.entries[key] = e
	}
	r.mu.Unlock()

	e.mu.Lock()
	if e.data == nil || r.c.opts.Now().After(e.expires) {
		data, ttl, err := r.fetch(ctx, src, key)
		if err != nil {
			e.mu.Unlock()
			return 0, err
		}
		e.data, e.expires = data, r.c.opts.Now().Add(ttl)
	}
	data := e.data
	e.mu.Unlock()

	agent := productToken(r.c.opts.UserAgent)
	g := data.FindGroup(agent)
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	if g != nil && !g.Test(p) {
		return 0, fmt.Errorf("fetching %s: %w", u.Redacted(), ErrRobots)
	}
	if g == nil {
		return 0, nil
	}
	return min(g.CrawlDelay, r.c.opts.MaxCrawlDelay), nil
}

func (r *robotsCache) fetch(ctx context.Context, src Source, base string) (*robotstxt.RobotsData, time.Duration, error) {
	u, err := url.Parse(base + "/robots.txt")
	if err != nil {
		return nil, 0, fmt.Errorf("parsing robots URL: %w", err)
	}
	resp, err := r.c.do(ctx, request{src: src, url: u.String(), maxBytes: robotsMaxBytes}, u)
	var se *StatusError
	switch {
	case err == nil:
		data, perr := robotstxt.FromStatusAndBytes(resp.Status, resp.Body)
		if perr != nil {
			// An unparsable robots.txt restricts nothing.
			data, _ = robotstxt.FromStatusAndBytes(404, nil)
		}
		return data, r.c.opts.RobotsTTL, nil
	case errors.As(err, &se):
		data, perr := robotstxt.FromStatusAndBytes(se.Code, nil)
		if perr != nil || se.Code >= 500 {
			data, _ = robotstxt.FromStatusAndBytes(503, nil)
			return data, robotsRetry, nil
		}
		return data, r.c.opts.RobotsTTL, nil
	case errors.Is(err, ErrBlockedAddress), errors.Is(err, ErrTooLarge), errors.Is(err, ErrDecompressionBomb), ctx.Err() != nil:
		return nil, 0, err
	default:
		// Unreachable: disallow for a while rather than crawl blind.
		data, _ := robotstxt.FromStatusAndBytes(503, nil)
		return data, robotsRetry, nil
	}
}

// productToken is the robots.txt agent name: the User-Agent's product
// token ("newsmill" for "newsmill/1.0 (+https://…)").
func productToken(ua string) string {
	tok, _, _ := strings.Cut(ua, "/")
	tok, _, _ = strings.Cut(tok, " ")
	return tok
}
