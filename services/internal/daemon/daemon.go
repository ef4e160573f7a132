// Package daemon is the process lifecycle every newsmill binary shares:
// it builds the logger and a fresh metrics registry, serves /metrics,
// /healthz and /readyz, turns SIGINT and SIGTERM into a cancelled context,
// and bounds the shutdown: readiness goes to 503 (stopping) before the
// service's context is cancelled, then the service has ShutdownTimeout to
// return.
//
// It imports package obs and the standard library; it knows nothing of
// NATS, Redis or the stages, which the function given to [Run] wires.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.uber.org/zap"

	"github.com/newsmill/newsmill/pkg/obs"
)

// Defaults of [Config], applied by [Run] to zero fields.
const (
	DefaultLogFormat       = obs.FormatJSON
	DefaultLogLevel        = "info"
	DefaultHTTPAddr        = ":9090"
	DefaultShutdownTimeout = 30 * time.Second
)

// ErrShutdownTimeout is wrapped by the error [Run] returns when the service
// function did not return within Config.ShutdownTimeout after it was asked
// to stop. In-flight messages were not settled and will be redelivered; the
// caller should exit non-zero.
var ErrShutdownTimeout = errors.New("shutdown timed out")

// Config is the process-level configuration every binary embeds (with
// `conf:",inline"` for package config, so the variables are
// NEWSMILL_LOG_FORMAT, NEWSMILL_LOG_LEVEL, NEWSMILL_HTTP_ADDR and
// NEWSMILL_SHUTDOWN_TIMEOUT).
type Config struct {
	// LogFormat is json (production) or console (people).
	LogFormat string `conf:"log_format" help:"log format: json or console"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `conf:"log_level" help:"log level: debug, info, warn or error"`
	// HTTPAddr is where /metrics, /healthz and /readyz are served; ":0"
	// picks a free port, "" is DefaultHTTPAddr.
	HTTPAddr string `conf:"http_addr" help:"address of the /metrics /healthz /readyz server"`
	// ShutdownTimeout bounds the drain after a signal.
	ShutdownTimeout time.Duration `conf:"shutdown_timeout" help:"how long in-flight work may take to finish after SIGTERM"`
}

// DefaultConfig returns the production defaults: JSON logs at info,
// :9090, 30 s to drain (keep Kubernetes' terminationGracePeriodSeconds
// above it). newsctl sets LogFormat to console.
func DefaultConfig() Config {
	return Config{
		LogFormat:       DefaultLogFormat,
		LogLevel:        DefaultLogLevel,
		HTTPAddr:        DefaultHTTPAddr,
		ShutdownTimeout: DefaultShutdownTimeout,
	}
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.LogFormat == "" {
		c.LogFormat = d.LogFormat
	}
	if c.LogLevel == "" {
		c.LogLevel = d.LogLevel
	}
	if c.HTTPAddr == "" {
		c.HTTPAddr = d.HTTPAddr
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = d.ShutdownTimeout
	}
	return c
}

// Deps is what [Run] hands the service function.
type Deps struct {
	// Log is the process logger, with a "service" field.
	Log *zap.Logger
	// Registry is a fresh registry holding the Go, process and build-info
	// collectors; register the service's metrics here (it is what
	// /metrics serves).
	Registry *prometheus.Registry
	// SetReady switches /readyz: call SetReady(true) once the service is
	// wired and consuming (connected, streams provisioned), and
	// SetReady(false) while it cannot work (broker lost). It is ignored
	// once shutdown began.
	SetReady func(bool)
	// HTTPAddr is the bound address of the ops server (useful with ":0").
	HTTPAddr string
	// Handle adds a handler (an admin API) to the ops server's mux.
	Handle func(pattern string, h http.Handler)
}

// Run runs fn as the process named name until fn returns or the process
// is asked to stop:
//
//  1. It builds the logger from cfg (an invalid format or level is an
//     error before anything starts), a fresh registry, and starts the ops
//     server on cfg.HTTPAddr; /readyz answers 503 until fn calls
//     d.SetReady(true).
//  2. On SIGINT or SIGTERM, or when ctx is done, it sets /readyz to 503
//     "stopping", then cancels the context given to fn and waits up to
//     cfg.ShutdownTimeout for fn to return. A second signal during that
//     wait kills the process (the default signal behaviour is restored).
//  3. It shuts the ops server down and syncs the logger.
//
// It returns nil when fn returned nil or returned after being asked to
// stop with nil or a context error; fn's error, wrapped, when fn failed on
// its own (readiness also goes to 503 first); an error wrapping
// [ErrShutdownTimeout] when fn did not return in time (fn's goroutine is
// left running: the caller should exit). A panic in fn is recovered and
// returned as an error so the process still shuts down in order.
func Run(ctx context.Context, name string, cfg Config, fn func(ctx context.Context, d *Deps) error) error {
	cfg = cfg.withDefaults()
	log, err := obs.NewLogger(cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	log = log.With(zap.String("service", name))
	// Syncing stderr fails with EINVAL on some systems; nothing to do then.
	defer func() { _ = log.Sync() }()

	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo(name),
	)

	srv := obs.NewServer(cfg.HTTPAddr, reg, log)
	if err := srv.Start(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			log.Warn("ops server shutdown", zap.Error(err))
		}
	}()

	sigCtx, stopSignals := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stopSignals()

	// fn's context is cancelled by us, after readiness went to 503, never
	// directly by the signal.
	fnCtx, cancelFn := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelFn()

	deps := &Deps{
		Log:      log,
		Registry: reg,
		SetReady: srv.SetReady,
		HTTPAddr: srv.Addr(),
		Handle:   srv.Handle,
	}
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("panic: %v\n%s", p, debug.Stack())
			}
		}()
		done <- fn(fnCtx, deps)
	}()
	log.Info("started", zap.String("http_addr", srv.Addr()))

	select {
	case err := <-done:
		srv.SetStopping()
		if err != nil {
			log.Error("stopped on error", zap.Error(err))
			return fmt.Errorf("%s: %w", name, err)
		}
		log.Info("stopped")
		return nil
	case <-sigCtx.Done():
	}

	stopSignals() // a second signal now kills the process
	srv.SetStopping()
	log.Info("shutting down", zap.Duration("timeout", cfg.ShutdownTimeout), zap.NamedError("cause", context.Cause(sigCtx)))
	cancelFn()

	timer := time.NewTimer(cfg.ShutdownTimeout)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			log.Error("stopped on error during shutdown", zap.Error(err))
			return fmt.Errorf("%s: %w", name, err)
		}
		log.Info("stopped")
		return nil
	case <-timer.C:
		log.Error("shutdown timed out", zap.Duration("timeout", cfg.ShutdownTimeout))
		return fmt.Errorf("%s: %w after %s", name, ErrShutdownTimeout, cfg.ShutdownTimeout)
	}
}

// buildInfo exports newsmill_build_info{service,version,goversion} = 1.
func buildInfo(name string) prometheus.Collector {
	version, goVersion := "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				version = s.Value
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "newsmill_build_info",
		Help:        "A constant 1 labelled with the service, its version and Go version.",
		ConstLabels: prometheus.Labels{"service": name, "version": version, "goversion": goVersion},
	})
	g.Set(1)
	return g
}
