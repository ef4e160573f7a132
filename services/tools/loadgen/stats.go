package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// percentile returns the p-th percentile (0 < p ≤ 100) of sorted by the
// nearest-rank method: the smallest value with at least p % of the values
// at or below it. An empty slice gives 0; p ≤ 0 gives the minimum.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	if p <= 0 {
		return sorted[0]
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// Dist summarises one latency distribution in milliseconds.
type Dist struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// summarise sorts ds in place and returns its distribution.
func summarise(ds []time.Duration) Dist {
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
	return Dist{
		Count: len(ds),
		P50:   ms(percentile(ds, 50)),
		P90:   ms(percentile(ds, 90)),
		P99:   ms(percentile(ds, 99)),
		Max:   ms(percentile(ds, 100)),
	}
}

// Report is what one run measured; -json prints it as is.
type Report struct {
	Store       string  `json:"store"`
	GOMAXPROCS  int     `json:"gomaxprocs"`
	NumCPU      int     `json:"num_cpu"`
	Concurrency int     `json:"concurrency"`
	InFlight    int     `json:"in_flight"`
	TargetRate  float64 `json:"target_rate"`
	// Seed reproduces the article mix with -seed.
	Seed   uint64         `json:"seed"`
	Corpus map[string]int `json:"corpus"`
	// Published counts the published articles by planned kind.
	Published map[string]int `json:"published"`
	// Outcomes counts final outcomes: article, duplicate, dead_letter.
	Outcomes map[string]int `json:"outcomes"`
	// Verdicts counts the deduplicator's verdicts on delivered outcomes.
	Verdicts map[string]int `json:"verdicts"`
	// DeadLetters counts dead letters by stage and reason.
	DeadLetters map[string]int `json:"dead_letters,omitempty"`
	// Repeats counts outcomes seen again for an article that already had
	// one (a redelivery's republish).
	Repeats int `json:"repeats"`
	Lost    int `json:"lost"`
	// LostIDs lists up to ten lost article ids.
	LostIDs []string `json:"lost_ids,omitempty"`
	// Seconds from the first publish to the last outcome.
	Seconds float64 `json:"seconds"`
	// PublishSeconds is how long publishing took.
	PublishSeconds float64 `json:"publish_seconds"`
	// ArticlesPerSec is classified articles delivered per second; and
	// OutcomesPerSec every outcome per second.
	ArticlesPerSec float64 `json:"articles_per_sec"`
	OutcomesPerSec float64 `json:"outcomes_per_sec"`
	// EndToEnd is fetcher → classifier of delivered articles.
	EndToEnd Dist `json:"end_to_end"`
	// Stages holds per-hop latencies: fetcher→cleaner, cleaner→deduplicator,
	// deduplicator→classifier.
	Stages map[string]Dist `json:"stages"`
	// Work is each stage's own time per message (handler and output
	// publish, from its duration histogram) and how busy its workers were.
	Work map[string]Work `json:"work"`
	// Bottleneck is the stage whose workers were busiest.
	Bottleneck string `json:"bottleneck"`
	// PeakRSSBytes is the process's VmHWM (0 where unknown).
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
}

// hops lists the per-stage latencies in pipeline order.
var hops = []struct{ name, from, to string }{
	{"fetcher→cleaner", "fetcher", "cleaner"},
	{"cleaner→deduplicator", "cleaner", "deduplicator"},
	{"deduplicator→classifier", "deduplicator", "classifier"},
}

