package obs

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

func TestServerEndpoints(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "newsmill_test_total", Help: "test"})
	reg.MustRegister(c)
	c.Add(3)

	s := NewServer("127.0.0.1:0", reg, nil)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	if strings.HasSuffix(s.Addr(), ":0") {
		t.Fatalf("Addr() = %s, want the bound port", s.Addr())
	}
	base := "http://" + s.Addr()

	steps := []struct {
		name     string
		action   func()
		path     string
		wantCode int
		wantBody string
	}{
		{name: "healthz while running", path: "/healthz", wantCode: 200, wantBody: "ok"},
		{name: "readyz before ready", path: "/readyz", wantCode: 503, wantBody: "not ready"},
		{name: "readyz when ready", action: func() { s.SetReady(true) }, path: "/readyz", wantCode: 200, wantBody: "ready"},
		{name: "readyz when unready again", action: func() { s.SetReady(false) }, path: "/readyz", wantCode: 503, wantBody: "not ready"},
		{name: "metrics", action: func() { s.SetReady(true) }, path: "/metrics", wantCode: 200, wantBody: "newsmill_test_total 3"},
		{name: "readyz while stopping", action: s.SetStopping, path: "/readyz", wantCode: 503, wantBody: "stopping"},
		{name: "ready ignored once stopping", action: func() { s.SetReady(true) }, path: "/readyz", wantCode: 503, wantBody: "stopping"},
		{name: "healthz while stopping", path: "/healthz", wantCode: 200, wantBody: "ok"},
		{name: "unknown path", path: "/nope", wantCode: 404},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.action != nil {
				st.action()
			}
			code, body := get(t, base+st.path)
			if code != st.wantCode || !strings.Contains(body, st.wantBody) {
				t.Errorf("GET %s = %d %q, want %d containing %q", st.path, code, body, st.wantCode, st.wantBody)
			}
		})
	}
}

func TestServerHandle(t *testing.T) {
	t.Parallel()
	s := NewServer("127.0.0.1:0", prometheus.NewRegistry(), nil)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	s.Handle("GET /admin/ping", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "pong") }))
	if code, body := get(t, "http://"+s.Addr()+"/admin/ping"); code != 200 || body != "pong" {
		t.Fatalf("got %d %q", code, body)
	}
}

func TestServerLifecycle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{name: "shutdown before start is a no-op", run: func(t *testing.T) {
			s := NewServer("127.0.0.1:0", prometheus.NewRegistry(), nil)
			if err := s.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			if s.Addr() != "127.0.0.1:0" {
				t.Fatalf("Addr before start = %s", s.Addr())
			}
		}},
		{name: "start twice fails", run: func(t *testing.T) {
			s := NewServer("127.0.0.1:0", prometheus.NewRegistry(), nil)
			if err := s.Start(); err != nil {
				t.Fatal(err)
			}
			defer s.Shutdown(context.Background())
			if err := s.Start(); err == nil {
				t.Fatal("second Start succeeded")
			}
		}},
		{name: "port in use", run: func(t *testing.T) {
			a := NewServer("127.0.0.1:0", prometheus.NewRegistry(), nil)
			if err := a.Start(); err != nil {
				t.Fatal(err)
			}
			defer a.Shutdown(context.Background())
			b := NewServer(a.Addr(), prometheus.NewRegistry(), nil)
			if err := b.Start(); err == nil || !strings.Contains(err.Error(), "starting obs server") {
				t.Fatalf("err = %v, want a listen error", err)
			}
		}},
		{name: "shutdown stops serving and is idempotent", run: func(t *testing.T) {
			s := NewServer("127.0.0.1:0", prometheus.NewRegistry(), nil)
			if err := s.Start(); err != nil {
				t.Fatal(err)
			}
			addr := s.Addr()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := s.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			if s.Ready() {
				t.Fatal("ready after shutdown")
			}
			if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
				resp.Body.Close()
				t.Fatal("still serving after Shutdown")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t)
		})
	}
}
