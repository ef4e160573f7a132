package fetch

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/andybalholm/brotli"
)

// response is one fetched document, decompressed but not yet decoded.
type response struct {
	Status      int
	Header      http.Header
	Body        []byte
	FinalURL    string
	NotModified bool
	// WireBytes is the number of bytes read from the network.
	WireBytes int64
}

// client is the polite, guarded HTTP layer shared by every poll.
type client struct {
	opts    Options
	guarded *http.Client
	open    *http.Client // for sources with AllowPrivate
	hosts   *hostLimiter
	robots  *robotsCache
}

func newClient(opts Options) *client {
	c := &client{
		opts:  opts,
		hosts: newHostLimiter(opts.HostConcurrency, opts.Now),
	}
	c.guarded = c.httpClient(guard{allowNets: opts.AllowNets, allowAddrs: opts.AllowAddrs})
	c.open = c.httpClient(guard{allowPrivate: true})
	c.robots = newRobotsCache(c)
	return c
}

func (c *client) httpClient(g guard) *http.Client {
	d := &net.Dialer{Timeout: c.opts.ConnectTimeout, KeepAlive: 30 * time.Second, Control: g.control}
	t := &http.Transport{
		Proxy:                  nil, // a proxy would dial on our behalf, past the guard
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           256,
		MaxIdleConnsPerHost:    c.opts.HostConcurrency,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    c.opts.ConnectTimeout,
		ResponseHeaderTimeout:  c.opts.HeaderTimeout,
		ExpectContinueTimeout:  time.Second,
		DisableCompression:     true, // we decompress ourselves, with a cap
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{Transport: t, CheckRedirect: c.checkRedirect}
}

func (c *client) checkRedirect(req *http.Request, via []*http.Request) error {
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("following redirect to %s: %w", req.URL.Redacted(), ErrBadScheme)
	}
	next := req.URL.String()
	for _, v := range via {
		if v.URL.String() == next {
			return fmt.Errorf("following redirect to %s: %w", req.URL.Redacted(), ErrRedirectLoop)
		}
	}
	if len(via) > c.opts.MaxRedirects {
		return fmt.Errorf("following redirect to %s after %d: %w", req.URL.Redacted(), len(via)-1, ErrTooManyRedirects)
	}
	return nil
}

func (c *client) close() {
	c.guarded.CloseIdleConnections()
	c.open.CloseIdleConnections()
}

// request describes one GET.
type request struct {
	src      Source
	url      string
	cond     Validators // sent as If-None-Match and If-Modified-Since
	robots   bool       // check robots.txt first
	accept   string
	maxBytes int64
}

// get fetches req.url politely: robots.txt, the host's rate and
// concurrency limits, retries of transient failures with backoff and
// jitter, and Retry-After. A 304 answer returns NotModified.
func (c *client) get(ctx context.Context, req request) (*response, error) {
	u, err := url.Parse(req.url)
	if err != nil {
		return nil, fmt.Errorf("parsing URL %q: %w", req.url, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("fetching %s: %w", u.Redacted(), ErrBadScheme)
	}
	interval := time.Duration(float64(time.Second) / c.rate(req.src))
	if req.robots && !c.opts.IgnoreRobots {
		delay, err := c.robots.check(ctx, req.src, u)
		if err != nil {
			return nil, err
		}
		interval = max(interval, delay)
	}
	var last error
	for attempt := 0; ; attempt++ {
		resp, err := c.attempt(ctx, req, u, interval)
		if err == nil {
			return resp, nil
		}
		last = err
		if attempt >= c.opts.Retries || !transient(err) || ctx.Err() != nil {
			return nil, last
		}
		wait := backoff(c.opts.RetryBase, c.opts.RetryMax, attempt)
		var se *StatusError
		if errors.As(err, &se) && se.RetryAfter > 0 {
			if se.RetryAfter > c.opts.MaxRetryAfter {
				return nil, last
			}
			wait = se.RetryAfter
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, last
		}
	}
}

func (c *client) rate(src Source) float64 {
	if src.RateLimit > 0 {
		return src.RateLimit
	}
	return c.opts.RateLimit
}

// backoff is full-jitter exponential backoff: a random delay in
// [base·2^n / 2, base·2^n], capped at max.
func backoff(base, limit time.Duration, n int) time.Duration {
	d := base << min(n, 30)
	if d <= 0 || d > limit {
		d = limit
	}
	half := d / 2
	return half + rand.N(half+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *client) attempt(ctx context.Context, req request, u *url.URL, interval time.Duration) (*response, error) {
	release, err := c.hosts.acquire(ctx, u.Host, interval)
	if err != nil {
		return nil, fmt.Errorf("waiting for host %s: %w", u.Host, err)
	}
	defer release()
	resp, err := c.do(ctx, req, u)
	var se *StatusError
	if errors.As(err, &se) && se.RetryAfter > 0 {
		c.hosts.pause(u.Host, se.RetryAfter)
	}
	return resp, err
}

// do performs one GET with the request timeout covering the whole body.
func (c *client) do(ctx context.Context, req request, u *url.URL) (*response, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, c.opts.Timeout, ErrTimeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("building request for %s: %w", u.Redacted(), err)
	}
	for k, v := range req.src.Headers {
		hr.Header.Set(k, v)
	}
	hr.Header.Set("User-Agent", c.opts.UserAgent)
	hr.Header.Set("Accept-Encoding", "gzip, deflate, br")
	if req.accept != "" {
		hr.Header.Set("Accept", req.accept)
	}
	if req.cond.ETag != "" {
		hr.Header.Set("If-None-Match", req.cond.ETag)
	}
	if req.cond.LastModified != "" {
		hr.Header.Set("If-Modified-Since", req.cond.LastModified)
	}
	hc := c.guarded
	if req.src.AllowPrivate {
		hc = c.open
	}
	resp, err := hc.Do(hr)
	if err != nil {
		return nil, c.wrapTimeout(ctx, fmt.Errorf("fetching %s: %w", u.Redacted(), err))
	}
	defer resp.Body.Close()
	out := &response{Status: resp.StatusCode, Header: resp.Header, FinalURL: resp.Request.URL.String()}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		return out, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10) // lets the connection be reused
		return out, fmt.Errorf("fetching %s: %w", u.Redacted(), &StatusError{Code: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), c.opts.Now())})
	}
	limit := req.maxBytes
	if limit <= 0 {
		limit = c.opts.MaxBodyBytes
	}
	if resp.ContentLength > limit && resp.Header.Get("Content-Encoding") == "" {
		return out, fmt.Errorf("fetching %s: Content-Length %d > %d: %w", u.Redacted(), resp.ContentLength, limit, ErrTooLarge)
	}
	body, wire, err := readBody(resp.Body, resp.Header.Get("Content-Encoding"), limit, c.opts.MaxCompressionRatio)
	out.WireBytes = wire
	if err != nil {
		return out, c.wrapTimeout(ctx, fmt.Errorf("reading %s: %w", u.Redacted(), err))
	}
	out.Body = body
	return out, nil
}

