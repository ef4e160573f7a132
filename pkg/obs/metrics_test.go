package obs

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/newsmill/newsmill/pkg/stage"
)

func TestStageMetricsSettled(t *testing.T) {
	t.Parallel()
	articleMsg := &stage.Message{Subject: "news.raw.vnexpress", Delivered: 2, Data: []byte(`{"schema":"newsmill.article/v1","id":"abc","source":"vnexpress","text":"x"}`)}
	plainMsg := &stage.Message{Subject: "news.raw.file", Delivered: 1, Data: []byte("not json")}
	tests := []struct {
		name        string
		outcome     stage.Outcome
		reason      string
		msg         *stage.Message
		err         error
		wantLevel   zapcore.Level
		wantFailure string // reason label counted as a failure, "" for none
		wantDead    bool
		wantFields  map[string]any
	}{
		{
			name: "processed article logs at debug", outcome: stage.Processed, msg: articleMsg,
			wantLevel:  zapcore.DebugLevel,
			wantFields: map[string]any{"stage": "cleaner", "subject": "news.raw.vnexpress", "delivered": int64(2), "article_id": "abc", "source": "vnexpress"},
		},
		{
			name: "retried logs at warn with reason", outcome: stage.Retried, reason: "publish", msg: articleMsg, err: errors.New("timeout"),
			wantLevel: zapcore.WarnLevel, wantFailure: "publish",
			wantFields: map[string]any{"reason": "publish", "error": "timeout", "article_id": "abc"},
		},
		{
			name: "dead-lettered logs at error and counts both", outcome: stage.DeadLettered, reason: "decode", msg: plainMsg, err: errors.New("bad json"),
			wantLevel: zapcore.ErrorLevel, wantFailure: "decode", wantDead: true,
			wantFields: map[string]any{"subject": "news.raw.file", "delivered": int64(1)},
		},
		{
			name: "failure without reason is unknown", outcome: stage.Retried, msg: plainMsg, err: errors.New("boom"),
			wantLevel: zapcore.WarnLevel, wantFailure: UnknownReason,
		},
		{
			name: "abandoned is not a failure", outcome: stage.Abandoned, msg: articleMsg,
			wantLevel: zapcore.InfoLevel,
		},
		{
			name: "nil message", outcome: stage.Processed,
			wantLevel: zapcore.DebugLevel, wantFields: map[string]any{"stage": "cleaner"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewPedanticRegistry()
			core, logs := observer.New(zapcore.DebugLevel)
			m := NewStageMetrics(reg, zap.New(core))
			m.Settled("cleaner", tt.outcome, tt.reason, 20*time.Millisecond, tt.msg, tt.err)

			if got := testutil.ToFloat64(m.messages.WithLabelValues("cleaner", string(tt.outcome))); got != 1 {
				t.Errorf("messages_total{outcome=%s} = %v, want 1", tt.outcome, got)
			}
			wantFailures := 0
			if tt.wantFailure != "" {
				wantFailures = 1
				if got := testutil.ToFloat64(m.failures.WithLabelValues("cleaner", tt.wantFailure)); got != 1 {
					t.Errorf("failures_total{reason=%s} = %v, want 1", tt.wantFailure, got)
				}
			}
			if got := testutil.CollectAndCount(m.failures); got != wantFailures {
				t.Errorf("failures_total series = %d, want %d", got, wantFailures)
			}
			wantDead := 0
			if tt.wantDead {
				wantDead = 1
			}
			if got := testutil.CollectAndCount(m.deadLettered); got != wantDead {
				t.Errorf("dead_lettered_total series = %d, want %d", got, wantDead)
			}
			if got := testutil.CollectAndCount(reg, "newsmill_stage_duration_seconds"); got != 1 {
				t.Errorf("duration series = %d, want 1", got)
			}
			if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
				t.Errorf("lint: %v %v", err, problems)
			}

			entries := logs.All()
			if len(entries) != 1 {
				t.Fatalf("got %d log lines, want 1", len(entries))
			}
			e := entries[0]
			if e.Level != tt.wantLevel {
				t.Errorf("level = %v, want %v", e.Level, tt.wantLevel)
			}
			fields := e.ContextMap()
			for k, want := range tt.wantFields {
				if got := fields[k]; got != want {
					t.Errorf("field %s = %#v, want %#v (all: %v)", k, got, want, fields)
				}
			}
			if tt.msg == plainMsg {
				if _, ok := fields["article_id"]; ok {
					t.Errorf("article_id logged for a non-JSON body: %v", fields)
				}
			}
		})
	}
}

