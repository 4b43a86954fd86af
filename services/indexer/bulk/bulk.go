// Package bulk is newsflow's one long-lived Elasticsearch bulk writer per
// process.
//
// Many goroutines call Writer.Index at once, one per in-flight message. Each
// call encodes its article, hands it to a shared esutil.BulkIndexer that
// flushes by size and about every second, and then waits for the result of
// its own bulk item, so that the message is acknowledged only once its own
// document is durable in Elasticsearch:
//
//	item created or updated              -> nil
//	item 409 version_conflict            -> nil (newer or same data is there)
//	item 429 / es_rejected_execution / 5xx -> that item alone is re-added after
//	                                        a backoff, until RetryTimeout or ctx ends;
//	                                        then stage.Unavailable for 429 and 503
//	                                        (the cluster's state: never dead-lettered),
//	                                        a retryable error for other 5xx
//	item 400 mapping or parse error      -> stage.Permanent(ItemError) with
//	                                        Elasticsearch's type and reason
//	whole request failed (network, 5xx)  -> retryable error wrapping
//	                                        ErrRequest; the health gate closes
//
// The health gate is the writer's circuit breaker. When a whole request
// fails, it closes and a single prober pings Elasticsearch until it answers.
// While it is closed, Index queues nothing: it waits for the gate to reopen
// (by default until ctx ends; with DownWait set, it then fails with
// ErrUnavailable). The runtime's in-flight slots fill with waiting calls,
// it stops fetching, and memory stays bounded by MaxInFlight documents
// whatever the length of the outage.
//
// Documents are written with version_type=external and the version from
// schema.Document.Version (ingest time in ms, then the dedupe decision), so
// replays and redeliveries never overwrite newer data and merges do. The client's own retries are disabled: retrying a
// whole bulk request would resend items that already succeeded.
package bulk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esutil"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/indexer/esindex"
)

// ErrUnavailable means Elasticsearch has been unreachable for longer than
// DownWait; the document was not queued and may be retried later.
var ErrUnavailable = errors.New("elasticsearch unavailable")

// ErrRequest means a whole bulk request failed (network error, timeout or
// an error status for the request); the item's fate is unknown and it may
// be retried.
var ErrRequest = errors.New("bulk request failed")

// ErrRejected means Elasticsearch kept rejecting the item (429 or 5xx)
// until RetryTimeout ran out.
var ErrRejected = errors.New("bulk item rejected")

// ErrTimeout means no result arrived for an item in time.
var ErrTimeout = errors.New("bulk item result timed out")

// ErrClosed means Index was called after Close.
var ErrClosed = errors.New("bulk writer closed")

// ItemError is Elasticsearch's error for one bulk item.
type ItemError struct {
	Index  string
	ID     string
	Status int
	Type   string
	Reason string
	// CausedBy is "type: reason" of the root cause, if any.
	CausedBy string
}

func (e *ItemError) Error() string {
	s := fmt.Sprintf("elasticsearch rejected %s in %s: %d %s: %s", e.ID, e.Index, e.Status, e.Type, e.Reason)
	if e.CausedBy != "" {
		s += " (caused by " + e.CausedBy + ")"
	}
	return s
}

// Retryable reports whether the item may succeed if sent again: 429
// rejections, 5xx and index-level unavailability.
func (e *ItemError) Retryable() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500 ||
		e.Type == "es_rejected_execution_exception" || e.Type == "unavailable_shards_exception"
}

// Unavailable reports whether the item was refused for want of capacity
// (429, es_rejected_execution) or of a shard (503, unavailable_shards):
// the cluster's state, not the document's. Other 5xx items (an internal
// error on this document) are retryable but may be the document's fault.
func (e *ItemError) Unavailable() bool {
	return e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable ||
		e.Type == "es_rejected_execution_exception" || e.Type == "unavailable_shards_exception"
}

