// Package obs owns newsmill's observability plumbing shared by every
// service: the zap logger (JSON in production, console for people), the
// per-stage Prometheus metrics and log lines that implement
// [stage.Observer], and the small HTTP server that exposes /metrics,
// /healthz and /readyz.
//
// Nothing here is global: metrics are registered on the
// [prometheus.Registerer] the caller injects, and loggers are returned, not
// installed. The package imports zap, the Prometheus client and package
// stage; it must not import NATS, Redis or any domain package.
package obs
