package obs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
)

// Readiness states reported by /readyz.
const (
	stateNotReady int32 = iota
	stateReady
	stateStopping
)

// Server is a service's operations endpoint:
//
//	/metrics  Prometheus exposition of the injected gatherer
//	/healthz  200 "ok" for as long as the process serves HTTP (liveness)
//	/readyz   200 "ready" once [Server.SetReady](true) was called; 503
//	          "not ready" before that, and 503 "stopping" from
//	          [Server.SetStopping] or [Server.Shutdown] on, for good
//
// It is safe for concurrent use. Keep it on a private port: it is for
// orchestrators and Prometheus, not for the public.
type Server struct {
	addr  string
	log   *zap.Logger
	mux   *http.ServeMux
	srv   *http.Server
	state atomic.Int32

	mu      sync.Mutex
	ln      net.Listener
	serving chan struct{} // closed when Serve returns
}

// NewServer returns a server that will listen on addr (host:port; ":0"
// picks a free port, see [Server.Addr]) and expose gatherer on /metrics. A
// nil log discards the server's own log lines. Nothing listens until
// [Server.Start].
func NewServer(addr string, gatherer prometheus.Gatherer, log *zap.Logger) *Server {
	if log == nil {
		log = zap.NewNop()
	}
	s := &Server{addr: addr, log: log, mux: http.NewServeMux()}
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{
		ErrorLog:      zap.NewStdLog(log),
		ErrorHandling: promhttp.ContinueOnError,
	}))
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeText(w, http.StatusOK, "ok")
	})
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		switch s.state.Load() {
		case stateReady:
			writeText(w, http.StatusOK, "ready")
		case stateStopping:
			writeText(w, http.StatusServiceUnavailable, "stopping")
		default:
			writeText(w, http.StatusServiceUnavailable, "not ready")
		}
	})
	s.srv = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          zap.NewStdLog(log),
	}
	return s
}

func writeText(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body + "\n"))
}

// Handle registers an extra handler (an admin API, pprof) on the server's
// mux, with [http.ServeMux] patterns. It is safe before or after Start; it
// panics, as ServeMux does, on a conflicting pattern.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// SetReady switches /readyz between 200 (true) and 503 (false). It has no
// effect once the server is stopping: a draining service never becomes
// ready again.
func (s *Server) SetReady(ready bool) {
	want := stateNotReady
	if ready {
		want = stateReady
	}
	for {
		cur := s.state.Load()
		if cur == stateStopping || s.state.CompareAndSwap(cur, want) {
			return
		}
	}
}

// SetStopping makes /readyz answer 503 "stopping" for good, so load
// balancers and orchestrators stop routing work here before the service
// drains. /healthz and /metrics keep answering.
func (s *Server) SetStopping() { s.state.Store(stateStopping) }

// Ready reports whether /readyz currently answers 200.
func (s *Server) Ready() bool { return s.state.Load() == stateReady }

// Start binds the address and serves in the background. It returns the
// listen error, if any (a port in use), and an error if called twice.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return errors.New("starting obs server: already started")
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("starting obs server: %w", err)
	}
	s.ln = ln
	s.serving = make(chan struct{})
	go func() {
		defer close(s.serving)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("obs server stopped", zap.Error(err))
		}
	}()
	s.log.Info("obs server listening", zap.String("addr", ln.Addr().String()))
	return nil
}

// Addr returns the bound address once started (with the real port when
// the configured one was 0), and the configured address before.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return s.ln.Addr().String()
	}
	return s.addr
}

// Shutdown marks the server stopping, then stops it gracefully: it stops
// accepting connections and waits for in-flight requests until ctx is done,
// when it closes the remaining connections and returns ctx's error. It is a
// no-op on a server that was never started, and safe to call twice.
func (s *Server) Shutdown(ctx context.Context) error {
	s.SetStopping()
	s.mu.Lock()
	serving := s.serving
	s.mu.Unlock()
	if serving == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	if err != nil {
		_ = s.srv.Close()
		err = fmt.Errorf("shutting down obs server: %w", err)
	}
	<-serving
	return err
}
