package deploycheck

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/newsmill/newsmill/pkg/config"
	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/services/internal/daemon"
)

// root is the repository root, three levels above this package.
var root = filepath.Join("..", "..", "..")

func path(parts ...string) string { return filepath.Join(append([]string{root}, parts...)...) }

func readFile(t *testing.T, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(path(parts...))
	if err != nil {
		t.Fatalf("reading %s: %v", filepath.Join(parts...), err)
	}
	return b
}

// pipeline lists the four pipeline services and what each needs.
var pipeline = []struct {
	name        string
	needsRedis  bool
	consumes    bool // reads an input stream (scaled on its lag)
	sourcesFile bool
}{
	{name: "fetcher", needsRedis: true, sourcesFile: true},
	{name: "cleaner", needsRedis: true, consumes: true},
	{name: "deduplicator", needsRedis: true, consumes: true},
	{name: "classifier", consumes: true},
}

// serviceSettings mirrors the settings the service binaries read from
// NEWSMILL_* variables: the shared daemon and NATS blocks plus the few
// per-service ones. Loading a deployment's environment into it with the
// real config loader proves the names exist and the values parse.
type serviceSettings struct {
	Daemon      daemon.Config  `conf:",inline"`
	NATS        natsbus.Config `conf:",inline"`
	RedisURL    string         `conf:"redis_url"`
	Concurrency int            `conf:"concurrency"`
	SourcesFile string         `conf:"sources_file"`
}

// requiredNames are the variables the deployment files must use exactly.
var requiredNames = []string{
	"NEWSMILL_NATS_URL", "NEWSMILL_REDIS_URL", "NEWSMILL_LOG_FORMAT", "NEWSMILL_LOG_LEVEL",
	"NEWSMILL_HTTP_ADDR", "NEWSMILL_CONCURRENCY", "NEWSMILL_SOURCES_FILE", "NEWSMILL_STREAM_MAX_AGE",
	"NEWSMILL_STREAM_MAX_BYTES", "NEWSMILL_DUPLICATE_WINDOW", "NEWSMILL_STREAM_REPLICAS",
}

// knownNames returns every NEWSMILL_* variable of serviceSettings, as
// package config derives them.
func knownNames(t *testing.T) []string {
	t.Helper()
	usage, err := config.Usage("check", &serviceSettings{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range regexp.MustCompile(`env (NEWSMILL_[A-Z0-9_]+)`).FindAllStringSubmatch(usage, -1) {
		names = append(names, m[1])
	}
	return names
}

func TestRequiredNamesAreRead(t *testing.T) {
	known := knownNames(t)
	for _, name := range requiredNames {
		if !slices.Contains(known, name) {
			t.Errorf("%s is not read by the daemon, NATS or service settings (known: %v)", name, known)
		}
	}
}

// checkEnv loads env (one service's NEWSMILL_* variables) with package
// config and checks names, values and the durability-relevant settings.
// It sets process environment variables, so callers must not be parallel.
func checkEnv(t *testing.T, where string, env map[string]string, wantReplicas int) serviceSettings {
	t.Helper()
	known := knownNames(t)
	for _, name := range known {
		t.Setenv(name, "") // empty counts as unset for config.Load
	}
	for k, v := range env {
		if !slices.Contains(known, k) {
			t.Errorf("%s: %s is not a variable the services read", where, k)
			continue
		}
		t.Setenv(k, v)
	}
	var s serviceSettings
	if err := config.Load("check", nil, &s); err != nil {
		t.Errorf("%s: environment does not load: %v", where, err)
		return s
	}
	if err := s.NATS.Validate(); err != nil {
		t.Errorf("%s: NATS settings invalid: %v", where, err)
	}
	if s.NATS.URL == "" {
		t.Errorf("%s: NEWSMILL_NATS_URL missing", where)
	}
	if s.NATS.DuplicateWindow < 10*time.Minute {
		t.Errorf("%s: NEWSMILL_DUPLICATE_WINDOW %s, want at least 10m (the server default of 2m is shorter than an outage)", where, s.NATS.DuplicateWindow)
	}
	if s.NATS.StreamMaxAge <= 0 || s.NATS.StreamMaxBytes <= 0 {
		t.Errorf("%s: stream limits must be set explicitly (max age %s, max bytes %d)", where, s.NATS.StreamMaxAge, s.NATS.StreamMaxBytes)
	}
	if s.NATS.StreamReplicas != wantReplicas {
		t.Errorf("%s: NEWSMILL_STREAM_REPLICAS %d, want %d", where, s.NATS.StreamReplicas, wantReplicas)
	}
	if s.Daemon.HTTPAddr != ":9090" {
		t.Errorf("%s: NEWSMILL_HTTP_ADDR %q, want \":9090\" (probes and scrapes use 9090)", where, s.Daemon.HTTPAddr)
	}
	if s.Daemon.LogFormat != "json" {
		t.Errorf("%s: NEWSMILL_LOG_FORMAT %q, want json in production", where, s.Daemon.LogFormat)
	}
	return s
}
