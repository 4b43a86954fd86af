package intake

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the intake's Prometheus metrics:
//
//	newsflow_intake_articles_total{source,result}   source http or file; result accepted (stored),
//	                                                duplicate (already stored within the duplicate
//	                                                window), rejected (invalid) or unavailable (503/retry)
//	newsflow_intake_requests_total{code}            HTTP requests by status code
//	newsflow_intake_publish_duration_seconds        time to a JetStream acknowledgement
//
// A nil *Metrics records nothing.
type Metrics struct {
	articles *prometheus.CounterVec
	requests *prometheus.CounterVec
	publish  prometheus.Histogram
}

// NewMetrics creates the metrics and registers them with reg, when not nil.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		articles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_intake_articles_total",
			Help: "Articles received by the intake, by source (http, file) and result (accepted, duplicate, rejected, unavailable).",
		}, []string{"source", "result"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_intake_requests_total",
			Help: "HTTP intake requests by status code.",
		}, []string{"code"}),
		publish: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsflow_intake_publish_duration_seconds",
			Help:    "Time from publishing an article to its JetStream acknowledgement.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
		}),
	}
	if reg != nil {
		reg.MustRegister(m.articles, m.requests, m.publish)
	}
	return m
}

// Sources and results of newsflow_intake_articles_total.
const (
	sourceHTTP = "http"
	sourceFile = "file"

	resultAccepted    = "accepted"
	resultDuplicate   = "duplicate"
	resultRejected    = "rejected"
	resultUnavailable = "unavailable"
)

func (m *Metrics) article(source, result string) {
	if m != nil {
		m.articles.WithLabelValues(source, result).Inc()
	}
}

func (m *Metrics) request(code int) {
	if m != nil {
		m.requests.WithLabelValues(strconv.Itoa(code)).Inc()
	}
}

func (m *Metrics) published(seconds float64) {
	if m != nil {
		m.publish.Observe(seconds)
	}
}

// WithMetrics makes p record into m and returns p.
func (p *Publisher) WithMetrics(m *Metrics) *Publisher {
	p.metrics = m
	return p
}

// WithMetrics makes h record into m and returns h. The handler's
// publisher records publish durations only when given m too.
func (h *Handler) WithMetrics(m *Metrics) *Handler {
	h.metrics = m
	return h
}
