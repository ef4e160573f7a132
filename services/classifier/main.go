// Command classifier is newsmill's classifier service: it reads unique
// articles from news.unique.>, sets language, IPTC topics and entities, and
// publishes each on news.articles.<lang>.<topic>. Configuration: flags or
// NEWSMILL_* variables (-h lists them).
package main

import (
	"context"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/config"
	"github.com/newsmill/newsmill/pkg/natsbus"
	"github.com/newsmill/newsmill/pkg/stage"
	"github.com/newsmill/newsmill/services/internal/daemon"
	"github.com/newsmill/newsmill/services/internal/wire"
)

func main() { wire.Main("classifier", run) }

func run(ctx context.Context, args []string) error {
	cfg := wire.DefaultStageService(article.StageClassifier)
	if err := config.Load("classifier", args, &cfg); err != nil {
		return err
	}
	return wire.RunStageService(ctx, article.StageClassifier, cfg,
		func(context.Context, *daemon.Deps, *natsbus.Bus) (stage.HandlerFunc, func() error, error) {
			return wire.ClassifierHandler()
		})
}
