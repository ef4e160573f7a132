// Command loadgen runs the whole newsmill pipeline in one process under
// load and prints what it sustained: articles per second delivered end to
// end, the outcome of every article (classified, duplicate, dead-lettered),
// end-to-end and per-stage latency percentiles taken from the per-stage
// timestamps the articles carry, peak RSS and GOMAXPROCS.
//
//	go run ./services/tools/loadgen [-n 3000] [-rate 0] [-dup 0.1] [-json]
//
// It starts an embedded NATS server with the cleaner, deduplicator and
// classifier (package inproc), claims in Redis when -redis (default
// $REDIS_URL) is set and in the embedded JetStream key-value store
// otherwise, and publishes generated raw articles on news.raw.load through
// pipeline.RawPublisher, as the fetcher does, at -rate per second (0: as
// fast as the pipeline takes them) with at most -inflight articles waiting
// for an outcome, so latency measures the pipeline, not an unbounded queue.
//
// The articles are real pages made distinct: the sample seed texts, and,
// when the repository's extraction benchmark pages are found
// (pkg/extract/testdata/zyte), its HTML pages and the plain text of their
// ground truth. Each original has a marker word woven into its paragraphs so
// the deduplicator sees it as new; a share -dup of the articles are exact
// or near copies of a recent original.
//
// It stops after -n articles or -duration, whichever comes first, waits at
// most -timeout for the last outcomes, and exits with status 1 when an
// article got no outcome (lost) or publishing failed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/obs"
	"github.com/newsmill/newsmill/pkg/pipeline"
	"github.com/newsmill/newsmill/services/internal/inproc"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
		}
		os.Exit(1)
	}
}

