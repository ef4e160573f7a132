package fetch_test

import (
	"testing"

	"github.com/newsmill/newsmill/pkg/fetch"
	"github.com/newsmill/newsmill/pkg/fetch/seentest"
)

func TestMemorySeen(t *testing.T) {
	t.Parallel()
	seentest.Run(t, func(*testing.T) fetch.SeenSet { return fetch.NewMemorySeen(nil) })
}
