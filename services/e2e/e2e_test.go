package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/natsbus/natstest"
	"github.com/newsmill/newsmill/pkg/pipeline"
	"github.com/newsmill/newsmill/pkg/samples"
	"github.com/newsmill/newsmill/pkg/stage"
)

var services = []string{"fetcher", "cleaner", "deduplicator", "classifier"}

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binaries builds the four services once per test run.
func binaries(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "newsmill-e2e-bin-")
		if buildErr != nil {
			return
		}
		args := []string{"build", "-o", binDir + string(os.PathSeparator)}
		for _, s := range services {
			args = append(args, "github.com/newsmill/newsmill/services/"+s)
		}
		cmd := exec.Command("go", args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out.String())
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// proc is one running service process.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan error
}

// syncBuffer is a process's output, read while the process writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// readyLog is the log message each service writes once its streams,
// consumer or registry are set up.
func readyLog(name string) string {
	if name == "fetcher" {
		return `"msg":"fetching"`
	}
	return `"msg":"consuming"`
}

type cluster struct {
	t        *testing.T
	bin      string
	natsURL  string
	redisURL string
	prefix   string
	dir      string
	// window is the streams' duplicate window (0: the default).
	window time.Duration
	mu     sync.Mutex
	procs  map[string]*proc
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	redisURL := os.Getenv("REDIS_URL")
	if redisURL == "" {
		t.Fatal("REDIS_URL is not set: the end-to-end tests need a real Redis (scripts/test starts one)")
	}
	_, url := natstest.Start(t)
	c := &cluster{
		t: t, bin: binaries(t), natsURL: url, redisURL: redisURL,
		prefix: fmt.Sprintf("e2e-%d-%d:", time.Now().UnixNano(), rand.IntN(1e6)),
		dir:    t.TempDir(), procs: map[string]*proc{},
	}
	t.Cleanup(c.stopAll)
	return c
}

