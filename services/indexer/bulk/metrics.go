package bulk

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the writer's Prometheus metrics:
//
//	newsflow_indexer_es_items_total{result}        created, updated, conflict, retried,
//	                                               permanent, request_failed, unavailable
//	newsflow_indexer_es_requests_failed_total       whole bulk requests that failed
//	newsflow_indexer_es_index_duration_seconds      time from Index to the item's result
//	newsflow_indexer_es_inflight                    documents held by the writer
//	newsflow_indexer_es_up                          1 while the health gate is open
type Metrics struct {
	items    *prometheus.CounterVec
	requests *prometheus.CounterVec
	duration prometheus.Histogram
	inflight prometheus.Gauge
	up       prometheus.Gauge
}

// NewMetrics creates the metrics and registers them with reg, when not nil.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_indexer_es_items_total",
			Help: "Bulk item outcomes in Elasticsearch, by result.",
		}, []string{"result"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_indexer_es_requests_failed_total",
			Help: "Whole bulk requests that failed (network, timeout or error status).",
		}, []string{"reason"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsflow_indexer_es_index_duration_seconds",
			Help:    "Time from Index to the result of the document's bulk item, retries included.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 1.5, 2, 5, 10, 30},
		}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "newsflow_indexer_es_inflight",
			Help: "Documents currently held by the bulk writer.",
		}),
		up: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "newsflow_indexer_es_up",
			Help: "1 while the writer considers Elasticsearch reachable.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.items, m.requests, m.duration, m.inflight, m.up)
	}
	return m
}
