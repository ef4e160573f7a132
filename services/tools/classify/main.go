// Command classify trains and evaluates newsmill's classifier models.
//
//	go run ./services/tools/classify train [-corpus DIR] [-out DIR]
//	go run ./services/tools/classify eval [-data DIR] [-lang] [-topics]
//
// train rebuilds pkg/classify/data/lang.model and topic_<language>.model from
// the corpora in pkg/classify/corpus: the same files always give the same
// bytes.
// eval prints per-class precision, recall and F1 with macro-F1, on the
// held-out split of the repository's corpora (rows training never read) and
// on any other labelled JSON Lines file in -data (for example sets whose
// licence forbids committing them); and language accuracy per language.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/newsmill/newsmill/pkg/classify"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "classify:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: classify train|eval [flags]")
	}
	switch args[0] {
	case "train":
		return train(args[1:], out)
	case "eval":
		return eval(args[1:], out)
	}
	return fmt.Errorf("unknown command %q: want train or eval", args[0])
}

func train(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	corpus := fs.String("corpus", "pkg/classify/corpus", "corpus directory")
	dir := fs.String("out", "pkg/classify/data", "model output directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	lang, err := classify.TrainLanguageModel(os.DirFS(*corpus))
	if err != nil {
		return fmt.Errorf("training language model: %w", err)
	}
	topics, err := classify.TrainTopicModels(os.DirFS(*corpus))
	if err != nil {
		return fmt.Errorf("training topic models: %w", err)
	}
	models := map[string][]byte{classify.LanguageModelFile: lang}
	for l, data := range topics {
		models[classify.TopicModelFile(l)] = data
	}
	for _, name := range sortedKeys(models) {
		data := models[name]
		p := filepath.Join(*dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return fmt.Errorf("writing model: %w", err)
		}
		fmt.Fprintf(out, "wrote %s (%d bytes)\n", p, len(data))
	}
	return nil
}

func eval(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	corpus := fs.String("corpus", "pkg/classify/corpus", "corpus directory (its held-out split is evaluated)")
	data := fs.String("data", "", "directory of further labelled JSON Lines files (topics_*.jsonl, langid_*.jsonl), evaluated whole")
	verbose := fs.Bool("v", false, "print each misclassified row")
	titles := fs.Bool("titles", true, "pass each row's first line (or first sentence) as the title, as the pipeline does")
	models := fs.String("models", "", "directory with taxonomy.yaml, entities.yaml and model files to use instead of the built-in ones (missing files: built-in)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	load := classify.New
	if *models != "" {
		load = func() (*classify.Classifier, error) { return classify.NewFromFS(os.DirFS(*models)) }
	}
	c, err := load()
	if err != nil {
		return fmt.Errorf("loading classifier: %w", err)
	}
	type set struct {
		name    string
		path    string
		heldOut bool
	}
	sets := []set{{"held-out " + classify.LanguageCorpus, filepath.Join(*corpus, classify.LanguageCorpus), true}}
	inRepo := map[string]bool{classify.LanguageCorpus: true}
	topicFiles, err := filepath.Glob(filepath.Join(*corpus, classify.TopicCorpora))
	if err != nil {
		return fmt.Errorf("listing corpus: %w", err)
	}
	for _, f := range topicFiles {
		sets = append(sets, set{"held-out " + filepath.Base(f), f, true})
		inRepo[filepath.Base(f)] = true
	}
	if *data != "" {
		files, err := filepath.Glob(filepath.Join(*data, "*.jsonl"))
		if err != nil {
			return fmt.Errorf("listing data: %w", err)
		}
		for _, f := range files {
			base := filepath.Base(f)
			if inRepo[base] {
				continue // in the repository: only its held-out split is unseen
			}
			sets = append(sets, set{base, f, false})
		}
	}
	defer printMemory(out)
	for _, s := range sets {
		raw, err := os.ReadFile(s.path)
		if err != nil {
			return fmt.Errorf("reading %s: %w", s.name, err)
		}
		rows, err := classify.ReadRows(raw)
		if err != nil {
			return fmt.Errorf("reading %s: %w", s.name, err)
		}
		if s.heldOut {
			rows = slices.DeleteFunc(rows, func(r classify.Row) bool { return !classify.HeldOut(r.ID) })
		}
		if strings.Contains(filepath.Base(s.path), "langid") {
			evalLang(out, s.name, rows, *verbose)
		} else {
			evalTopics(out, c, s.name, rows, *verbose, *titles)
		}
	}
	return nil
}

// printMemory reports the process's peak and current resident memory where
// the system tells it (Linux /proc), and the Go heap in use.
func printMemory(out io.Writer) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(out, "\n== memory: Go heap in use %.1f MiB", float64(ms.HeapInuse)/(1<<20))
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(line, "VmHWM:") || strings.HasPrefix(line, "VmRSS:") {
				fmt.Fprintf(out, "; %s", strings.Join(strings.Fields(line), " "))
			}
		}
	}
	fmt.Fprintln(out)
}

func evalLang(out io.Writer, name string, rows []classify.Row, verbose bool) {
	evalLangSet(out, name+", one sentence each", rows, verbose)
	// Long texts: five sentences of the same language joined, in file order.
	var long []classify.Row
	byLang := map[string][]string{}
	for _, r := range rows {
		byLang[r.Lang] = append(byLang[r.Lang], r.Text)
		if n := len(byLang[r.Lang]); n == 5 {
			long = append(long, classify.Row{ID: r.ID, Lang: r.Lang, Text: strings.Join(byLang[r.Lang], " ")})
			byLang[r.Lang] = nil
		}
	}
	evalLangSet(out, name+", five sentences joined", long, verbose)
}

