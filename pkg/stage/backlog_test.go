package stage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
)

// A stage whose next stage is too far behind holds its messages instead of
// publishing; when the next stage catches up, everything flows and nothing
// is lost or duplicated.
func TestBacklogHoldsPublishingUntilTheNextStageCatchesUp(t *testing.T) {
	e := newEnv(t)
	e.cfg.Consumer.MaxBacklog = 3
	rt := e.runtime()
	ctx := context.Background()
	js := e.js()
	next := idleNextStage(t, e)
	if _, err := stage.Start(ctx, rt, passthrough(stage.NameDedupe, stage.SubjectCleaned, stage.SubjectDeduped,
		func(_ context.Context, d *schema.Document) (*schema.Document, error) { return d, nil })); err != nil {
		t.Fatal(err)
	}
	const n = 10
	for i := range n {
		publishDoc(t, js, stage.SubjectCleaned, doc(fmt.Sprintf("b%02d", i), "x"))
	}
	// The stage publishes until the backlog reaches the limit, then waits.
	waitFor(t, func() bool { return streamMsgs(t, js, stage.StreamDeduped) >= 3 }, func() string { return "nothing published" })
	time.Sleep(500 * time.Millisecond) // two backlog refreshes: it must not go on
	if got := streamMsgs(t, js, stage.StreamDeduped); got >= n {
		t.Fatalf("published %d of %d with the next stage stalled; want it held near the limit of 3", got, n)
	}
	// The next stage catches up; the held messages follow.
	takeEachOnce(t, next, n)
}

func TestBacklogCountsAStreamWithoutItsConsumer(t *testing.T) {
	e := newEnv(t)
	rt := e.runtime()
	js := rt.JetStream()
	for i := range 3 {
		publishDoc(t, js, stage.SubjectEnriched, doc(fmt.Sprintf("e%d", i), "x"))
	}
	b := stage.NewBacklog(js, stage.SubjectEnriched, 2)
	if err := b.Check(context.Background()); !errors.Is(err, stage.ErrBacklogFull) {
		t.Errorf("Check = %v; want ErrBacklogFull: 3 unread messages and no indexer consumer yet", err)
	}
	if err := stage.NewBacklog(js, stage.SubjectEnriched, 0).Check(context.Background()); err != nil {
		t.Errorf("a zero limit reported %v", err)
	}
}

// idleNextStage creates the durable consumer of the stage after dedupe
// (enrich), which nobody runs yet.
func idleNextStage(t *testing.T, e *env) jetstream.Consumer {
	t.Helper()
	next, err := e.js().CreateOrUpdateConsumer(context.Background(), stage.StreamDeduped, stage.ConsumerConfigFor(stage.NameEnrich, stage.SubjectDeduped, e.cfg.Consumer))
	if err != nil {
		t.Fatal(err)
	}
	return next
}

