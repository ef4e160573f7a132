package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCutTitle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, title, body string
	}{
		{name: "first line", text: "Tiêu đề\nNội dung bài.", title: "Tiêu đề", body: "Nội dung bài."},
		{name: "first sentence", text: "Shares fall. Stocks dropped on Monday.", title: "Shares fall", body: "Stocks dropped on Monday."},
		{name: "one sentence", text: "Just one sentence", title: "", body: "Just one sentence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			title, body := cutTitle(tt.text)
			if title != tt.title || body != tt.body {
				t.Errorf("cutTitle(%q) = %q, %q; want %q, %q", tt.text, title, body, tt.title, tt.body)
			}
		})
	}
}

func TestConfusionPrint(t *testing.T) {
	t.Parallel()
	c := newConfusion()
	for _, p := range [][2]string{{"a", "a"}, {"a", "b"}, {"b", "b"}, {"b", "b"}} {
		c.add(p[0], p[1])
	}
	var out bytes.Buffer
	c.print(&out)
	// a: P 1/1, R 1/2, F1 0.667; b: P 2/3, R 2/2, F1 0.8; macro 0.733.
	for _, want := range []string{"a                                              1.000     0.500     0.667       2", "accuracy 0.750  macro-F1 0.733"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestEval runs eval on the repository's held-out split and on an extra
// labelled file given with -data.
func TestEval(t *testing.T) {
	t.Parallel()
	corpus := filepath.Join("..", "..", "..", "pkg", "classify", "corpus")
	data := t.TempDir()
	extra := `{"id":"x1","text":"Đội tuyển Việt Nam thắng Thái Lan\nCác cầu thủ ghi hai bàn thắng trong trận đấu tối qua.","iptc":"sport","lang":"vi"}
{"id":"x2","text":"Shares fall. Shares of the company fell on Wall Street after quarterly profit slipped.","iptc":"economy, business and finance","lang":"en"}
`
	if err := os.WriteFile(filepath.Join(data, "topics_extra.jsonl"), []byte(extra), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{"eval", "-corpus", corpus, "-data", data}, &out); err != nil {
		t.Fatalf("eval: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"== language: held-out langid_lingua_sentences.jsonl",
		"== topics vi: held-out topics_vi_vntc.jsonl",
		"== topics en: topics_extra.jsonl (1 texts",
		"== topics vi: topics_extra.jsonl (1 texts",
		"accuracy 1.000  macro-F1 1.000",
		"== memory:",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
	}{
		{name: "no command", args: nil},
		{name: "unknown command", args: []string{"serve"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := run(tt.args, &bytes.Buffer{}); err == nil {
				t.Error("want an error")
			}
		})
	}
}

// TestTrain trains on a tiny corpus and checks both model files are written
// and identical on a second run.
func TestTrain(t *testing.T) {
	t.Parallel()
	corpus := t.TempDir()
	files := map[string]string{
		"langid_lingua_sentences.jsonl": `{"id":"a","text":"Bộ Lao động tổ chức hội thảo","lang":"vi"}
{"id":"b","text":"The ministry hosted a workshop","lang":"en"}
`,
		"lang_words.txt": "ms: kerana\nid: karena\n",
		"topics_vi_vntc.jsonl": `{"id":"c","text":"Đội tuyển thắng trận","iptc":"sport","lang":"vi"}
{"id":"d","text":"Cổ phiếu tăng giá","iptc":"economy, business and finance","lang":"vi"}
`,
		"topics_en_written.jsonl": `{"id":"e","text":"The team won the final","iptc":"sport","lang":"en"}
{"id":"f","text":"Shares rose on strong earnings","iptc":"economy, business and finance","lang":"en"}
`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(corpus, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var models [2]map[string][]byte
	for i := range models {
		dir := t.TempDir()
		if err := run([]string{"train", "-corpus", corpus, "-out", dir}, &bytes.Buffer{}); err != nil {
			t.Fatalf("train: %v", err)
		}
		models[i] = map[string][]byte{}
		for _, name := range []string{"lang.model", "topic_vi.model", "topic_en.model"} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			models[i][name] = b
		}
	}
	for name, b := range models[0] {
		if len(b) == 0 || !bytes.Equal(b, models[1][name]) {
			t.Errorf("%s: empty or not reproducible", name)
		}
	}
}
