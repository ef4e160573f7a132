package fetch

import (
	"net/netip"
	"time"
)

// Options configure a [Fetcher]. Zero fields take the documented default;
// see [Options.withDefaults].
type Options struct {
	// UserAgent identifies the fetcher to sites and to robots.txt.
	// Default "newsmill/1.0 (+https://github.com/newsmill/newsmill)".
	UserAgent string
	// MaxBodyBytes caps every body after decompression. A larger page is
	// refused with [ErrTooLarge], never truncated. Default 5 MiB.
	MaxBodyBytes int64
	// MaxCompressionRatio refuses a compressed body that inflates more than
	// this many times its wire size once past 1 MiB ([ErrDecompressionBomb]).
	// Default 100.
	MaxCompressionRatio int64
	// Timeout bounds one request from dial to the last body byte, so a
	// slow or endless body cannot hold a worker. Default 30s.
	Timeout time.Duration
	// ConnectTimeout bounds the TCP connect. Default 10s.
	ConnectTimeout time.Duration
	// HeaderTimeout bounds the wait for response headers after the
	// request is written. Default 15s.
	HeaderTimeout time.Duration
	// MaxRedirects is the longest redirect chain followed. Default 5;
	// a negative value follows none.
	MaxRedirects int
	// Retries is how many times a transient failure (network error,
	// timeout, 408/425/429/5xx) is retried within one poll. Default 2;
	// negative disables retries.
	Retries int
	// RetryBase is the first retry delay; each retry doubles it, with
	// full jitter, up to RetryMax. Defaults 1s and 30s.
	RetryBase, RetryMax time.Duration
	// MaxRetryAfter is the longest Retry-After the fetcher waits for within
	// a poll; a longer one fails the request and delays the host and the
	// source instead. Default 2m.
	MaxRetryAfter time.Duration
	// RateLimit is the default request rate per host, in requests per
	// second, for sources that set none. Default 1.
	RateLimit float64
	// HostConcurrency bounds simultaneous requests to one host. Default 2.
	HostConcurrency int
	// MaxCrawlDelay caps a robots.txt Crawl-delay. Default 60s.
	MaxCrawlDelay time.Duration
	// IgnoreRobots disables robots.txt checks (for tests of other
	// behaviour; operators should leave it off).
	IgnoreRobots bool
	// RobotsTTL is how long a robots.txt is cached. Default 12h.
	RobotsTTL time.Duration
	// SeenTTL is how long a fetched article stays in the seen-set.
	// Default 30 days.
	SeenTTL time.Duration
	// MinRefetchInterval is the least time between two fetches of one
	// article page that its listing shows as updated (a newer feed item
	// date or sitemap lastmod than at its last fetch; see [Fetcher.Poll]).
	// A story edited every few minutes is fetched again once the interval
	// has passed, with its latest change. A listing that gives all of
	// three or more pages the same date (stamping them with its build
	// time) refetches nothing; one that stamps a single item with the time
	// of the request has it fetched again once per interval while it is
	// listed, not on every poll. Default 1h; a negative value sets no
	// minimum.
	MinRefetchInterval time.Duration
	// MaxArticlesPerPoll caps the article pages fetched in one poll of a
	// source, new pages first, then updated ones; the rest are fetched by
	// the next polls. Default 200.
	MaxArticlesPerPoll int
	// MaxSitemaps caps the child sitemaps read from one sitemap index per
	// poll (newest first when lastmod is given). Default 20.
	MaxSitemaps int
	// MaxNesting refuses feeds and sitemaps nested deeper than this many
	// elements before they reach the XML parser ([ErrTooDeep]). Default 100.
	MaxNesting int
	// MaxFileBytes caps a local file of a KindFile source. Default
	// MaxBodyBytes.
	MaxFileBytes int64
	// Workers is how many sources [Fetcher.Run] polls at once. Default 16.
	Workers int
	// LargeParses bounds how many listings larger than 1 MiB are parsed
	// at once across all workers: gofeed allocates over 100 times a feed's
	// size while parsing (measured: 659 MiB allocated, ~47 MiB live, for a
	// flat 5 MiB RSS feed), so a burst of big feeds must not run in
	// parallel. Default 2.
	LargeParses int
	// PageConcurrency is how many article pages one poll fetches at once
	// (each still bound by the per-host limits). Default 4.
	PageConcurrency int
	// MaxPagesInFlight bounds the article pages being fetched, decoded and
	// published at once across all sources and polls, so the memory pages
	// hold stays under MaxPagesInFlight × MaxBodyBytes (plus the decoded
	// text) however many workers run. Default 16 (80 MiB of bodies at the
	// default 5 MiB cap).
	MaxPagesInFlight int
	// MaxSourceBackoff caps the delay before a failing source is polled
	// again: interval × 2^failures, with jitter. Default 6h.
	MaxSourceBackoff time.Duration
	// StartSpread spreads the first polls of the sources present when Run
	// starts over up to this long, so a restart does not hit every site at
	// once. Sources added later are polled at once. Default 1m.
	StartSpread time.Duration
	// FileRoots, when set, are the only folders KindFile sources may read
	// (after resolving symbolic links), so a source added through the
	// registry cannot publish arbitrary local files. Empty allows any path;
	// production deployments should set it.
	FileRoots []string
	// Validators keeps the listings' conditional-GET validators (ETag,
	// Last-Modified), so that the first poll of a listing after a restart,
	// or by another replica, can still be answered 304 Not Modified. A
	// failing store never fails a poll: it costs a full download of the
	// listing and a logged warning. Nil (the default): a [MemoryValidators]
	// private to this Fetcher, lost when the process stops; package
	// redisstore provides one shared by replicas.
	Validators ValidatorStore
	// AllowNets and AllowAddrs are exceptions to the private-address
	// refusal for every source: intranet ranges and exact ip:port pairs.
	AllowNets  []netip.Prefix
	AllowAddrs []netip.AddrPort
	// Now returns the current time (tests). Default time.Now.
	Now func() time.Time
}

