// Package fetch turns news sources into raw articles: it lists a source
// (RSS/Atom/JSON feed, sitemap or sitemap index, HTML listing page, single
// page, local file or folder), fetches each article page it has not seen
// yet, decodes it to UTF-8 and hands it to a [Publisher], and only then
// marks it in a [SeenSet] so that a page is fetched once however many
// sources list it. A page is fetched and published again when its feed
// item's date or sitemap lastmod shows it changed since it was last
// fetched, at most once per Options.MinRefetchInterval (see [Fetcher.Poll]);
// the deduplicator downstream turns a changed article into a new revision.
//
// It owns politeness and safety for outgoing HTTP: robots.txt with its
// crawl-delay, a per-host rate limit and concurrency bound, conditional GET,
// retries with exponential backoff and jitter, Retry-After, timeouts, a body
// size cap, decompression with a ratio guard, a redirect limit, URL
// canonicalisation ([Canonicalize]), and the refusal of private, loopback,
// link-local, CGNAT and metadata addresses at dial time (see [Blocked]).
// Every refusal is a typed error (see [Reason]) counted in [SourceHealth].
//
// Package fetch imports package article, package charset and its parsing
// libraries (gofeed, goquery, x/net/html, robotstxt, zap). It declares the
// interfaces it consumes ([Publisher], [SeenSet]) and must never import NATS,
// Redis or the newsmill adapters (natsbus, redisstore) that implement them.
package fetch
