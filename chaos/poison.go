package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/indexer/estest"
	"github.com/newsflow/newsflow/services/ingest/intake"
)

// PoisonPerRound is how many poisoned articles a poison round carries,
// spread evenly through it.
const PoisonPerRound = 3

// PoisonMinRatio is the pass criterion of the poison fault: over the
// pairs of rounds, the median of (the others' median latency in the
// control round) / (their median latency in the poison round) must be at
// least this, and likewise for their median hold in the indexer (delivery
// to ack): the poison may not make the others more than about 10 %
// slower to be written or to be acknowledged.
const PoisonMinRatio = 0.9

// Round is one batch of the poison fault: a control round (no poison) or
// a poison round, measured over the articles that are not poison (the
// same positions in both kinds).
type Round struct {
	Poison bool
	// Others is how many non-poison articles the round measured.
	Others int
	// Span is from the first publish to the last of the others reaching
	// Elasticsearch.
	Span time.Duration
	// Latency holds each other article's time from its publish (into
	// articles.raw) to its write reaching Elasticsearch, sorted.
	Latency []time.Duration
	// Hold holds each other article's time in the indexer, from its
	// delivery to its acknowledgement as JetStream measured it (the
	// consumer's ack samples), sorted. An article written at once but
	// acknowledged late, held back by the poison, shows here only.
	Hold []time.Duration
	// CPU is the indexer process's CPU time over Span.
	CPU time.Duration
	// Bulks is how many bulk requests the indexer sent over Span.
	Bulks int
}

// Throughput is the others per second over Span.
func (r Round) Throughput() float64 { return float64(r.Others) / r.Span.Seconds() }

// MedianLatency is the median of Latency.
func (r Round) MedianLatency() time.Duration { return quantile(r.Latency, 0.5) }

// MedianHold is the median of Hold.
func (r Round) MedianHold() time.Duration { return quantile(r.Hold, 0.5) }

// CPUPerArticle is the indexer's CPU time per other article.
func (r Round) CPUPerArticle() time.Duration {
	if r.Others == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Others)
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

// Ratios are a fault's comparisons of the poison round of each pair with
// its control round. For each, 1 means no effect and below 1 means the
// poison slowed the others.
type Ratios struct {
	// Latency is control/poison median latency (publish to written).
	Latency []float64
	// Hold is control/poison median hold (delivery to ack).
	Hold []float64
	// Throughput is poison/control others per second.
	Throughput []float64
	// CPU is control/poison indexer CPU per article.
	CPU []float64
}

// PairRatios compares the rounds, which come in pairs (control and
// poison, in either order within a pair).
func PairRatios(rounds []Round) Ratios {
	var r Ratios
	for i := 0; i+1 < len(rounds); i += 2 {
		c, p := rounds[i], rounds[i+1]
		if c.Poison {
			c, p = p, c
		}
		r.Latency = append(r.Latency, c.MedianLatency().Seconds()/p.MedianLatency().Seconds())
		r.Hold = append(r.Hold, c.MedianHold().Seconds()/p.MedianHold().Seconds())
		r.Throughput = append(r.Throughput, p.Throughput()/c.Throughput())
		if p.CPUPerArticle() > 0 {
			r.CPU = append(r.CPU, float64(c.CPUPerArticle())/float64(p.CPUPerArticle()))
		}
	}
	return r
}

