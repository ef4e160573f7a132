package fetch

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestCollector(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	f, _, _ := newTestFetcher(t, s)
	if _, err := f.Poll(t.Context(), Source{ID: "m", Kind: KindPage, URL: s.URL + "/fault/404", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Poll(t.Context(), Source{ID: "bad", Kind: KindRSS, URL: s.URL + "/fault/malformed.xml", Enabled: true}); err == nil {
		t.Fatal("malformed feed accepted")
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(f.Collector())
	want := `
# HELP newsmill_fetch_articles_updated_total Raw articles published again per source because their listing showed them changed.
# TYPE newsmill_fetch_articles_updated_total counter
newsmill_fetch_articles_updated_total{source="bad"} 0
newsmill_fetch_articles_updated_total{source="m"} 0
# HELP newsmill_fetch_consecutive_failures Failed polls of a source since its last success.
# TYPE newsmill_fetch_consecutive_failures gauge
newsmill_fetch_consecutive_failures{source="bad"} 1
newsmill_fetch_consecutive_failures{source="m"} 0
# HELP newsmill_fetch_pages_failed_total Article pages or files that failed or were refused, by reason.
# TYPE newsmill_fetch_pages_failed_total counter
newsmill_fetch_pages_failed_total{reason="status_404",source="m"} 1
# HELP newsmill_fetch_requests_total HTTP requests per source by status code or failure reason.
# TYPE newsmill_fetch_requests_total counter
newsmill_fetch_requests_total{result="200",source="bad"} 1
newsmill_fetch_requests_total{result="404",source="m"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"newsmill_fetch_articles_updated_total", "newsmill_fetch_consecutive_failures", "newsmill_fetch_pages_failed_total", "newsmill_fetch_requests_total"); err != nil {
		t.Error(err)
	}
}
