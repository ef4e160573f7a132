// Package natsbus is newsmill's NATS adapter: it connects to NATS, creates
// the pipeline's JetStream streams and durable pull consumers idempotently,
// and implements [stage.Source] and [stage.Sink] over them, plus the
// Prometheus collector of consumer lag.
//
// It is the only package that imports nats.go (besides natstest for tests).
// Domain packages never import it.
package natsbus