func TestStageMetricsExposition(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewPedanticRegistry()
	m := NewStageMetrics(reg, nil)
	m.Settled("deduplicator", stage.DeadLettered, "decode", 3*time.Millisecond, nil, errors.New("x"))
	m.Settled("deduplicator", stage.Processed, "", 40*time.Second, nil, nil)

	want := `
# HELP newsmill_stage_dead_lettered_total Messages a stage sent to its dead-letter subject and terminated, by reason.
# TYPE newsmill_stage_dead_lettered_total counter
newsmill_stage_dead_lettered_total{reason="decode",stage="deduplicator"} 1
# HELP newsmill_stage_messages_total Messages settled by a stage, by outcome (processed, retried, dead_lettered, abandoned).
# TYPE newsmill_stage_messages_total counter
newsmill_stage_messages_total{outcome="dead_lettered",stage="deduplicator"} 1
newsmill_stage_messages_total{outcome="processed",stage="deduplicator"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "newsmill_stage_messages_total", "newsmill_stage_dead_lettered_total"); err != nil {
		t.Error(err)
	}
	// 40 s lands beyond the last bucket (30 s): only +Inf counts it.
	wantHist := `
# HELP newsmill_stage_duration_seconds Time from receiving a message to settling it, by outcome.
# TYPE newsmill_stage_duration_seconds histogram
newsmill_stage_duration_seconds_bucket{outcome="processed",stage="deduplicator",le="0.001"} 0
newsmill_stage_duration_seconds_bucket{outcome="processed",stage="deduplicator",le="0.0025"} 0
newsmill_stage_duration_seconds_bucket{outcome="processed",stage="deduplicator",le="0.005"} 0
newsmill_stage_duration_seconds_bucket{outcome="processed",stage="deduplicator",le="0.01"} 0
newsmill_stage_duration_seconds_bucket{outcome="processed",stage="deduplicator",le="0.025"} 0
newsmill_stage_duration_seconds_bucket{outcome="processed",stage="deduplicator",le="0.05"} 0
newsmill_stage_duration_seconds_bucket{outcome="processed",stage="deduplicator",le="0.1"} 0
newsmill_stage_duration_seconds_bucket{outcome="processed",stage="deduplicator",le="0.25"} 0
newsmill_stage_duration_seconds_bucket{outcome="processed",stage="deduplicator",le="0.5"} 0
newsmill_stage_duration_seconds_bucket{outcome="processed",stage="deduplicator",le="1"} 0
newsmill_stage_duration_seconds_bucket{outcome="processed",stage="deduplicator",le="2.5"} 0
newsmill_stage_duration_seconds_bucket{outcome="processed",stage="deduplicator",le="5"} 0
newsmill_stage_duration_seconds_bucket{outcome="processed",stage="deduplicator",le="10"} 0
newsmill_stage_duration_seconds_bucket{outcome="processed",stage="deduplicator",le="30"} 0
newsmill_stage_duration_seconds_bucket{outcome="processed",stage="deduplicator",le="+Inf"} 1
newsmill_stage_duration_seconds_sum{outcome="processed",stage="deduplicator"} 40
newsmill_stage_duration_seconds_count{outcome="processed",stage="deduplicator"} 1
newsmill_stage_duration_seconds_bucket{outcome="dead_lettered",stage="deduplicator",le="0.001"} 0
newsmill_stage_duration_seconds_bucket{outcome="dead_lettered",stage="deduplicator",le="0.0025"} 0
newsmill_stage_duration_seconds_bucket{outcome="dead_lettered",stage="deduplicator",le="0.005"} 1
newsmill_stage_duration_seconds_bucket{outcome="dead_lettered",stage="deduplicator",le="0.01"} 1
newsmill_stage_duration_seconds_bucket{outcome="dead_lettered",stage="deduplicator",le="0.025"} 1
newsmill_stage_duration_seconds_bucket{outcome="dead_lettered",stage="deduplicator",le="0.05"} 1
newsmill_stage_duration_seconds_bucket{outcome="dead_lettered",stage="deduplicator",le="0.1"} 1
newsmill_stage_duration_seconds_bucket{outcome="dead_lettered",stage="deduplicator",le="0.25"} 1
newsmill_stage_duration_seconds_bucket{outcome="dead_lettered",stage="deduplicator",le="0.5"} 1
newsmill_stage_duration_seconds_bucket{outcome="dead_lettered",stage="deduplicator",le="1"} 1
newsmill_stage_duration_seconds_bucket{outcome="dead_lettered",stage="deduplicator",le="2.5"} 1
newsmill_stage_duration_seconds_bucket{outcome="dead_lettered",stage="deduplicator",le="5"} 1
newsmill_stage_duration_seconds_bucket{outcome="dead_lettered",stage="deduplicator",le="10"} 1
newsmill_stage_duration_seconds_bucket{outcome="dead_lettered",stage="deduplicator",le="30"} 1
newsmill_stage_duration_seconds_bucket{outcome="dead_lettered",stage="deduplicator",le="+Inf"} 1
newsmill_stage_duration_seconds_sum{outcome="dead_lettered",stage="deduplicator"} 0.003
newsmill_stage_duration_seconds_count{outcome="dead_lettered",stage="deduplicator"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(wantHist), "newsmill_stage_duration_seconds"); err != nil {
		t.Error(err)
	}
}

