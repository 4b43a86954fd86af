package stories

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
	"github.com/newsflow/newsflow/services/stories/cluster"
)

// quietConfig publishes no snapshots during a test (TakeDirty would make
// the replicas' states differ in what is left to publish).
func quietConfig() Config {
	cfg := DefaultConfig()
	cfg.SnapshotInterval = time.Hour
	return cfg
}

func openQuiet(t *testing.T, ctx context.Context, js jetstream.JetStream) *Stories {
	t.Helper()
	s, err := New(ctx, js, quietConfig(), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// enqueue puts docs in s's queue, as concurrent Assign calls waiting for
// an append do.
func enqueue(t *testing.T, s *Stories, docs []*schema.Document) []*waiting {
	var ws []*waiting
	for _, d := range docs {
		w, err := newWaiting(cluster.FromDocument(d))
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	s.queueMu.Lock()
	s.queue = append(s.queue, ws...)
	s.queueMu.Unlock()
	return ws
}

// lastMessage returns the story log's last sequence and its events.
func lastMessage(t *testing.T, ctx context.Context, js jetstream.JetStream) (uint64, []cluster.Event) {
	t.Helper()
	stream, err := js.Stream(ctx, DefaultConfig().LogStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m, err := stream.GetMsg(ctx, info.State.LastSeq)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := cluster.DecodeEvents(m.Data)
	if err != nil {
		t.Fatal(err)
	}
	return info.State.LastSeq, evs
}

func sameState(t *testing.T, what string, a, b *Stories) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if a.state.Seq() != b.state.Seq() || !reflect.DeepEqual(a.state, b.state) {
		t.Errorf("%s: states differ (at #%d and #%d)", what, a.state.Seq(), b.state.Seq())
	}
}

// Waiting articles go in one message, decided in order; a follower
// applies it and holds the same state.
func TestWaitingArticlesAreAppendedAsOneMessage(t *testing.T) {
	srv := natstest.Server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	js := connect(t, srv.ClientURL())
	leader, follower := openQuiet(t, ctx, js), openQuiet(t, ctx, js)
	docs := corpus(3, 4, 5)
	ws := enqueue(t, leader, docs)
	leader.commit(ctx)
	for i, w := range ws {
		select {
		case <-w.done:
		default:
			t.Fatalf("article %d not done after the commit", i)
		}
		if w.err != nil {
			t.Fatal(w.err)
		}
	}
	seq, evs := lastMessage(t, ctx, js)
	if seq != 1 || len(evs) != len(docs) {
		t.Fatalf("log: last #%d holding %d events, want #1 holding %d", seq, len(evs), len(docs))
	}
	if got := testutil.ToFloat64(leader.conflicts); got != 0 {
		t.Errorf("%v conflicts, want 0", got)
	}
	// Each decision saw the ones before it: reports of one event share a story.
	for i, d := range docs {
		if evs[i].Article.ID != d.ID {
			t.Errorf("event %d is %s, want %s (queue order)", i, evs[i].Article.ID, d.ID)
		}
	}
	if f := bcubedF1(storiesOf(leader, docs), eventsOf(docs)); f < 0.9 {
		t.Errorf("batch vs the events: BCubed F1 %.3f, want >= 0.9", f)
	}
	if err := follower.waitApplied(ctx, seq); err != nil {
		t.Fatal(err)
	}
	sameState(t, "leader and follower", leader, follower)
	if !reflect.DeepEqual(storiesOf(follower, docs), storiesOf(leader, docs)) {
		t.Error("the follower puts the batch's articles in other stories")
	}
}

func storiesOf(s *Stories, docs []*schema.Document) map[string]string {
	out := map[string]string{}
	for _, d := range docs {
		out[d.ID], _ = s.StoryOf(d.ID)
	}
	return out
}

// interloper lets another replica append just before the first append
// it forwards: that append then conflicts.
type interloper struct {
	eventLog
	first func(last uint64)
}

func (l *interloper) append(ctx context.Context, last uint64, data []byte) (uint64, error) {
	if f := l.first; f != nil {
		l.first = nil
		f(last)
	}
	return l.eventLog.append(ctx, last, data)
}

// Another replica appends while a batch is decided and applied
// tentatively: the batch is rolled back, decided again after the other
// message, and the replica ends in the very state of one that replays
// the log.
func TestConflictMidBatchIsRolledBack(t *testing.T) {
	srv := natstest.Server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	js := connect(t, srv.ClientURL())
	r1, r2 := openQuiet(t, ctx, js), openQuiet(t, ctx, js)
	docs := corpus(4, 5, 6)
	for _, d := range docs[:8] {
		process(t, ctx, r1, d)
	}
	r1.events = &interloper{eventLog: r1.events, first: func(last uint64) {
		if err := r2.waitApplied(ctx, last); err != nil {
			t.Error(err)
		}
		process(t, ctx, r2, docs[8])
	}}
	ws := enqueue(t, r1, docs[9:])
	r1.commit(ctx)
	for _, w := range ws {
		if w.err != nil {
			t.Fatal(w.err)
		}
	}
	if got := testutil.ToFloat64(r1.conflicts); got != 1 {
		t.Errorf("%v conflicts, want 1", got)
	}
	seq, evs := lastMessage(t, ctx, js)
	if seq != 10 || len(evs) != len(docs[9:]) {
		t.Fatalf("log: last #%d holding %d events, want #10 (8 alone, the interloper's, the batch) holding %d", seq, len(evs), len(docs[9:]))
	}
	r3 := openQuiet(t, ctx, js) // replays the whole log
	if err := r2.waitApplied(ctx, seq); err != nil {
		t.Fatal(err)
	}
	sameState(t, "the replica that rolled back and one that replayed", r1, r3)
	sameState(t, "the interloper and one that replayed", r2, r3)
}
