// Command benchextract compares newsmill's article extractor with
// go-trafilatura and go-readability on the Zyte article-extraction benchmark,
// in one process on the same pages, and prints F1, precision, recall,
// accuracy (exact token match) and pages per second for each.
//
// It lives in its own module so the product never depends on the
// extractors it is compared with. Run it from the repository root:
//
//	go run ./scripts/benchextract -cpu 1
//
// Scores use package evalmetric, the same code as the regression test in
// pkg/extract, so the figures are those of the benchmark's evaluate.py.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	readeck "codeberg.org/readeck/go-readability/v2"
	shiori "github.com/go-shiori/go-readability"
	"github.com/markusmobius/go-trafilatura"

	"github.com/newsmill/newsmill/pkg/extract"
	"github.com/newsmill/newsmill/pkg/extract/evalmetric"
)

// extractor turns one page into its article body text.
type extractor struct {
	name string
	run  func(html []byte, pageURL string) (string, error)
}

var extractors = []extractor{
	{"newsmill", func(h []byte, u string) (string, error) {
		d, err := extract.Extract(h, u, extract.Options{})
		if err != nil {
			return "", err
		}
		return d.BodyText(), nil
	}},
	{"go-trafilatura", func(h []byte, u string) (string, error) {
		pu, _ := url.Parse(u)
		r, err := trafilatura.Extract(bytes.NewReader(h), trafilatura.Options{OriginalURL: pu, ExcludeComments: true})
		if err != nil {
			return "", err
		}
		return r.ContentText, nil
	}},
	{"readeck/go-readability", func(h []byte, u string) (string, error) {
		pu, _ := url.Parse(u)
		a, err := readeck.FromReader(bytes.NewReader(h), pu)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		if err := a.RenderText(&b); err != nil {
			return "", err
		}
		return b.String(), nil
	}},
	{"go-shiori/go-readability", func(h []byte, u string) (string, error) {
		pu, _ := url.Parse(u)
		a, err := shiori.FromReader(bytes.NewReader(h), pu)
		if err != nil {
			return "", err
		}
		return a.TextContent, nil
	}},
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchextract:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("benchextract", flag.ContinueOnError)
	data := fs.String("data", "", "benchmark directory (ground-truth.json, html/*.html.gz); default: pkg/extract/testdata/zyte found from the working directory up")
	cpu := fs.Int("cpu", 1, "GOMAXPROCS while extracting (pages are extracted one at a time either way)")
	only := fs.String("only", "", "run only extractors whose name contains this")
	nboot := fs.Int("bootstrap", 1000, "bootstrap resamples for the ± columns (0: none)")
	worst := fs.Int("worst", 0, "list the N pages with the lowest F1 for each extractor")
	dump := fs.String("dump", "", "write each extractor's output per page into this directory")
	rounds := fs.Int("rounds", 1, "time each extractor this many times and keep its fastest round (steadier on a busy machine)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir := *data
	if dir == "" {
		var err error
		if dir, err = findData(); err != nil {
			return err
		}
	}
	cases, err := evalmetric.Load(dir)
	if err != nil {
		return err
	}
	runtime.GOMAXPROCS(*cpu)

	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "extractor\tF1\tprecision\trecall\taccuracy\tpages/s\tpages/cpu-s\terrors\t\n")
	type worstPage struct {
		id  string
		f1  float64
		p   evalmetric.Page
		url string
	}
	var reports []string
	for _, ex := range extractors {
		if *only != "" && !strings.Contains(ex.name, *only) {
			continue
		}
		pages := make([]evalmetric.Page, len(cases))
		outs := make([]string, len(cases))
		errs := 0
		var elapsed, cpuUsed time.Duration
		for r := 0; r < max(1, *rounds); r++ {
			runtime.GC()
			cpu0 := cpuTime()
			start := time.Now()
			errs = 0
			for i, c := range cases {
				out, err := ex.run(c.HTML, c.URL)
				if err != nil {
					errs++
				}
				outs[i] = out
			}
			if e := time.Since(start); r == 0 || e < elapsed {
				elapsed = e
			}
			if u := cpuTime() - cpu0; r == 0 || u < cpuUsed {
				cpuUsed = u
			}
		}
		var ws []worstPage
		for i, c := range cases {
			pages[i] = evalmetric.Score(c.Truth, outs[i])
			p, r := pages[i].Precision(), pages[i].Recall()
			f := 0.0
			if p+r > 0 {
				f = 2 * p * r / (p + r)
			}
			ws = append(ws, worstPage{c.ID, f, pages[i], c.URL})
			if *dump != "" {
				d := filepath.Join(*dump, ex.name)
				if err := os.MkdirAll(d, 0o755); err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(d, c.ID+".txt"), []byte(outs[i]), 0o644); err != nil {
					return err
				}
			}
		}
		s := evalmetric.Bootstrap(pages, *nboot, 1)
		fmt.Fprintf(tw, "%s\t%.3f ± %.3f\t%.3f ± %.3f\t%.3f ± %.3f\t%.3f ± %.3f\t%.1f\t%.1f\t%d\t\n",
			ex.name, s.F1, s.F1CI, s.Precision, s.PrecisionCI, s.Recall, s.RecallCI,
			s.Accuracy, s.AccuracyCI, float64(len(cases))/elapsed.Seconds(),
			float64(len(cases))/cpuUsed.Seconds(), errs)
		if *worst > 0 {
			sort.Slice(ws, func(i, j int) bool { return ws[i].f1 < ws[j].f1 })
			var b strings.Builder
			fmt.Fprintf(&b, "worst pages for %s:\n", ex.name)
			for _, w := range ws[:min(*worst, len(ws))] {
				fmt.Fprintf(&b, "  %.3f P=%.3f R=%.3f %s %s\n", w.f1, w.p.Precision(), w.p.Recall(), w.id[:12], w.url)
			}
			reports = append(reports, b.String())
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d pages, GOMAXPROCS=%d, ± is 1.96 sd over %d bootstrap resamples;\n", len(cases), *cpu, *nboot)
	fmt.Fprintf(stdout, "pages/s is wall time, pages/cpu-s divides by the process's CPU time (steadier on a shared machine); best of %d round(s)\n", max(1, *rounds))
	for _, r := range reports {
		fmt.Fprint(stdout, "\n", r)
	}
	return nil
}

// findData looks for pkg/extract/testdata/zyte from the working directory up.
func findData() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding benchmark data: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "pkg", "extract", "testdata", "zyte")
		if _, err := os.Stat(filepath.Join(p, "ground-truth.json")); err == nil {
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("finding benchmark data: no pkg/extract/testdata/zyte above %s; pass -data", wd)
		}
	}
}

// cpuTime is the CPU time (user + system) the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
