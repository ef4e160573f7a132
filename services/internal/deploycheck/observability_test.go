package deploycheck

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestPrometheusScrapesThePipeline(t *testing.T) {
	var cfg struct {
		RuleFiles     []string `yaml:"rule_files"`
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(readFile(t, "deploy", "prometheus", "prometheus.yml"), &cfg); err != nil {
		t.Fatalf("deploy/prometheus/prometheus.yml: %v", err)
	}
	var targets []string
	for _, sc := range cfg.ScrapeConfigs {
		for _, s := range sc.StaticConfigs {
			targets = append(targets, s.Targets...)
		}
	}
	for _, st := range pipeline {
		if !slices.Contains(targets, st.name+":9090") {
			t.Errorf("prometheus does not scrape %s:9090 (targets %v)", st.name, targets)
		}
	}
	if !slices.Contains(cfg.RuleFiles, "/etc/prometheus/alerts.yml") {
		t.Errorf("prometheus does not load the alert rules: %v", cfg.RuleFiles)
	}
	p := loadCompose(t)
	if !hasVolume(service(t, p, "prometheus"), "bind", "deploy/prometheus/alerts.yml", "/etc/prometheus/alerts.yml") {
		t.Error("compose does not mount deploy/prometheus/alerts.yml where prometheus.yml loads it")
	}
}

func TestAlertRules(t *testing.T) {
	var rules struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(readFile(t, "deploy", "prometheus", "alerts.yml"), &rules); err != nil {
		t.Fatalf("deploy/prometheus/alerts.yml: %v", err)
	}
	exprs := map[string]string{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || strings.TrimSpace(r.Expr) == "" {
				t.Errorf("group %s: a rule without alert name or expr", g.Name)
				continue
			}
			if sev := r.Labels["severity"]; sev != "warning" && sev != "critical" {
				t.Errorf("%s: severity %q, want warning or critical", r.Alert, sev)
			}
			if r.Annotations["summary"] == "" {
				t.Errorf("%s: no summary annotation", r.Alert)
			}
			exprs[r.Alert] = r.Expr
		}
	}
	// What each required alert must watch.
	required := []struct {
		name, alert, metric string
	}{
		{name: "consumer backlog growing", alert: "NewsmillConsumerBacklogGrowing", metric: "newsmill_consumer_pending_messages"},
		{name: "stream at 80 % of max bytes", alert: "NewsmillStreamNearlyFull", metric: "newsmill_stream_max_bytes"},
		{name: "dead letters", alert: "NewsmillDeadLetters", metric: "newsmill_stage_dead_lettered_total"},
		{name: "Redis OOM errors", alert: "NewsmillRedisOOM", metric: `reason="store_full"`},
		{name: "source failing repeatedly", alert: "NewsmillSourceFailing", metric: "newsmill_fetch_consecutive_failures"},
		{name: "service down", alert: "NewsmillServiceDown", metric: "up{"},
	}
	for _, r := range required {
		t.Run(r.name, func(t *testing.T) {
			expr, ok := exprs[r.alert]
			if !ok {
				t.Fatalf("no alert %s", r.alert)
			}
			if !strings.Contains(expr, r.metric) {
				t.Errorf("%s does not watch %s: %s", r.alert, r.metric, expr)
			}
		})
	}
	if !strings.Contains(exprs["NewsmillStreamNearlyFull"], "0.8") {
		t.Errorf("NewsmillStreamNearlyFull must fire at 80 %%: %s", exprs["NewsmillStreamNearlyFull"])
	}
}

func TestGrafanaDashboard(t *testing.T) {
	var dash struct {
		UID    string `json:"uid"`
		Title  string `json:"title"`
		Panels []struct {
			Type    string `json:"type"`
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
			Datasource struct {
				UID string `json:"uid"`
			} `json:"datasource"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(readFile(t, "deploy", "grafana", "dashboards", "newsmill.json"), &dash); err != nil {
		t.Fatalf("deploy/grafana/dashboards/newsmill.json: %v", err)
	}
	if dash.UID == "" || dash.Title == "" {
		t.Error("dashboard needs a uid and a title")
	}
	var ds struct {
		Datasources []struct {
			UID  string `yaml:"uid"`
			Type string `yaml:"type"`
			URL  string `yaml:"url"`
		} `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(readFile(t, "deploy", "grafana", "provisioning", "datasources", "prometheus.yml"), &ds); err != nil {
		t.Fatal(err)
	}
	if len(ds.Datasources) != 1 || ds.Datasources[0].Type != "prometheus" || ds.Datasources[0].URL != "http://prometheus:9090" {
		t.Fatalf("datasource provisioning: %+v", ds.Datasources)
	}
	var all strings.Builder
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		if p.Datasource.UID != ds.Datasources[0].UID {
			t.Errorf("panel %q uses datasource %q, not the provisioned %q", p.Title, p.Datasource.UID, ds.Datasources[0].UID)
		}
		for _, tg := range p.Targets {
			all.WriteString(tg.Expr + "\n")
		}
	}
	queries := all.String()
	for _, want := range []struct{ name, metric string }{
		{name: "per-stage rates", metric: "rate(newsmill_stage_messages_total"},
		{name: "latency percentiles", metric: "histogram_quantile(0.99, sum by (stage, le) (rate(newsmill_stage_duration_seconds_bucket"},
		{name: "backlog", metric: "newsmill_consumer_pending_messages"},
		{name: "DLQ", metric: "newsmill_stage_dead_lettered_total"},
	} {
		if !strings.Contains(queries, want.metric) {
			t.Errorf("dashboard shows no %s (%s)", want.name, want.metric)
		}
	}
}
