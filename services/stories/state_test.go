package stories

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/newsflow/newsflow/pkg/stage/natstest"
	"github.com/newsflow/newsflow/services/stories/cluster"
)

// decisions are what s would decide for each article, without applying.
func decisions(s *Stories, arts []*cluster.Article) []cluster.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []cluster.Event
	for _, a := range arts {
		out = append(out, s.state.Decide(a))
	}
	return out
}

// A replica restarted after a state snapshot loads it, replays only the
// log after it, and decides like a replica that replayed the whole log.
func TestRestartLoadsTheSnapshotAndReplaysTheTail(t *testing.T) {
	srv := natstest.Server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	js := connect(t, srv.ClientURL())
	docs := corpus(5, 5, 7)
	first := openQuiet(t, ctx, js)
	for _, d := range docs[:12] {
		process(t, ctx, first, d)
	}
	if wrote, err := first.saveState(ctx); err != nil || !wrote {
		t.Fatalf("saveState = %v, %v; want a snapshot written", wrote, err)
	}
	if wrote, err := first.saveState(ctx); err != nil || wrote {
		t.Fatalf("saveState again = %v, %v; want nothing written (the stored one is current)", wrote, err)
	}
	for _, d := range docs[12:18] {
		process(t, ctx, first, d)
	}
	want := storiesOf(first, docs[:18])
	first.Close()

	restarted := openQuiet(t, ctx, js)
	if restarted.loaded != 12 {
		t.Fatalf("restarted replica loaded a snapshot at #%d, want #12", restarted.loaded)
	}
	// A replica without the snapshot (another bucket) replays everything.
	cfg := quietConfig()
	cfg.StateBucket = "STORIES_STATE_NONE"
	replayed, err := New(ctx, js, cfg, restarted.log)
	if err != nil {
		t.Fatal(err)
	}
	defer replayed.Close()
	if replayed.loaded != 0 {
		t.Fatalf("a replica with an empty bucket loaded #%d", replayed.loaded)
	}
	if got := storiesOf(restarted, docs[:18]); !reflect.DeepEqual(got, want) {
		t.Errorf("after the restart the stories are %v, want %v", got, want)
	}
	rest := make([]*cluster.Article, 0, len(docs)-18)
	for _, d := range docs[18:] {
		rest = append(rest, cluster.FromDocument(d))
	}
	if got, all := decisions(restarted, rest), decisions(replayed, rest); !reflect.DeepEqual(got, all) {
		t.Errorf("the restarted replica decides %+v, one that replayed the whole log %+v", got, all)
	}
}

// A corrupt snapshot is refused loudly (a metric, an error log) and the
// whole log is replayed; the next snapshot overwrites it.
func TestCorruptSnapshotIsRefusedAndTheLogReplayed(t *testing.T) {
	srv := natstest.Server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	js := connect(t, srv.ClientURL())
	docs := corpus(3, 4, 8)
	first := openQuiet(t, ctx, js)
	for _, d := range docs {
		process(t, ctx, first, d)
	}
	want := storiesOf(first, docs)
	first.Close()
	store, err := js.ObjectStore(ctx, DefaultConfig().StateBucket)
	if err != nil {
		t.Fatal(err)
	}
	// Claims a far sequence, so that only a refused snapshot is overwritten.
	if _, err := store.Put(ctx, jetstream.ObjectMeta{Name: stateObject, Metadata: map[string]string{seqKey: "999999"}},
		strings.NewReader("not a snapshot")); err != nil {
		t.Fatal(err)
	}
	second := openQuiet(t, ctx, js)
	if got := testutil.ToFloat64(second.stateRefused); got != 1 || second.loaded != 0 {
		t.Fatalf("refused %v snapshots, loaded #%d; want 1 refused, none loaded", got, second.loaded)
	}
	if got := storiesOf(second, docs); !reflect.DeepEqual(got, want) {
		t.Errorf("after replaying the log the stories are %v, want %v", got, want)
	}
	if wrote, err := second.saveState(ctx); err != nil || !wrote {
		t.Fatalf("saveState over a refused snapshot = %v, %v; want written", wrote, err)
	}
	third := openQuiet(t, ctx, js)
	if third.loaded != uint64(len(docs)) {
		t.Errorf("after the rewrite a replica loaded #%d, want #%d", third.loaded, len(docs))
	}
}

// hookedWriter runs first before the first bytes of the encoding reach
// w: the encoder has started and not finished.
type hookedWriter struct {
	w     io.Writer
	first func()
}

func (h *hookedWriter) Write(p []byte) (int, error) {
	if h.first != nil {
		h.first()
		h.first = nil
	}
	return h.w.Write(p)
}

// While the state snapshot is being encoded the stage goes on: an
// article is decided, appended and applied in the middle of the
// encoding, and the snapshot is still the state at the sequence the
// encoding started from (the article is not in it).
func TestAssignCompletesWhileTheSnapshotIsEncoded(t *testing.T) {
	srv := natstest.Server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	js := connect(t, srv.ClientURL())
	docs := corpus(4, 4, 9)
	s := openQuiet(t, ctx, js)
	for _, d := range docs[:15] {
		process(t, ctx, s, d)
	}
	late := docs[15]
	type result struct {
		id  string
		err error
	}
	assigned := make(chan result, 1)
	completedDuring := false
	s.encodingHook = func(w io.Writer) io.Writer {
		return &hookedWriter{w: w, first: func() {
			go func() {
				id, err := s.Assign(ctx, cluster.FromDocument(late))
				assigned <- result{id, err}
			}()
			// The deadline only ends a test that would otherwise hang:
			// with the lock held over the encoding, the Assign waits for
			// the encoding, which waits here.
			select {
			case r := <-assigned:
				completedDuring = true
				assigned <- r
			case <-time.After(30 * time.Second):
			}
		}}
	}
	if wrote, err := s.saveState(ctx); err != nil || !wrote {
		t.Fatalf("saveState = %v, %v; want written", wrote, err)
	}
	r := <-assigned
	if r.err != nil {
		t.Fatal(r.err)
	}
	if !completedDuring {
		t.Fatal("an Assign did not complete while the snapshot was being encoded")
	}
	if got, ok := s.StoryOf(late.ID); !ok || got != r.id {
		t.Errorf("the state has %s in %q (%v), Assign said %q", late.ID, got, ok, r.id)
	}
	data, err := s.stateStore.GetBytes(ctx, stateObject)
	if err != nil {
		t.Fatal(err)
	}
	bg, err := cluster.ShippedBackground()
	if err != nil {
		t.Fatal(err)
	}
	stored, err := cluster.DecodeState(data, s.cfg.Params, bg)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Seq() != 15 {
		t.Errorf("the snapshot covers #%d, want #15 (the state when the encoding started)", stored.Seq())
	}
	if id, ok := stored.StoryOf(late.ID); ok {
		t.Errorf("the snapshot holds %s (in %s), decided after the encoding started", late.ID, id)
	}
}
