package pipeline

import (
	"context"
	"strconv"
	"time"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/classify"
	"github.com/newsmill/newsmill/pkg/stage"
)

// Classifier is the classifier stage: unique article → language, topics and
// entities, published on news.articles.<lang>.<topic>.
type Classifier struct {
	// Classify labels; required.
	Classify *classify.Classifier
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Handle implements [stage.HandlerFunc].
func (c *Classifier) Handle(_ context.Context, msg *stage.Message) ([]stage.Output, error) {
	a, err := article.Unmarshal(msg.Data)
	if err != nil {
		return nil, stage.WithReason("bad_json", stage.Permanent(err))
	}
	c.ClassifyArticle(a)
	data, err := a.Marshal()
	if err != nil {
		return nil, stage.WithReason("encode", stage.Permanent(err))
	}
	rev := a.ContentHash + "." + strconv.Itoa(a.Revision)
	return []stage.Output{{
		Subject: article.Articles(a.Language, a.TopTopic()),
		Data:    data,
		MsgID:   article.MsgID(article.StageClassifier, a.ID, rev),
	}}, nil
}

// ClassifyArticle sets a's language, topics and entities.
func (c *Classifier) ClassifyArticle(a *article.Article) classify.Result {
	r := c.Classify.Classify(a.Title, a.Text, a.LanguageHint)
	a.Language, a.Topics, a.Entities = r.Language, r.Topics, r.Entities
	a.Stamp(article.StageClassifier, nowOr(c.Now))
	return r
}
