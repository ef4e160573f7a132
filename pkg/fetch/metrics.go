package fetch

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Collector returns a Prometheus collector of every source's health,
// read from [Fetcher.Health] at scrape time (so it costs nothing between
// scrapes and needs no global state). Register it on the service's
// registry:
//
//	newsmill_fetch_polls_total{source}
//	newsmill_fetch_requests_total{source,result}        result: HTTP status or failure reason
//	newsmill_fetch_pages_failed_total{source,reason}    pages and files refused or failed
//	newsmill_fetch_articles_total{source}               raw articles published
//	newsmill_fetch_articles_updated_total{source}       of which updated pages published again
//	newsmill_fetch_bytes_total{source}                  bytes read (network or disk)
//	newsmill_fetch_consecutive_failures{source}         0 while the source works
//	newsmill_fetch_last_success_timestamp_seconds{source}
//	newsmill_fetch_enabled{source}
func (f *Fetcher) Collector() prometheus.Collector { return healthCollector{f} }

var (
	descPolls    = prometheus.NewDesc("newsmill_fetch_polls_total", "Completed polls per source.", []string{"source"}, nil)
	descRequests = prometheus.NewDesc("newsmill_fetch_requests_total", "HTTP requests per source by status code or failure reason.", []string{"source", "result"}, nil)
	descFailed   = prometheus.NewDesc("newsmill_fetch_pages_failed_total", "Article pages or files that failed or were refused, by reason.", []string{"source", "reason"}, nil)
	descArticles = prometheus.NewDesc("newsmill_fetch_articles_total", "Raw articles published per source.", []string{"source"}, nil)
	descUpdated  = prometheus.NewDesc("newsmill_fetch_articles_updated_total", "Raw articles published again per source because their listing showed them changed.", []string{"source"}, nil)
	descBytes    = prometheus.NewDesc("newsmill_fetch_bytes_total", "Bytes read per source from the network or disk.", []string{"source"}, nil)
	descFailures = prometheus.NewDesc("newsmill_fetch_consecutive_failures", "Failed polls of a source since its last success.", []string{"source"}, nil)
	descSuccess  = prometheus.NewDesc("newsmill_fetch_last_success_timestamp_seconds", "Start of the source's last successful poll (Unix time).", []string{"source"}, nil)
	descEnabled  = prometheus.NewDesc("newsmill_fetch_enabled", "1 when the source is enabled, 0 when paused.", []string{"source"}, nil)
)

type healthCollector struct{ f *Fetcher }

func (c healthCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPolls, descRequests, descFailed, descArticles, descUpdated, descBytes, descFailures, descSuccess, descEnabled} {
		ch <- d
	}
}

func (c healthCollector) Collect(ch chan<- prometheus.Metric) {
	for _, h := range c.f.Health() {
		ch <- prometheus.MustNewConstMetric(descPolls, prometheus.CounterValue, float64(h.Polls), h.ID)
		for k, n := range h.Fetches {
			ch <- prometheus.MustNewConstMetric(descRequests, prometheus.CounterValue, float64(n), h.ID, k)
		}
		for k, n := range h.PagesFailed {
			ch <- prometheus.MustNewConstMetric(descFailed, prometheus.CounterValue, float64(n), h.ID, k)
		}
		ch <- prometheus.MustNewConstMetric(descArticles, prometheus.CounterValue, float64(h.ArticlesFound), h.ID)
		ch <- prometheus.MustNewConstMetric(descUpdated, prometheus.CounterValue, float64(h.ArticlesUpdated), h.ID)
		ch <- prometheus.MustNewConstMetric(descBytes, prometheus.CounterValue, float64(h.Bytes), h.ID)
		ch <- prometheus.MustNewConstMetric(descFailures, prometheus.GaugeValue, float64(h.ConsecutiveFailures), h.ID)
		if !h.LastSuccess.IsZero() {
			ch <- prometheus.MustNewConstMetric(descSuccess, prometheus.GaugeValue, float64(h.LastSuccess.UnixNano())/1e9, h.ID)
		}
		enabled := 0.0
		if h.Enabled {
			enabled = 1
		}
		ch <- prometheus.MustNewConstMetric(descEnabled, prometheus.GaugeValue, enabled, h.ID)
	}
}