// config is the parsed command line.
type config struct {
	n           int
	duration    time.Duration
	rate        float64
	inflight    int
	publishers  int
	dup         float64
	htmlShare   float64
	maxHTML     int
	pages       string
	concurrency int
	redisURL    string
	timeout     time.Duration
	seed        uint64
	asJSON      bool
	logLevel    string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fl := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.IntVar(&c.n, "n", 3000, "articles to publish (0: until -duration)")
	fl.DurationVar(&c.duration, "duration", 0, "stop publishing after this long (0: after -n articles)")
	fl.Float64Var(&c.rate, "rate", 0, "target articles per second (0: as fast as the pipeline takes them)")
	fl.IntVar(&c.inflight, "inflight", 64, "at most this many articles published and not yet settled")
	fl.IntVar(&c.publishers, "publishers", 2, "goroutines generating and publishing articles")
	fl.Float64Var(&c.dup, "dup", 0.1, "share of articles that copy a recent one (half exact, half near duplicates)")
	fl.Float64Var(&c.htmlShare, "html", 0.5, "share of originals that are HTML pages (when pages are found)")
	fl.IntVar(&c.maxHTML, "max-pages", 60, "HTML pages loaded from -pages (-1: all)")
	fl.StringVar(&c.pages, "pages", "", "Zyte benchmark directory with html/*.html.gz and ground-truth.json (default: pkg/extract/testdata/zyte found upwards from the working directory; \"none\": seeds only)")
	fl.IntVar(&c.concurrency, "concurrency", 0, "messages handled at once per stage (0: the services' default)")
	fl.StringVar(&c.redisURL, "redis", os.Getenv("REDIS_URL"), "Redis URL of the dedup store (default $REDIS_URL; empty: the embedded JetStream key-value store)")
	fl.DurationVar(&c.timeout, "timeout", 2*time.Minute, "give up when no article settles for this long")
	fl.Uint64Var(&c.seed, "seed", 0, "seed of the article mix (0: from the clock, so runs against a persistent Redis stay originals)")
	fl.BoolVar(&c.asJSON, "json", false, "print the report as JSON")
	fl.StringVar(&c.logLevel, "log-level", "error", "pipeline log level: debug, info, warn or error")
	if err := fl.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fl.NArg() > 0:
		return c, fmt.Errorf("unexpected arguments %q", fl.Args())
	case c.n < 0 || c.inflight <= 0 || c.publishers <= 0 || c.rate < 0 || c.timeout <= 0:
		return c, errors.New("-n, -rate must not be negative; -inflight, -publishers and -timeout must be positive")
	case c.n == 0 && c.duration <= 0:
		return c, errors.New("-n 0 needs a -duration: the run must be bounded")
	case c.dup < 0 || c.dup >= 1 || c.htmlShare < 0 || c.htmlShare > 1:
		return c, errors.New("-dup must be in [0,1) and -html in [0,1]")
	}
	if c.seed == 0 {
		c.seed = uint64(time.Now().UnixNano())
	}
	switch c.pages {
	case "":
		c.pages = findPages()
	case "none":
		c.pages = ""
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	corp, err := loadCorpus(cfg.pages, cfg.maxHTML)
	if err != nil {
		return err
	}
	log, err := obs.NewLoggerTo(stderr, obs.FormatConsole, cfg.logLevel)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "newsmill-loadgen-")
	if err != nil {
		return fmt.Errorf("creating data dir: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()

	reg := prometheus.NewRegistry()
	p, err := inproc.Start(ctx, inproc.Options{DataDir: dir, Listen: "127.0.0.1:0", RedisURL: cfg.redisURL, Concurrency: cfg.concurrency, Log: log, Registry: reg})
	if err != nil {
		return fmt.Errorf("starting the pipeline: %w", err)
	}
	defer func() { _ = p.Close() }()
	store := p.StoreKind
	if store == "redis" {
		store += " " + redactURL(cfg.redisURL)
	} else {
		store += " (embedded; set REDIS_URL or -redis for Redis)"
	}
	fmt.Fprintf(stderr, "loadgen: dedup store %s; %d HTML pages, %d texts; publishing…\n", store, len(corp.html), len(corp.plain))

	col := newCollector(cfg.inflight)
	unsub, err := col.subscribe(p.Bus.Conn())
	if err != nil {
		return err
	}
	defer unsub()

	gen := newGenerator(corp, cfg.htmlShare, cfg.seed)
	pub := &pipeline.RawPublisher{Sink: p.Bus.Sink()}
	res, err := drive(ctx, cfg, gen, pub, col)
	if err != nil {
		return err
	}
	concurrency := cfg.concurrency
	if concurrency == 0 {
		concurrency = defaultConcurrency
	}
	rep := col.report(res)
	rep.Store = p.StoreKind
	rep.GOMAXPROCS, rep.NumCPU = runtime.GOMAXPROCS(0), runtime.NumCPU()
	rep.Concurrency, rep.InFlight, rep.TargetRate, rep.Seed = concurrency, cfg.inflight, cfg.rate, cfg.seed
	rep.Corpus = map[string]int{"html": len(corp.html), "text": len(corp.plain)}
	rep.PeakRSSBytes = peakRSS()
	// A stage records a message after acking it, a moment after its
	// output was seen here: give the last ones a bounded moment.
	for wait := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if rep.Work, err = stageWork(reg, rep.Seconds, concurrency); err != nil {
			return err
		}
		w := rep.Work
		settled := w["cleaner"].Messages >= res.published &&
			w["deduplicator"].Messages >= res.published-len(rep.DeadLetters) &&
			w["classifier"].Messages >= rep.Outcomes["article"]
		if settled || time.Now().After(wait) {
			break
		}
	}
	rep.Bottleneck = bottleneck(rep.Work)
	if cfg.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	} else {
		err = writeTable(stdout, rep)
	}
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if rep.Lost > 0 {
		return fmt.Errorf("%d of %d articles got no outcome within %s (ids %s)", rep.Lost, res.published, cfg.timeout, strings.Join(rep.LostIDs, " "))
	}
	return nil
}

// defaultConcurrency is what inproc runs per stage when -concurrency is 0
// (stage.DefaultConcurrency through the services' wiring).
const defaultConcurrency = 4

// redactURL drops the password from a Redis URL for printing.
func redactURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 {
		return u
	}
	return u[:scheme+3] + "…" + u[at:]
}

