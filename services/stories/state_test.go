package stories

import (
	"context"
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
