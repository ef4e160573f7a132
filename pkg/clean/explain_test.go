package clean

import (
	"context"
	"testing"
	"time"

	"github.com/newsmill/newsmill/pkg/article"
)

func TestExplain(t *testing.T) {
	t.Parallel()
	c := New(Options{})
	out, err := c.Clean(context.Background(), Input{Text: "Sign In\nCouncil approves budget\n19/05/2021\n" + body + "\nTheo TTXVN"})
	if err != nil {
		t.Fatal(err)
	}
	want := "title:\tCouncil approves budget\n" +
		"published:\t2021-05-19T00:00:00Z\n" +
		"attribution:\tTTXVN\n" +
		"removed:\t4\n" +
		"  chrome\tSign In\n" +
		"  attribution\tTheo TTXVN\n" +
		"  dateline\t19/05/2021\n" +
		"  title\tCouncil approves budget\n"
	if got := out.Explain(); got != want {
		t.Errorf("Explain() =\n%s\nwant\n%s", got, want)
	}
}

func TestApplyByline(t *testing.T) {
	t.Parallel()
	a := article.Article{}
	Output{Byline: "Jane Doe"}.Apply(&a)
	if a.Byline != "Jane Doe" {
		t.Errorf("byline = %q, want the text's", a.Byline)
	}
	a = article.Article{Byline: "From metadata"}
	Output{Byline: "Jane Doe"}.Apply(&a)
	if a.Byline != "From metadata" {
		t.Errorf("byline = %q, want the metadata's kept", a.Byline)
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	meta := time.Date(2021, 5, 19, 8, 30, 0, 0, time.UTC)
	line := time.Date(2021, 5, 19, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		published *time.Time
		out       Output
		want      article.Article
	}{
		{name: "fields found in the text",
			out:  Output{Title: "T", Text: "x", PublishedAt: &line, Attribution: "A", SourceURL: "https://e.org/a", Removed: []article.Removal{{Rule: RuleChrome, Text: "Menu"}}},
			want: article.Article{Title: "T", Text: "x", PublishedAt: &line, Attribution: "A", SourceURL: "https://e.org/a", Removed: []article.Removal{{Rule: RuleChrome, Text: "Menu"}}}},
		{name: "metadata date wins", published: &meta,
			out:  Output{Text: "x", PublishedAt: &line},
			want: article.Article{Title: "old", Text: "x", PublishedAt: &meta}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := article.Article{Title: "old", PublishedAt: tt.published}
			tt.out.Apply(&a)
			if a.Title != tt.want.Title || a.Text != tt.want.Text || !a.PublishedAt.Equal(*tt.want.PublishedAt) ||
				a.Attribution != tt.want.Attribution || a.SourceURL != tt.want.SourceURL || len(a.Removed) != len(tt.want.Removed) {
				t.Errorf("Apply gave %+v, want %+v", a, tt.want)
			}
		})
	}
}