// runResult is what the publishing side knows.
type runResult struct {
	published int
	byKind    map[string]int
	start     time.Time
	pubDone   time.Time
	ids       []string
}

// drive publishes until -n or -duration, each article once a slot is free,
// then waits for the outcomes. It returns an error only when publishing
// failed; lost articles are in the report.
func drive(ctx context.Context, cfg config, gen *generator, pub *pipeline.RawPublisher, col *collector) (*runResult, error) {
	type job struct {
		i  int
		it item
	}
	jobs := make(chan job)
	res := &runResult{byKind: map[string]int{}}
	var (
		mu     sync.Mutex
		pubErr error
		wg     sync.WaitGroup
	)
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range cfg.publishers {
		wg.Go(func() {
			for j := range jobs {
				a, err := gen.Article(j.i, j.it)
				if err == nil {
					col.expect(a.ID)
					err = pub.Publish(pctx, a)
				}
				if err != nil {
					mu.Lock()
					if pubErr == nil {
						pubErr = fmt.Errorf("publishing article %d: %w", j.i, err)
					}
					mu.Unlock()
					cancel()
					col.release()
					continue
				}
				mu.Lock()
				res.published++
				res.byKind[j.it.kind]++
				res.ids = append(res.ids, a.ID)
				mu.Unlock()
			}
		})
	}
	planner := newPlanner(cfg.dup, cfg.seed)
	res.start = time.Now()
	var deadline <-chan time.Time
	if cfg.duration > 0 {
		t := time.NewTimer(cfg.duration)
		defer t.Stop()
		deadline = t.C
	}
	stalled := false
feed:
	for i := 0; cfg.n == 0 || i < cfg.n; i++ {
		if cfg.rate > 0 {
			due := res.start.Add(time.Duration(float64(i) / cfg.rate * float64(time.Second)))
			if wait := time.Until(due); wait > 0 {
				select {
				case <-time.After(wait):
				case <-deadline:
					break feed
				case <-pctx.Done():
					break feed
				}
			}
		}
		if !col.acquire(pctx, deadline, cfg.timeout) {
			stalled = pctx.Err() == nil && !col.deadlinePassed
			break
		}
		select {
		case jobs <- job{i: i, it: planner.next()}:
		case <-pctx.Done():
			col.release()
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	res.pubDone = time.Now()
	if pubErr != nil {
		return nil, pubErr
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("interrupted: %w", ctx.Err())
	}
	if !stalled {
		col.wait(ctx, len(res.ids), cfg.timeout)
	}
	return res, nil
}

// outcome is the first final result seen for one article.
type outcome struct {
	status  string // article, duplicate or dead_letter
	verdict string
	reason  string // stage/reason of a dead letter
	stages  map[string]time.Time
	at      time.Time
}

// collector records every article's first outcome from the core subjects
// the last stages publish on, and frees an in-flight slot for each.
type collector struct {
	slots chan struct{}

	mu       sync.Mutex
	expected map[string]bool
	got      map[string]*outcome
	repeats  int
	last     time.Time
	changed  chan struct{}

	// deadlinePassed is set by acquire when -duration ended publishing.
	deadlinePassed bool
}

func newCollector(inflight int) *collector {
	return &collector{
		slots:    make(chan struct{}, inflight),
		expected: map[string]bool{},
		got:      map[string]*outcome{},
		changed:  make(chan struct{}, 1),
	}
}

// acquire takes an in-flight slot. It returns false when ctx is done, the
// deadline passed, or no slot was freed for timeout (articles are lost).
func (c *collector) acquire(ctx context.Context, deadline <-chan time.Time, timeout time.Duration) bool {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case c.slots <- struct{}{}:
		return true
	case <-ctx.Done():
	case <-deadline:
		c.deadlinePassed = true
	case <-t.C:
	}
	return false
}

func (c *collector) release() {
	select {
	case <-c.slots:
	default:
	}
}

// expect registers an id before it is published, so its outcome frees a
// slot even when it arrives before Publish returns.
func (c *collector) expect(id string) {
	c.mu.Lock()
	c.expected[id] = true
	c.mu.Unlock()
}

func (c *collector) subscribe(nc *nats.Conn) (func(), error) {
	return inproc.SubscribeOutcomes(nc, c.handle)
}

// handle decodes one outcome message: only the id, the stamps and the
// dead letter's reason are read.
func (c *collector) handle(m *nats.Msg) {
	now := time.Now()
	var o outcome
	var id string
	if strings.HasPrefix(m.Subject, article.DLQRoot+".") {
		var dl article.DeadLetter
		if json.Unmarshal(m.Data, &dl) != nil || dl.ArticleID == "" {
			return
		}
		id, o.status, o.reason = dl.ArticleID, "dead_letter", dl.Stage+"/"+dl.Reason
	} else {
		var a struct {
			ID     string               `json:"id"`
			Stages map[string]time.Time `json:"stages"`
		}
		if json.Unmarshal(m.Data, &a) != nil || a.ID == "" {
			return
		}
		id, o.stages, o.status = a.ID, a.Stages, "article"
		o.verdict = m.Header.Get(pipeline.HeaderVerdict)
		if strings.HasPrefix(m.Subject, article.DuplicateRoot+".") {
			o.status = "duplicate"
		}
	}
	o.at = now
	c.mu.Lock()
	_, seen := c.got[id]
	first := !seen && c.expected[id]
	switch {
	case seen:
		c.repeats++
	case first:
		c.got[id] = &o
		c.last = now
	}
	c.mu.Unlock()
	if first {
		c.release()
		select {
		case c.changed <- struct{}{}:
		default:
		}
	}
}

// wait returns once n outcomes arrived, ctx is done, or none arrived for
// timeout.
func (c *collector) wait(ctx context.Context, n int, timeout time.Duration) {
	idle := time.NewTimer(timeout)
	defer idle.Stop()
	for {
		c.mu.Lock()
		got := len(c.got)
		c.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-idle.C:
			return
		case <-c.changed:
			idle.Reset(timeout)
		}
	}
}

