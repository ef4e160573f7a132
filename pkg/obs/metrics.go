package obs

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/newsmill/newsmill/pkg/stage"
)

// DurationBuckets are the upper bounds, in seconds, of
// newsmill_stage_duration_seconds: from 1 ms (a cached classification) to
// 30 s (a slow fetch with retries), roughly ×2.5 apart.
var DurationBuckets = []float64{
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
}

// UnknownReason is the reason label of a failure reported without one.
const UnknownReason = "unknown"

// StageMetrics implements [stage.Observer]: it counts every settled message
// by stage and outcome, times it, counts failures and dead letters by reason,
// and writes one log line per message (debug when processed, info when
// abandoned at shutdown, warn when retried, error when dead-lettered) with
// the stage, subject, delivery count and, when the body is an article, its
// id and source.
//
// It is safe for concurrent use and never blocks: log lines go to the
// logger's core, metrics are atomic counters.
type StageMetrics struct {
	messages     *prometheus.CounterVec
	failures     *prometheus.CounterVec
	deadLettered *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	log          *zap.Logger
}

var _ stage.Observer = (*StageMetrics)(nil)

// NewStageMetrics creates the stage metrics and registers them on reg:
//
//	newsmill_stage_messages_total{stage,outcome}
//	newsmill_stage_failures_total{stage,reason}
//	newsmill_stage_dead_lettered_total{stage,reason}
//	newsmill_stage_duration_seconds{stage,outcome} (histogram, [DurationBuckets])
//
// Several StageMetrics may share one registry (newsctl up runs every stage in
// one process): a collector already registered there is reused, not
// duplicated. A nil reg registers nothing (the metrics still count), and a
// nil log discards log lines. It panics only if reg holds an incompatible
// collector of the same name, which is a programming error.
func NewStageMetrics(reg prometheus.Registerer, log *zap.Logger) *StageMetrics {
	if log == nil {
		log = zap.NewNop()
	}
	m := &StageMetrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "newsmill", Subsystem: "stage", Name: "messages_total",
			Help: "Messages settled by a stage, by outcome (processed, retried, dead_lettered, abandoned).",
		}, []string{"stage", "outcome"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "newsmill", Subsystem: "stage", Name: "failures_total",
			Help: "Messages a stage failed to process (retried or dead-lettered), by error class.",
		}, []string{"stage", "reason"}),
		deadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "newsmill", Subsystem: "stage", Name: "dead_lettered_total",
			Help: "Messages a stage sent to its dead-letter subject and terminated, by reason.",
		}, []string{"stage", "reason"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "newsmill", Subsystem: "stage", Name: "duration_seconds",
			Help:    "Time from receiving a message to settling it, by outcome.",
			Buckets: DurationBuckets,
		}, []string{"stage", "outcome"}),
		log: log,
	}
	if reg != nil {
		m.messages = register(reg, m.messages)
		m.failures = register(reg, m.failures)
		m.deadLettered = register(reg, m.deadLettered)
		m.duration = register(reg, m.duration)
	}
	return m
}

// register registers c on reg, or returns the equal collector already there.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic("obs: registering stage metrics: " + err.Error())
	}
	return c
}

// Settled records one settled message. It implements [stage.Observer].
// An empty reason on a failure is counted as [UnknownReason]; an abandoned
// message (shutdown before the handler finished) is counted by outcome but
// is not a failure.
func (m *StageMetrics) Settled(stageName string, outcome stage.Outcome, reason string, took time.Duration, msg *stage.Message, err error) {
	m.messages.WithLabelValues(stageName, string(outcome)).Inc()
	m.duration.WithLabelValues(stageName, string(outcome)).Observe(took.Seconds())

	lvl := zapcore.DebugLevel
	text := "message processed"
	switch outcome {
	case stage.Processed:
	case stage.Abandoned:
		lvl, text = zapcore.InfoLevel, "message abandoned at shutdown"
	case stage.Retried:
		lvl, text = zapcore.WarnLevel, "message failed, will retry"
	case stage.DeadLettered:
		lvl, text = zapcore.ErrorLevel, "message dead-lettered"
	default:
		lvl, text = zapcore.WarnLevel, "message settled"
	}
	if outcome == stage.Retried || outcome == stage.DeadLettered {
		if reason == "" {
			reason = UnknownReason
		}
		m.failures.WithLabelValues(stageName, reason).Inc()
		if outcome == stage.DeadLettered {
			m.deadLettered.WithLabelValues(stageName, reason).Inc()
		}
	}

	ce := m.log.Check(lvl, text)
	if ce == nil {
		return // level disabled: skip building fields and parsing the body
	}
	fields := make([]zap.Field, 0, 9)
	fields = append(fields, zap.String("stage", stageName), zap.String("outcome", string(outcome)))
	if msg != nil {
		fields = append(fields, zap.String("subject", msg.Subject), zap.Int("delivered", msg.Delivered))
		if id, src, ok := ArticleRef(msg.Data); ok {
			fields = append(fields, zap.String("article_id", id), zap.String("source", src))
		}
	}
	fields = append(fields, zap.Duration("took", took))
	if reason != "" {
		fields = append(fields, zap.String("reason", reason))
	}
	if err != nil {
		fields = append(fields, zap.Error(err))
	}
	ce.Write(fields...)
}
