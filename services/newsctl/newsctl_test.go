package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsmill/newsmill/pkg/samples"
)

// seedDir writes the sample pages into a temporary folder.
func seedDir(t *testing.T) (string, []samples.Seed) {
	t.Helper()
	seeds, err := samples.Seeds()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, s := range seeds {
		if err := os.WriteFile(filepath.Join(dir, s.Name), s.Body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, seeds
}

func runCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	err := run(ctx, args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestIngestSeeds(t *testing.T) {
	dir, seeds := seedDir(t)
	// A file that cannot become an article: it is reported, not lost.
	empty := filepath.Join(dir, "zz_empty.txt")
	if err := os.WriteFile(empty, []byte("Sign In\nXem\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := runCmd(t, "ingest", "-redis", "", dir)
	if err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr)
	}
	got := map[string]Result{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad line %q: %v", sc.Text(), err)
		}
		got[filepath.Base(r.Input)] = r
	}
	if len(got) != len(seeds)+1 {
		t.Fatalf("got %d results, want %d:\n%s", len(got), len(seeds)+1, out)
	}
	for _, s := range seeds {
		r := got[s.Name]
		if r.Status != StatusArticle || r.Article == nil {
			t.Errorf("%s: status %q reason %q", s.Name, r.Status, r.Reason)
			continue
		}
		if r.Article.Language != s.Expect.Language {
			t.Errorf("%s: language %q, want %q", s.Name, r.Article.Language, s.Expect.Language)
		}
		if !strings.HasPrefix(r.Article.Text, s.Expect.BodyStarts) {
			t.Errorf("%s: body starts %q", s.Name, r.Article.Text[:min(80, len(r.Article.Text))])
		}
	}
	if r := got["zz_empty.txt"]; r.Status != StatusDeadLetter || r.Reason != "empty_body" || r.Stage != "cleaner" {
		t.Errorf("empty page: %+v, want a cleaner dead letter with reason empty_body", r)
	}
}

func TestIngestReportsMissingInput(t *testing.T) {
	_, _, err := runCmd(t, "ingest", filepath.Join(t.TempDir(), "nope.txt"))
	if err == nil || !strings.Contains(err.Error(), "nope.txt") {
		t.Errorf("err = %v, want one naming the missing file", err)
	}
}

func TestUpPrintsTheSamples(t *testing.T) {
	out, stderr, err := runCmd(t, "up", "-data", t.TempDir(), "-listen", "127.0.0.1:0", "-redis", "", "-exit-after", "5")
	if err != nil {
		t.Fatalf("up: %v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("printed %d lines, want 5:\n%s", len(lines), out)
	}
	for _, want := range []string{"Thúc đẩy Hướng dẫn ASEAN", "Training Workshop on ASEAN Guideline", "SLOM-WG -14"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr, "dedup store: jetstream-kv") {
		t.Errorf("banner does not name the store:\n%s", stderr)
	}
}

func TestCleanExplain(t *testing.T) {
	dir, _ := seedDir(t)
	out, stderr, err := runCmd(t, "clean", "-explain", filepath.Join(dir, "002_7fbd620a61ea508f.txt"))
	if err != nil {
		t.Fatalf("clean: %v\n%s", err, stderr)
	}
	for _, want := range []string{"title:       Cuộc họp của nhóm công tác", "published:   2021-11-10", "-- removed", "Skip Ribbon Commands", "223.jpg"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	_, stderr, err := runCmd(t, "frobnicate")
	if err == nil || !strings.Contains(stderr, "usage: newsctl") {
		t.Errorf("err = %v, stderr %q", err, stderr)
	}
}
