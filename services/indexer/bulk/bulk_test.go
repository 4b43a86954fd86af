package bulk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/indexer/bulk"
	"github.com/newsflow/newsflow/services/indexer/esindex"
	"github.com/newsflow/newsflow/services/indexer/estest"
)

var ingested = time.Date(2024, 5, 4, 12, 0, 0, 0, time.UTC)

func doc(i int) *schema.Document {
	pub := time.Date(2024, time.Month(1+i%3), 10, 0, 0, 0, 0, time.UTC)
	return &schema.Document{
		SchemaVersion: 1,
		ID:            fmt.Sprintf("doc-%04d", i),
		Title:         fmt.Sprintf("Article %d", i),
		Body:          "Some body text.",
		PublishedAt:   &pub,
		IngestedAt:    ingested.Add(time.Duration(i) * time.Millisecond),
		Source:        schema.Source{Name: "Example", Domain: "example.org"},
		Entities: schema.Entities{Places: []schema.Place{{Entity: schema.Entity{Name: "Oslo", ID: "geonames:3143244"},
			Location: &schema.GeoPoint{Lat: 59.91, Lon: 10.75}}}},
	}
}

func client(t testing.TB, url string) *elasticsearch.Client {
	t.Helper()
	es, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{url}, DisableRetry: true})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func fastConfig() bulk.Config {
	return bulk.Config{
		Alias:          esindex.Alias,
		FlushInterval:  20 * time.Millisecond,
		RetryInitial:   5 * time.Millisecond,
		RetryMax:       20 * time.Millisecond,
		RetryTimeout:   5 * time.Second,
		RequestTimeout: 10 * time.Second, // generous: -race on a loaded machine
		DownWait:       200 * time.Millisecond,
		ProbeInterval:  20 * time.Millisecond,
	}
}

func newWriter(t testing.TB, s *estest.Server, cfg bulk.Config, log *zap.Logger) *bulk.Writer {
	t.Helper()
	w, err := bulk.New(client(t, s.URL), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		w.Close(ctx)
	})
	return w
}

// indexAll calls Index for docs concurrently and returns the errors by id.
func indexAll(ctx context.Context, w *bulk.Writer, docs []*schema.Document) map[string]error {
	var mu sync.Mutex
	errs := map[string]error{}
	var wg sync.WaitGroup
	for _, d := range docs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := w.Index(ctx, d)
			mu.Lock()
			errs[d.ID] = err
			mu.Unlock()
		}()
	}
	wg.Wait()
	return errs
}

func docs(n int) []*schema.Document {
	out := make([]*schema.Document, n)
	for i := range out {
		out[i] = doc(i)
	}
	return out
}

// assertExactlyOnce checks every doc is stored once, in its month's index,
// with its ingest time as version and nothing else stored.
func assertExactlyOnce(t *testing.T, s *estest.Server, ds []*schema.Document) {
	t.Helper()
	stored := s.Docs(esindex.DefaultPrefix + "-*")
	if got, want := len(stored), len(ds); got != want {
		t.Errorf("stored %d documents, want %d", got, want)
	}
	for _, d := range ds {
		got, ok := s.Doc(esindex.IndexName(esindex.DefaultPrefix, d), d.ID)
		if !ok {
			t.Errorf("%s missing", d.ID)
			continue
		}
		if got.Writes != 1 {
			t.Errorf("%s written %d times, want 1", d.ID, got.Writes)
		}
		if got.Version != d.Version() {
			t.Errorf("%s version %d, want %d", d.ID, got.Version, d.Version())
		}
	}
}

