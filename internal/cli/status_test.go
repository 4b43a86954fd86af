package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/internal/pipeline"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
)

// statusServer starts a NATS server with the pipeline's streams and
// returns its URL and a JetStream handle.
func statusServer(t *testing.T) (string, jetstream.JetStream) {
	t.Helper()
	srv := natstest.Server(t)
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	cfg := stage.DefaultConfig().Streams
	cfg.MaxBytes = 64 << 20
	if err := stage.EnsureStreams(context.Background(), js, cfg); err != nil {
		t.Fatal(err)
	}
	return srv.ClientURL(), js
}

// A replica killed with a message in hand holds the ack floor for the ack
// wait; the rate must still show the messages its peers finish.
func TestStatusRateCountsWorkPastAHeldMessage(t *testing.T) {
	ctx := context.Background()
	_, js := statusServer(t)
	cons, err := js.CreateOrUpdateConsumer(ctx, stage.StreamDeduped, jetstream.ConsumerConfig{
		Durable: stage.NameEnrich, AckPolicy: jetstream.AckExplicitPolicy, AckWait: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 21 {
		if _, err := js.Publish(ctx, stage.SubjectDeduped, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	fetch := func(n int, ack bool) {
		t.Helper()
		batch, err := cons.Fetch(n, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			if ack {
				if err := m.DoubleAck(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		if got != n {
			t.Fatalf("fetched %d; want %d", got, n)
		}
	}
	fetch(1, false) // held by a replica that died
	before, err := pipeline.Lags(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	fetch(20, true) // the surviving replica's work
	after, err := pipeline.Lags(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range stageStatuses(before, after, 2*time.Second) {
		if r.Stage != stage.NameEnrich {
			continue
		}
		if r.Rate != 10 || r.InFlight != 1 || r.Pending != 0 {
			t.Errorf("enrich: rate %.1f/s, in flight %d, pending %d; want 10.0/s (20 finished in 2s), 1, 0", r.Rate, r.InFlight, r.Pending)
		}
		return
	}
	t.Fatalf("no enrich row in %+v", after)
}

// A stage nobody consumes and a stage whose replicas are gone must not
// look like a slow one.
func TestStatusShowsMissingConsumerAndIdleReplicas(t *testing.T) {
	ctx := context.Background()
	url, js := statusServer(t)
	durable := func(stream, name string) jetstream.Consumer {
		t.Helper()
		c, err := js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{Durable: name, AckPolicy: jetstream.AckExplicitPolicy})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	durable(stage.StreamRaw, stage.NameIngest)
	running := durable(stage.StreamCleaned, stage.NameDedupe)
	durable(stage.StreamDeduped, stage.NameEnrich) // its replicas are gone
	// Nothing consumes articles.enriched: the indexer never started.
	if _, err := js.Publish(ctx, stage.SubjectEnriched, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, stage.SubjectDeduped, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	cc, err := running.Consume(func(m jetstream.Msg) { m.Ack() })
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Stop()
	ci, _ := running.Info(ctx)
	for deadline := time.Now().Add(10 * time.Second); ci == nil || ci.NumWaiting == 0; ci, _ = running.Info(ctx) {
		if time.Now().After(deadline) {
			t.Fatal("the running consumer's pull request never reached the server")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// ingest has a consumer but no replica either.

	var stdout, stderr bytes.Buffer
	if code := Main(ctx, []string{"status", "--json", "--interval", "50ms", "--nats", url}, &stdout, &stderr); code != 0 {
		t.Fatalf("status: exit %d: %s", code, stderr.String())
	}
	var rows []stageStatus
	if err := json.Unmarshal(stdout.Bytes(), &rows); err != nil {
		t.Fatalf("status --json: %v\n%s", err, stdout.String())
	}
	got := map[string]stageStatus{}
	for _, r := range rows {
		got[r.Subject] = r
	}
	want := map[string]struct{ stage, state string }{
		stage.SubjectRaw:      {stage.NameIngest, stateNotPulling},
		stage.SubjectCleaned:  {stage.NameDedupe, stateOK},
		stage.SubjectDeduped:  {stage.NameEnrich, stateNotPulling},
		stage.SubjectEnriched: {"", stateNoConsumer},
	}
	for subject, w := range want {
		r, ok := got[subject]
		if !ok || r.Stage != w.stage || r.State != w.state {
			t.Errorf("%s: got %+v; want stage %q in state %q", subject, r, w.stage, w.state)
		}
	}
	if r := got[stage.SubjectEnriched]; r.Pending != 1 {
		t.Errorf("articles.enriched with no consumer: pending %d; want the 1 message stored", r.Pending)
	}
	if r := got[stage.SubjectDeduped]; r.Pending != 1 {
		t.Errorf("enrich: pending %d; want 1", r.Pending)
	}
}
