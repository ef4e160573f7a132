package redisstore_test

import (
	"testing"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/samples"
)

func seedArticles(t testing.TB) []*article.Article {
	t.Helper()
	seeds, err := samples.Seeds()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*article.Article, 0, len(seeds))
	for _, s := range seeds {
		a := article.New(article.ContentID(s.Body), "seeds")
		a.Text = string(s.Body)
		out = append(out, a)
	}
	return out
}
