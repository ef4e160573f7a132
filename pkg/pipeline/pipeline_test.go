package pipeline_test

import (
	"context"
	"strings"
	"testing"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/classify"
	"github.com/newsmill/newsmill/pkg/clean"
	"github.com/newsmill/newsmill/pkg/dedup"
	"github.com/newsmill/newsmill/pkg/pipeline"
	"github.com/newsmill/newsmill/pkg/redisstore"
	"github.com/newsmill/newsmill/pkg/redisstore/redistest"
	"github.com/newsmill/newsmill/pkg/samples"
	"github.com/newsmill/newsmill/pkg/stage"
)

func rawMessage(t *testing.T, id, contentType, body string) *stage.Message {
	t.Helper()
	a := article.New(id, "src")
	raw, err := pipeline.NewRawBody([]byte(body), contentType, "utf-8")
	if err != nil {
		t.Fatal(err)
	}
	a.Raw = raw
	data, err := a.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return &stage.Message{Subject: article.Raw("src"), Data: data, Delivered: 1}
}

func decode(t *testing.T, outs []stage.Output) *article.Article {
	t.Helper()
	if len(outs) != 1 {
		t.Fatalf("got %d outputs, want 1", len(outs))
	}
	a, err := article.Unmarshal(outs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

const page = `<!doctype html><html lang="en"><head><title>Port reopens after storm | Daily News</title></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Port reopens after storm</h1>
<p>The main container port reopened on Tuesday after a storm closed it for three days, officials said.</p>
<p>Shipping lines said the backlog of vessels waiting outside the harbour would take a week to clear.</p>
<p>Dock workers returned to their shifts in the morning and cranes were working again by noon.</p>
</article><footer>Copyright Daily News. All rights reserved.</footer></body></html>`

func TestCleanerHandle(t *testing.T) {
	c := &pipeline.Cleaner{Clean: clean.New(clean.Options{})}
	tests := []struct {
		name        string
		msg         *stage.Message
		wantReason  string
		wantTitle   string
		wantContain string
	}{
		{name: "html page", msg: rawMessage(t, "a1", "text/html; charset=utf-8", page),
			wantTitle: "Port reopens after storm", wantContain: "backlog of vessels"},
		{name: "plain text", msg: rawMessage(t, "a2", "text/plain", "Skip Ribbon Commands\nSign In\n\nA headline here\n\nThe body sentence of the article is here and it is long enough to keep."),
			wantContain: "The body sentence"},
		{name: "html sniffed when undeclared", msg: rawMessage(t, "a3", "", page), wantTitle: "Port reopens after storm"},
		{name: "bad json", msg: &stage.Message{Data: []byte("{"), Delivered: 1}, wantReason: "bad_json"},
		{name: "no raw body", msg: &stage.Message{Data: []byte(`{"schema":"newsmill.article/v1","id":"x","source":"s"}`)}, wantReason: "no_raw_body"},
		{name: "nothing left", msg: rawMessage(t, "a4", "text/plain", "Sign In\nXem"), wantReason: "empty_body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outs, err := c.Handle(context.Background(), tt.msg)
			if tt.wantReason != "" {
				if !stage.IsPermanent(err) || stage.Reason(err) != tt.wantReason {
					t.Fatalf("err = %v (reason %q), want permanent %q", err, stage.Reason(err), tt.wantReason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			a := decode(t, outs)
			if a.Raw != nil {
				t.Error("raw body kept after cleaning")
			}
			if outs[0].Subject != "news.cleaned.src" || !strings.HasPrefix(outs[0].MsgID, "cleaner:"+a.ID+":") {
				t.Errorf("subject %q msg id %q", outs[0].Subject, outs[0].MsgID)
			}
			if tt.wantTitle != "" && a.Title != tt.wantTitle {
				t.Errorf("title %q, want %q", a.Title, tt.wantTitle)
			}
			if !strings.Contains(a.Text, tt.wantContain) {
				t.Errorf("text %q lacks %q", a.Text, tt.wantContain)
			}
			if _, ok := a.Stages[article.StageCleaner]; !ok {
				t.Error("no cleaner timestamp")
			}
			// Same input, same Nats-Msg-Id: a redelivery's republish is dropped.
			again, err := c.Handle(context.Background(), tt.msg)
			if err != nil || again[0].MsgID != outs[0].MsgID {
				t.Errorf("redelivery msg id %q, want %q (err %v)", again[0].MsgID, outs[0].MsgID, err)
			}
		})
	}
}

func cleaned(t *testing.T, id, text string, delivered int) *stage.Message {
	t.Helper()
	a := article.New(id, "src")
	a.Text = text
	data, err := a.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return &stage.Message{Subject: article.Cleaned("src"), Data: data, Delivered: delivered, Sequence: 7}
}

func TestDeduplicatorHandle(t *testing.T) {
	client, prefix := redistest.Client(t)
	d := &pipeline.Deduplicator{Dedup: dedup.New(redisstore.New(client, redisstore.WithPrefix(prefix)), dedup.Options{})}
	story := "The ministry opened a training course on gender equality in labour policy for officials from ten provinces on Monday. " +
		"Participants discussed the guideline adopted by the regional ministers and how to apply it at home."
	other := "Heavy rain flooded the lower districts of the city overnight and schools were closed while crews pumped water from the streets."
	steps := []struct {
		name        string
		msg         *stage.Message
		wantSubject string
		wantVerdict string
		wantDupOf   string
	}{
		{name: "first is original", msg: cleaned(t, "id1", story, 1), wantSubject: "news.unique.src", wantVerdict: pipeline.VerdictOriginal},
		{name: "crash redelivery repeats the decision", msg: cleaned(t, "id1", story, 2), wantSubject: "news.unique.src", wantVerdict: pipeline.VerdictOriginal},
		{name: "re-listing is unchanged", msg: cleaned(t, "id1", story, 1), wantSubject: "news.duplicate.src", wantVerdict: pipeline.VerdictUnchanged, wantDupOf: "id1"},
		{name: "same text elsewhere is a duplicate", msg: cleaned(t, "id2", story, 1), wantSubject: "news.duplicate.src", wantVerdict: pipeline.VerdictDuplicate, wantDupOf: "id1"},
		{name: "another story is original", msg: cleaned(t, "id3", other, 1), wantSubject: "news.unique.src", wantVerdict: pipeline.VerdictOriginal},
	}
	var firstID string
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			outs, err := d.Handle(context.Background(), st.msg)
			if err != nil {
				t.Fatal(err)
			}
			a := decode(t, outs)
			if outs[0].Subject != st.wantSubject || outs[0].Header[pipeline.HeaderVerdict][0] != st.wantVerdict {
				t.Errorf("subject %q verdict %v, want %q %q", outs[0].Subject, outs[0].Header[pipeline.HeaderVerdict], st.wantSubject, st.wantVerdict)
			}
			if a.DuplicateOf != st.wantDupOf {
				t.Errorf("duplicate_of %q, want %q", a.DuplicateOf, st.wantDupOf)
			}
			if a.ContentHash == "" || a.SimHash == "" {
				t.Error("hashes not set")
			}
			if st.name == "first is original" {
				firstID = outs[0].MsgID
			}
			if st.name == "crash redelivery repeats the decision" && outs[0].MsgID != firstID {
				t.Errorf("redelivery msg id %q, want the first %q so the stream drops it", outs[0].MsgID, firstID)
			}
		})
	}
	t.Run("empty text is permanent", func(t *testing.T) {
		_, err := d.Handle(context.Background(), cleaned(t, "id9", "", 1))
		if !stage.IsPermanent(err) {
			t.Errorf("err = %v, want permanent", err)
		}
	})
}

func TestClassifierHandleSeeds(t *testing.T) {
	cl, err := classify.New()
	if err != nil {
		t.Fatal(err)
	}
	c := &pipeline.Classifier{Classify: cl}
	seeds, err := samples.Seeds()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range seeds {
		t.Run(s.Name, func(t *testing.T) {
			a := article.New(article.ContentID(s.Body), "samples")
			a.Text = string(s.Body)
			data, _ := a.Marshal()
			outs, err := c.Handle(context.Background(), &stage.Message{Data: data, Delivered: 1})
			if err != nil {
				t.Fatal(err)
			}
			got := decode(t, outs)
			if got.Language != s.Expect.Language {
				t.Errorf("language %q, want %q", got.Language, s.Expect.Language)
			}
			if want := article.Articles(got.Language, got.TopTopic()); outs[0].Subject != want {
				t.Errorf("subject %q, want %q", outs[0].Subject, want)
			}
		})
	}
}