func TestStageMetricsShareRegistry(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	a := NewStageMetrics(reg, nil)
	b := NewStageMetrics(reg, nil) // a second stage in the same process
	a.Settled("cleaner", stage.Processed, "", time.Millisecond, nil, nil)
	b.Settled("classifier", stage.Processed, "", time.Millisecond, nil, nil)
	b.Settled("cleaner", stage.Processed, "", time.Millisecond, nil, nil)
	if got := testutil.ToFloat64(a.messages.WithLabelValues("cleaner", "processed")); got != 2 {
		t.Errorf("cleaner processed = %v, want 2 (collectors shared)", got)
	}
	if got := testutil.CollectAndCount(reg, "newsmill_stage_messages_total"); got != 2 {
		t.Errorf("series = %d, want 2", got)
	}
}

func TestStageMetricsConflictingRegistryPanics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "newsmill_stage_messages_total", Help: "other"}))
	defer func() {
		if recover() == nil {
			t.Fatal("want a panic for an incompatible collector of the same name")
		}
	}()
	NewStageMetrics(reg, nil)
}

// BenchmarkStageMetricsSettled measures the per-message cost of the
// observer with debug logging disabled (production) and enabled.
func BenchmarkStageMetricsSettled(b *testing.B) {
	msg := &stage.Message{Subject: "news.cleaned.vnexpress", Delivered: 1, Data: []byte(`{"schema":"newsmill.article/v1","id":"0123456789abcdef","source":"vnexpress","text":"` + strings.Repeat("lorem ipsum ", 400) + `"}`)}
	for _, lvl := range []zapcore.Level{zapcore.InfoLevel, zapcore.DebugLevel} {
		b.Run("log="+lvl.String(), func(b *testing.B) {
			core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(discard{}), lvl)
			m := NewStageMetrics(prometheus.NewRegistry(), zap.New(core))
			b.ReportAllocs()
			for b.Loop() {
				m.Settled("deduplicator", stage.Processed, "", time.Millisecond, msg, nil)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
