package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/newsmill/newsmill/pkg/clean"
	"github.com/newsmill/newsmill/pkg/pipeline"
)

func runClean(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("clean", flag.ContinueOnError)
	fl.SetOutput(stderr)
	explain := fl.Bool("explain", false, "show what was kept, what was removed and why")
	_ = fl.Bool("json", true, "print one cleaned article per input as a JSON line (the default without -explain)")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: newsctl clean [-explain | -json] FILE|URL...")
		fmt.Fprintln(stderr, "Extracts and cleans each input (HTML or text, charset detected) as the cleaner stage does.")
		fl.PrintDefaults()
	}
	inputs, err := parseInputs(ctx, fl, args, stderr)
	if err != nil {
		return err
	}
	c := &pipeline.Cleaner{Clean: clean.New(clean.Options{MaxRemovals: 1000})}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	failed := 0
	for _, in := range inputs {
		if in.err == nil {
			in.err = c.CleanArticle(ctx, in.art)
		}
		if in.err != nil {
			failed++
			if *explain {
				fmt.Fprintf(stdout, "== %s\nerror: %v\n\n", in.input, in.err)
			} else {
				_ = enc.Encode(map[string]string{"input": in.input, "error": in.err.Error()})
			}
			continue
		}
		if !*explain {
			if err := enc.Encode(struct {
				Input string `json:"input"`
				any
			}{in.input, in.art}); err != nil {
				return err
			}
			continue
		}
		a := in.art
		fmt.Fprintf(stdout, "== %s\n", in.input)
		fmt.Fprintf(stdout, "title:       %s\n", a.Title)
		if a.PublishedAt != nil {
			fmt.Fprintf(stdout, "published:   %s\n", a.PublishedAt.Format("2006-01-02"))
		}
		for _, kv := range [][2]string{{"byline", a.Byline}, {"attribution", a.Attribution}, {"source_url", a.SourceURL}, {"canonical", a.CanonicalURL}} {
			if kv[1] != "" {
				fmt.Fprintf(stdout, "%-12s %s\n", kv[0]+":", kv[1])
			}
		}
		fmt.Fprintf(stdout, "\n-- kept (%d paragraphs)\n%s\n", strings.Count(a.Text, "\n\n")+1, a.Text)
		fmt.Fprintf(stdout, "\n-- removed (%d)\n", len(a.Removed))
		for _, r := range a.Removed {
			fmt.Fprintf(stdout, "%-14s %s\n", r.Rule, r.Text)
		}
		fmt.Fprintln(stdout)
	}
	if failed > 0 {
		return fmt.Errorf("clean: %d of %d inputs failed", failed, len(inputs))
	}
	return nil
}
