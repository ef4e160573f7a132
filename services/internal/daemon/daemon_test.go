package daemon

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func testConfig() Config {
	return Config{LogFormat: "console", LogLevel: "error", HTTPAddr: "127.0.0.1:0", ShutdownTimeout: 10 * time.Second}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		return 0, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(body))
}

// waitFor polls cond until it holds, failing the test after a generous
// bound (a hung test, not a timing assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type result struct {
	readyzCode int
	readyzBody string
	ctxErr     error
}

// runStopping runs a service that becomes ready, then records /readyz and
// its context's error once asked to stop. stop triggers the stop.
func runStopping(t *testing.T, stop func(cancel context.CancelFunc)) (result, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrCh := make(chan string, 1)
	var res result
	runErr := make(chan error, 1)
	go func() {
		runErr <- Run(ctx, "test", testConfig(), func(ctx context.Context, d *Deps) error {
			d.SetReady(true)
			addrCh <- d.HTTPAddr
			<-ctx.Done()
			res.readyzCode, res.readyzBody = get(t, "http://"+d.HTTPAddr+"/readyz")
			res.ctxErr = ctx.Err()
			return ctx.Err()
		})
	}()
	var addr string
	select {
	case addr = <-addrCh:
	case err := <-runErr:
		t.Fatalf("Run returned early: %v", err)
	}
	waitFor(t, "/readyz 200", func() bool { code, _ := get(t, "http://"+addr+"/readyz"); return code == 200 })
	if code, body := get(t, "http://"+addr+"/healthz"); code != 200 || body != "ok" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	stop(cancel)
	err := <-runErr
	if resp, gerr := http.Get("http://" + addr + "/healthz"); gerr == nil {
		resp.Body.Close()
		t.Error("ops server still serving after Run returned")
	}
	return res, err
}

func TestRunStops(t *testing.T) {
	tests := []struct {
		name string
		stop func(cancel context.CancelFunc)
	}{
		{name: "parent context cancelled", stop: func(cancel context.CancelFunc) { cancel() }},
		{name: "SIGTERM", stop: func(context.CancelFunc) {
			if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
				panic(err)
			}
		}},
		{name: "SIGINT", stop: func(context.CancelFunc) {
			if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
				panic(err)
			}
		}},
	}
	for _, tt := range tests {
		// Not parallel: signals reach every Run in the process.
		t.Run(tt.name, func(t *testing.T) {
			res, err := runStopping(t, tt.stop)
			if err != nil {
				t.Fatalf("Run = %v, want nil", err)
			}
			if res.readyzCode != http.StatusServiceUnavailable || res.readyzBody != "stopping" {
				t.Errorf("/readyz when fn saw ctx done = %d %q, want 503 stopping", res.readyzCode, res.readyzBody)
			}
			if !errors.Is(res.ctxErr, context.Canceled) {
				t.Errorf("fn ctx err = %v, want Canceled", res.ctxErr)
			}
		})
	}
}

func TestRunShutdownTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	ctx, cancel := context.WithCancel(context.Background())
	cfg := testConfig()
	cfg.ShutdownTimeout = 50 * time.Millisecond
	err := Run(ctx, "stubborn", cfg, func(_ context.Context, d *Deps) error {
		d.SetReady(true)
		cancel()  // ask to stop at once...
		<-release // ...and ignore it
		return nil
	})
	if !errors.Is(err, ErrShutdownTimeout) {
		t.Fatalf("Run = %v, want ErrShutdownTimeout", err)
	}
	if !strings.Contains(err.Error(), "stubborn: shutdown timed out after 50ms") {
		t.Errorf("error %q does not name the service and timeout", err)
	}
}

func TestRunResults(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name    string
		cfg     func(*Config)
		fn      func(ctx context.Context, d *Deps) error
		wantErr string
		wantIs  error
	}{
		{name: "fn returns nil", fn: func(context.Context, *Deps) error { return nil }},
		{name: "fn fails", fn: func(context.Context, *Deps) error { return boom }, wantErr: "svc: boom", wantIs: boom},
		{name: "fn panics", fn: func(context.Context, *Deps) error { panic("kaput") }, wantErr: "svc: panic: kaput"},
		{name: "bad log level", cfg: func(c *Config) { c.LogLevel = "loud" }, fn: func(context.Context, *Deps) error {
			panic("must not start")
		}, wantErr: `unknown log level "loud"`},
		{name: "bad log format", cfg: func(c *Config) { c.LogFormat = "xml" }, fn: func(context.Context, *Deps) error {
			panic("must not start")
		}, wantErr: `unknown log format "xml"`},
		{name: "bad address", cfg: func(c *Config) { c.HTTPAddr = "127.0.0.1:notaport" }, fn: func(context.Context, *Deps) error {
			panic("must not start")
		}, wantErr: "starting obs server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			err := Run(context.Background(), "svc", cfg, tt.fn)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Run = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Run = %v, want an error containing %q", err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Run = %v, want it to wrap %v", err, tt.wantIs)
			}
		})
	}
}

func TestRunServesMetricsAndDeps(t *testing.T) {
	t.Parallel()
	err := Run(context.Background(), "metered", testConfig(), func(_ context.Context, d *Deps) error {
		if d.Log == nil || d.Registry == nil || d.SetReady == nil || d.Handle == nil {
			t.Fatal("incomplete Deps")
		}
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: "newsmill_test_things_total", Help: "test"})
		d.Registry.MustRegister(c)
		c.Inc()
		d.Handle("GET /admin/ping", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "pong") }))

		if code, _ := get(t, "http://"+d.HTTPAddr+"/readyz"); code != http.StatusServiceUnavailable {
			t.Errorf("/readyz before SetReady = %d, want 503", code)
		}
		code, body := get(t, "http://"+d.HTTPAddr+"/metrics")
		if code != 200 {
			t.Fatalf("/metrics = %d", code)
		}
		for _, want := range []string{"newsmill_test_things_total 1", "go_goroutines", `newsmill_build_info{goversion=`, `service="metered"`} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		// The default registry must stay untouched by Run.
		mfs, err := prometheus.DefaultGatherer.Gather()
		if err != nil {
			t.Errorf("gathering the default registry: %v", err)
		}
		for _, mf := range mfs {
			if strings.HasPrefix(mf.GetName(), "newsmill_") {
				t.Errorf("Run registered %s on the default registry", mf.GetName())
			}
		}
		if code, body := get(t, "http://"+d.HTTPAddr+"/admin/ping"); code != 200 || body != "pong" {
			t.Errorf("/admin/ping = %d %q", code, body)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Config
		want Config
	}{
		{name: "zero gets defaults", want: DefaultConfig()},
		{name: "set values kept", in: Config{LogFormat: "console", LogLevel: "debug", HTTPAddr: ":0", ShutdownTimeout: time.Second},
			want: Config{LogFormat: "console", LogLevel: "debug", HTTPAddr: ":0", ShutdownTimeout: time.Second}},
		{name: "negative timeout is the default", in: Config{ShutdownTimeout: -1}, want: DefaultConfig()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.in.withDefaults(); got != tt.want {
				t.Errorf("withDefaults() = %+v, want %+v", got, tt.want)
			}
		})
	}
	if d := DefaultConfig(); d.LogFormat != "json" || d.HTTPAddr != ":9090" {
		t.Errorf("DefaultConfig() = %+v", d)
	}
}
