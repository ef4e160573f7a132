package main

import (
	"context"
	"fmt"
	"sync"

	"go.uber.org/zap"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/fetch"
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