// report turns what was collected into the figures.
func (c *collector) report(res *runResult) *Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := &Report{
		Published:   res.byKind,
		Outcomes:    map[string]int{},
		Verdicts:    map[string]int{},
		DeadLetters: map[string]int{},
		Repeats:     c.repeats,
		Stages:      map[string]Dist{},
	}
	var e2e []time.Duration
	hop := make([][]time.Duration, len(hops))
	for _, id := range res.ids {
		o, ok := c.got[id]
		if !ok {
			r.Lost++
			if len(r.LostIDs) < 10 {
				r.LostIDs = append(r.LostIDs, id)
			}
			continue
		}
		r.Outcomes[o.status]++
		if o.verdict != "" {
			r.Verdicts[o.verdict]++
		}
		if o.reason != "" {
			r.DeadLetters[o.reason]++
		}
		if o.status == "article" {
			if d, ok := span(o.stages, article.StageFetcher, article.StageClassifier); ok {
				e2e = append(e2e, d)
			}
		}
		for k, h := range hops {
			if d, ok := span(o.stages, h.from, h.to); ok {
				hop[k] = append(hop[k], d)
			}
		}
	}
	end := c.last
	if end.Before(res.start) {
		end = res.pubDone
	}
	r.Seconds = end.Sub(res.start).Seconds()
	r.PublishSeconds = res.pubDone.Sub(res.start).Seconds()
	if r.Seconds > 0 {
		r.ArticlesPerSec = float64(r.Outcomes["article"]) / r.Seconds
		r.OutcomesPerSec = float64(len(res.ids)-r.Lost) / r.Seconds
	}
	r.EndToEnd = summarise(e2e)
	for k, h := range hops {
		r.Stages[h.name] = summarise(hop[k])
	}
	return r
}

// span is the time between two stage stamps, when both are there.
func span(stages map[string]time.Time, from, to string) (time.Duration, bool) {
	a, ok1 := stages[from]
	b, ok2 := stages[to]
	if !ok1 || !ok2 {
		return 0, false
	}
	return b.Sub(a), true
}
