package bleveindex

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics of the writer. All methods are no-ops on a nil *metrics.
type metrics struct {
	docs      *prometheus.CounterVec
	batches   *prometheus.CounterVec
	duration  prometheus.Histogram
	batchSize prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &metrics{
		docs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_bleve_documents_total",
			Help: "Documents handed to the Bleve index, by result: indexed, stale (an older ingested_at than the indexed version; skipped), failed.",
		}, []string{"result"}),
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_bleve_batches_total",
			Help: "Bleve batches committed, by result: ok or error.",
		}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsflow_bleve_batch_duration_seconds",
			Help:    "Time to build and commit (persist) one Bleve batch.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsflow_bleve_batch_documents",
			Help:    "Documents per Bleve batch.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11),
		}),
	}
	for _, c := range []prometheus.Collector{m.docs, m.batches, m.duration, m.batchSize} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) observeBatch(d time.Duration, n int) {
	if m == nil {
		return
	}
	m.duration.Observe(d.Seconds())
	m.batchSize.Observe(float64(n))
}

func (m *metrics) count(indexed, stale, failed int, batchErr bool) {
	if m == nil {
		return
	}
	if batchErr {
		m.docs.WithLabelValues("failed").Add(float64(indexed + failed))
		m.batches.WithLabelValues("error").Inc()
	} else {
		m.docs.WithLabelValues("indexed").Add(float64(indexed))
		m.docs.WithLabelValues("failed").Add(float64(failed))
		m.batches.WithLabelValues("ok").Inc()
	}
	m.docs.WithLabelValues("stale").Add(float64(stale))
}