// writeTable prints r for people.
func writeTable(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, a ...any) { fmt.Fprintf(tw, format+"\n", a...) }
	p("newsmill pipeline load benchmark")
	p("dedup store\t%s", r.Store)
	p("GOMAXPROCS\t%d (of %d CPUs)", r.GOMAXPROCS, r.NumCPU)
	rate := "as fast as taken"
	if r.TargetRate > 0 {
		rate = strconv.FormatFloat(r.TargetRate, 'f', -1, 64) + "/s"
	}
	p("load\tconcurrency %d per stage, at most %d in flight, rate %s", r.Concurrency, r.InFlight, rate)
	p("corpus\t%s (seed %d)", counts(r.Corpus), r.Seed)
	p("published\t%s in %.2fs", counts(r.Published), r.PublishSeconds)
	p("outcomes\t%s, lost %d, repeats %d", counts(r.Outcomes), r.Lost, r.Repeats)
	p("verdicts\t%s", counts(r.Verdicts))
	if len(r.DeadLetters) > 0 {
		p("dead letters\t%s", counts(r.DeadLetters))
	}
	p("throughput\t%.1f articles/s delivered, %.1f outcomes/s (%.2fs)", r.ArticlesPerSec, r.OutcomesPerSec, r.Seconds)
	if r.PeakRSSBytes > 0 {
		p("peak RSS\t%.1f MiB", float64(r.PeakRSSBytes)/(1<<20))
	}
	p("")
	p("stage work\tmessages\tmean ms\tbusy")
	for _, st := range []string{"cleaner", "deduplicator", "classifier"} {
		w := r.Work[st]
		p("%s\t%d\t%.2f\t%.0f %%", st, w.Messages, w.MeanMs, 100*w.Busy)
	}
	p("bottleneck\t%s", r.Bottleneck)
	p("")
	p("latency (ms)\tcount\tp50\tp90\tp99\tmax")
	row := func(name string, d Dist) {
		p("%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f", name, d.Count, d.P50, d.P90, d.P99, d.Max)
	}
	row("end to end", r.EndToEnd)
	for _, h := range hops {
		row(h.name, r.Stages[h.name])
	}
	return tw.Flush()
}

// counts formats a map as "k1 n1, k2 n2" in key order.
func counts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// peakRSS returns the process's peak resident set size (VmHWM in
// /proc/self/status), or 0 where there is no /proc.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	return parseVmHWM(data)
}

// parseVmHWM reads the "VmHWM:   1234 kB" line of a /proc status file.
func parseVmHWM(status []byte) int64 {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			return 0
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0
		}
		if len(f) > 1 && strings.EqualFold(f[1], "kB") {
			n *= 1024
		}
		return n
	}
	return 0
}

// Work is one stage's share of the run.
type Work struct {
	// Messages settled by the stage.
	Messages int `json:"messages"`
	// MeanMs is the mean time the runner spent on one message: handler
	// plus publishing its outputs, not waiting in the queue.
	MeanMs float64 `json:"mean_ms"`
	// Busy is the share of the stage's worker time spent on messages over
	// the run: total time / (seconds × concurrency). Near 1 the stage is
	// saturated.
	Busy float64 `json:"busy"`
}

// stageWork reads newsmill_stage_duration_seconds from reg.
func stageWork(reg prometheus.Gatherer, seconds float64, concurrency int) (map[string]Work, error) {
	mfs, err := reg.Gather()
	if err != nil {
		return nil, fmt.Errorf("gathering stage metrics: %w", err)
	}
	out := map[string]Work{}
	sums := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "newsmill_stage_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			st := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "stage" {
					st = l.GetValue()
				}
			}
			w := out[st]
			w.Messages += int(m.GetHistogram().GetSampleCount())
			sums[st] += m.GetHistogram().GetSampleSum()
			out[st] = w
		}
	}
	for st, w := range out {
		if w.Messages > 0 {
			w.MeanMs = math.Round(sums[st]*1e6/float64(w.Messages)) / 1e3
		}
		if seconds > 0 && concurrency > 0 {
			w.Busy = math.Round(sums[st]/(seconds*float64(concurrency))*1e3) / 1e3
		}
		out[st] = w
	}
	return out, nil
}

// bottleneck names the stage with the busiest workers ("" when none ran).
func bottleneck(work map[string]Work) string {
	best, busy := "", -1.0
	for _, st := range []string{"cleaner", "deduplicator", "classifier"} {
		if w, ok := work[st]; ok && w.Busy > busy {
			best, busy = st, w.Busy
		}
	}
	return best
}
