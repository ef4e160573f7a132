package stage

import (
	"math/rand/v2"
	"time"
)

// Backoff computes the nak delay of a transiently failed message from its
// delivery count: Base doubled per delivery, capped at Max, with up to
// Jitter (a fraction) added at random so replicas do not retry in lockstep.
type Backoff struct {
	Base   time.Duration // delay after the first delivery; default 1s
	Max    time.Duration // cap; default 2m
	Jitter float64       // fraction of the delay added at random, 0–1; default 0.2
}

// DefaultBackoff is 1s, 2s, 4s … capped at 2 minutes, with 20 % jitter.
var DefaultBackoff = Backoff{Base: time.Second, Max: 2 * time.Minute, Jitter: 0.2}

// Delay returns the delay before redelivery number delivered+1.
func (b Backoff) Delay(delivered int) time.Duration {
	base, maxDelay := b.Base, b.Max
	if base <= 0 {
		base = DefaultBackoff.Base
	}
	if maxDelay <= 0 {
		maxDelay = DefaultBackoff.Max
	}
	if delivered < 1 {
		delivered = 1
	}
	d := base
	for i := 1; i < delivered && d < maxDelay; i++ {
		d *= 2
	}
	if d > maxDelay {
		d = maxDelay
	}
	if b.Jitter > 0 {
		d += time.Duration(rand.Float64() * b.Jitter * float64(d))
	}
	return d
}
