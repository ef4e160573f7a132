package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/fetch"
	"github.com/newsmill/newsmill/pkg/obs"
	"github.com/newsmill/newsmill/pkg/pipeline"
	"github.com/newsmill/newsmill/services/internal/inproc"
)

// Result is one line of `newsctl ingest` output.
type Result struct {
	// Input is the path or URL given on the command line (or the file
	// found in a given folder).
	Input string `json:"input"`
	// Status is article, duplicate, unchanged, dead_letter or failed.
	Status string `json:"status"`
	// Reason says why an input is not an article: the dedup verdict, the
	// dead-letter reason or the fetch failure.
	Reason string `json:"reason,omitempty"`
	// Stage that dead-lettered the input.
	Stage string `json:"stage,omitempty"`
	// Error is the error text of a failure or dead letter.
	Error string `json:"error,omitempty"`
	// Subject the article was published on.
	Subject string `json:"subject,omitempty"`
	// Article is the article as delivered (classified or duplicate).
	Article *article.Article `json:"article,omitempty"`
}

// Statuses of a Result.
const (
	StatusArticle    = "article"
	StatusDuplicate  = "duplicate"
	StatusUnchanged  = "unchanged"
	StatusDeadLetter = "dead_letter"
	StatusFailed     = "failed"
)

func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dataDir := fl.String("data", "", "data directory for the embedded NATS store (default: a temporary one, removed at exit)")
	redisURL := fl.String("redis", os.Getenv("REDIS_URL"), "Redis URL for dedup (default $REDIS_URL; empty: embedded store)")
	timeout := fl.Duration("timeout", 2*time.Minute, "give up waiting for results after this long")
	kind := fl.String("kind", fetch.KindPage, "kind of URL inputs: page, feed, sitemap or listing")
	selector := fl.String("link-selector", "", "CSS selector of article links (with -kind listing)")
	allowPrivate := fl.Bool("allow-private", false, "allow URLs on private and loopback addresses")
	source := fl.String("source", "ingest", "source id the inputs are published under")
	logLevel := fl.String("log-level", "error", "log level: debug, info, warn or error")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: newsctl ingest [flags] PATH|URL...")
		fmt.Fprintln(stderr, "Runs the inputs (files, folders of .txt/.html, or URLs) through the whole pipeline")
		fmt.Fprintln(stderr, "and prints one JSON line per input: the article, or why there is none.")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() == 0 {
		fl.Usage()
		return errors.New("ingest: no inputs given")
	}
	log, err := obs.NewLoggerTo(stderr, obs.FormatConsole, *logLevel)
	if err != nil {
		return err
	}
	sources, err := ingestSources(fl.Args(), *source, *kind, *selector, *allowPrivate)
	if err != nil {
		return err
	}
	dir := *dataDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "newsctl-ingest-"); err != nil {
			return err
		}
		defer func() { _ = os.RemoveAll(dir) }()
	}
	l, err := inproc.Start(ctx, inproc.Options{DataDir: dir, Listen: "127.0.0.1:0", RedisURL: *redisURL, Log: log})
	if err != nil {
		return err
	}
	defer func() { _ = l.Close() }()

	col := newCollector()
	unsub, err := col.subscribe(l.Bus.Conn())
	if err != nil {
		return err
	}
	defer unsub()

	rec := &recordingPublisher{next: &pipeline.RawPublisher{Sink: l.Bus.Sink()}, inputOf: map[string]string{}}
	f := fetch.New(fetch.Options{}, fetch.NewMemorySeen(nil), rec, log)
	defer f.Close()

	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	var failed []Result
	for _, s := range sources {
		rec.setInput(s.input)
		st, err := f.Poll(ctx, s.src)
		if err == nil && st.Failed > 0 && st.Published == 0 {
			err = fmt.Errorf("%d inputs failed: %v", st.Failed, st.Reasons)
		}
		if err != nil {
			failed = append(failed, Result{Input: s.input, Status: StatusFailed, Reason: fetch.Reason(err), Error: err.Error()})
		}
	}
	for _, r := range failed {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	ids := rec.ids()
	wctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	results, missing := col.wait(wctx, ids)
	for _, id := range ids {
		r, ok := results[id]
		for _, in := range rec.inputsOf(id) {
			if !ok {
				continue
			}
			r.Input = in
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("ingest: %d articles not processed within %s", len(missing), *timeout)
	}
	if len(failed) > 0 {
		return fmt.Errorf("ingest: %d inputs failed", len(failed))
	}
	return nil
}

type ingestSource struct {
	input string
	src   fetch.Source
}

// ingestSources expands folders into their .txt and .html files and makes
// one source per input, so each result names its input.
func ingestSources(args []string, id, kind, selector string, allowPrivate bool) ([]ingestSource, error) {
	var out []ingestSource
	for _, a := range args {
		if strings.HasPrefix(a, "http://") || strings.HasPrefix(a, "https://") {
			src := fetch.Source{ID: id, Kind: kind, URL: a, LinkSelector: selector, AllowPrivate: allowPrivate, Enabled: true}
			if err := src.Validate(); err != nil {
				return nil, fmt.Errorf("input %s: %w", a, err)
			}
			out = append(out, ingestSource{input: a, src: src})
			continue
		}
		info, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", a, err)
		}
		paths := []string{a}
		if info.IsDir() {
			paths = nil
			err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				switch strings.ToLower(filepath.Ext(p)) {
				case ".txt", ".html", ".htm", ".xhtml":
					if !d.IsDir() {
						paths = append(paths, p)
					}
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("input %s: %w", a, err)
			}
		}
		for _, p := range paths {
			out = append(out, ingestSource{input: p, src: fetch.Source{ID: id, Kind: fetch.KindFile, Path: p, Enabled: true}})
		}
	}
	return out, nil
}