func evalLangSet(out io.Writer, name string, rows []classify.Row, verbose bool) {
	if len(rows) == 0 {
		return
	}
	conf := newConfusion()
	classify.DetectLanguage("load the model before timing")
	start := time.Now()
	for _, r := range rows {
		got, _ := classify.DetectLanguage(r.Text)
		conf.add(r.Lang, got)
		if verbose && got != r.Lang {
			fmt.Fprintf(out, "  %s: want %s got %s: %.80s\n", r.ID, r.Lang, got, r.Text)
		}
	}
	took := time.Since(start)
	fmt.Fprintf(out, "\n== language: %s (%d texts, %.3f ms/text)\n", name, len(rows), float64(took.Microseconds())/1000/float64(max(1, len(rows))))
	conf.print(out)
}

// cutTitle splits a labelled row's text into the title and the body, as the
// pipeline hands them to the classifier: the first line when there are
// several, else the first sentence when it ends with ". " (the "title.
// description" rows of news-topic sets).
func cutTitle(text string) (string, string) {
	if t, b, ok := strings.Cut(text, "\n"); ok {
		return t, b
	}
	if t, b, ok := strings.Cut(text, ". "); ok && len(t) < 200 {
		return t, b
	}
	return "", text
}

func evalTopics(out io.Writer, c *classify.Classifier, name string, rows []classify.Row, verbose, splitTitle bool) {
	byLang := map[string]*confusion{}
	top3 := map[string][2]int{}
	for _, r := range rows {
		title, body := "", r.Text
		if splitTitle {
			title, body = cutTitle(r.Text)
		}
		res := c.Classify(title, body, r.Lang)
		got := res.TopTopic()
		// A prediction the labels accept as an alternative counts as right.
		if len(r.Alt) == 0 {
			r.Alt = impliedAlt[r.Topic]
		}
		// counts as a hit for the row's label.
		want := r.Topic
		if got != want && slices.Contains(r.Alt, got) {
			got = want
		}
		cm := byLang[r.Lang]
		if cm == nil {
			cm = newConfusion()
			byLang[r.Lang] = cm
		}
		cm.add(want, got)
		t := top3[r.Lang]
		t[1]++
		for i, tp := range res.Topics {
			if i < 3 && (tp.Name == r.Topic || slices.Contains(r.Alt, tp.Name)) {
				t[0]++
				break
			}
		}
		top3[r.Lang] = t
		if verbose && got != want {
			fmt.Fprintf(out, "  %s: want %s got %s: %.150s\n", r.ID, want, got, r.Text)
		}
	}
	for _, lang := range sortedKeys(byLang) {
		fmt.Fprintf(out, "\n== topics %s: %s (%d texts; label in top 3: %.1f %%)\n", lang, name, byLang[lang].n, 100*float64(top3[lang][0])/float64(top3[lang][1]))
		byLang[lang].print(out)
	}
}

// impliedAlt are the alternatives accepted for labelled rows that list none:
// a publisher's "World" section (labelled politics) also runs conflict and
// disaster news, which the datasets' READMEs accept.
var impliedAlt = map[string][]string{
	"politics": {"conflict, war and peace", "disaster, accident and emergency incident"},
}

type confusion struct {
	n      int
	counts map[[2]string]int
}

func newConfusion() *confusion { return &confusion{counts: map[[2]string]int{}} }

func (c *confusion) add(want, got string) {
	c.n++
	c.counts[[2]string{want, got}]++
}

// print writes per-class precision, recall, F1 and support, then accuracy
// and the macro-F1 over the classes that occur in the labels.
func (c *confusion) print(out io.Writer) {
	tp, fp, fn, support := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	for k, v := range c.counts {
		want, got := k[0], k[1]
		support[want] += v
		if want == got {
			tp[want] += v
		} else {
			fp[got] += v
			fn[want] += v
		}
	}
	fmt.Fprintf(out, "%-42s %9s %9s %9s %7s\n", "class", "precision", "recall", "F1", "support")
	var sumF1 float64
	correct := 0
	for _, cl := range sortedKeys(support) {
		p := ratio(tp[cl], tp[cl]+fp[cl])
		r := ratio(tp[cl], tp[cl]+fn[cl])
		f1 := 0.0
		if p+r > 0 {
			f1 = 2 * p * r / (p + r)
		}
		sumF1 += f1
		correct += tp[cl]
		fmt.Fprintf(out, "%-42s %9.3f %9.3f %9.3f %7d\n", cl, p, r, f1, support[cl])
	}
	var extra []string
	for _, cl := range sortedKeys(fp) {
		if support[cl] == 0 {
			extra = append(extra, fmt.Sprintf("%s×%d", cl, fp[cl]))
		}
	}
	if len(extra) > 0 {
		fmt.Fprintf(out, "predicted outside the labels: %s\n", strings.Join(extra, ", "))
	}
	fmt.Fprintf(out, "accuracy %.3f  macro-F1 %.3f\n", ratio(correct, c.n), sumF1/float64(max(1, len(support))))
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
