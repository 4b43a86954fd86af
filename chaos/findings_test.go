package chaos

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
	"github.com/newsflow/newsflow/services/indexer"
	"github.com/newsflow/newsflow/services/indexer/estest"
)

// The tests in this file state behaviour the chaos suite found missing
// (README, "Findings"), now fixed; each names its finding.

// TestWholeRequest503IsRetriedInTheWriter: finding 1, fixed in the
// runtime rather than the writer. A bulk request answered with a
// whole-request 503 fails the message as stage.Unavailable: it is retried
// with backoff but never counts toward NEWSFLOW_MAX_DELIVER, so bursts of
// 5xx dead-letter nothing (pkg/stage TestUnavailableNeverDeadLetters),
// and the next attempt indexes it.
func TestWholeRequest503IsRetriedInTheWriter(t *testing.T) {
	es := estest.NewServer()
	defer es.Close()
	cfg := indexer.DefaultConfig()
	cfg.URL, cfg.StartTimeout = es.URL, 5*time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ix, err := indexer.New(ctx, cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close(context.Background())
	es.SetFaults(estest.Faults{FailRequests: 2})
	doc := &schema.Document{SchemaVersion: schema.Version, ID: "burst-1", Title: "t", Body: "some body text",
		IngestedAt: time.Now().UTC(), WordCount: 3}
	var errs int
	for {
		_, err := ix.Process(ctx, doc)
		if err == nil {
			break
		}
		if !stage.IsUnavailable(err) || stage.IsPermanent(err) {
			t.Fatalf("Process during a 503 burst: %v; want an Unavailable (never dead-lettered) error", err)
		}
		if errs++; errs > 2 {
			t.Fatalf("still failing after the burst of 2: %v", err)
		}
	}
}

// TestConsumedMessagesFreeTheStream: finding 2, fixed. A stream filled to
// its cap keeps taking articles (it drops its oldest, already consumed
// messages), so a pipeline never blocks on a full stream; unread ones are
// protected by the backlog limit (stage.Backlog, the backpressure fault).
func TestConsumedMessagesFreeTheStream(t *testing.T) {
	js := natstest.JetStream(t)
	ctx := context.Background()
	sc := stage.DefaultConfig().Streams
	sc.MaxBytes = 32 << 10
	if err := stage.EnsureStreams(ctx, js, sc); err != nil {
		t.Fatal(err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, stage.StreamRaw, stage.ConsumerConfigFor(stage.NameIngest, stage.SubjectRaw, stage.DefaultConfig().Consumer))
	if err != nil {
		t.Fatal(err)
	}
	// Three times what the stream holds, each batch consumed as it comes.
	for n := range 3 * 64 {
		if _, err := js.Publish(ctx, stage.SubjectRaw, mustJSON(t, Article("fill", n))); err != nil {
			t.Fatalf("publish %d into a stream whose older messages were all consumed: %v", n, err)
		}
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for m := range batch.Messages() {
			if err := m.DoubleAck(ctx); err != nil {
				t.Fatal(err)
			}
			got++
		}
		if got != 1 {
			t.Fatalf("article %d: consumer got %d messages; want it, unread messages never dropped", n, got)
		}
	}
	st, err := js.Stream(ctx, stage.StreamRaw)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := st.Info(ctx); err != nil || info.State.Bytes > uint64(sc.MaxBytes) {
		t.Errorf("stream holds %d bytes (%v); want at most its cap %d", info.State.Bytes, err, sc.MaxBytes)
	}
}
