package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sync"

	"go.uber.org/zap"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/fetch"
	"github.com/newsmill/newsmill/pkg/obs"
)

// loaded is one input read the way the fetcher reads it: a raw article, or
// why it could not be read.
type loaded struct {
	input string
	art   *article.Article
	err   error
}

// capture is a fetch.Publisher that keeps what it is given.
type capture struct {
	mu   sync.Mutex
	arts []*article.Article
}

func (c *capture) Publish(_ context.Context, a *article.Article) error {
	c.mu.Lock()
	c.arts = append(c.arts, a)
	c.mu.Unlock()
	return nil
}

func (c *capture) take() []*article.Article {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.arts
	c.arts = nil
	return out
}

// parseInputs adds -allow-private to fl, parses args and reads the FILE|URL
// inputs they name (see loadInputs). Commands add their own flags first.
func parseInputs(ctx context.Context, fl *flag.FlagSet, args []string, stderr io.Writer) ([]loaded, error) {
	allowPrivate := fl.Bool("allow-private", false, "allow URLs on private and loopback addresses")
	if err := fl.Parse(args); err != nil {
		return nil, err
	}
	if fl.NArg() == 0 {
		fl.Usage()
		return nil, fmt.Errorf("%s: no inputs given", fl.Name())
	}
	log, err := obs.NewLoggerTo(stderr, obs.FormatConsole, "error")
	if err != nil {
		return nil, err
	}
	return loadInputs(ctx, fl.Args(), *allowPrivate, log)
}

// loadInputs reads files, folders or URLs through the fetcher (charset
// detection, size caps, the address guard) without a pipeline.
func loadInputs(ctx context.Context, args []string, allowPrivate bool, log *zap.Logger) ([]loaded, error) {
	srcs, err := ingestSources(args, "cli", fetch.KindPage, "", allowPrivate)
	if err != nil {
		return nil, err
	}
	cp := &capture{}
	f := fetch.New(fetch.Options{}, fetch.NewMemorySeen(nil), cp, log)
	defer f.Close()
	var out []loaded
	for _, s := range srcs {
		st, err := f.Poll(ctx, s.src)
		arts := cp.take()
		if err == nil && len(arts) == 0 {
			err = fmt.Errorf("nothing read (%v)", st.Reasons)
		}
		if err != nil {
			out = append(out, loaded{input: s.input, err: err})
			continue
		}
		for _, a := range arts {
			out = append(out, loaded{input: s.input, art: a})
		}
	}
	return out, nil
}
