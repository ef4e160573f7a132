// Package e2e holds the end-to-end tests of the service binaries: it builds
// fetcher, cleaner, deduplicator and classifier, runs them as separate
// processes against one NATS server and a real Redis (REDIS_URL), and checks
// what arrives downstream.
package e2e
