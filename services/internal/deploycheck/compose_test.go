package deploycheck

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/nats-io/nats-server/v2/server"

	"github.com/newsmill/newsmill/pkg/fetch"
	"github.com/newsmill/newsmill/pkg/natsbus"
)

// loadCompose loads docker-compose.yml as `docker compose` would, with an
// empty environment so that the file's own defaults apply.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions(
		[]string{filepath.Join(abs, "docker-compose.yml")},
		cli.WithWorkingDirectory(abs),
		cli.WithEnv(nil),
		cli.WithName("newsmill"),
	)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("loading docker-compose.yml: %v", err)
	}
	return p
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, ok := p.Services[name]
	if !ok {
		t.Fatalf("docker-compose.yml has no service %q", name)
	}
	return s
}

func joined(c []string) string { return " " + strings.Join(c, " ") + " " }

func env(s types.ServiceConfig) map[string]string {
	out := make(map[string]string, len(s.Environment))
	for k, v := range s.Environment {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

// hasVolume reports whether s mounts a named volume (or, with bind, a
// host path ending in source) at target.
func hasVolume(s types.ServiceConfig, typ, source, target string) bool {
	for _, v := range s.Volumes {
		if v.Type == typ && v.Target == target && strings.HasSuffix(filepath.ToSlash(v.Source), source) {
			return true
		}
	}
	return false
}

func TestComposeServices(t *testing.T) {
	p := loadCompose(t)
	for _, name := range []string{"nats", "redis", "fetcher", "cleaner", "deduplicator", "classifier", "prometheus", "grafana"} {
		if _, ok := p.Services[name]; !ok {
			t.Errorf("docker-compose.yml lacks service %q", name)
		}
	}
	for name := range p.Volumes {
		if !strings.HasSuffix(name, "-data") {
			t.Errorf("unexpected volume %q", name)
		}
	}
}

func TestComposeNATS(t *testing.T) {
	p := loadCompose(t)
	nats := service(t, p, "nats")
	cmd := joined(nats.Command)
	for _, want := range []string{" -js ", " -sd /data ", " -c /etc/nats/nats.conf "} {
		if !strings.Contains(cmd, want) {
			t.Errorf("nats command %q lacks %q", cmd, want)
		}
	}
	if !hasVolume(nats, types.VolumeTypeVolume, "nats-data", "/data") {
		t.Errorf("nats has no named volume at /data: %+v", nats.Volumes)
	}
	if !hasVolume(nats, types.VolumeTypeBind, "deploy/nats/nats.conf", "/etc/nats/nats.conf") {
		t.Errorf("nats does not mount deploy/nats/nats.conf: %+v", nats.Volumes)
	}
	if nats.HealthCheck == nil || !strings.Contains(joined(nats.HealthCheck.Test), ":8222/healthz") {
		t.Errorf("nats healthcheck must probe the monitoring port's /healthz: %+v", nats.HealthCheck)
	}

	// The config must load in the nats-server we ship against, with the
	// durability settings of a single-replica deployment.
	opts, err := server.ProcessConfigFile(path("deploy", "nats", "nats.conf"))
	if err != nil {
		t.Fatalf("nats-server rejects deploy/nats/nats.conf: %v", err)
	}
	if !opts.JetStream || opts.StoreDir != "/data" {
		t.Errorf("nats.conf: JetStream %v, store_dir %q; want enabled in /data", opts.JetStream, opts.StoreDir)
	}
	if !opts.SyncAlways {
		t.Error("nats.conf: jetstream sync_interval must be always for single-replica streams")
	}
	if want := natsbus.DefaultConfig().MaxMsgSize; opts.MaxPayload < want {
		t.Errorf("nats.conf: max_payload %d is below the streams' max message size %d", opts.MaxPayload, want)
	}
	if opts.HTTPPort != 8222 {
		t.Errorf("nats.conf: monitoring port %d, want 8222 (healthcheck)", opts.HTTPPort)
	}
}

func TestComposeRedis(t *testing.T) {
	p := loadCompose(t)
	redis := service(t, p, "redis")
	cmd := joined(redis.Command)
	for _, want := range []string{" --appendonly yes ", " --maxmemory-policy noeviction ", " --appendfsync everysec "} {
		if !strings.Contains(cmd, want) {
			t.Errorf("redis command %q lacks %q", cmd, want)
		}
	}
	if !strings.Contains(cmd, " --maxmemory ") {
		t.Errorf("redis command %q sets no maxmemory: noeviction needs a limit below the container's memory", cmd)
	}
	if !hasVolume(redis, types.VolumeTypeVolume, "redis-data", "/data") {
		t.Errorf("redis has no named volume at /data (the AOF): %+v", redis.Volumes)
	}
	if redis.HealthCheck == nil || !strings.Contains(joined(redis.HealthCheck.Test), " redis-cli ping ") {
		t.Errorf("redis healthcheck must run redis-cli ping: %+v", redis.HealthCheck)
	}
}

func TestComposePipeline(t *testing.T) {
	p := loadCompose(t)
	for _, st := range pipeline {
		t.Run(st.name, func(t *testing.T) {
			s := service(t, p, st.name)
			if got := joined(s.Command); got != " "+st.name+" " {
				t.Errorf("command %q, want [%s]", got, st.name)
			}
			if s.Build == nil || filepath.ToSlash(s.Build.Dockerfile) != "deploy/Dockerfile" {
				t.Errorf("build must use deploy/Dockerfile: %+v", s.Build)
			}
			if s.HealthCheck == nil || s.HealthCheck.Disable || !strings.Contains(joined(s.HealthCheck.Test), "127.0.0.1:9090/healthz") {
				t.Errorf("healthcheck must probe :9090/healthz: %+v", s.HealthCheck)
			}
			if s.StopGracePeriod == nil || time.Duration(*s.StopGracePeriod) <= 30*time.Second {
				t.Errorf("stop_grace_period must exceed the 30s shutdown bound: %v", s.StopGracePeriod)
			}
			wantDeps := []string{"nats"}
			if st.needsRedis {
				wantDeps = append(wantDeps, "redis")
			}
			for _, dep := range wantDeps {
				d, ok := s.DependsOn[dep]
				if !ok || d.Condition != types.ServiceConditionHealthy {
					t.Errorf("depends_on %s must be service_healthy: %+v", dep, s.DependsOn)
				}
			}
			e := env(s)
			if e["NEWSMILL_NATS_URL"] != "nats://nats:4222" {
				t.Errorf("NEWSMILL_NATS_URL = %q", e["NEWSMILL_NATS_URL"])
			}
			if _, ok := e["NEWSMILL_REDIS_URL"]; ok != st.needsRedis {
				t.Errorf("NEWSMILL_REDIS_URL set = %v, want %v", ok, st.needsRedis)
			} else if ok && e["NEWSMILL_REDIS_URL"] != "redis://redis:6379/0" {
				t.Errorf("NEWSMILL_REDIS_URL = %q", e["NEWSMILL_REDIS_URL"])
			}
			if _, ok := e["NEWSMILL_SOURCES_FILE"]; ok != st.sourcesFile {
				t.Errorf("NEWSMILL_SOURCES_FILE set = %v, want %v", ok, st.sourcesFile)
			}
			settings := checkEnv(t, "compose "+st.name, e, 1)
			if st.sourcesFile && !hasVolume(s, types.VolumeTypeBind, "deploy/sources.yaml", settings.SourcesFile) {
				t.Errorf("NEWSMILL_SOURCES_FILE %q is not mounted from deploy/sources.yaml: %+v", settings.SourcesFile, s.Volumes)
			}
		})
	}
}

func TestSourcesFile(t *testing.T) {
	srcs, err := fetch.LoadSources(bytes.NewReader(readFile(t, "deploy", "sources.yaml")))
	if err != nil {
		t.Fatalf("deploy/sources.yaml: %v", err)
	}
	if len(srcs) == 0 {
		t.Error("deploy/sources.yaml registers no source")
	}
}

func TestDockerfile(t *testing.T) {
	df := string(readFile(t, "deploy", "Dockerfile"))
	for _, want := range []string{"./fetcher", "./cleaner", "./deduplicator", "./classifier", "./newsctl", "GOWORK=off", "CGO_ENABLED=0", "EXPOSE 9090"} {
		if !strings.Contains(df, want) {
			t.Errorf("deploy/Dockerfile does not mention %q", want)
		}
	}
	if n := strings.Count(df, "\nFROM "); n < 2 {
		t.Errorf("deploy/Dockerfile has %d stages, want a multi-stage build", n)
	}
	// The build copies these; they must exist in the repository.
	for _, f := range []string{"pkg/go.mod", "pkg/go.sum", "services/go.mod", "services/go.sum"} {
		if _, err := os.Stat(path(f)); err != nil {
			t.Errorf("the image build needs %s: %v", f, err)
		}
	}
	// deploy/Dockerfile.dockerignore drops testdata/ and _test.go files
	// from the build context: no embedded file may live there.
	ignore := string(readFile(t, "deploy", "Dockerfile.dockerignore"))
	if !strings.Contains(ignore, "**/testdata") {
		t.Error("Dockerfile.dockerignore no longer drops testdata; update this check")
	}
	embedRE := regexp.MustCompile(`(?m)^//go:embed (.+)$`)
	for _, dir := range []string{"pkg", "services"} {
		err := filepath.WalkDir(path(dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range embedRE.FindAllStringSubmatch(string(b), -1) {
				if strings.Contains(m[1], "testdata") {
					t.Errorf("%s embeds %q, which the image build context excludes", p, m[1])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	// The runtime image must carry the HTTP client the compose healthcheck
	// runs.
	p := loadCompose(t)
	hc := service(t, p, "cleaner").HealthCheck
	if hc != nil && slices.Contains(hc.Test, "wget") && strings.Contains(df, "distroless") && !strings.Contains(df, "FROM alpine") {
		t.Error("compose healthchecks use wget but the runtime image is distroless")
	}
}