func TestIndex(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	w := newWriter(t, s, fastConfig(), zaptest.NewLogger(t))
	ds := docs(300)
	for id, err := range indexAll(context.Background(), w, ds) {
		if err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	assertExactlyOnce(t, s, ds)
	if got, want := strings.Join(s.AliasIndices(esindex.Alias), ","),
		"newsflow-articles-2024.01,newsflow-articles-2024.02,newsflow-articles-2024.03"; got != want {
		t.Errorf("alias covers %s, want %s", got, want)
	}
	if st := s.Stats(); st.BulkRequests >= len(ds) {
		t.Errorf("%d bulk requests for %d docs: not batching", st.BulkRequests, len(ds))
	}
	var src map[string]any
	d, _ := s.Doc("newsflow-articles-2024.01", "doc-0000")
	json.Unmarshal(d.Source, &src)
	if src["places"] == nil || src["place_locations"] == nil || src["@timestamp"] == nil {
		t.Errorf("source lacks flattened fields: %s", d.Source)
	}
}

func TestRetriesRejectedItems(t *testing.T) {
	tests := []struct {
		name   string
		faults estest.Faults
	}{
		{"429 storm", estest.Faults{Reject429: 0.6}},
		{"5xx items", estest.Faults{Item5xx: 0.4}},
		{"both", estest.Faults{Reject429: 0.3, Item5xx: 0.3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := estest.NewServer()
			defer s.Close()
			s.SetFaults(tt.faults)
			w := newWriter(t, s, fastConfig(), zaptest.NewLogger(t))
			ds := docs(200)
			for id, err := range indexAll(context.Background(), w, ds) {
				if err != nil {
					t.Errorf("%s: %v", id, err)
				}
			}
			if s.Stats().Rejected == 0 {
				t.Fatal("no item was rejected: the fault did not fire")
			}
			assertExactlyOnce(t, s, ds)
		})
	}
}

func TestRejectedUntilTimeoutIsRetryable(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	s.SetFaults(estest.Faults{Reject429: 1})
	cfg := fastConfig()
	cfg.RetryTimeout = 100 * time.Millisecond
	w := newWriter(t, s, cfg, zaptest.NewLogger(t))
	err := w.Index(context.Background(), doc(1))
	if !errors.Is(err, bulk.ErrRejected) || stage.IsPermanent(err) || !stage.IsUnavailable(err) {
		t.Fatalf("err = %v, want ErrRejected marked Unavailable (a busy cluster never dead-letters)", err)
	}
	if !strings.Contains(err.Error(), "es_rejected_execution_exception") {
		t.Errorf("err %q lacks Elasticsearch's error type", err)
	}
}

// An item Elasticsearch fails with an internal error (500) while it
// accepts others may be the document's fault: retryable, counted toward
// the runtime's MaxDeliver, not Unavailable.
func TestItemInternalErrorIsRetryableNotUnavailable(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	s.SetFaults(estest.Faults{FailItem: func(_, _ string, _ []byte) *estest.ItemError {
		return &estest.ItemError{Status: 500, Type: "illegal_state_exception", Reason: "broken document"}
	}})
	cfg := fastConfig()
	cfg.RetryTimeout = 100 * time.Millisecond
	w := newWriter(t, s, cfg, zaptest.NewLogger(t))
	err := w.Index(context.Background(), doc(1))
	if !errors.Is(err, bulk.ErrRejected) || stage.IsPermanent(err) || stage.IsUnavailable(err) {
		t.Fatalf("err = %v, want a plain retryable ErrRejected", err)
	}
}

func TestMappingErrorIsPermanent(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	d := doc(0)
	// An index created by hand with a wrong type for published_at.
	s.CreateIndex(esindex.IndexName(esindex.DefaultPrefix, d), map[string]any{
		"properties": map[string]any{"published_at": map[string]any{"type": "long"}}})
	w := newWriter(t, s, fastConfig(), zaptest.NewLogger(t))
	err := w.Index(context.Background(), d)
	if !stage.IsPermanent(err) {
		t.Fatalf("err = %v, want permanent", err)
	}
	var ie *bulk.ItemError
	if !errors.As(err, &ie) || ie.Status != 400 || ie.Type != "document_parsing_exception" {
		t.Fatalf("err = %#v, want a 400 document_parsing_exception ItemError", err)
	}
	if !strings.Contains(err.Error(), "failed to parse field [published_at] of type [long]") {
		t.Errorf("err %q lacks Elasticsearch's reason", err)
	}
	// Other documents still go through.
	if err := w.Index(context.Background(), doc(1)); err != nil {
		t.Errorf("next document: %v", err)
	}
}

func TestWholeRequestFailureIsRetryable(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	w := newWriter(t, s, fastConfig(), zaptest.NewLogger(t))
	ctx := context.Background()
	if err := w.Index(ctx, doc(0)); err != nil { // creates the index
		t.Fatal(err)
	}
	s.SetFaults(estest.Faults{FailRequests: 1})
	err := w.Index(ctx, doc(3))
	if !errors.Is(err, bulk.ErrRequest) || stage.IsPermanent(err) {
		t.Fatalf("err = %v, want retryable ErrRequest", err)
	}
	if err := w.Index(ctx, doc(3)); err != nil {
		t.Fatalf("retry after the failed request: %v", err)
	}
	assertExactlyOnce(t, s, []*schema.Document{doc(0), doc(3)})
}

func TestSlowElasticsearchTimesOut(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	cfg := fastConfig()
	cfg.RequestTimeout = 100 * time.Millisecond
	w := newWriter(t, s, cfg, zaptest.NewLogger(t))
	if err := w.Index(context.Background(), doc(0)); err != nil {
		t.Fatal(err)
	}
	s.SetFaults(estest.Faults{Delay: 2 * time.Second})
	start := time.Now()
	err := w.Index(context.Background(), doc(3))
	if err == nil || stage.IsPermanent(err) {
		t.Fatalf("err = %v, want a retryable error", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("Index took %s with a 100ms request timeout", el)
	}
	s.SetFaults(estest.Faults{})
	deadline := time.Now().Add(5 * time.Second)
	for err = w.Index(context.Background(), doc(3)); err != nil && time.Now().Before(deadline); err = w.Index(context.Background(), doc(3)) {
	}
	if err != nil {
		t.Fatalf("after the slowness: %v", err)
	}
}

// While Elasticsearch is down, Index holds at most MaxInFlight documents,
// sends nothing, fails with ErrUnavailable after DownWait, and recovers on
// its own once Elasticsearch is back.
func TestDownBoundsMemory(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	cfg := fastConfig()
	cfg.MaxInFlight = 8
	cfg.DownWait = 300 * time.Millisecond
	w := newWriter(t, s, cfg, zaptest.NewLogger(t))
	ctx := context.Background()
	if err := w.Index(ctx, doc(0)); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	if err := w.Index(ctx, doc(1)); !errors.Is(err, bulk.ErrRequest) {
		t.Fatalf("first call while down: %v, want ErrRequest", err)
	}
	if w.Up() {
		t.Fatal("gate still open after a failed request")
	}
	before := s.Stats().BulkItems

	var maxInFlight atomic.Int64
	stopWatch := make(chan struct{})
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		for {
			if n := int64(w.InFlight()); n > maxInFlight.Load() {
				maxInFlight.Store(n)
			}
			select {
			case <-stopWatch:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	// 200 concurrent callers: far more than MaxInFlight.
	var unavailable, other atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			switch err := w.Index(ctx, doc(10+i)); {
			case errors.Is(err, bulk.ErrUnavailable):
				unavailable.Add(1)
			case err != nil:
				other.Add(1)
			}
		}()
	}
	wg.Wait()
	close(stopWatch)
	<-watchDone
	if got := maxInFlight.Load(); got > int64(cfg.MaxInFlight) {
		t.Errorf("held %d documents at once, limit %d", got, cfg.MaxInFlight)
	}
	if unavailable.Load() == 0 {
		t.Errorf("no call failed with ErrUnavailable (other errors: %d)", other.Load())
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if got := s.Stats().BulkItems; got != before {
		t.Errorf("%d items reached Elasticsearch while it was down", got-before)
	}
	// The prober reopens the gate without any Index call.
	deadline := time.Now().Add(5 * time.Second)
	for !w.Up() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // polling a condition with no event to await
	}
	if !w.Up() {
		t.Fatal("gate did not reopen after Elasticsearch came back")
	}
	if err := w.Index(ctx, doc(1)); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

// A process dies mid-batch: some of its items reached Elasticsearch, some
// did not, none was acknowledged. The runtime redelivers everything to a
// new writer. Every article ends up stored exactly once, and the items the
// first process had written are 409 conflicts the new writer counts as
// success.
func TestRestartMidBatchExactlyOnce(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	ds := docs(400)
	cfg := fastConfig()
	cfg.FlushBytes = 4 << 10 // many small requests, so the crash lands mid-batch
	cfg.Workers = 1
	w1, err := bulk.New(client(t, s.URL), cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx1, crash := context.WithCancel(context.Background())
	var acked atomic.Int64
	var wg sync.WaitGroup
	for _, d := range ds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if w1.Index(ctx1, d) == nil && acked.Add(1) == int64(len(ds)/3) {
				crash()
			}
		}()
	}
	wg.Wait()
	crash()
	closeCtx, cancel := context.WithCancel(context.Background())
	cancel()
	w1.Close(closeCtx) // no graceful flush: a crash
	firstRun := len(s.Docs(esindex.DefaultPrefix + "-*"))
	if firstRun == 0 || firstRun == len(ds) {
		t.Fatalf("first writer stored %d of %d: the crash was not mid-batch", firstRun, len(ds))
	}

	w2 := newWriter(t, s, cfg, zaptest.NewLogger(t))
	for id, err := range indexAll(context.Background(), w2, ds) {
		if err != nil {
			t.Errorf("redelivery of %s: %v", id, err)
		}
	}
	assertExactlyOnce(t, s, ds)
	if s.Stats().Conflicts == 0 {
		t.Error("no version conflicts: the redelivery did not meet the first run's writes")
	}
}

// A replay of older data never overwrites newer data.
func TestReplayNeverOverwritesNewer(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	w := newWriter(t, s, fastConfig(), zaptest.NewLogger(t))
	ctx := context.Background()
	old, newer := doc(7), doc(7)
	newer.IngestedAt = old.IngestedAt.Add(time.Hour)
	newer.Title = "Corrected headline"
	if err := w.Index(ctx, newer); err != nil {
		t.Fatal(err)
	}
	if err := w.Index(ctx, old); err != nil {
		t.Fatalf("older version: %v, want nil (409 is success)", err)
	}
	got, _ := s.Doc(esindex.IndexName(esindex.DefaultPrefix, old), old.ID)
	if !strings.Contains(string(got.Source), "Corrected headline") || got.Version != newer.Version() {
		t.Errorf("stored %s (version %d): the older replay overwrote the newer data", got.Source, got.Version)
	}
}

func TestClose(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	cfg := fastConfig()
	cfg.FlushInterval = time.Hour // only Close can flush
	w, err := bulk.New(client(t, s.URL), cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- w.Index(context.Background(), doc(1)) }()
	for s.Stats().Requests == 0 { // the index creation request
		time.Sleep(time.Millisecond) // polling a condition with no event to await
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil && !errors.Is(err, bulk.ErrClosed) {
		t.Fatalf("Index during Close: %v", err)
	}
	if err := w.Index(context.Background(), doc(2)); !errors.Is(err, bulk.ErrClosed) {
		t.Errorf("Index after Close: %v, want ErrClosed", err)
	}
}

// Each kind of item error Elasticsearch 7 and 8 send is classified:
// retryable ones are retried (and then succeed), permanent ones are
// returned at once with the reason.
func TestItemErrorClassification(t *testing.T) {
	tests := []struct {
		name      string
		err       estest.ItemError
		permanent bool
	}{
		{"mapper_parsing (7.x)", estest.ItemError{Status: 400, Type: "mapper_parsing_exception", Reason: "failed to parse field [x] of type [long]"}, true},
		{"document_parsing (8.x)", estest.ItemError{Status: 400, Type: "document_parsing_exception", Reason: "[1:2] failed to parse"}, true},
		{"strict mapping", estest.ItemError{Status: 400, Type: "strict_dynamic_mapping_exception", Reason: "mapping set to strict"}, true},
		{"illegal argument", estest.ItemError{Status: 400, Type: "illegal_argument_exception", Reason: "Limit of total fields [1000] has been exceeded"}, true},
		{"thread pool rejection", estest.ItemError{Status: 429, Type: "es_rejected_execution_exception", Reason: "rejected execution"}, false},
		{"circuit breaker", estest.ItemError{Status: 429, Type: "circuit_breaking_exception", Reason: "[parent] Data too large"}, false},
		{"shard unavailable", estest.ItemError{Status: 503, Type: "unavailable_shards_exception", Reason: "primary shard is not active"}, false},
		{"node closed", estest.ItemError{Status: 500, Type: "node_closed_exception", Reason: "node closed"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := estest.NewServer()
			defer s.Close()
			var calls atomic.Int64
			s.SetFaults(estest.Faults{FailItem: func(index, id string, source []byte) *estest.ItemError {
				if calls.Add(1) == 1 {
					e := tt.err
					return &e
				}
				return nil
			}})
			w := newWriter(t, s, fastConfig(), zaptest.NewLogger(t))
			err := w.Index(context.Background(), doc(1))
			if tt.permanent {
				if !stage.IsPermanent(err) || !strings.Contains(err.Error(), tt.err.Reason) || !strings.Contains(err.Error(), tt.err.Type) {
					t.Fatalf("err = %v, want permanent with type and reason", err)
				}
				if calls.Load() != 1 {
					t.Errorf("sent %d times, want 1", calls.Load())
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v, want success after a retry", err)
			}
			if calls.Load() != 2 {
				t.Errorf("sent %d times, want 2", calls.Load())
			}
		})
	}
}
