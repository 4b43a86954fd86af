package stage

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Results a message can end with, as the "result" label of
// newsflow_<stage>_messages_total.
const (
	ResultOK    = "ok"    // processed, output published, acked
	ResultRetry = "retry" // retryable failure, nak with delay
	ResultDead  = "dead"  // dead-lettered, then terminated
)

// metrics are one stage's Prometheus series plus plain counters for the
// end-of-run summary.
type metrics struct {
	messages *prometheus.CounterVec
	// results are messages' series by result, looked up once.
	results  map[string]prometheus.Counter
	duration prometheus.Histogram
	inFlight prometheus.Gauge

	in, out, duplicates, retried, dead atomic.Uint64
	busy                               atomic.Int64 // nanoseconds
}

func newMetrics(reg prometheus.Registerer, stage string) (*metrics, error) {
	m := &metrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_" + stage + "_messages_total",
			Help: "Messages handled by the " + stage + " stage, by result (ok, retry, dead).",
		}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsflow_" + stage + "_duration_seconds",
			Help:    "Time from delivery to acknowledgement in the " + stage + " stage.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "newsflow_" + stage + "_in_flight",
			Help: "Messages the " + stage + " stage is processing now.",
		}),
	}
	for _, c := range []prometheus.Collector{m.messages, m.duration, m.inFlight} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	m.results = map[string]prometheus.Counter{}
	for _, r := range []string{ResultOK, ResultRetry, ResultDead} {
		m.results[r] = m.messages.WithLabelValues(r) // exposes zeros too
	}
	return m, nil
}

// Stats are a stage's counts since it started in this process.
type Stats struct {
	// In counts deliveries, redeliveries included.
	In uint64
	// Out counts documents published downstream (or stored, for a sink).
	Out uint64
	// Duplicates counts outputs flagged as a copy of another article.
	Duplicates uint64
	// Retried counts naks with delay.
	Retried uint64
	// Dead counts messages dead-lettered.
	Dead uint64
	// Busy is the time spent handling messages, summed over workers.
	Busy time.Duration
}

func (m *metrics) stats() Stats {
	return Stats{
		In:         m.in.Load(),
		Out:        m.out.Load(),
		Duplicates: m.duplicates.Load(),
		Retried:    m.retried.Load(),
		Dead:       m.dead.Load(),
		Busy:       time.Duration(m.busy.Load()),
	}
}