func (c *cluster) start(name string, extraEnv ...string) {
	c.t.Helper()
	cmd := exec.Command(filepath.Join(c.bin, name))
	cmd.Env = append(os.Environ(),
		"NEWSMILL_NATS_URL="+c.natsURL,
		"NEWSMILL_REDIS_URL="+c.redisURL,
		"NEWSMILL_REDIS_PREFIX="+c.prefix,
		"NEWSMILL_HTTP_ADDR=127.0.0.1:0",
		"NEWSMILL_LOG_LEVEL=info",
		"NEWSMILL_ACK_WAIT=2s",
		"NEWSMILL_DRAIN_TIMEOUT=5s",
		"NEWSMILL_START_SPREAD=1ms",
	)
	if c.window > 0 {
		cmd.Env = append(cmd.Env, "NEWSMILL_DUPLICATE_WINDOW="+c.window.String())
	}
	cmd.Env = append(cmd.Env, extraEnv...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		c.t.Fatalf("starting %s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, out: out, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	c.mu.Lock()
	c.procs[name] = p
	c.mu.Unlock()
	// Services start one after the other: a stream update (every service
	// ensures the streams at start) racing another's consumer creation
	// trips a data race inside the embedded nats-server under -race.
	deadline := time.After(60 * time.Second)
	for !strings.Contains(out.String(), readyLog(name)) {
		select {
		case err := <-p.done:
			p.done <- err
			c.t.Fatalf("%s exited before it was ready: %v\n%s", name, err, out.String())
		case <-deadline:
			c.t.Fatalf("%s not ready within 60s:\n%s", name, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// kill sends sig to a service and waits for it to exit.
func (c *cluster) kill(name string, sig syscall.Signal) error {
	c.mu.Lock()
	p := c.procs[name]
	delete(c.procs, name)
	c.mu.Unlock()
	if p == nil {
		return nil
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case err := <-p.done:
		if c.t.Failed() || testing.Verbose() {
			c.t.Logf("%s output:\n%s", name, p.out.String())
		}
		return err
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		return fmt.Errorf("%s did not exit within 30s of %v", name, sig)
	}
}

func (c *cluster) stopAll() {
	c.mu.Lock()
	names := make([]string, 0, len(c.procs))
	for n := range c.procs {
		names = append(names, n)
	}
	c.mu.Unlock()
	for _, n := range names {
		if err := c.kill(n, syscall.SIGTERM); err != nil {
			c.t.Errorf("%s on SIGTERM: %v", n, err)
		}
	}
}

func (c *cluster) bus() *natsbus.Bus {
	c.t.Helper()
	cfg := natsbus.DefaultConfig()
	cfg.URL = c.natsURL
	if c.window > 0 {
		cfg.DuplicateWindow = c.window
	}
	b, err := natsbus.Connect(context.Background(), cfg, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { _ = b.Close() })
	if err := b.EnsureStreams(context.Background()); err != nil {
		c.t.Fatal(err)
	}
	return b
}

// writeSeeds copies the sample pages into a folder and returns a sources
// file polling it every second.
func (c *cluster) writeSeeds(sub string) string {
	c.t.Helper()
	seeds, err := samples.Seeds()
	if err != nil {
		c.t.Fatal(err)
	}
	dir := filepath.Join(c.dir, sub)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		c.t.Fatal(err)
	}
	for _, s := range seeds {
		if err := os.WriteFile(filepath.Join(dir, s.Name), s.Body, 0o644); err != nil {
			c.t.Fatal(err)
		}
	}
	file := filepath.Join(c.dir, sub+".yaml")
	yml := fmt.Sprintf("sources:\n  - id: seeds\n    kind: file\n    path: %s\n    interval: 10s\n    enabled: true\n", dir)
	if err := os.WriteFile(file, []byte(yml), 0o644); err != nil {
		c.t.Fatal(err)
	}
	return file
}

// collect returns every message currently in a stream, by subject order of
// arrival.
func collect(t *testing.T, b *natsbus.Bus, stream string) []jetstream.Msg {
	t.Helper()
	ctx := context.Background()
	s, err := b.JetStream().Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := int(info.State.Msgs)
	if n == 0 {
		return nil
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	mb, err := cons.Fetch(n, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var out []jetstream.Msg
	for m := range mb.Messages() {
		out = append(out, m)
	}
	return out
}

func streamCount(t *testing.T, b *natsbus.Bus, stream string) uint64 {
	t.Helper()
	s, err := b.JetStream().Stream(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// idle reports whether every stage consumer has nothing pending or unacked.
func idle(t *testing.T, b *natsbus.Bus) bool {
	t.Helper()
	stats, err := b.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	consumers := 0
	for _, s := range stats {
		if s.Consumer == "" {
			continue
		}
		consumers++
		if s.Pending != 0 || s.AckPending != 0 {
			return false
		}
	}
	return consumers == 3
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestSeedsEndToEnd(t *testing.T) {
	c := newCluster(t)
	// A short duplicate window lets the re-feed below pass the streams'
	// Nats-Msg-Id check, so it is the deduplicator that must stop it.
	c.window = time.Second
	b := c.bus()
	seeds, err := samples.Seeds()
	if err != nil {
		t.Fatal(err)
	}
	sources := c.writeSeeds("seeds")
	for _, s := range services[1:] {
		c.start(s)
	}
	// The fetcher keeps its seen-set in memory, so a restart forgets it.
	c.start("fetcher", "NEWSMILL_SOURCES_FILE="+sources, "NEWSMILL_REDIS_URL=")

	waitFor(t, 90*time.Second, "five articles on news.articles.>", func() bool { return streamCount(t, b, natsbus.StreamArticles) >= 5 })
	waitFor(t, 30*time.Second, "every consumer idle", func() bool { return idle(t, b) })

	byPath := map[string]*article.Article{}
	for _, m := range collect(t, b, natsbus.StreamArticles) {
		a, err := article.Unmarshal(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		if want := article.Articles(a.Language, a.TopTopic()); m.Subject() != want {
			t.Errorf("%s published on %s, want %s", a.ID, m.Subject(), want)
		}
		byPath[filepath.Base(a.Path)] = a
	}
	if len(byPath) != 5 {
		t.Fatalf("got %d distinct articles, want 5", len(byPath))
	}
	for _, s := range seeds {
		a := byPath[s.Name]
		if a == nil {
			t.Errorf("%s: no article", s.Name)
			continue
		}
		if a.Language != s.Expect.Language {
			t.Errorf("%s: language %q, want %q", s.Name, a.Language, s.Expect.Language)
		}
		wantTitle := ""
		if s.Expect.Title != nil {
			wantTitle = *s.Expect.Title
		}
		if a.Title != wantTitle {
			t.Errorf("%s: title %q, want %q", s.Name, a.Title, wantTitle)
		}
		for _, st := range article.Stages {
			if _, ok := a.Stages[st]; !ok {
				t.Errorf("%s: no %s timestamp", s.Name, st)
			}
		}
	}

	// Feeding the same pages again (a restarted fetcher forgot what it
	// fetched, and a second source lists copies) delivers nothing new.
	if err := c.kill("fetcher", syscall.SIGTERM); err != nil {
		t.Fatalf("fetcher on SIGTERM: %v", err)
	}
	time.Sleep(2 * c.window) // let the Nats-Msg-Ids of the first feed expire
	again := c.writeSeeds("again")
	c.start("fetcher", "NEWSMILL_SOURCES_FILE="+again, "NEWSMILL_REDIS_URL=")
	waitFor(t, 60*time.Second, "the re-fed pages reported on news.duplicate", func() bool { return streamCount(t, b, natsbus.StreamDuplicate) >= 5 })
	waitFor(t, 30*time.Second, "every consumer idle", func() bool { return idle(t, b) })
	if n := streamCount(t, b, natsbus.StreamArticles); n != 5 {
		t.Errorf("news.articles holds %d articles after re-feeding, want 5", n)
	}
	for _, m := range collect(t, b, natsbus.StreamDuplicate) {
		if v := m.Headers().Get(pipeline.HeaderVerdict); v != pipeline.VerdictUnchanged {
			t.Errorf("re-fed page verdict %q, want %q", v, pipeline.VerdictUnchanged)
		}
	}
	if n := streamCount(t, b, natsbus.StreamDLQ); n != 0 {
		t.Errorf("%d dead letters, want none", n)
	}
}

// words is the vocabulary of synthetic articles.
var words = strings.Fields(`ministry labour workers employment policy training regional meeting
cooperation report minister province hospital school teachers students farmers harvest rice market
export import prices inflation bank credit investment factory industry energy solar wind coal
river flood storm rain drought forest wildlife tourism festival museum music film football league
coach stadium election assembly parliament court judge police crime law reform budget tax customs
port railway highway airport bridge housing water sanitation vaccine clinic doctors nurses research
university scientists laboratory satellite software startup internet mobile network security`)

// syntheticArticle returns a raw article with distinct random text.
func syntheticArticle(t *testing.T, i int, r *rand.Rand) []byte {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "Synthetic report number %d\n\n", i)
	for p := range 4 {
		for s := range 5 {
			for w := range 12 {
				if w > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(words[r.IntN(len(words))])
			}
			fmt.Fprintf(&b, " item %d-%d-%d. ", i, p, s)
		}
		b.WriteString("\n\n")
	}
	text := []byte(b.String())
	a := article.New(article.ContentID(text), "load")
	raw, err := pipeline.NewRawBody(text, "text/plain", "utf-8")
	if err != nil {
		t.Fatal(err)
	}
	a.Raw = raw
	a.FetchedAt = time.Now().UTC()
	a.Stamp(article.StageFetcher, a.FetchedAt)
	data, err := a.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestCleanerKilledMidStream kills the cleaner with SIGKILL while it works
// through a backlog, restarts it, and checks that every article arrives
// downstream exactly once.
func TestCleanerKilledMidStream(t *testing.T) {
	c := newCluster(t)
	b := c.bus()
	const n = 300
	r := rand.New(rand.NewPCG(1, 2))
	ids := map[string]bool{}
	for i := range n {
		data := syntheticArticle(t, i, r)
		var a struct{ ID string }
		_ = json.Unmarshal(data, &a)
		ids[a.ID] = true
		err := b.Sink().Publish(context.Background(), stage.Output{Subject: article.Raw("load"), Data: data, MsgID: "load:" + a.ID})
		if err != nil {
			t.Fatal(err)
		}
	}
	c.start("deduplicator")
	c.start("classifier")
	c.start("cleaner", "NEWSMILL_CONCURRENCY=2")
	waitFor(t, 60*time.Second, "the cleaner to be mid-stream", func() bool {
		got := streamCount(t, b, natsbus.StreamCleaned)
		return got >= 20
	})
	if err := c.kill("cleaner", syscall.SIGKILL); err == nil {
		t.Log("cleaner exited cleanly before SIGKILL landed")
	}
	mid := streamCount(t, b, natsbus.StreamCleaned)
	if mid >= n {
		t.Logf("the cleaner finished all %d before it was killed; the test proves less", n)
	}
	c.start("cleaner")
	waitFor(t, 120*time.Second, "every article on news.articles", func() bool { return streamCount(t, b, natsbus.StreamArticles) >= n })
	waitFor(t, 30*time.Second, "every consumer idle", func() bool { return idle(t, b) })

	seen := map[string]int{}
	for _, m := range collect(t, b, natsbus.StreamArticles) {
		var a struct{ ID string }
		if err := json.Unmarshal(m.Data(), &a); err != nil {
			t.Fatal(err)
		}
		seen[a.ID]++
	}
	for id := range ids {
		if seen[id] != 1 {
			t.Errorf("article %s delivered %d times, want exactly once", id, seen[id])
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct articles delivered, want %d", len(seen), n)
	}
	if d := streamCount(t, b, natsbus.StreamDuplicate); d != 0 {
		t.Errorf("%d messages on news.duplicate: a redelivery was taken for a duplicate", d)
	}
	t.Logf("killed at %d/%d cleaned; all %d delivered once", mid, n, n)
}

// correctionPage is a news page whose second paragraph a publisher
// corrects in version 2.
func correctionPage(version int) string {
	figure := "Officials said 1,200 hectares of rice had been flooded in the district by Tuesday morning."
	if version > 1 {
		figure = "Officials corrected the figure on Wednesday: 2,100 hectares of rice had been flooded in the district by Tuesday morning."
	}
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Delta farmers count flood losses</title></head><body>
<header><nav><a href="/">Home</a> | <a href="/news">News</a></nav></header>
<article><h1>Delta farmers count flood losses</h1>
<p>Farmers in the lower Mekong delta began draining their fields on Wednesday after three days of heavy rain pushed the river over its banks and into low-lying paddies across four communes.</p>
<p>` + figure + ` The provincial agriculture department said most of the crop was two weeks from harvest and that losses would be assessed field by field.</p>
<p>Cooperatives have asked for seed support for the next planting, and the province has opened a hotline for households whose homes were damaged by the water.</p>
</article><footer>Copyright Delta News</footer></body></html>`
}

// TestCorrectionDeliveredAsRevision: a publisher corrects an article and
// moves its feed entry's <updated> forward. The fetcher fetches the page
// again, the deduplicator recognises the same article with changed
// content, and consumers receive the corrected text as its next revision.
func TestCorrectionDeliveredAsRevision(t *testing.T) {
	c := newCluster(t)
	b := c.bus()
	var mu sync.Mutex
	version, updated := 1, time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		v, up := version, updated
		mu.Unlock()
		switch r.URL.Path {
		case "/feed.xml":
			w.Header().Set("Content-Type", "application/atom+xml")
			fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Delta News</title><updated>%[2]s</updated>`+
				`<entry><title>Delta farmers count flood losses</title><link href="http://%[1]s/news/flood.html"/><id>tag:delta,flood</id><updated>%[2]s</updated></entry></feed>`,
				r.Host, up.Format(time.RFC3339))
		case "/news/flood.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, correctionPage(v))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	sources := filepath.Join(c.dir, "delta.yaml")
	yml := fmt.Sprintf("sources:\n  - id: delta\n    kind: feed\n    url: %s/feed.xml\n    interval: 10s\n    allow_private: true\n", srv.URL)
	if err := os.WriteFile(sources, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, s := range services[1:] {
		c.start(s)
	}
	c.start("fetcher", "NEWSMILL_SOURCES_FILE="+sources, "NEWSMILL_MIN_REFETCH_INTERVAL=1ms")
	waitFor(t, 60*time.Second, "the article on news.articles.>", func() bool { return streamCount(t, b, natsbus.StreamArticles) >= 1 })

	mu.Lock()
	version, updated = 2, updated.Add(30*time.Minute)
	mu.Unlock()
	waitFor(t, 90*time.Second, "the corrected article on news.articles.>", func() bool { return streamCount(t, b, natsbus.StreamArticles) >= 2 })
	waitFor(t, 30*time.Second, "every consumer idle", func() bool { return idle(t, b) })

	msgs := collect(t, b, natsbus.StreamArticles)
	if len(msgs) != 2 {
		t.Fatalf("news.articles holds %d messages, want the article and its correction", len(msgs))
	}
	var got [2]*article.Article
	for i, m := range msgs {
		a, err := article.Unmarshal(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		got[i] = a
	}
	first, second := got[0], got[1]
	if first.ID != second.ID {
		t.Errorf("the correction has id %s, the article %s: want the same article", second.ID, first.ID)
	}
	if second.Revision != first.Revision+1 {
		t.Errorf("revisions %d then %d, want consecutive", first.Revision, second.Revision)
	}
	if !strings.Contains(first.Text, "1,200 hectares") || !strings.Contains(second.Text, "2,100 hectares") {
		t.Errorf("texts do not carry the two versions:\nfirst:  %.300q\nsecond: %.300q", first.Text, second.Text)
	}
	if n := streamCount(t, b, natsbus.StreamDLQ); n != 0 {
		t.Errorf("%d dead letters, want none", n)
	}
}
