package chaos

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
	"github.com/newsflow/newsflow/services/indexer"
	"github.com/newsflow/newsflow/services/indexer/estest"
)

// TestPoisonDoesNotHoldItsBatch is issue 8, fault 4, at the scale of one
// bulk request: the real runtime and indexer on an embedded NATS server,
// one bulk worker (so the poison and the others share bulk requests) and a
// double that answers three spread-out ids with a 500 forever. Every other
// article must be acknowledged while the poison's first delivery is still
// retrying in the writer, i.e. its bulk request does not wait for the
// poisoned item; the poison then ends in articles.dead.indexer after
// MaxDeliver deliveries with its reason.
func TestPoisonDoesNotHoldItsBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("poison runs three deliveries of retries (about 5 s)")
	}
	const n, retryTimeout = 60, 1500 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	js := natstest.JetStream(t)
	// Streams sized for the test: JetStream reserves each stream's cap on
	// disk up front.
	sc := stage.DefaultConfig().Streams
	sc.MaxBytes = 64 << 20
	if err := stage.EnsureStreams(ctx, js, sc); err != nil {
		t.Fatal(err)
	}

	docs := make([]*schema.Document, n)
	poison := map[string]bool{}
	for i := range docs {
		docs[i] = &schema.Document{SchemaVersion: schema.Version, ID: fmt.Sprintf("poison-test-%03d", i),
			Title: "t", Body: "some body text", IngestedAt: time.Now().UTC(), WordCount: 3}
	}
	for _, i := range []int{n / 6, n / 2, 5 * n / 6} {
		poison[docs[i].ID] = true
	}
	others := n - len(poison)

	es := estest.NewServer()
	defer es.Close()
	var mu sync.Mutex
	arrived := map[string]int{} // successful writes by id
	var firstPoison time.Time
	es.SetFaults(estest.Faults{FailItem: func(_, id string, _ []byte) *estest.ItemError {
		mu.Lock()
		defer mu.Unlock()
		if poison[id] {
			if firstPoison.IsZero() {
				firstPoison = time.Now()
			}
			return &estest.ItemError{Status: 500, Type: "illegal_state_exception", Reason: "poison (test)"}
		}
		arrived[id]++
		return nil
	}})

	icfg := indexer.DefaultConfig()
	icfg.URL, icfg.StartTimeout = es.URL, 10*time.Second
	icfg.Workers, icfg.FlushInterval, icfg.RetryTimeout = 1, 100*time.Millisecond, retryTimeout
	ix, err := indexer.New(ctx, icfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close(context.Background())

	// poisonDone is closed when the first Process call on a poisoned
	// article returns: the end of its first delivery's retries.
	poisonDone := make(chan struct{})
	var once sync.Once
	process := func(ctx context.Context, d *schema.Document) (*schema.Document, error) {
		out, err := ix.Process(ctx, d)
		if poison[d.ID] {
			once.Do(func() { close(poisonDone) })
		}
		return out, err
	}
	ccfg := stage.DefaultConfig().Consumer
	ccfg.Concurrency, ccfg.Batch, ccfg.MaxDeliver = 128, 128, 3
	ccfg.AckWait, ccfg.RetryMin, ccfg.RetryMax = 10*time.Second, 50*time.Millisecond, 100*time.Millisecond
	c, err := stage.Consume(ctx, js, stage.Stage[*schema.Document, *schema.Document]{
		Name: stage.NameIndex, Input: stage.SubjectEnriched, Decode: schema.DecodeDocument, Process: process,
	}, ccfg, prometheus.NewRegistry(), zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Drain(context.Background())

	for _, d := range docs {
		if _, err := js.Publish(ctx, stage.SubjectEnriched, mustJSON(t, d)); err != nil {
			t.Fatal(err)
		}
	}

	// The others must all be acknowledged (only the poison pending)
	// before the poison's first delivery gives up.
	cons, err := js.Consumer(ctx, stage.StreamEnriched, stage.NameIndex)
	if err != nil {
		t.Fatal(err)
	}
	othersAcked := make(chan struct{})
	go func() {
		defer close(othersAcked)
		for ctx.Err() == nil {
			info, err := cons.Info(ctx)
			if err == nil && info.NumPending == 0 && info.NumAckPending <= len(poison) && info.AckFloor.Consumer > 0 {
				mu.Lock()
				got := len(arrived)
				mu.Unlock()
				if got == others {
					return
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	select {
	case <-othersAcked:
		select {
		case <-poisonDone:
			t.Fatalf("the others were acknowledged only after the poison's first delivery ended (%s of retries): they waited for it", retryTimeout)
		default:
		}
	case <-poisonDone:
		mu.Lock()
		got := len(arrived)
		mu.Unlock()
		t.Fatalf("the poison's first delivery ended (%s of retries) before the others were acknowledged (%d of %d in Elasticsearch): they waited for it", retryTimeout, got, others)
	case <-ctx.Done():
		t.Fatal("the others were never acknowledged")
	}
	mu.Lock()
	sawPoison := !firstPoison.IsZero()
	for id, w := range arrived {
		if w != 1 {
			t.Errorf("%s written %d times, want 1", id, w)
		}
	}
	mu.Unlock()
	if !sawPoison {
		t.Fatal("the poison never reached Elasticsearch: the fault did not fire")
	}

	// The poison ends in the dead-letter subject with its reason.
	dead, err := js.OrderedConsumer(ctx, stage.StreamDead, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{stage.SubjectDeadPrefix + stage.NameIndex}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for len(got) < len(poison) {
		m, err := dead.Next(jetstream.FetchMaxWait(30 * time.Second))
		if err != nil {
			t.Fatalf("dead letters: %d of %d: %v", len(got), len(poison), err)
		}
		id := PayloadID(m.Data())
		if !poison[id] {
			t.Errorf("%s dead-lettered; only the poison should be", id)
		}
		if r := m.Headers().Get(stage.HeaderDeadReason); !strings.Contains(r, "max deliveries (3)") || !strings.Contains(r, "illegal_state_exception") {
			t.Errorf("%s dead-lettered with %q; want max deliveries and Elasticsearch's error", id, r)
		}
		got[id] = true
	}
}
