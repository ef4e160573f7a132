package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type natsConf struct {
	URL      string
	Replicas int `help:"stream replicas"`
}

type common struct {
	LogFormat string `help:"json or console"`
	HTTPAddr  string
}

type testConfig struct {
	common
	NATS        natsConf
	Redis       struct{ URL string }                    `conf:"store"`
	Daemon      struct{ ShutdownTimeout time.Duration } `conf:",inline"`
	Concurrency int
	MaxBytes    int64
	Ratio       float64
	Verbose     bool
	Sources     []string
	Renamed     string `conf:"sources_file"`
	Skipped     string `conf:"-"`
	internal    string
}

func defaults() testConfig {
	c := testConfig{Concurrency: 4, MaxBytes: 1 << 30, Ratio: 0.5, Sources: []string{"a", "b"}}
	c.LogFormat = "json"
	c.HTTPAddr = ":9090"
	c.NATS.URL = "nats://127.0.0.1:4222"
	c.NATS.Replicas = 1
	c.Daemon.ShutdownTimeout = 30 * time.Second
	c.Skipped = "kept"
	c.internal = "kept"
	return c
}

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		want    func(*testConfig)
		wantErr string
	}{
		{name: "defaults stay", want: func(*testConfig) {}},
		{
			name: "environment overrides defaults",
			env: map[string]string{
				"NEWSMILL_LOG_FORMAT": "console", "NEWSMILL_HTTP_ADDR": ":0", "NEWSMILL_NATS_URL": "nats://nats:4222",
				"NEWSMILL_NATS_REPLICAS": "3", "NEWSMILL_STORE_URL": "redis://redis:6379/0", "NEWSMILL_SHUTDOWN_TIMEOUT": "5s",
				"NEWSMILL_CONCURRENCY": "16", "NEWSMILL_MAX_BYTES": "10737418240", "NEWSMILL_RATIO": "0.25",
				"NEWSMILL_VERBOSE": "true", "NEWSMILL_SOURCES": " x, ,y ", "NEWSMILL_SOURCES_FILE": "/etc/s.yaml",
				"NEWSMILL_SKIPPED": "ignored",
			},
			want: func(c *testConfig) {
				c.LogFormat, c.HTTPAddr, c.NATS.URL, c.NATS.Replicas = "console", ":0", "nats://nats:4222", 3
				c.Redis.URL, c.Daemon.ShutdownTimeout = "redis://redis:6379/0", 5*time.Second
				c.Concurrency, c.MaxBytes, c.Ratio, c.Verbose = 16, 10<<30, 0.25, true
				c.Sources, c.Renamed = []string{"x", "y"}, "/etc/s.yaml"
			},
		},
		{
			name: "flags override environment",
			env:  map[string]string{"NEWSMILL_CONCURRENCY": "16", "NEWSMILL_NATS_URL": "nats://env:4222"},
			args: []string{"-concurrency", "2", "--nats_url=nats://flag:4222", "-verbose", "-shutdown_timeout", "1m", "-sources", ""},
			want: func(c *testConfig) {
				c.Concurrency, c.NATS.URL, c.Verbose, c.Daemon.ShutdownTimeout = 2, "nats://flag:4222", true, time.Minute
				c.Sources = []string{}
			},
		},
		{name: "bool flag false", env: map[string]string{"NEWSMILL_VERBOSE": "1"}, args: []string{"-verbose=false"}, want: func(*testConfig) {}},
		{name: "empty variable keeps the default", env: map[string]string{"NEWSMILL_HTTP_ADDR": ""}, want: func(*testConfig) {}},
		{name: "empty flag clears", args: []string{"-http_addr="}, want: func(c *testConfig) { c.HTTPAddr = "" }},
		{name: "bad int in env", env: map[string]string{"NEWSMILL_CONCURRENCY": "many"}, wantErr: `NEWSMILL_CONCURRENCY="many" for field Concurrency: parsing integer: invalid syntax`},
		{name: "int out of range", env: map[string]string{"NEWSMILL_NATS_REPLICAS": "99999999999999999999"}, wantErr: `field NATS.Replicas: parsing integer: value out of range`},
		{name: "bad duration in flag", args: []string{"-shutdown_timeout=soon"}, wantErr: `invalid value "soon" for flag -shutdown_timeout: field Daemon.ShutdownTimeout: parsing duration`},
		{name: "bad bool", env: map[string]string{"NEWSMILL_VERBOSE": "yes"}, wantErr: `field Verbose: parsing bool`},
		{name: "bad float", args: []string{"-ratio", "half"}, wantErr: `field Ratio: parsing number`},
		{name: "unknown flag", args: []string{"-nope"}, wantErr: "flag provided but not defined: -nope"},
		{name: "prefixed name only", args: []string{"-url=x"}, wantErr: "flag provided but not defined: -url"},
		{name: "positional argument", args: []string{"extra"}, wantErr: `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := defaults()
			var out strings.Builder
			err := load("test", tt.args, &cfg, env(tt.env), &out)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := defaults()
			tt.want(&want)
			if diff := cmp.Diff(want, cfg, cmp.AllowUnexported(testConfig{})); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
			if out.Len() != 0 {
				t.Errorf("unexpected output: %s", out.String())
			}
		})
	}
}

func TestLoadHelp(t *testing.T) {
	t.Parallel()
	cfg := defaults()
	var out strings.Builder
	// The help shows the defaults, not what the environment set.
	err := load("cleaner", []string{"-h"}, &cfg, env(map[string]string{"NEWSMILL_CONCURRENCY": "9"}), &out)
	if !errors.Is(err, ErrHelp) {
		t.Fatalf("err = %v, want ErrHelp", err)
	}
	usage := out.String()
	for _, want := range []string{
		"Usage: cleaner [flags]",
		"-log_format string\n    \tjson or console\n    \t(env NEWSMILL_LOG_FORMAT, default \"json\")",
		"-nats_replicas int\n    \tstream replicas\n    \t(env NEWSMILL_NATS_REPLICAS, default \"1\")",
		"-store_url string\n    \t(env NEWSMILL_STORE_URL, default \"\")",
		"-shutdown_timeout duration\n    \t(env NEWSMILL_SHUTDOWN_TIMEOUT, default \"30s\")",
		"-concurrency int\n    \t(env NEWSMILL_CONCURRENCY, default \"4\")",
		"-sources list\n    \t(env NEWSMILL_SOURCES, default \"a,b\")",
		"-verbose bool",
		"-sources_file string",
	} {
		if !strings.Contains(usage, want) {
			t.Errorf("usage lacks %q:\n%s", want, usage)
		}
	}
	if strings.Contains(usage, "skipped") || strings.Contains(usage, "internal") {
		t.Errorf("usage lists a skipped field:\n%s", usage)
	}
	u, err := Usage("cleaner", &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(u, "-http_addr string") {
		t.Errorf("Usage lacks http_addr:\n%s", u)
	}
}

type validated struct {
	Workers int
}

func (v validated) Validate() error {
	if v.Workers < 1 {
		return errors.New("workers must be at least 1")
	}
	return nil
}

type ptrValidated struct{ Name string }

func (p *ptrValidated) Validate() error {
	if p.Name == "" {
		return errors.New("name is required")
	}
	return nil
}

func TestLoadValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		run     func() error
		wantErr string
	}{
		{name: "value receiver ok", run: func() error { c := validated{Workers: 1}; return load("t", nil, &c, env(nil), nil) }},
		{name: "value receiver fails after flags", run: func() error {
			c := validated{Workers: 1}
			return load("t", []string{"-workers=0"}, &c, env(nil), nil)
		}, wantErr: "validating config: workers must be at least 1"},
		{name: "pointer receiver fails", run: func() error { c := ptrValidated{}; return load("t", nil, &c, env(nil), nil) }, wantErr: "name is required"},
		{name: "pointer receiver ok from env", run: func() error {
			c := ptrValidated{}
			return load("t", nil, &c, env(map[string]string{"NEWSMILL_NAME": "x"}), nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.run()
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoadRejectsBadStructs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		run     func() error
		wantErr string
	}{
		{name: "unsupported type", run: func() error {
			c := struct{ Ports []int }{}
			return load("t", nil, &c, env(nil), nil)
		}, wantErr: "field Ports: unsupported type []int"},
		{name: "unsupported uint", run: func() error {
			c := struct{ N struct{ Size uint } }{}
			return load("t", nil, &c, env(nil), nil)
		}, wantErr: "field N.Size: unsupported type uint"},
		{name: "duplicate names", run: func() error {
			c := struct {
				A string `conf:"x"`
				B string `conf:"x"`
			}{}
			return load("t", nil, &c, env(nil), nil)
		}, wantErr: `fields A and B both use the name "x"`},
		{name: "not a struct", run: func() error { n := 3; return load("t", nil, &n, env(nil), nil) }, wantErr: "want a pointer to a struct"},
		{name: "nil config", run: func() error { return load[testConfig]("t", nil, nil, env(nil), nil) }, wantErr: "nil config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := tt.run(); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestLoadReadsProcessEnvironment checks the exported Load against the real
// environment (not parallel: it sets variables).
func TestLoadReadsProcessEnvironment(t *testing.T) {
	t.Setenv("NEWSMILL_CONCURRENCY", "7")
	t.Setenv("NEWSMILL_NATS_URL", "nats://from-env:4222")
	cfg := defaults()
	if err := Load("test", []string{"-concurrency=8"}, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Concurrency != 8 || cfg.NATS.URL != "nats://from-env:4222" {
		t.Fatalf("got concurrency %d, nats %q", cfg.Concurrency, cfg.NATS.URL)
	}
}

func TestSnake(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{name: "initialism first", in: "HTTPAddr", want: "http_addr"},
		{name: "camel", in: "MaxAge", want: "max_age"},
		{name: "all caps", in: "URL", want: "url"},
		{name: "initialism last", in: "NATSURL", want: "natsurl"},
		{name: "initialism middle", in: "StreamMaxBytes", want: "stream_max_bytes"},
		{name: "digit", in: "S3Bucket", want: "s3_bucket"},
		{name: "single", in: "X", want: "x"},
		{name: "lower", in: "url", want: "url"},
		{name: "initialism then word", in: "LogJSONFormat", want: "log_json_format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := snake(tt.in); got != tt.want {
				t.Errorf("snake(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzSet checks that every value that parses formats back to itself:
// what -h prints as a default is what Load would read.
func FuzzSet(f *testing.F) {
	for _, s := range []string{"1", "-3", "0x10", "1.5", "true", "1m30s", "a,b", " , ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var c struct {
			I int
			F float64
			B bool
			D time.Duration
			L []string
			S string
		}
		fields, err := settings(&c)
		if err != nil {
			t.Fatal(err)
		}
		for _, fld := range fields {
			if set(fld.value, s) != nil {
				continue
			}
			first := format(fld.value)
			if err := set(fld.value, first); err != nil {
				t.Fatalf("%s: format %q of %q does not parse: %v", fld.field, first, s, err)
			}
			if second := format(fld.value); second != first {
				t.Fatalf("%s: %q formats as %q then %q", fld.field, s, first, second)
			}
		}
	})
}