// takeEachOnce runs the next stage's consumer until it has taken n
// articles, and fails unless it took each of them exactly once.
func takeEachOnce(t *testing.T, next jetstream.Consumer, n int) {
	t.Helper()
	seen := map[string]int{}
	deadline := time.Now().Add(20 * time.Second)
	for len(seen) < n && time.Now().Before(deadline) {
		batch, err := next.Fetch(n, jetstream.FetchMaxWait(200*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			d, err := schema.DecodeDocument(m.Data())
			if err != nil {
				t.Fatal(err)
			}
			seen[d.ID]++
			if err := m.Ack(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(seen) != n {
		t.Fatalf("next stage got %d of %d articles", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("%s delivered %d times", id, c)
		}
	}
}

func streamMsgs(t *testing.T, js jetstream.JetStream, name string) uint64 {
	t.Helper()
	s, err := js.Stream(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// A stream full of big articles would drop unread ones long before the
// message limit: the backlog is full once the unfinished messages would
// fill half the stream's byte cap.
func TestBacklogIsFullAtHalfTheStreamsBytes(t *testing.T) {
	e := newEnv(t)
	e.cfg.Streams.MaxBytes = 1 << 20
	rt := e.runtime()
	js := rt.JetStream()
	big := strings.Repeat("word ", 2000) // ~10 KB documents
	b := stage.NewBacklog(js, stage.SubjectEnriched, 1000)
	ctx := context.Background()
	for i := range 40 {
		publishDoc(t, js, stage.SubjectEnriched, doc(fmt.Sprintf("big%d", i), big))
	}
	if err := b.Check(ctx); err != nil {
		t.Fatalf("40 documents of ~10 KB in a 1 MiB stream: %v; want room", err)
	}
	for i := 40; i < 60; i++ {
		publishDoc(t, js, stage.SubjectEnriched, doc(fmt.Sprintf("big%d", i), big))
	}
	time.Sleep(300 * time.Millisecond) // past the cached reading
	if err := b.Check(ctx); !errors.Is(err, stage.ErrBacklogFull) {
		t.Fatalf("60 unread documents of ~10 KB in a 1 MiB stream: err = %v; want ErrBacklogFull", err)
	}
}

// A backlog refresh asks JetStream without holding the backlog's lock:
// while one caller waits for an answer (here from a server that went
// away), every publisher's Sent returns at once instead of queueing
// behind it.
func TestBacklogRefreshDoesNotBlockPublishers(t *testing.T) {
	srv := natstest.Server(t)
	nc, err := nats.Connect(srv.ClientURL(), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	b := stage.NewBacklog(js, stage.SubjectRaw, 1000)
	srv.Shutdown()
	srv.WaitForShutdown()
	waitFor(t, func() bool { return !nc.IsConnected() }, func() string { return "still connected" })

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	refreshed := make(chan error, 1)
	go func() { refreshed <- b.Check(ctx) }()
	// The refresh's request waits in the connection's reconnect buffer.
	waitFor(t, func() bool { n, _ := nc.Buffered(); return n > 0 }, func() string { return "the refresh sent no request" })
	sent := make(chan struct{})
	go func() { b.Sent(); close(sent) }()
	select {
	case <-sent:
	case err := <-refreshed:
		t.Fatalf("Sent waited for the refresh to give up (%v)", err)
	}
	if err := <-refreshed; err == nil {
		t.Error("Check with no server answered nil; want the refresh's error")
	}
}

// A stage held on the work of the stages after it (Runtime.HoldInput)
// processes nothing more while they hold the limit: its input waits
// unprocessed in its own stream. When they catch up, every message is
// processed once.
func TestHoldInputKeepsTheInputUnprocessedWhileTheStagesAfterAreFull(t *testing.T) {
	e := newEnv(t)
	e.cfg.Consumer.Concurrency = 1
	// Messages the client holds for the held worker are not redelivered
	// within the test: each must be processed once.
	e.cfg.Consumer.AckWait = 30 * time.Second
	rt := e.runtime()
	ctx := context.Background()
	js := e.js()
	next := idleNextStage(t, e)
	const limit = 3
	rt.HoldInput(stage.NameDedupe, stage.NewStagesBacklog(js, limit, stage.SubjectDeduped))
	var processed atomic.Int64
	if _, err := stage.Start(ctx, rt, passthrough(stage.NameDedupe, stage.SubjectCleaned, stage.SubjectDeduped,
		func(_ context.Context, d *schema.Document) (*schema.Document, error) {
			processed.Add(1)
			return d, nil
		})); err != nil {
		t.Fatal(err)
	}
	const n = 10
	for i := range n {
		publishDoc(t, js, stage.SubjectCleaned, doc(fmt.Sprintf("h%02d", i), "x"))
	}
	waitFor(t, func() bool { return processed.Load() >= limit }, func() string { return "nothing processed" })
	time.Sleep(600 * time.Millisecond) // two backlog refreshes: it must not go on
	if got := processed.Load(); got != limit {
		t.Fatalf("processed %d of %d with the next stage stalled; want %d (the limit), the rest held unprocessed", got, n, limit)
	}
	takeEachOnce(t, next, n)
	if got := processed.Load(); got != n {
		t.Errorf("processed %d times; want %d", got, n)
	}
}

// A backlog of several stages adds up their unfinished messages (here
// whole streams, before their consumers exist), and once Follow reads it,
// Check sees new messages without asking JetStream itself.
func TestStagesBacklogAddsUpTheStagesAndFollowKeepsItsReading(t *testing.T) {
	e := newEnv(t)
	rt := e.runtime()
	js := rt.JetStream()
	for i := range 2 {
		publishDoc(t, js, stage.SubjectDeduped, doc(fmt.Sprintf("d%d", i), "x"))
		publishDoc(t, js, stage.SubjectEnriched, doc(fmt.Sprintf("e%d", i), "x"))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := stage.NewStagesBacklog(js, 4, stage.SubjectDeduped, stage.SubjectEnriched).Check(ctx); !errors.Is(err, stage.ErrBacklogFull) {
		t.Errorf("Check = %v; want ErrBacklogFull: 2 + 2 unread messages, limit 4", err)
	}
	b := stage.NewStagesBacklog(js, 5, stage.SubjectDeduped, stage.SubjectEnriched)
	if err := b.Check(ctx); err != nil {
		t.Fatalf("Check = %v; want room: 4 unread messages, limit 5", err)
	}
	go b.Follow(ctx)
	publishDoc(t, js, stage.SubjectEnriched, doc("e2", "x"))
	waitFor(t, func() bool { return errors.Is(b.Check(ctx), stage.ErrBacklogFull) }, func() string {
		return "Check never saw the fifth message: Follow did not refresh the reading"
	})
}
