package stage

import (
	"errors"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Results a message can end with, as the "result" label of
// newsflow_messages_total.
const (
	ResultOK    = "ok"    // processed, output published, acked
	ResultRetry = "retry" // retryable failure, nak with delay
	ResultDead  = "dead"  // dead-lettered, then terminated
)

// metrics are one stage's Prometheus series plus plain counters for the
// end-of-run summary. The series are children of families shared by every
// stage of a process, told apart by their "stage" label:
//
//	newsflow_messages_total{stage,result}        messages by outcome (ok, retry, dead)
//	newsflow_message_duration_seconds{stage}     delivery-to-ack time
//	newsflow_messages_in_flight{stage}           messages being processed now
//	newsflow_outputs_already_stored_total{stage} first deliveries whose output JetStream already held
type metrics struct {
	// results are messages' series by result, looked up once.
	results  map[string]prometheus.Counter
	duration prometheus.Observer
	inFlight prometheus.Gauge
	stored   prometheus.Counter // newsflow_outputs_already_stored_total

	in, out, duplicates, retried, dead, alreadyStored atomic.Uint64
	busy                                              atomic.Int64 // nanoseconds
	// held is newsflow_messages_in_flight's value, for the shutdown's
	// count of unfinished messages.
	held atomic.Int64
}

func newMetrics(reg prometheus.Registerer, stage string) (*metrics, error) {
	messages, err := registerOrReuse(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_messages_total",
		Help: "Messages handled by each stage, by result (ok, retry, dead).",
	}, []string{"stage", "result"}))
	if err != nil {
		return nil, err
	}
	duration, err := registerOrReuse(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "newsflow_message_duration_seconds",
		Help:    "Time from delivery to acknowledgement, by stage.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"stage"}))
	if err != nil {
		return nil, err
	}
	inFlight, err := registerOrReuse(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "newsflow_messages_in_flight",
		Help: "Messages each stage is processing now.",
	}, []string{"stage"}))
	if err != nil {
		return nil, err
	}
	stored, err := registerOrReuse(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "newsflow_outputs_already_stored_total",
		Help: "Messages delivered for the first time whose output JetStream already held under the same message id (another input made the same document), so it was not stored again.",
	}, []string{"stage"}))
	if err != nil {
		return nil, err
	}
	m := &metrics{
		results:  map[string]prometheus.Counter{},
		duration: duration.WithLabelValues(stage),
		inFlight: inFlight.WithLabelValues(stage),
		stored:   stored.WithLabelValues(stage),
	}
	for _, r := range []string{ResultOK, ResultRetry, ResultDead} {
		m.results[r] = messages.WithLabelValues(stage, r) // exposes zeros too
	}
	return m, nil
}

// registerOrReuse registers c, or returns the collector of the same
// family that another stage of the process registered first.
func registerOrReuse[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		if existing, ok := already.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

// BuildInfo is newsflow_build_info{version,go_version}, always 1: join on
// it to see which release each instance runs.
func BuildInfo(version string) prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "newsflow_build_info",
		Help: "Always 1; its labels say which newsflow version and Go release the process runs.",
	}, []string{"version", "go_version"})
	g.WithLabelValues(version, runtime.Version()).Set(1)
	return g
}

// Stats are a stage's counts since it started in this process.
type Stats struct {
	// In counts deliveries, redeliveries included.
	In uint64
	// Out counts documents published downstream (or stored, for a sink).
	Out uint64
	// AlreadyStored counts messages, delivered for the first time, whose
	// output JetStream already held under the same message id: another
	// input made the same document (ingest's cleanup can make one of two
	// raw articles), so nothing new went downstream. Not in Out.
	AlreadyStored uint64
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
		In:            m.in.Load(),
		Out:           m.out.Load(),
		AlreadyStored: m.alreadyStored.Load(),
		Duplicates:    m.duplicates.Load(),
		Retried:       m.retried.Load(),
		Dead:          m.dead.Load(),
		Busy:          time.Duration(m.busy.Load()),
	}
}