// DefaultUserAgent is the User-Agent used when Options.UserAgent is empty.
const DefaultUserAgent = "newsmill/1.0 (+https://github.com/newsmill/newsmill)"

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 5 << 20
	}
	if o.MaxCompressionRatio <= 0 {
		o.MaxCompressionRatio = 100
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	if o.HeaderTimeout <= 0 {
		o.HeaderTimeout = 15 * time.Second
	}
	if o.MaxRedirects == 0 {
		o.MaxRedirects = 5
	} else if o.MaxRedirects < 0 {
		o.MaxRedirects = 0
	}
	if o.Retries == 0 {
		o.Retries = 2
	} else if o.Retries < 0 {
		o.Retries = 0
	}
	if o.RetryBase <= 0 {
		o.RetryBase = time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 30 * time.Second
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = 2 * time.Minute
	}
	if o.RateLimit <= 0 {
		o.RateLimit = 1
	}
	if o.HostConcurrency <= 0 {
		o.HostConcurrency = 2
	}
	if o.MaxCrawlDelay <= 0 {
		o.MaxCrawlDelay = time.Minute
	}
	if o.RobotsTTL <= 0 {
		o.RobotsTTL = 12 * time.Hour
	}
	if o.SeenTTL <= 0 {
		o.SeenTTL = 30 * 24 * time.Hour
	}
	if o.MinRefetchInterval == 0 {
		o.MinRefetchInterval = time.Hour
	} else if o.MinRefetchInterval < 0 {
		o.MinRefetchInterval = 0
	}
	if o.MaxArticlesPerPoll <= 0 {
		o.MaxArticlesPerPoll = 200
	}
	if o.MaxSitemaps <= 0 {
		o.MaxSitemaps = 20
	}
	if o.MaxNesting <= 0 {
		o.MaxNesting = 100
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = o.MaxBodyBytes
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.LargeParses <= 0 {
		o.LargeParses = 2
	}
	if o.PageConcurrency <= 0 {
		o.PageConcurrency = 4
	}
	if o.MaxPagesInFlight <= 0 {
		o.MaxPagesInFlight = 16
	}
	if o.MaxSourceBackoff <= 0 {
		o.MaxSourceBackoff = 6 * time.Hour
	}
	if o.StartSpread <= 0 {
		o.StartSpread = time.Minute
	}
	if o.Validators == nil {
		o.Validators = NewMemoryValidators()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}
