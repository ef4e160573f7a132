package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

// Refusal and failure sentinels. Test with errors.Is; [Reason] maps any
// error to a short label used in health counters and logs.
var (
	// ErrTooLarge: the body (after decompression) exceeds
	// Options.MaxBodyBytes. The page is refused, never truncated.
	ErrTooLarge = errors.New("body exceeds size cap")
	// ErrDecompressionBomb: the body inflates more than
	// Options.MaxCompressionRatio times its compressed size.
	ErrDecompressionBomb = errors.New("decompression ratio exceeds limit")
	// ErrTooManyRedirects: more than Options.MaxRedirects redirects.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrRedirectLoop: a redirect led back to a URL already visited.
	ErrRedirectLoop = errors.New("redirect loop")
	// ErrContentType: the response is not of a type the source kind reads
	// (an image or PDF instead of an article page, for example).
	ErrContentType = errors.New("unexpected content type")
	// ErrRobots: robots.txt disallows the URL for our User-Agent.
	ErrRobots = errors.New("disallowed by robots.txt")
	// ErrStatus: the server answered with a non-success status; see
	// [*StatusError] for the code.
	ErrStatus = errors.New("unexpected HTTP status")
	// ErrTimeout: the connection, the response headers or the whole body
	// took longer than the configured timeouts (a slow or endless body).
	ErrTimeout = errors.New("timed out")
	// ErrParse: the feed, sitemap or listing could not be parsed.
	ErrParse = errors.New("unparsable document")
	// ErrTooDeep: the document nests elements deeper than
	// Options.MaxNesting (a parser memory bomb).
	ErrTooDeep = errors.New("document nested too deeply")
	// ErrBadScheme: a URL (or a redirect) is not http or https.
	ErrBadScheme = errors.New("scheme is not http or https")
)

// StatusError is a non-success HTTP status. It matches [ErrStatus].
type StatusError struct {
	Code int
	// RetryAfter is the server's Retry-After, if it sent one (429, 503).
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("HTTP status %d (retry after %s)", e.Code, e.RetryAfter)
	}
	return fmt.Sprintf("HTTP status %d", e.Code)
}

// Is makes a StatusError match ErrStatus.
func (e *StatusError) Is(target error) bool { return target == ErrStatus }

// Transient reports whether a retry later may succeed: 408, 425, 429 and
// 5xx except 501.
func (e *StatusError) Transient() bool {
	switch {
	case e.Code == 408, e.Code == 425, e.Code == 429:
		return true
	case e.Code >= 500 && e.Code != 501:
		return true
	}
	return false
}

// Reason returns a short, low-cardinality label for err, for counters and
// logs: "blocked_address", "too_large", "decompression_bomb",
// "too_many_redirects", "redirect_loop", "content_type", "robots",
// "status_<code>", "timeout", "parse", "too_deep", "bad_scheme",
// "canceled", "network", "publish", "seen_set", "file" or "other"; ""
// for nil.
func Reason(err error) string {
	var se *StatusError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrBlockedAddress):
		return "blocked_address"
	case errors.Is(err, ErrDecompressionBomb):
		return "decompression_bomb"
	case errors.Is(err, ErrTooLarge):
		return "too_large"
	case errors.Is(err, ErrRedirectLoop):
		return "redirect_loop"
	case errors.Is(err, ErrTooManyRedirects):
		return "too_many_redirects"
	case errors.Is(err, ErrContentType):
		return "content_type"
	case errors.Is(err, ErrRobots):
		return "robots"
	case errors.As(err, &se):
		return "status_" + strconv.Itoa(se.Code)
	case errors.Is(err, ErrTooDeep):
		return "too_deep"
	case errors.Is(err, ErrParse):
		return "parse"
	case errors.Is(err, ErrBadScheme), errors.Is(err, ErrNotHTTP):
		return "bad_scheme"
	case errors.Is(err, errPublish):
		return "publish"
	case errors.Is(err, errSeen):
		return "seen_set"
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, errFile):
		return "file"
	}
	var ne net.Error
	if errors.As(err, &ne) {
		if ne.Timeout() {
			return "timeout"
		}
		return "network"
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return "network"
	}
	return "other"
}

var (
	errPublish = errors.New("publishing article")
	errSeen    = errors.New("seen set")
	errFile    = errors.New("reading file")
)

// transient reports whether a retry of the same request may succeed.
func transient(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Transient()
	}
	switch Reason(err) {
	case "timeout", "network":
		return true
	}
	return false
}