// MedianRatio is the median of rs (the mean of the middle two for an even
// count), or NaN when rs is empty.
func MedianRatio(rs []float64) float64 {
	if len(rs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(rs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// PoisonPositions returns the indexes of the poisoned articles in a round
// of n: PoisonPerRound of them, evenly spread, none at either end.
func PoisonPositions(n int) []int {
	var out []int
	for k := range PoisonPerRound {
		out = append(out, (2*k+1)*n/(2*PoisonPerRound))
	}
	return out
}

// arrivals watches the bulk items reaching the double: it fails the
// poison with a per-item 500 and records when every other id was first written.
type arrivals struct {
	mu     sync.Mutex
	poison map[string]bool
	at     map[string]time.Time
	want   map[string]bool
	done   chan struct{}
}

func (a *arrivals) item(_, id string, _ []byte) *estest.ItemError {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.poison[id] {
		return &estest.ItemError{Status: 500, Type: "illegal_state_exception", Reason: "poison (chaos)"}
	}
	if _, ok := a.at[id]; !ok {
		a.at[id] = time.Now()
	}
	if a.want[id] {
		delete(a.want, id)
		if len(a.want) == 0 {
			close(a.done)
		}
	}
	return nil
}

// expect returns a channel closed once every id has been written.
func (a *arrivals) expect(ids []string, poison []string) <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, id := range poison {
		a.poison[id] = true
	}
	a.want = map[string]bool{}
	for _, id := range ids {
		if _, ok := a.at[id]; !ok {
			a.want[id] = true
		}
	}
	a.done = make(chan struct{})
	if len(a.want) == 0 {
		close(a.done)
	}
	return a.done
}

func (a *arrivals) time(id string) time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.at[id]
}

// ackSampler collects the indexer consumer's ack samples
// ($JS.EVENT.METRIC.CONSUMER.ACK…), which JetStream publishes for every
// acknowledged message once the consumer's SampleFrequency is 100%: each
// carries the stream sequence and the time from delivery to ack.
type ackSampler struct {
	e   *Env
	sub *nats.Subscription

	mu      sync.Mutex
	samples []ackSample
}

type ackSample struct {
	StreamSeq  uint64 `json:"stream_seq"`
	Delay      int64  `json:"ack_time"`
	Deliveries uint64 `json:"deliveries"`
}

// sampleAcks turns on ack sampling for the indexer's consumer and
// subscribes to it. The runtime sets the consumer's configuration again
// when the indexer restarts, which turns sampling off.
func sampleAcks(ctx context.Context, e *Env) (*ackSampler, error) {
	cons, err := e.JS.Consumer(ctx, stage.StreamStoried, stage.NameIndex)
	if err != nil {
		return nil, err
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return nil, err
	}
	s := &ackSampler{e: e}
	s.sub, err = e.NC.Subscribe("$JS.EVENT.METRIC.CONSUMER.ACK."+stage.StreamStoried+"."+stage.NameIndex, func(m *nats.Msg) {
		var a ackSample
		if json.Unmarshal(m.Data, &a) == nil {
			s.mu.Lock()
			s.samples = append(s.samples, a)
			s.mu.Unlock()
		}
	})
	if err != nil {
		return nil, err
	}
	if err := e.NC.Flush(); err != nil {
		s.sub.Unsubscribe()
		return nil, err
	}
	cfg := info.Config
	cfg.SampleFrequency = "100%"
	if _, err := e.JS.UpdateConsumer(ctx, stage.StreamStoried, cfg); err != nil {
		s.sub.Unsubscribe()
		return nil, fmt.Errorf("turn on ack samples: %w", err)
	}
	return s, nil
}

func (s *ackSampler) stop() { _ = s.sub.Unsubscribe() }

// holds waits until every id of want has an ack sample of its first
// delivery and returns their delays, sorted. Samples are matched to ids by
// reading their messages from ARTICLES_STORIED; samples of other ids are
// dropped.
func (s *ackSampler) holds(ctx context.Context, want []string, timeout time.Duration) ([]time.Duration, error) {
	st, err := s.e.JS.Stream(ctx, stage.StreamStoried)
	if err != nil {
		return nil, err
	}
	need := map[string]bool{}
	for _, id := range want {
		need[id] = true
	}
	var out []time.Duration
	deadline := time.Now().Add(timeout)
	for {
		s.mu.Lock()
		batch := s.samples
		s.samples = nil
		s.mu.Unlock()
		for _, a := range batch {
			m, err := st.GetMsg(ctx, a.StreamSeq)
			if err != nil {
				return nil, fmt.Errorf("ack sample of %s seq %d: %w", stage.StreamStoried, a.StreamSeq, err)
			}
			if id := PayloadID(m.Data); need[id] && a.Deliveries == 1 {
				delete(need, id)
				out = append(out, time.Duration(a.Delay))
			}
		}
		if len(need) == 0 {
			slices.Sort(out)
			return out, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%d of %d first-delivery ack samples missing after %s", len(need), len(want), timeout)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Poison is issue 8, fault 4: articles Elasticsearch always answers with
// a retryable per-item 500 must end in articles.dead.indexer with a max-deliveries
// reason, and must not slow the others down.
//
// The indexer is restarted with NEWSFLOW_MAX_DELIVER=3 and
// NEWSFLOW_INDEXER_RETRY_TIMEOUT=1s. Then pairs of rounds run, control
// then poison, poison then control, … (so drift on a shared machine hits
// both kinds alike); a poison round carries PoisonPerRound poisoned
// articles spread through it, and every round settles (the poison
// dead-lettered, every consumer idle) before the next starts. Each round
// is measured over its other articles: their publish-to-Elasticsearch
// latency, their hold in the indexer (delivery to ack, from JetStream's
// ack samples), their throughput and the indexer's CPU time. The fault
// fails when the median over pairs of the latency or the hold ratio is
// below PoisonMinRatio.
func Poison(ctx context.Context, e *Env, o Options) Result {
	pairs, n := max(o.PoisonPairs, 1), max(o.PoisonArticles, 2*PoisonPerRound+1)
	r := Result{Fault: "poison article (always 500)"}
	p := e.Procs[stage.NameIndex]
	normal := p.Env
	restart := func(env []string) error {
		if err := p.Kill(15, 20*time.Second); err != nil {
			return err
		}
		p.Env = env
		return e.Start(ctx, stage.NameIndex)
	}
	if err := restart(append(append([]string{}, normal...), "NEWSFLOW_MAX_DELIVER=3", "NEWSFLOW_INDEXER_RETRY_TIMEOUT=1s")); err != nil {
		r.Err = err
		return r
	}
	defer func() {
		if err := restart(normal); err != nil && r.Err == nil {
			r.Err = err
		}
	}()
	acks, err := sampleAcks(ctx, e)
	if err != nil {
		r.Err = err
		return r
	}
	defer acks.stop()
	a := &arrivals{poison: map[string]bool{}, at: map[string]time.Time{}}
	e.ES.SetFaults(estest.Faults{FailItem: a.item})
	defer e.ES.SetFaults(estest.Faults{})

	start := time.Now()
	var rounds []Round
	var poisonIDs []string
	for k := range pairs {
		order := []bool{false, true}
		if k%2 == 1 {
			order = []bool{true, false}
		}
		for _, poisoned := range order {
			tag := fmt.Sprintf("poison-%d-control", k)
			if poisoned {
				tag = fmt.Sprintf("poison-%d", k)
			}
			round, ids, others, pids, err := poisonRound(ctx, e, a, tag, n, o.PoisonRate, poisoned, o.Settle)
			r.Sent += len(ids)
			c, cerr := e.Ledger.Settle(ctx, ids, o.Settle)
			r.Indexed += c.Indexed
			r.Dead += c.Dead
			r.Lost += c.Lost
			r.Duplicated += c.Duplicated
			if r.FirstDead == "" {
				r.FirstDead = c.FirstDead
			}
			if err == nil {
				err = cerr
			}
			if err == nil {
				round.Hold, err = acks.holds(ctx, others, 10*time.Second)
			}
			if err != nil {
				r.Err = fmt.Errorf("round %s: %w", tag, err)
				r.Took = time.Since(start)
				return r
			}
			rounds = append(rounds, round)
			poisonIDs = append(poisonIDs, pids...)
		}
	}
	r.Took = time.Since(start)
	for _, id := range poisonIDs {
		reasons := e.Ledger.Dead(id)
		if len(reasons) == 0 {
			r.Err = fmt.Errorf("poison %s not dead-lettered", id)
			break
		}
		if !strings.Contains(reasons[0], "max deliveries (3)") {
			r.Err = fmt.Errorf("poison %s dead-lettered with %q, want a max-deliveries reason", id, reasons[0])
			break
		}
	}
	for _, rd := range rounds {
		kind := "control"
		if rd.Poison {
			kind = "poison "
		}
		r.note("%s %d others: latency median %s p90 %s; hold median %s p90 %s; %.0f/s; indexer CPU %s/article; %d bulk requests in %s",
			kind, rd.Others, rd.MedianLatency().Round(time.Millisecond), quantile(rd.Latency, 0.9).Round(time.Millisecond),
			rd.MedianHold().Round(time.Millisecond), quantile(rd.Hold, 0.9).Round(time.Millisecond),
			rd.Throughput(), rd.CPUPerArticle().Round(10*time.Microsecond), rd.Bulks, rd.Span.Round(100*time.Millisecond))
	}
	ra := PairRatios(rounds)
	ml, mh := MedianRatio(ra.Latency), MedianRatio(ra.Hold)
	pace := "published at once"
	if o.PoisonRate > 0 {
		pace = fmt.Sprintf("at %g/s", o.PoisonRate)
	}
	r.note("poison/control over %d pairs of %d articles %s (median of pairs; 1 = no effect, < 1 = others slower): latency %.2f %s, hold %.2f %s, throughput %.2f %s, indexer CPU per article %.2f %s",
		len(ra.Latency), n, pace, ml, fmtRatios(ra.Latency), mh, fmtRatios(ra.Hold),
		MedianRatio(ra.Throughput), fmtRatios(ra.Throughput), MedianRatio(ra.CPU), fmtRatios(ra.CPU))
	if r.Err == nil && !(ml >= PoisonMinRatio && mh >= PoisonMinRatio) {
		r.Err = fmt.Errorf("the others' median latency ratio %.2f or hold ratio %.2f is below %.2f: the poison slows them", ml, mh, PoisonMinRatio)
	}
	return r
}

func fmtRatios(rs []float64) string {
	parts := make([]string, len(rs))
	for i, v := range rs {
		parts[i] = fmt.Sprintf("%.2f", v)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// poisonRound publishes one round at rate articles per second (0: as
// fast as possible) and waits until every other article
// has reached Elasticsearch. It returns the round's measurements (but
// Hold), every id it published, the others' ids and the poison's.
func poisonRound(ctx context.Context, e *Env, a *arrivals, tag string, n int, rate float64, poisoned bool, timeout time.Duration) (round Round, ids, others, poison []string, err error) {
	arts := batch(tag, n)
	skip := map[int]bool{}
	for _, i := range PoisonPositions(n) {
		skip[i] = true
	}
	for i, art := range arts {
		id := intake.ArticleID(art)
		switch {
		case !skip[i]:
			others = append(others, id)
		case poisoned:
			poison = append(poison, id)
		}
	}
	done := a.expect(others, poison)
	round = Round{Poison: poisoned, Others: len(others)}
	cpu0, cpuErr := CPUTime(e.Procs[stage.NameIndex].Pid())
	published := make(map[string]time.Time, n)
	ids = make([]string, 0, n)
	var first time.Time
	for i, art := range arts {
		if rate > 0 && i > 0 {
			due := first.Add(time.Duration(float64(i) / rate * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				select {
				case <-ctx.Done():
					return round, ids, others, poison, ctx.Err()
				case <-time.After(d):
				}
			}
		}
		at := time.Now()
		if first.IsZero() {
			first = at
		}
		var got []string
		got, err = Publish(ctx, e.Pub, []*schema.RawArticle{art}, 0)
		ids = append(ids, got...)
		if err != nil {
			return round, ids, others, poison, err
		}
		published[got[0]] = at
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		return round, ids, others, poison, fmt.Errorf("the others were not all indexed within %s", timeout)
	case <-ctx.Done():
		return round, ids, others, poison, ctx.Err()
	}
	if cpu1, err := CPUTime(e.Procs[stage.NameIndex].Pid()); cpuErr == nil && err == nil {
		round.CPU = cpu1 - cpu0
	}
	var last time.Time
	for _, id := range others {
		at := a.time(id)
		if at.After(last) {
			last = at
		}
		round.Latency = append(round.Latency, at.Sub(published[id]))
	}
	slices.Sort(round.Latency)
	round.Span = last.Sub(first)
	for _, q := range e.Gate.Requests(first) {
		if q.At.After(last) {
			break
		}
		if strings.HasSuffix(q.Path, "/_bulk") {
			round.Bulks++
		}
	}
	return round, ids, others, poison, nil
}
