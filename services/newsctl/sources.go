package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/newsmill/newsmill/pkg/fetch"
	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/services/internal/wire"
)

const sourcesUsage = `usage: newsctl sources <list|show|add|pause|resume|rm> [flags] [ID]

  list                 every source with its state, last fetch, last error and articles found
  show ID              one source's definition and health as JSON
  add -id ID -kind K -url URL [flags]   register a source (or: add -f sources.yaml)
  pause ID | resume ID stop or restart polling a source (its settings are kept)
  rm ID                remove a source

Changes take effect in the running fetcher within a second, without a restart.`

// headerFlags collects repeated -header K=V flags.
type headerFlags map[string]string

func (h headerFlags) String() string { return fmt.Sprint(map[string]string(h)) }
func (h headerFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("header %q is not NAME=VALUE", v)
	}
	h[strings.TrimSpace(k)] = strings.TrimSpace(val)
	return nil
}

func runSources(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, sourcesUsage)
		if len(args) == 0 {
			return errors.New("sources: no subcommand given")
		}
		return nil
	}
	sub, args := args[0], args[1:]
	fl := flag.NewFlagSet("sources "+sub, flag.ContinueOnError)
	fl.SetOutput(stderr)
	url := natsFlag(fl)
	var src fetch.Source
	headers := headerFlags{}
	var file string
	var replace bool
	if sub == "add" {
		fl.StringVar(&src.ID, "id", "", "source id: lower-case letters, digits, - and _")
		fl.StringVar(&src.Kind, "kind", "", "feed, sitemap, listing, page or file")
		fl.StringVar(&src.URL, "url", "", "feed, sitemap, listing or page URL")
		fl.StringVar(&src.Path, "path", "", "file or folder (kind file)")
		fl.DurationVar(&src.Interval, "interval", 0, "time between polls (default 10m)")
		fl.StringVar(&src.LinkSelector, "link-selector", "", "CSS selector of article links (kind listing)")
		fl.Float64Var(&src.RateLimit, "rate", 0, "requests per second per host (default: the fetcher's)")
		fl.StringVar(&src.Language, "language", "", "language hint (ISO 639-1)")
		fl.BoolVar(&src.AllowPrivate, "allow-private", false, "allow private and loopback addresses (intranet feeds)")
		fl.Var(headers, "header", "extra request header NAME=VALUE (repeatable)")
		fl.StringVar(&file, "f", "", "add every source of a YAML sources file instead")
		fl.BoolVar(&replace, "replace", false, "replace a source with the same id")
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	bus, err := connect(ctx, *url, "newsctl-sources")
	if err != nil {
		return err
	}
	defer func() { _ = bus.Close() }()
	reg, err := natsbus.NewRegistry(ctx, bus.JetStream(), wire.SourcesBucket)
	if err != nil {
		return err
	}
	id := fl.Arg(0)
	needID := func() error {
		if id == "" {
			return fmt.Errorf("sources %s: which source? give its id", sub)
		}
		return nil
	}
	switch sub {
	case "list":
		return listSources(ctx, bus, reg, stdout)
	case "show":
		if err := needID(); err != nil {
			return err
		}
		s, err := reg.Get(ctx, id)
		if err != nil {
			return err
		}
		health := map[string]fetch.SourceHealth{}
		if board, err := natsbus.NewHealthBoard(ctx, bus.JetStream(), wire.HealthBucket, 10*time.Minute); err == nil {
			health, _ = board.List(ctx)
		}
		out := map[string]any{"source": s}
		if h, ok := health[id]; ok {
			out["health"] = h
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "add":
		var srcs []fetch.Source
		if file != "" {
			fh, err := os.Open(file)
			if err != nil {
				return err
			}
			srcs, err = fetch.LoadSources(fh)
			_ = fh.Close()
			if err != nil {
				return fmt.Errorf("reading %s: %w", file, err)
			}
		} else {
			src.Enabled = true
			if len(headers) > 0 {
				src.Headers = headers
			}
			srcs = []fetch.Source{src}
		}
		for _, s := range srcs {
			if replace {
				err = reg.Put(ctx, s)
			} else {
				err = reg.Create(ctx, s)
			}
			if errors.Is(err, natsbus.ErrSourceExists) {
				return fmt.Errorf("source %q exists: use -replace to change it", s.ID)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "added %s (%s %s%s)\n", s.ID, s.Kind, s.URL, s.Path)
		}
		return nil
	case "pause", "resume":
		if err := needID(); err != nil {
			return err
		}
		if err := reg.SetEnabled(ctx, id, sub == "resume"); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%sd %s\n", sub, id) // paused, resumed
		return nil
	case "rm":
		if err := needID(); err != nil {
			return err
		}
		if err := reg.Delete(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed %s\n", id)
		return nil
	}
	fmt.Fprintln(stderr, sourcesUsage)
	return fmt.Errorf("sources: unknown subcommand %q", sub)
}

func listSources(ctx context.Context, bus *natsbus.Bus, reg *natsbus.Registry, w io.Writer) error {
	srcs, err := reg.List(ctx)
	if err != nil {
		return err
	}
	health := map[string]fetch.SourceHealth{}
	if board, err := natsbus.NewHealthBoard(ctx, bus.JetStream(), wire.HealthBucket, 10*time.Minute); err == nil {
		health, _ = board.List(ctx)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSTATE\tLAST FETCH\tLAST SUCCESS\tFAILURES\tARTICLES\tLAST ERROR\tTARGET")
	now := time.Now()
	for _, s := range srcs {
		h, known := health[s.ID]
		state := "waiting"
		switch {
		case !s.Enabled:
			state = "paused"
		case known && h.ConsecutiveFailures > 0:
			state = "failing"
		case known && !h.LastSuccess.IsZero():
			state = "ok"
		}
		target := s.URL
		if target == "" {
			target = s.Path
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", s.ID, s.Kind, state, ago(now, h.LastFetch), ago(now, h.LastSuccess),
			h.ConsecutiveFailures, h.ArticlesFound, truncate(h.LastError, 60), target)
	}
	return tw.Flush()
}

func ago(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return now.Sub(t).Round(time.Second).String() + " ago"
}
