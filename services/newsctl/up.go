package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/fetch"
	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/obs"
	"github.com/newsmill/newsmill/pkg/pipeline"
	"github.com/newsmill/newsmill/pkg/samples"
	"github.com/newsmill/newsmill/services/internal/inproc"
	"github.com/newsmill/newsmill/services/internal/wire"
)

func runUp(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("up", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dataDir := fl.String("data", envOr("NEWSMILL_DATA", "newsmill-data"), "data directory: the NATS store and the sample pages ($NEWSMILL_DATA)")
	listen := fl.String("listen", "127.0.0.1:4222", "address of the embedded NATS server (a taken port falls back to a free one)")
	redisURL := fl.String("redis", os.Getenv("REDIS_URL"), "Redis URL for dedup (default $REDIS_URL; empty: the embedded store, kept in the data directory)")
	sourcesFile := fl.String("sources", "", "YAML file of extra sources to poll")
	noSamples := fl.Bool("no-samples", false, "do not ingest the bundled sample pages")
	httpAddr := fl.String("http", "", "serve /metrics on this address (e.g. 127.0.0.1:9090)")
	logLevel := fl.String("log-level", "warn", "log level: debug, info, warn or error")
	exitAfter := fl.Int("exit-after", 0, "exit once this many articles were printed (0: run until interrupted)")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: newsctl up [flags]")
		fmt.Fprintln(stderr, "Runs the whole pipeline in this process with an embedded NATS server and")
		fmt.Fprintln(stderr, "prints each classified article as it arrives. Ctrl-C stops it.")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	log, err := obs.NewLoggerTo(stderr, obs.FormatConsole, *logLevel)
	if err != nil {
		return err
	}
	var sources []fetch.Source
	if *sourcesFile != "" {
		fh, err := os.Open(*sourcesFile)
		if err != nil {
			return err
		}
		sources, err = fetch.LoadSources(fh)
		_ = fh.Close()
		if err != nil {
			return fmt.Errorf("reading %s: %w", *sourcesFile, err)
		}
	}
	if !*noSamples {
		dir, err := filepath.Abs(filepath.Join(*dataDir, "samples"))
		if err != nil {
			return err
		}
		if err := writeSamples(dir); err != nil {
			return err
		}
		sources = append(sources, fetch.Source{ID: "samples", Kind: fetch.KindFile, Path: dir, Interval: time.Minute, Enabled: true})
	}
	start := time.Now()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	l, err := inproc.Start(ctx, inproc.Options{DataDir: *dataDir, Listen: *listen, RedisURL: *redisURL, Log: log, Registry: reg})
	if err != nil {
		return err
	}
	defer func() { _ = l.Close() }()
	if *httpAddr != "" {
		srv := &http.Server{Addr: *httpAddr, Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.ListenAndServe() }()
		defer func() { _ = srv.Close() }()
	}
	fmt.Fprintf(stderr, "newsmill up: NATS %s (JetStream in %s), dedup store: %s, %d sources\n",
		l.URL(), *dataDir, l.StoreKind, len(sources))
	fmt.Fprintf(stderr, "follow articles: newsctl tail -nats %s    add a feed: newsctl sources add -nats %s -id ID -kind feed -url URL\n", l.URL(), l.URL())

	if n := delivered(ctx, l); n > 0 {
		fmt.Fprintf(stderr, "%d articles were delivered by earlier runs; pages already delivered are not printed again (replay: newsctl tail -all -nats %s)\n", n, l.URL())
	}

	printed := make(chan struct{}, 1024)
	sub, err := l.Bus.Conn().Subscribe(article.ArticlesRoot+".>", func(m *nats.Msg) {
		if a, err := article.Unmarshal(m.Data); err == nil {
			fmt.Fprintln(stdout, articleLine(a, m.Subject, start))
			printed <- struct{}{}
		}
	})
	if err != nil {
		return err
	}
	defer func() { _ = sub.Unsubscribe() }()
	dsub, err := l.Bus.Conn().Subscribe(article.DuplicateRoot+".>", func(m *nats.Msg) {
		if a, err := article.Unmarshal(m.Data); err == nil {
			fmt.Fprintf(stdout, "  = %-14s %s (same as %s)\n", m.Header.Get(pipeline.HeaderVerdict), orUntitled(a), short(a.DuplicateOf))
		}
	})
	if err != nil {
		return err
	}
	defer func() { _ = dsub.Unsubscribe() }()

	// The samples are local: poll every source at once rather than spread.
	f := fetch.New(fetch.Options{StartSpread: time.Millisecond}, fetch.NewMemorySeen(nil), &pipeline.RawPublisher{Sink: l.Bus.Sink()}, log)
	defer f.Close()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	fetchDone := make(chan error, 1)
	go func() { fetchDone <- wire.RunFetcher(runCtx, l.Bus, f, sources, log) }()

	n := 0
	for {
		select {
		case <-ctx.Done():
			cancel()
			<-fetchDone
			fmt.Fprintln(stderr, "newsmill up: stopping")
			return nil
		case err := <-fetchDone:
			if err != nil && !errors.Is(err, context.Canceled) {
				return err
			}
			return nil
		case <-printed:
			n++
			if *exitAfter > 0 && n >= *exitAfter {
				cancel()
				<-fetchDone
				return nil
			}
		}
	}
}

// articleLine is the one-line view of a classified article.
func articleLine(a *article.Article, subject string, since time.Time) string {
	latency := ""
	if t0, ok := a.Stages[article.StageFetcher]; ok {
		if t1, ok := a.Stages[article.StageClassifier]; ok {
			latency = fmt.Sprintf(" %dms", t1.Sub(t0).Milliseconds())
		}
	}
	from := a.Path
	if from == "" {
		from = a.URL
	}
	return fmt.Sprintf("%-3s %-28s %s  [%s%s] %s", a.Language, truncate(a.TopTopic(), 28), orUntitled(a), filepath.Base(from), latency, subject)
}

func orUntitled(a *article.Article) string {
	if a.Title != "" {
		return a.Title
	}
	return "(untitled) " + truncate(a.Text, 60)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// writeSamples copies the bundled sample pages into dir (once; existing
// files are left alone).
func writeSamples(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	return fs.WalkDir(samples.FS(), "seeds", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".txt") {
			return err
		}
		dst := filepath.Join(dir, filepath.Base(p))
		if _, err := os.Stat(dst); err == nil {
			return nil
		}
		b, err := fs.ReadFile(samples.FS(), p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
}

// delivered returns how many articles the ARTICLES stream holds.
func delivered(ctx context.Context, l *inproc.Pipeline) uint64 {
	stats, err := l.Bus.Stats(ctx)
	if err != nil {
		return 0
	}
	for _, s := range stats {
		if s.Stream == natsbus.StreamArticles {
			return s.Messages
		}
	}
	return 0
}
