package stage

import (
	"errors"
	"fmt"
)

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as permanent: the runner dead-letters the input and
// terminates it instead of retrying. Use it for input that can never be
// processed (undecodable JSON, a page over the size cap). Permanent(nil) is
// nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err, or any error it wraps, was marked with
// [Permanent].
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// reasonError attaches a short, low-cardinality reason for metrics and the
// dead letter.
type reasonError struct {
	reason string
	err    error
}

func (e *reasonError) Error() string { return e.reason + ": " + e.err.Error() }
func (e *reasonError) Unwrap() error { return e.err }

// WithReason attaches reason (a short snake_case class such as "bad_json" or
// "redis_unavailable") to err; metrics count failures by it and dead letters
// carry it. WithReason(r, nil) is nil.
func WithReason(reason string, err error) error {
	if err == nil {
		return nil
	}
	return &reasonError{reason: reason, err: err}
}

// Reason returns the reason attached with [WithReason], else "permanent" for
// permanent errors and "transient" for the rest ("" for nil).
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var r *reasonError
	if errors.As(err, &r) {
		return r.reason
	}
	if IsPermanent(err) {
		return "permanent"
	}
	return "transient"
}

// errMaxDeliver is wrapped into the dead letter of a message that failed
// transiently too often.
var errMaxDeliver = errors.New("delivered too often")

func maxDeliverError(n int, last error) error {
	return WithReason("max_deliver", fmt.Errorf("%w (%d times), last error: %w", errMaxDeliver, n, last))
}