// Config tunes the writer. Zero values take the defaults in brackets.
type Config struct {
	// Prefix names the monthly indices: PREFIX-YYYY.MM [newsflow-articles].
	Prefix string
	// Alias is attached to every article index the writer creates; empty
	// for a replay generation that must stay invisible until the alias
	// swap.
	Alias string
	// StoryIndex is where IndexStory writes [newsflow-stories].
	StoryIndex string
	// FlushBytes flushes a worker's buffer at this size [1 MiB].
	FlushBytes int
	// FlushInterval flushes at least this often [1s]. Keep it well under
	// the JetStream ack wait.
	FlushInterval time.Duration
	// Workers is the number of concurrent bulk requests [2].
	Workers int
	// MaxInFlight bounds the documents held by the writer at once [1024].
	MaxInFlight int
	// RequestTimeout bounds one bulk request [10s].
	RequestTimeout time.Duration
	// RetryInitial and RetryMax shape the per-item backoff [100ms, 5s].
	RetryInitial, RetryMax time.Duration
	// RetryTimeout bounds the time one Index call spends retrying a
	// rejected item before it returns ErrRejected; zero retries until ctx
	// ends.
	RetryTimeout time.Duration
	// DownWait is how long Index waits for Elasticsearch to come back
	// before it returns ErrUnavailable; zero waits until ctx ends.
	//
	// Waiting is the right default under the stage runtime, which tells
	// JetStream that held messages are in progress: an outage then costs
	// no deliveries, where failing fast would nak every message again
	// and again until MaxDeliver dead-letters healthy articles.
	DownWait time.Duration
	// ProbeInterval is the longest pause between health probes while
	// Elasticsearch is down [5s].
	ProbeInterval time.Duration
	// Metrics receives counters; nil discards them.
	Metrics *Metrics
}

