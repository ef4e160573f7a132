package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/newsmill/newsmill/pkg/natsbus"
)

func runStats(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("stats", flag.ContinueOnError)
	fl.SetOutput(stderr)
	url := natsFlag(fl)
	interval := fl.Duration("interval", 2*time.Second, "time between the two samples rates are computed from")
	if err := fl.Parse(args); err != nil {
		return err
	}
	bus, err := connect(ctx, *url, "newsctl-stats")
	if err != nil {
		return err
	}
	defer func() { _ = bus.Close() }()
	before, err := bus.Stats(ctx)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(*interval):
	}
	after, err := bus.Stats(ctx)
	if err != nil {
		return err
	}
	printStats(stdout, before, after)
	return nil
}

// printStats writes one row per stream: its size, the consumer's backlog
// and the in and out rates between the two snapshots.
func printStats(w io.Writer, before, after []natsbus.StreamStats) {
	prev := map[string]natsbus.StreamStats{}
	for _, s := range before {
		prev[s.Stream] = s
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "STREAM\tMSGS\tBYTES\tFULL\tIN/s\tCONSUMER\tPENDING\tACK PENDING\tREDELIVERED\tDONE/s\t")
	for _, s := range after {
		p := prev[s.Stream]
		secs := s.At.Sub(p.At).Seconds()
		rate := func(a, b uint64) string {
			if secs <= 0 || b < a {
				return "-"
			}
			return fmt.Sprintf("%.1f", float64(b-a)/secs)
		}
		full := "-"
		if s.MaxBytes > 0 {
			full = fmt.Sprintf("%.1f%%", 100*float64(s.Bytes)/float64(s.MaxBytes))
		}
		consumer, pending, ackp, redel, done := "-", "-", "-", "-", "-"
		if s.Consumer != "" {
			consumer = s.Consumer
			pending = fmt.Sprint(s.Pending)
			ackp = fmt.Sprint(s.AckPending)
			redel = fmt.Sprint(s.Redelivered)
			done = rate(p.AckFloor, s.AckFloor)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", s.Stream, s.Messages, humanBytes(s.Bytes), full,
			rate(p.LastSeq, s.LastSeq), consumer, pending, ackp, redel, done)
	}
	_ = tw.Flush()
}

func humanBytes(b uint64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%dB", b)
	}
	div, exp := uint64(unit), 0
	for n := b / unit; n >= unit; n /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f%ciB", float64(b)/float64(div), "KMGTPE"[exp])
}