// recordingPublisher remembers which input each published article came
// from.
type recordingPublisher struct {
	next    fetch.Publisher
	mu      sync.Mutex
	input   string
	order   []string
	inputOf map[string]string
	extra   map[string][]string
}

func (p *recordingPublisher) setInput(in string) {
	p.mu.Lock()
	p.input = in
	p.mu.Unlock()
}

func (p *recordingPublisher) Publish(ctx context.Context, a *article.Article) error {
	p.mu.Lock()
	in := p.input
	if a.URL != "" && a.Path == "" && in != a.URL {
		in = a.URL // an article found through a feed or listing
	}
	if _, ok := p.inputOf[a.ID]; !ok {
		p.order = append(p.order, a.ID)
		p.inputOf[a.ID] = in
	} else if p.inputOf[a.ID] != in {
		if p.extra == nil {
			p.extra = map[string][]string{}
		}
		p.extra[a.ID] = append(p.extra[a.ID], in)
	}
	p.mu.Unlock()
	return p.next.Publish(ctx, a)
}

func (p *recordingPublisher) ids() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.order...)
}

func (p *recordingPublisher) inputsOf(id string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string{p.inputOf[id]}, p.extra[id]...)
}

// collector gathers the final outcome of every article: classified,
// duplicate or dead-lettered.
type collector struct {
	mu      sync.Mutex
	results map[string]Result
	changed chan struct{}
}

func newCollector() *collector {
	return &collector{results: map[string]Result{}, changed: make(chan struct{}, 1)}
}

func (c *collector) subscribe(nc *nats.Conn) (func(), error) {
	return inproc.SubscribeOutcomes(nc, c.handle)
}

func (c *collector) handle(m *nats.Msg) {
	r, id, ok := toResult(m)
	if !ok {
		return
	}
	c.mu.Lock()
	c.results[id] = r
	c.mu.Unlock()
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

func toResult(m *nats.Msg) (Result, string, bool) {
	if strings.HasPrefix(m.Subject, article.DLQRoot+".") {
		var dl article.DeadLetter
		if json.Unmarshal(m.Data, &dl) != nil || dl.ArticleID == "" {
			return Result{}, "", false
		}
		return Result{Status: StatusDeadLetter, Stage: dl.Stage, Reason: dl.Reason, Error: dl.Error, Subject: m.Subject}, dl.ArticleID, true
	}
	a, err := article.Unmarshal(m.Data)
	if err != nil {
		return Result{}, "", false
	}
	r := Result{Status: StatusArticle, Subject: m.Subject, Article: a}
	if strings.HasPrefix(m.Subject, article.DuplicateRoot+".") {
		r.Status = StatusDuplicate
		r.Reason = m.Header.Get(pipeline.HeaderVerdict)
		if r.Reason == pipeline.VerdictUnchanged {
			r.Status = StatusUnchanged
		}
	}
	return r, a.ID, true
}

// wait returns once every id has a result or ctx is done; missing lists the
// ids without one.
func (c *collector) wait(ctx context.Context, ids []string) (map[string]Result, []string) {
	for {
		c.mu.Lock()
		var missing []string
		for _, id := range ids {
			if _, ok := c.results[id]; !ok {
				missing = append(missing, id)
			}
		}
		out := make(map[string]Result, len(c.results))
		for k, v := range c.results {
			out[k] = v
		}
		c.mu.Unlock()
		if len(missing) == 0 {
			return out, nil
		}
		select {
		case <-ctx.Done():
			return out, missing
		case <-c.changed:
		case <-time.After(200 * time.Millisecond):
		}
	}
}