func (c *Config) defaults() {
	if c.Prefix == "" {
		c.Prefix = esindex.DefaultPrefix
	}
	if c.StoryIndex == "" {
		c.StoryIndex = esindex.DefaultStoryIndex
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(d *int, v int) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt(&c.FlushBytes, 1<<20)
	defInt(&c.Workers, 2)
	defInt(&c.MaxInFlight, 1024)
	def(&c.FlushInterval, time.Second)
	def(&c.RequestTimeout, 10*time.Second)
	def(&c.RetryInitial, 100*time.Millisecond)
	def(&c.RetryMax, 5*time.Second)
	def(&c.ProbeInterval, 5*time.Second)
}

// Writer is the bulk writer. It is safe for concurrent use.
type Writer struct {
	cfg Config
	es  *elasticsearch.Client
	bi  esutil.BulkIndexer
	log *zap.Logger
	m   *Metrics

	slots chan struct{} // MaxInFlight admission tokens

	ensured sync.Map // index name -> struct{}: created or known to exist

	gateMu  sync.Mutex
	up      chan struct{} // closed while Elasticsearch is healthy
	probing bool

	addMu    sync.RWMutex // held for reading around bi.Add, for writing by Close
	isUp     atomic.Bool  // mirrors the gate, for a lock-free markUp
	closed   atomic.Bool
	stop     chan struct{} // closed by Close: stops the prober
	probesWG sync.WaitGroup
}

type cancelKey struct{}

// New starts a writer on es. es must be built with DisableRetry, so that
// only failed items are ever resent.
func New(es *elasticsearch.Client, cfg Config, log *zap.Logger) (*Writer, error) {
	cfg.defaults()
	if err := esindex.CheckPrefix(cfg.Prefix); err != nil {
		return nil, err
	}
	if err := esindex.CheckStoryIndex(cfg.StoryIndex); err != nil {
		return nil, err
	}
	w := &Writer{
		cfg:   cfg,
		es:    es,
		log:   log,
		m:     cfg.Metrics,
		slots: make(chan struct{}, cfg.MaxInFlight),
		up:    make(chan struct{}),
		stop:  make(chan struct{}),
	}
	close(w.up)
	w.isUp.Store(true)
	if w.m == nil {
		w.m = NewMetrics(nil)
	}
	w.m.up.Set(1)
	bi, err := esutil.NewBulkIndexer(esutil.BulkIndexerConfig{
		Client:        es,
		NumWorkers:    cfg.Workers,
		FlushBytes:    cfg.FlushBytes,
		FlushInterval: cfg.FlushInterval,
		// Each flush gets its own deadline, so a hung node fails the
		// request (and its items) instead of wedging a worker.
		OnFlushStart: func(ctx context.Context) context.Context {
			ctx, cancel := context.WithTimeout(ctx, cfg.RequestTimeout)
			return context.WithValue(ctx, cancelKey{}, cancel)
		},
		OnFlushEnd: func(ctx context.Context) {
			if cancel, ok := ctx.Value(cancelKey{}).(context.CancelFunc); ok {
				cancel()
			}
		},
		// OnError also reports callers' context errors from Add; only
		// flush errors are failures of Elasticsearch. The gate is closed
		// by the items' OnFailure, which sees every whole-request failure.
		OnError: func(ctx context.Context, err error) {
			if strings.HasPrefix(err.Error(), "flush") {
				w.m.requests.WithLabelValues("flush").Inc()
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("new bulk indexer: %w", err)
	}
	w.bi = bi
	return w, nil
}

// result is what a bulk callback reports for one item.
type result struct {
	status int
	itemEr *ItemError
	err    error // whole-request failure
}

// Index writes doc and returns once its bulk item succeeded, or with an
// error: permanent (stage.Permanent) for mapping and parse errors,
// retryable otherwise. It honours ctx throughout.
func (w *Writer) Index(ctx context.Context, doc *schema.Document) error {
	return w.admitted(ctx, func() error { return w.index(ctx, doc) })
}

// IndexStory writes a story snapshot to the story index with its
// revision as external version, and returns as Index does: nil once its
// item succeeded or was a 409 (a snapshot as new or newer is stored).
func (w *Writer) IndexStory(ctx context.Context, st *schema.Story) error {
	return w.admitted(ctx, func() error {
		body, err := esindex.EncodeStory(st)
		if err != nil {
			w.m.items.WithLabelValues("permanent").Inc()
			return stage.Permanent(err)
		}
		return w.write(ctx, item{index: w.cfg.StoryIndex, id: st.ID, version: esindex.StoryVersion(st), body: body})
	})
}

// admitted runs write holding one of the MaxInFlight slots, and times it.
func (w *Writer) admitted(ctx context.Context, write func() error) error {
	if w.closed.Load() {
		return ErrClosed
	}
	select {
	case w.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	w.m.inflight.Inc()
	defer func() {
		<-w.slots
		w.m.inflight.Dec()
	}()
	start := time.Now()
	err := write()
	w.m.duration.Observe(time.Since(start).Seconds())
	return err
}

// item is one document to write: its index (with the alias it is
// created with, if any), id, external version and source.
type item struct {
	index, alias, id string
	version          int64
	body             []byte
}

func (w *Writer) index(ctx context.Context, doc *schema.Document) error {
	body, err := esindex.Encode(doc)
	if err != nil {
		w.m.items.WithLabelValues("permanent").Inc()
		return stage.Permanent(err)
	}
	return w.write(ctx, item{index: esindex.IndexName(w.cfg.Prefix, doc), alias: w.cfg.Alias,
		id: doc.ID, version: doc.Version(), body: body})
}

// write sends it and retries what Elasticsearch rejects for want of
// capacity, as the package comment says.
func (w *Writer) write(ctx context.Context, it item) error {
	bo := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(w.cfg.RetryInitial),
		backoff.WithMaxInterval(w.cfg.RetryMax),
		backoff.WithMaxElapsedTime(w.cfg.RetryTimeout),
	)
	for {
		if err := w.awaitUp(ctx); err != nil {
			return err
		}
		if err := w.ensure(ctx, it.index, it.alias); err != nil {
			return err
		}
		res, err := w.send(ctx, it.index, it.id, it.version, it.body)
		if err != nil {
			return err
		}
		switch {
		case res.err != nil:
			w.m.items.WithLabelValues("request_failed").Inc()
			return fmt.Errorf("index %s: %w: %w", it.id, ErrRequest, res.err)
		case res.itemEr == nil:
			w.m.items.WithLabelValues(resultLabel(res.status)).Inc()
			return nil
		case res.itemEr.Status == http.StatusConflict:
			// External versioning: what is stored is as new or newer.
			w.m.items.WithLabelValues("conflict").Inc()
			return nil
		case res.itemEr.Type == "index_not_found_exception":
			// The index was deleted under us, or auto-creation is off
			// and our cache was stale: create it again and retry.
			w.ensured.Delete(it.index)
			w.m.items.WithLabelValues("retried").Inc()
		case res.itemEr.Retryable():
			w.m.items.WithLabelValues("retried").Inc()
		default:
			w.m.items.WithLabelValues("permanent").Inc()
			return stage.Permanent(res.itemEr)
		}
		d := bo.NextBackOff()
		if d == backoff.Stop {
			err := fmt.Errorf("index %s after %s of retries: %w: %w", it.id, w.cfg.RetryTimeout, ErrRejected, res.itemEr)
			if res.itemEr.Unavailable() {
				// A busy or recovering cluster: never dead-letter for it.
				return stage.Unavailable(err)
			}
			return err
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("index %s: %w (last: %w)", it.id, ctx.Err(), res.itemEr)
		}
	}
}

func resultLabel(status int) string {
	if status == http.StatusCreated {
		return "created"
	}
	return "updated"
}

// send adds one item and waits for its result.
func (w *Writer) send(ctx context.Context, index, id string, version int64, body []byte) (result, error) {
	done := make(chan result, 1)
	item := esutil.BulkIndexerItem{
		Index:       index,
		Action:      "index",
		DocumentID:  id,
		Version:     &version,
		VersionType: "external",
		Body:        bytes.NewReader(body),
		OnSuccess: func(_ context.Context, _ esutil.BulkIndexerItem, r esutil.BulkIndexerResponseItem) {
			w.markUp()
			done <- result{status: r.Status}
		},
		OnFailure: func(_ context.Context, _ esutil.BulkIndexerItem, r esutil.BulkIndexerResponseItem, err error) {
			if err != nil {
				w.markDown(err)
				done <- result{err: err}
				return
			}
			w.markUp()
			ie := &ItemError{Index: r.Index, ID: r.DocumentID, Status: r.Status, Type: r.Error.Type, Reason: r.Error.Reason}
			if r.Error.Cause.Type != "" {
				ie.CausedBy = r.Error.Cause.Type + ": " + r.Error.Cause.Reason
			}
			done <- result{status: r.Status, itemEr: ie}
		},
	}
	// Add blocks only while every worker queue is full; the item is
	// copied into a worker's buffer, so ctx ending later is harmless.
	w.addMu.RLock()
	if w.closed.Load() {
		w.addMu.RUnlock()
		return result{}, ErrClosed
	}
	err := w.bi.Add(ctx, item)
	w.addMu.RUnlock()
	if err != nil {
		if errors.Is(err, ctx.Err()) {
			return result{}, err
		}
		return result{}, fmt.Errorf("add %s: %w", id, err)
	}
	// A result always comes within a flush interval plus a request
	// timeout; the extra bound guards against a response that does not
	// account for every item.
	wait := time.NewTimer(w.cfg.FlushInterval + w.cfg.RequestTimeout + time.Second)
	defer wait.Stop()
	select {
	case r := <-done:
		return r, nil
	case <-ctx.Done():
		return result{}, ctx.Err()
	case <-wait.C:
		return result{}, fmt.Errorf("index %s: %w", id, ErrTimeout)
	}
}

// ensure creates index (with alias, if not empty) once per process.
func (w *Writer) ensure(ctx context.Context, index, alias string) error {
	if _, ok := w.ensured.Load(index); ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.RequestTimeout)
	defer cancel()
	if err := esindex.EnsureIndex(ctx, w.es, index, alias); err != nil {
		if errors.Is(err, esindex.ErrResponse) && !errors.Is(err, esindex.ErrUnavailable) {
			return err
		}
		// Unreachable, or answering 429/5xx: Elasticsearch is down.
		w.markDown(err)
		return fmt.Errorf("%w: %w", ErrRequest, err)
	}
	w.ensured.Store(index, struct{}{})
	return nil
}

// awaitUp returns at once while Elasticsearch is healthy, else waits up to
// DownWait for the gate to reopen.
func (w *Writer) awaitUp(ctx context.Context) error {
	w.gateMu.Lock()
	up := w.up
	w.gateMu.Unlock()
	select {
	case <-up:
		return nil
	default:
	}
	var timeout <-chan time.Time
	if w.cfg.DownWait > 0 {
		t := time.NewTimer(w.cfg.DownWait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-up:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-timeout:
		w.m.items.WithLabelValues("unavailable").Inc()
		return ErrUnavailable
	case <-w.stop:
		return ErrClosed
	}
}

// markDown closes the gate and starts the prober, once.
func (w *Writer) markDown(err error) {
	w.gateMu.Lock()
	defer w.gateMu.Unlock()
	select {
	case <-w.up:
		w.up = make(chan struct{})
		w.isUp.Store(false)
		w.m.up.Set(0)
		w.log.Warn("elasticsearch unreachable; holding new documents until it answers", zap.Error(err))
	default:
	}
	if w.probing || w.closed.Load() {
		return
	}
	w.probing = true
	w.probesWG.Add(1)
	go w.probe()
}

// markUp opens the gate.
func (w *Writer) markUp() {
	if w.isUp.Load() {
		return
	}
	w.gateMu.Lock()
	defer w.gateMu.Unlock()
	select {
	case <-w.up:
	default:
		close(w.up)
		w.isUp.Store(true)
		w.m.up.Set(1)
		w.log.Info("elasticsearch reachable again")
	}
}

// probe pings Elasticsearch with backoff until it answers, then opens
// the gate.
func (w *Writer) probe() {
	defer w.probesWG.Done()
	// A ping in progress ends with Close too.
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	probeDone := make(chan struct{})
	defer close(probeDone)
	go func() {
		select {
		case <-w.stop:
			cancel()
		case <-probeDone:
		}
	}()
	bo := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(100*time.Millisecond),
		backoff.WithMaxInterval(w.cfg.ProbeInterval),
		backoff.WithMaxElapsedTime(0),
	)
	for {
		t := time.NewTimer(bo.NextBackOff())
		select {
		case <-w.stop:
			t.Stop()
			w.gateMu.Lock()
			w.probing = false
			w.gateMu.Unlock()
			return
		case <-t.C:
		}
		ctx, cancelPing := context.WithTimeout(base, w.cfg.RequestTimeout)
		res, err := w.es.Ping(w.es.Ping.WithContext(ctx))
		cancelPing()
		if err == nil {
			res.Body.Close()
			if !res.IsError() {
				w.gateMu.Lock()
				w.probing = false
				w.gateMu.Unlock()
				w.markUp()
				return
			}
		}
	}
}

// Up reports whether the health gate is open.
func (w *Writer) Up() bool {
	w.gateMu.Lock()
	defer w.gateMu.Unlock()
	select {
	case <-w.up:
		return true
	default:
		return false
	}
}

// InFlight returns the number of documents the writer holds now; it never
// exceeds MaxInFlight.
func (w *Writer) InFlight() int { return len(w.slots) }

// Stats returns the underlying bulk indexer's counters.
func (w *Writer) Stats() esutil.BulkIndexerStats { return w.bi.Stats() }

// Close flushes what is buffered, waits for it under ctx and stops the
// prober. Index calls still waiting for their items get their results;
// new calls fail with ErrClosed.
func (w *Writer) Close(ctx context.Context) error {
	w.addMu.Lock()
	already := w.closed.Swap(true)
	w.addMu.Unlock()
	if already {
		return nil
	}
	err := w.bi.Close(ctx)
	close(w.stop)
	w.probesWG.Wait()
	if err != nil {
		return fmt.Errorf("close bulk writer: %w", err)
	}
	return nil
}
