// Command newsctl is newsmill's operator CLI: run the whole pipeline in one
// process (up), push files through it and print the results (ingest), watch
// the queues (stats) and follow articles (tail).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/newsmill/newsmill/pkg/natsbus"
)

// command is one subcommand.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"up", "run the whole pipeline in this process with an embedded NATS server and the sample sources", runUp},
		{"ingest", "run files through the pipeline and print one JSON line per input", runIngest},
		{"stats", "print queue depth and rates per stage", runStats},
		{"sources", "list, show, add, pause, resume or remove sources (live, no restart)", runSources},
		{"replay", "republish dead-lettered messages so their stage tries them again", runReplay},
		{"tail", "follow classified articles (subject filter, e.g. news.articles.vi.>)", runTail},
		{"clean", "extract and clean files or URLs; -explain shows what was removed and why", runClean},
		{"classify", "language, topics and entities of files or URLs; -explain shows why", runClassify},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "newsctl:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: newsctl <command> [flags]  (newsctl <command> -h for its flags)")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
}

// natsFlag adds the -nats flag every command that talks to a running
// pipeline takes.
func natsFlag(fl *flag.FlagSet) *string {
	return fl.String("nats", envOr("NEWSMILL_NATS_URL", "nats://127.0.0.1:4222"), "NATS server ($NEWSMILL_NATS_URL)")
}

// connect connects to a running pipeline's NATS server, giving up after 5s.
func connect(ctx context.Context, url, name string) (*natsbus.Bus, error) {
	cfg := natsbus.DefaultConfig()
	cfg.URL, cfg.Name = url, name
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return natsbus.Connect(cctx, cfg, nil)
}

// envOr returns the environment variable key, or def when it is unset.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