// wrapTimeout marks an error caused by the request timeout with ErrTimeout.
func (c *client) wrapTimeout(ctx context.Context, err error) error {
	if errors.Is(context.Cause(ctx), ErrTimeout) && !errors.Is(err, ErrTimeout) {
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return err
}

// retryAfter parses a Retry-After value: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(min(s, 7*24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// countingReader counts the bytes read from the wire.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// ratioSlack is the decoded size below which the compression ratio is not
// checked: small, repetitive pages compress very well.
const ratioSlack = 1 << 20

// readBody reads a body, decompressing it per Content-Encoding, and refuses
// it when the decoded size exceeds limit or the ratio exceeds maxRatio.
func readBody(r io.Reader, encoding string, limit, maxRatio int64) ([]byte, int64, error) {
	wire := &countingReader{r: io.LimitReader(r, limit+1)}
	var dec io.Reader = wire
	enc := strings.ToLower(strings.TrimSpace(encoding))
	switch enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(wire)
		if err != nil {
			return nil, wire.n, fmt.Errorf("opening gzip body: %w", err)
		}
		defer zr.Close()
		dec = zr
	case "deflate":
		// "deflate" is meant to be zlib-wrapped, but some servers send raw
		// deflate; sniff the zlib header.
		br := newPeekReader(wire, 2)
		if h := br.peeked; len(h) == 2 && h[0]&0x0f == 8 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0 {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, wire.n, fmt.Errorf("opening deflate body: %w", err)
			}
			defer zr.Close()
			dec = zr
		} else {
			fr := flate.NewReader(br)
			defer fr.Close()
			dec = fr
		}
	case "br":
		dec = brotli.NewReader(wire)
	default:
		return nil, wire.n, fmt.Errorf("unsupported Content-Encoding %q: %w", encoding, ErrContentType)
	}
	var buf bytes.Buffer
	chunk := make([]byte, 32<<10)
	for {
		n, err := dec.Read(chunk)
		buf.Write(chunk[:n])
		if int64(buf.Len()) > limit {
			if enc != "" && enc != "identity" && int64(buf.Len()) > maxRatio*max(wire.n, 1) {
				return nil, wire.n, fmt.Errorf("inflating %d wire bytes past %d: %w", wire.n, buf.Len(), ErrDecompressionBomb)
			}
			return nil, wire.n, fmt.Errorf("more than %d bytes: %w", limit, ErrTooLarge)
		}
		if enc != "" && enc != "identity" && buf.Len() > ratioSlack && int64(buf.Len()) > maxRatio*max(wire.n, 1) {
			return nil, wire.n, fmt.Errorf("inflating %d wire bytes to %d: %w", wire.n, buf.Len(), ErrDecompressionBomb)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			if wire.n > limit {
				return nil, wire.n, fmt.Errorf("more than %d bytes on the wire: %w", limit, ErrTooLarge)
			}
			return nil, wire.n, err
		}
	}
	if wire.n > limit {
		return nil, wire.n, fmt.Errorf("more than %d bytes on the wire: %w", limit, ErrTooLarge)
	}
	return buf.Bytes(), wire.n, nil
}

// peekReader lets readBody look at the first bytes of a stream.
type peekReader struct {
	peeked []byte
	rest   io.Reader
	r      io.Reader
}

func newPeekReader(r io.Reader, n int) *peekReader {
	b := make([]byte, n)
	k, _ := io.ReadFull(r, b)
	p := &peekReader{peeked: b[:k], rest: r}
	p.r = io.MultiReader(bytes.NewReader(p.peeked), r)
	return p
}

func (p *peekReader) Read(b []byte) (int, error) { return p.r.Read(b) }

// ReadByte makes flate/zlib read exactly what they need.
func (p *peekReader) ReadByte() (byte, error) {
	var b [1]byte
	_, err := io.ReadFull(p.r, b[:])
	return b[0], err
}
