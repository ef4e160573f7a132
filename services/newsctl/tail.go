package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/natsbus"
)

func runTail(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("tail", flag.ContinueOnError)
	fl.SetOutput(stderr)
	url := natsFlag(fl)
	all := fl.Bool("all", false, "replay the stream from its start instead of following new articles")
	asJSON := fl.Bool("json", false, "print each article as a JSON line")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: newsctl tail [flags] [SUBJECT]   (default news.articles.>; e.g. news.articles.vi.>)")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	subject := article.ArticlesRoot + ".>"
	if fl.NArg() > 0 {
		subject = fl.Arg(0)
	}
	bus, err := connect(ctx, *url, "newsctl-tail")
	if err != nil {
		return err
	}
	defer func() { _ = bus.Close() }()
	policy := jetstream.DeliverNewPolicy
	if *all {
		policy = jetstream.DeliverAllPolicy
	}
	cons, err := bus.JetStream().OrderedConsumer(ctx, natsbus.StreamArticles, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subject}, DeliverPolicy: policy,
	})
	if err != nil {
		return fmt.Errorf("following %s: %w", subject, err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		if *asJSON {
			fmt.Fprintln(stdout, string(m.Data()))
			return
		}
		if a, err := article.Unmarshal(m.Data()); err == nil {
			fmt.Fprintln(stdout, articleLine(a, m.Subject(), time.Time{}))
		}
	})
	if err != nil {
		return err
	}
	<-ctx.Done()
	cc.Stop()
	return nil
}
