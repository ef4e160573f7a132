// Package pipeline turns newsmill's domain packages into stage handlers: the
// cleaner (extract + clean), the deduplicator (dedup) and the classifier
// (classify), plus the publisher the fetcher hands raw articles to. The
// service binaries and `newsctl up` wire these to the bus; this package
// holds what each stage does to an article, once, so both run the same code.
//
// It imports package stage and the domain packages, never NATS or Redis.
package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Headers set on outputs.
const (
	// HeaderVerdict carries the deduplicator's decision on its outputs:
	// original, update, duplicate, near_duplicate or unchanged.
	HeaderVerdict = "Newsmill-Verdict"
)

// shortHash is 16 hex digits of SHA-256, for Nats-Msg-Id revisions.
func shortHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func nowOr(now func() time.Time) time.Time {
	if now == nil {
		return time.Now()
	}
	return now()
}
