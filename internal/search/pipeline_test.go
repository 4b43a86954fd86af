package search_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/internal/search"
	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
)

// TestPipelineToSearch runs the embedded index as a stage on a real
// (embedded) NATS server, publishes the corpus and an older replay of one
// article on articles.enriched, shuts down in order, and searches the
// result read-only, as `newsflow search` does.
func TestPipelineToSearch(t *testing.T) {
	srv := natstest.Server(t)
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := stage.DefaultConfig()
	cfg.Consumer.Concurrency = 8
	cfg.Consumer.AckWait = 5 * time.Second
	cfg.Streams.MaxBytes = 64 << 20
	log := zaptest.NewLogger(t)
	rt, err := stage.OpenConn(ctx, nc, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	ix, err := bleveindex.OpenWith(filepath.Join(data, "search"), log, bleveindex.Options{Registerer: rt.Registry()})
	if err != nil {
		t.Fatal(err)
	}
	rt.OnShutdown(func(context.Context) error { return ix.Close() })
	cons, err := stage.Start(ctx, rt, ix.Stage(nil))
	if err != nil {
		t.Fatal(err)
	}

	pub, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	js, err := jetstream.New(pub)
	if err != nil {
		t.Fatal(err)
	}
	docs := corpus()
	stale := *docs[3] // b1, replayed with an older ingest time and another title
	stale.Title = "Stale title"
	stale.IngestedAt = docs[3].IngestedAt.Add(-time.Hour)
	publish := func(d *schema.Document) {
		t.Helper()
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.Publish(ctx, stage.SubjectStoried, b); err != nil {
			t.Fatal(err)
		}
	}
	handled := func(n int) {
		t.Helper()
		for st := cons.Stats(); st.Out+st.Dead < uint64(n); st = cons.Stats() {
			select {
			case <-ctx.Done():
				t.Fatalf("timed out waiting for %d documents: stats %+v", n, st)
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	for _, d := range docs {
		publish(d)
	}
	handled(len(docs))
	// The replay comes after the newer version is indexed, in its own batch.
	publish(&stale)
	handled(len(docs) + 1)
	if st := cons.Stats(); st.Dead != 0 {
		t.Errorf("dead-lettered %d documents", st.Dead)
	}
	if err := rt.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}

	ro, err := bleveindex.OpenReadOnly(filepath.Join(data, "search"), time.Second, log)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	resp := run(t, ro, search.Request{IncludeDuplicates: true})
	got := ids(resp)
	sort.Strings(got)
	if want := []string{"b1", "e1", "e2", "v1", "v2", "v3"}; !slices.Equal(got, want) {
		t.Errorf("indexed = %v, want %v", got, want)
	}
	for _, h := range resp.Hits {
		if h.ID == "b1" && h.Title != docs[3].Title {
			t.Errorf("b1 title = %q: the older replay overwrote the newer version", h.Title)
		}
	}
}
