package deploycheck

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"gopkg.in/yaml.v3"

	"github.com/newsmill/newsmill/pkg/fetch"
)

// object is the part of a Kubernetes manifest these checks read.
type object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name      string            `yaml:"name"`
		Namespace string            `yaml:"namespace"`
		Labels    map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec yaml.Node         `yaml:"spec"`

	file string
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
	Exec *struct {
		Command []string `yaml:"command"`
	} `yaml:"exec"`
}

type container struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Env     []struct {
		Name  string `yaml:"name"`
		Value string `yaml:"value"`
	} `yaml:"env"`
	EnvFrom []struct {
		ConfigMapRef *struct {
			Name string `yaml:"name"`
		} `yaml:"configMapRef"`
	} `yaml:"envFrom"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	StartupProbe   *probe `yaml:"startupProbe"`
	VolumeMounts   []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

type workloadSpec struct {
	Replicas    *int   `yaml:"replicas"`
	ServiceName string `yaml:"serviceName"`
	Template    struct {
		Spec struct {
			TerminationGracePeriodSeconds *int        `yaml:"terminationGracePeriodSeconds"`
			Containers                    []container `yaml:"containers"`
			Volumes                       []struct {
				Name      string `yaml:"name"`
				ConfigMap *struct {
					Name string `yaml:"name"`
				} `yaml:"configMap"`
			} `yaml:"volumes"`
		} `yaml:"spec"`
	} `yaml:"template"`
	VolumeClaimTemplates []any `yaml:"volumeClaimTemplates"`
}

type hpaSpec struct {
	ScaleTargetRef struct {
		Kind string `yaml:"kind"`
		Name string `yaml:"name"`
	} `yaml:"scaleTargetRef"`
	MinReplicas *int `yaml:"minReplicas"`
	MaxReplicas int  `yaml:"maxReplicas"`
	Metrics     []struct {
		Type     string `yaml:"type"`
		External *struct {
			Metric struct {
				Name     string `yaml:"name"`
				Selector struct {
					MatchLabels map[string]string `yaml:"matchLabels"`
				} `yaml:"selector"`
			} `yaml:"metric"`
			Target struct {
				Type         string `yaml:"type"`
				AverageValue string `yaml:"averageValue"`
			} `yaml:"target"`
		} `yaml:"external"`
	} `yaml:"metrics"`
}

// allowedKinds are the kinds the manifests may use, with their API group.
var allowedKinds = map[string]string{
	"Namespace":               "v1",
	"ConfigMap":               "v1",
	"Service":                 "v1",
	"StatefulSet":             "apps/v1",
	"Deployment":              "apps/v1",
	"PodDisruptionBudget":     "policy/v1",
	"HorizontalPodAutoscaler": "autoscaling/v2",
}

// loadManifests parses every YAML document under deploy/k8s.
func loadManifests(t *testing.T) []object {
	t.Helper()
	files, err := filepath.Glob(path("deploy", "k8s", "*.y*ml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests under deploy/k8s (%v)", err)
	}
	var objs []object
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for i := 0; ; i++ {
			var o object
			err := dec.Decode(&o)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s document %d: %v", filepath.Base(f), i, err)
			}
			if o.Kind == "" && o.APIVersion == "" {
				continue // an empty document
			}
			o.file = filepath.Base(f)
			objs = append(objs, o)
		}
	}
	return objs
}

func find(objs []object, kind, name string) (object, bool) {
	for _, o := range objs {
		if o.Kind == kind && o.Metadata.Name == name {
			return o, true
		}
	}
	return object{}, false
}

func mustFind(t *testing.T, objs []object, kind, name string) object {
	t.Helper()
	o, ok := find(objs, kind, name)
	if !ok {
		t.Fatalf("deploy/k8s has no %s %q", kind, name)
	}
	return o
}

func decodeSpec[T any](t *testing.T, o object) T {
	t.Helper()
	var s T
	if err := o.Spec.Decode(&s); err != nil {
		t.Fatalf("%s %s (%s): decoding spec: %v", o.Kind, o.Metadata.Name, o.file, err)
	}
	return s
}

func TestK8sKinds(t *testing.T) {
	objs := loadManifests(t)
	seen := map[string]bool{}
	for _, o := range objs {
		id := o.file + ": " + o.Kind + " " + o.Metadata.Name
		want, ok := allowedKinds[o.Kind]
		switch {
		case !ok:
			t.Errorf("%s: unexpected kind", id)
		case o.APIVersion != want:
			t.Errorf("%s: apiVersion %q, want %q", id, o.APIVersion, want)
		}
		if o.Metadata.Name == "" {
			t.Errorf("%s: no metadata.name", id)
		}
		if o.Kind != "Namespace" && o.Metadata.Namespace != "newsmill" {
			t.Errorf("%s: namespace %q, want newsmill", id, o.Metadata.Namespace)
		}
		key := o.Kind + "/" + o.Metadata.Name
		if seen[key] {
			t.Errorf("%s: defined twice", id)
		}
		seen[key] = true
	}
	mustFind(t, objs, "Namespace", "newsmill")
}

func TestK8sNATSCluster(t *testing.T) {
	objs := loadManifests(t)
	sts := decodeSpec[workloadSpec](t, mustFind(t, objs, "StatefulSet", "nats"))
	if sts.Replicas == nil || *sts.Replicas != 3 {
		t.Errorf("nats StatefulSet replicas %v, want 3 (R3 streams need three servers)", sts.Replicas)
	}
	if len(sts.VolumeClaimTemplates) == 0 {
		t.Error("nats StatefulSet has no volumeClaimTemplates: JetStream data would not survive a restart")
	}
	if _, ok := find(objs, "Service", sts.ServiceName); !ok {
		t.Errorf("nats serviceName %q has no Service", sts.ServiceName)
	}
	if _, ok := find(objs, "PodDisruptionBudget", "nats"); !ok {
		t.Error("nats has no PodDisruptionBudget: a drain could take two servers and the quorum")
	}
	c := sts.Template.Spec.Containers[0]
	for name, p := range map[string]*probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if p == nil || p.HTTPGet == nil || !strings.HasPrefix(p.HTTPGet.Path, "/healthz") {
			t.Errorf("nats %s probe must GET /healthz: %+v", name, p)
		}
	}

	// The ConfigMap's nats.conf must load in nats-server as one of the
	// three cluster members.
	cm := mustFind(t, objs, "ConfigMap", "nats-config")
	conf := cm.Data["nats.conf"]
	f := filepath.Join(t.TempDir(), "nats.conf")
	if err := os.WriteFile(f, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("POD_NAME", "nats-1")
	opts, err := server.ProcessConfigFile(f)
	if err != nil {
		t.Fatalf("nats-server rejects the k8s nats.conf: %v", err)
	}
	if !opts.JetStream || opts.StoreDir == "" {
		t.Error("k8s nats.conf: JetStream must be enabled with a store_dir")
	}
	if opts.ServerName != "nats-1" {
		t.Errorf("k8s nats.conf: server_name %q, want the pod name", opts.ServerName)
	}
	if opts.Cluster.Name == "" || len(opts.Routes) != 3 {
		t.Errorf("k8s nats.conf: cluster %q with %d routes, want a named cluster of 3", opts.Cluster.Name, len(opts.Routes))
	}
	if opts.MaxPayload != 8<<20 {
		t.Errorf("k8s nats.conf: max_payload %d, want 8MB", opts.MaxPayload)
	}
}

func TestK8sRedis(t *testing.T) {
	objs := loadManifests(t)
	conf := mustFind(t, objs, "ConfigMap", "redis-config").Data["redis.conf"]
	directives := map[string]string{}
	for _, line := range strings.Split(conf, "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 2 && !strings.HasPrefix(fields[0], "#") {
			directives[fields[0]] = strings.Join(fields[1:], " ")
		}
	}
	for k, want := range map[string]string{"appendonly": "yes", "appendfsync": "everysec", "maxmemory-policy": "noeviction"} {
		if directives[k] != want {
			t.Errorf("redis.conf %s = %q, want %q", k, directives[k], want)
		}
	}
	if directives["maxmemory"] == "" {
		t.Error("redis.conf sets no maxmemory: noeviction needs a limit below the pod's memory")
	}
	primary := decodeSpec[workloadSpec](t, mustFind(t, objs, "StatefulSet", "redis"))
	replica := decodeSpec[workloadSpec](t, mustFind(t, objs, "StatefulSet", "redis-replica"))
	if args := joined(replica.Template.Spec.Containers[0].Args); !strings.Contains(args, " --replicaof redis-0.") {
		t.Errorf("redis-replica does not follow the primary: args %q", args)
	}
	for name, s := range map[string]workloadSpec{"redis": primary, "redis-replica": replica} {
		if len(s.VolumeClaimTemplates) == 0 {
			t.Errorf("%s has no volumeClaimTemplates: the AOF would not survive a restart", name)
		}
		c := s.Template.Spec.Containers[0]
		if !slices.Contains(c.Args, "/etc/redis/redis.conf") {
			t.Errorf("%s does not start from redis.conf: args %v", name, c.Args)
		}
		if c.ReadinessProbe == nil || c.LivenessProbe == nil {
			t.Errorf("%s lacks probes", name)
		}
	}
}

func TestK8sPipeline(t *testing.T) {
	objs := loadManifests(t)
	shared := mustFind(t, objs, "ConfigMap", "newsmill-env").Data
	for _, st := range pipeline {
		t.Run(st.name, func(t *testing.T) {
			d := decodeSpec[workloadSpec](t, mustFind(t, objs, "Deployment", st.name))
			if _, ok := find(objs, "Service", st.name); !ok {
				t.Errorf("no Service for %s's metrics port", st.name)
			}
			if g := d.Template.Spec.TerminationGracePeriodSeconds; g == nil || *g <= 30 {
				t.Errorf("terminationGracePeriodSeconds %v must exceed the 30s shutdown bound", g)
			}
			if len(d.Template.Spec.Containers) != 1 {
				t.Fatalf("%d containers, want 1", len(d.Template.Spec.Containers))
			}
			c := d.Template.Spec.Containers[0]
			if !slices.Equal(c.Command, []string{st.name}) {
				t.Errorf("command %v, want [%s]", c.Command, st.name)
			}
			if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
				t.Errorf("readinessProbe must GET /readyz: %+v", c.ReadinessProbe)
			}
			if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
				t.Errorf("livenessProbe must GET /healthz: %+v", c.LivenessProbe)
			}
			for _, p := range []*probe{c.ReadinessProbe, c.LivenessProbe} {
				if p != nil && p.HTTPGet != nil && p.HTTPGet.Port != "http" && p.HTTPGet.Port != 9090 {
					t.Errorf("probe port %v, want http (9090)", p.HTTPGet.Port)
				}
			}
			if len(c.Ports) == 0 || c.Ports[0].ContainerPort != 9090 {
				t.Errorf("ports %+v, want 9090", c.Ports)
			}

			env := map[string]string{}
			for _, ef := range c.EnvFrom {
				if ef.ConfigMapRef == nil {
					continue
				}
				cm := mustFind(t, objs, "ConfigMap", ef.ConfigMapRef.Name)
				for k, v := range cm.Data {
					env[k] = v
				}
			}
			if len(env) == 0 || env["NEWSMILL_NATS_URL"] != shared["NEWSMILL_NATS_URL"] {
				t.Error("the container does not take newsmill-env")
			}
			for _, e := range c.Env {
				env[e.Name] = e.Value
			}
			if _, ok := env["NEWSMILL_REDIS_URL"]; ok != st.needsRedis {
				t.Errorf("NEWSMILL_REDIS_URL set = %v, want %v", ok, st.needsRedis)
			}
			settings := checkEnv(t, "k8s "+st.name, env, 3)
			if strings.Count(settings.NATS.URL, "nats://") != 3 {
				t.Errorf("NEWSMILL_NATS_URL %q should list the three servers", settings.NATS.URL)
			}
			if st.sourcesFile {
				checkSourcesMount(t, objs, d, c, settings.SourcesFile)
			}

			hpa, hasHPA := find(objs, "HorizontalPodAutoscaler", st.name)
			if !st.consumes {
				if hasHPA {
					t.Error("the fetcher has no input lag to scale on and must run one replica")
				}
				if d.Replicas == nil || *d.Replicas != 1 {
					t.Errorf("fetcher replicas %v, want 1", d.Replicas)
				}
				return
			}
			if !hasHPA {
				t.Fatal("no HorizontalPodAutoscaler")
			}
			h := decodeSpec[hpaSpec](t, hpa)
			if h.ScaleTargetRef.Kind != "Deployment" || h.ScaleTargetRef.Name != st.name {
				t.Errorf("HPA targets %s %s", h.ScaleTargetRef.Kind, h.ScaleTargetRef.Name)
			}
			if h.MinReplicas == nil || *h.MinReplicas < 1 || h.MaxReplicas < *h.MinReplicas {
				t.Errorf("HPA replicas %v..%d", h.MinReplicas, h.MaxReplicas)
			}
			if len(h.Metrics) != 1 || h.Metrics[0].External == nil {
				t.Fatalf("HPA must scale on one external metric: %+v", h.Metrics)
			}
			m := h.Metrics[0].External
			if m.Metric.Name != "newsmill_consumer_pending_messages" || m.Metric.Selector.MatchLabels["consumer"] != st.name {
				t.Errorf("HPA metric %s%v, want newsmill_consumer_pending_messages{consumer=%q}", m.Metric.Name, m.Metric.Selector.MatchLabels, st.name)
			}
			if m.Target.Type != "AverageValue" || m.Target.AverageValue == "" {
				t.Errorf("HPA target %+v, want an AverageValue per replica", m.Target)
			}
		})
	}
}

// checkSourcesMount checks that the sources file is mounted from a
// ConfigMap holding a valid sources.yaml.
func checkSourcesMount(t *testing.T, objs []object, d workloadSpec, c container, file string) {
	t.Helper()
	dir, base := filepath.Split(file)
	for _, m := range c.VolumeMounts {
		if filepath.Clean(m.MountPath) != filepath.Clean(dir) {
			continue
		}
		for _, v := range d.Template.Spec.Volumes {
			if v.Name != m.Name || v.ConfigMap == nil {
				continue
			}
			data := mustFind(t, objs, "ConfigMap", v.ConfigMap.Name).Data[base]
			srcs, err := fetch.LoadSources(strings.NewReader(data))
			if err != nil || len(srcs) == 0 {
				t.Errorf("ConfigMap %s %s: %d sources, %v", v.ConfigMap.Name, base, len(srcs), err)
			}
			return
		}
	}
	t.Errorf("NEWSMILL_SOURCES_FILE %q is not mounted from a ConfigMap", file)
}
