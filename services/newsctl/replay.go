package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/natsbus"
)

func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("replay", flag.ContinueOnError)
	fl.SetOutput(stderr)
	url := natsFlag(fl)
	stageName := fl.String("stage", "", "only dead letters of this stage (cleaner, deduplicator, classifier); default all")
	reason := fl.String("reason", "", "only dead letters with this reason (e.g. store_full)")
	limit := fl.Int("limit", 0, "replay at most this many (0: all)")
	dryRun := fl.Bool("dry-run", false, "list what would be replayed, change nothing")
	purge := fl.Bool("purge", false, "delete each dead letter from the DLQ once its payload is republished")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: newsctl replay [flags]")
		fmt.Fprintln(stderr, "Republishes dead-lettered messages on the subject they failed on, so the stage")
		fmt.Fprintln(stderr, "tries them again (after the cause is fixed). Only dead letters present when it")
		fmt.Fprintln(stderr, "starts are replayed; replaying one again within the duplicate window is dropped.")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	bus, err := connect(ctx, *url, "newsctl-replay")
	if err != nil {
		return err
	}
	defer func() { _ = bus.Close() }()
	stream, err := bus.JetStream().Stream(ctx, natsbus.StreamDLQ)
	if err != nil {
		return fmt.Errorf("opening the DLQ stream: %w", err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("reading the DLQ stream: %w", err)
	}
	if info.State.Msgs == 0 {
		fmt.Fprintln(stdout, "no dead letters")
		return nil
	}
	last := info.State.LastSeq
	filter := article.DLQRoot + ".>"
	if *stageName != "" {
		filter = article.DLQ(*stageName)
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	if err != nil {
		return fmt.Errorf("reading the DLQ stream: %w", err)
	}
	replayed := 0
	for {
		if *limit > 0 && replayed >= *limit {
			break
		}
		m, err := cons.Next(jetstream.FetchMaxWait(time.Second))
		if errors.Is(err, nats.ErrTimeout) || errors.Is(err, jetstream.ErrNoMessages) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading the DLQ stream: %w", err)
		}
		md, err := m.Metadata()
		if err != nil {
			return err
		}
		if md.Sequence.Stream > last {
			// Dead letters written after we started (a replay failing
			// again) wait for the next replay: never loop on our own output.
			break
		}
		var dl article.DeadLetter
		if err := json.Unmarshal(m.Data(), &dl); err != nil || dl.Subject == "" {
			fmt.Fprintf(stderr, "skipping DLQ message %d: not a dead letter\n", md.Sequence.Stream)
			continue
		}
		if *reason != "" && dl.Reason != *reason {
			continue
		}
		line := fmt.Sprintf("%d\t%s\t%s\t%s\t%s", md.Sequence.Stream, dl.Stage, dl.Reason, dl.ArticleID, dl.Subject)
		if *dryRun {
			fmt.Fprintln(stdout, "would replay\t"+line)
			replayed++
			continue
		}
		out := nats.NewMsg(dl.Subject)
		out.Data = dl.Payload
		for k, vs := range dl.Header {
			if k == jetstream.MsgIDHeader {
				continue
			}
			for _, v := range vs {
				out.Header.Add(k, v)
			}
		}
		out.Header.Set(jetstream.MsgIDHeader, "replay:"+strconv.FormatUint(md.Sequence.Stream, 10))
		if _, err := bus.JetStream().PublishMsg(ctx, out); err != nil {
			return fmt.Errorf("replaying dead letter %d: %w", md.Sequence.Stream, err)
		}
		if *purge {
			if err := stream.DeleteMsg(ctx, md.Sequence.Stream); err != nil {
				return fmt.Errorf("deleting dead letter %d: %w", md.Sequence.Stream, err)
			}
		}
		fmt.Fprintln(stdout, "replayed\t"+line)
		replayed++
	}
	verb := "replayed"
	if *dryRun {
		verb = "to replay"
	}
	fmt.Fprintf(stdout, "%d dead letters %s\n", replayed, verb)
	return nil
}
