package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/newsmill/newsmill/pkg/classify"
	"github.com/newsmill/newsmill/pkg/clean"
	"github.com/newsmill/newsmill/pkg/pipeline"
)

func runClassify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("classify", flag.ContinueOnError)
	fl.SetOutput(stderr)
	explain := fl.Bool("explain", false, "show the features that decided the language and topics")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: newsctl classify [-explain] FILE|URL...")
		fmt.Fprintln(stderr, "Cleans each input and prints its language, IPTC topics and entities as the classifier does.")
		fl.PrintDefaults()
	}
	inputs, err := parseInputs(ctx, fl, args, stderr)
	if err != nil {
		return err
	}
	cl, err := classify.New()
	if err != nil {
		return err
	}
	cleaner := &pipeline.Cleaner{Clean: clean.New(clean.Options{})}
	classifier := &pipeline.Classifier{Classify: cl}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	failed := 0
	for _, in := range inputs {
		if in.err == nil {
			in.err = cleaner.CleanArticle(ctx, in.art)
		}
		if in.err != nil {
			failed++
			fmt.Fprintf(stdout, "== %s\nerror: %v\n\n", in.input, in.err)
			continue
		}
		r := classifier.ClassifyArticle(in.art)
		if !*explain {
			_ = enc.Encode(map[string]any{"input": in.input, "language": r.Language, "topics": r.Topics, "entities": r.Entities})
			continue
		}
		fmt.Fprintf(stdout, "== %s\nlanguage:  %s (confidence %.2f)\n", in.input, r.Language, r.LanguageConfidence)
		for i, t := range r.Topics {
			if i == 5 {
				break
			}
			fmt.Fprintf(stdout, "topic:     %-40s %.3f\n", t.Name, t.Score)
		}
		for _, e := range r.Entities {
			fmt.Fprintf(stdout, "entity:    %-13s %s (%s)\n", e.Type, e.Name, e.Surface)
		}
		for _, w := range r.Why {
			fmt.Fprintf(stdout, "why:       %s\n", w)
		}
		fmt.Fprintln(stdout)
	}
	if failed > 0 {
		return fmt.Errorf("classify: %d of %d inputs failed", failed, len(inputs))
	}
	return nil
}
