package chaos

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/indexer/estest"
	"github.com/newsflow/newsflow/services/ingest/intake"
)

// bulkIndex writes id into index with an external version, as the
// indexer does, in story s1.
func bulkIndex(t *testing.T, es *estest.Server, index, id string, version int) {
	t.Helper()
	bulkIndexSource(t, es, index, id, version, `{"title":"t","story_id":"s1"}`)
}

func bulkIndexSource(t *testing.T, es *estest.Server, index, id string, version int, source string) {
	t.Helper()
	body := fmt.Sprintf("{\"index\":{\"_index\":%q,\"_id\":%q,\"version\":%d,\"version_type\":\"external\"}}\n%s\n", index, id, version, source)
	resp, err := http.Post(es.URL+"/_bulk", "application/x-ndjson", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("bulk: %s", resp.Status)
	}
}

// TestLedgerCounts checks the suite's own bookkeeping: what it calls
// indexed, dead, lost and duplicated.
func TestLedgerCounts(t *testing.T) {
	nc, js := startJS(t)
	es := estest.NewServer()
	defer es.Close()
	ids := []string{"once", "redelivered", "twice", "two-indices", "dead", "lost", "no-story"}
	bulkIndex(t, es, "newsflow-articles-2026.11", "once", 1)
	bulkIndexSource(t, es, "newsflow-articles-2026.11", "no-story", 1, `{"title":"t"}`)
	// A redelivery with the same version is a 409 conflict, not a write.
	bulkIndex(t, es, "newsflow-articles-2026.11", "redelivered", 1)
	bulkIndex(t, es, "newsflow-articles-2026.11", "redelivered", 1)
	bulkIndex(t, es, "newsflow-articles-2026.11", "twice", 1)
	bulkIndex(t, es, "newsflow-articles-2026.11", "twice", 2)
	bulkIndex(t, es, "newsflow-articles-2026.10", "two-indices", 1)
	bulkIndex(t, es, "newsflow-articles-2026.11", "two-indices", 1)
	// A story named after its first report is not a second copy of it.
	bulkIndex(t, es, "newsflow-stories", "once", 1)
	m := nats.NewMsg(stage.SubjectDeadPrefix + stage.NameEnrich)
	m.Data = []byte(`{"id":"dead","title":"t"}`)
	m.Header.Set(stage.HeaderDeadReason, "poison")
	m.Header.Set(stage.HeaderDeadStage, stage.NameEnrich)
	ctx := context.Background()
	if _, err := js.PublishMsg(ctx, m); err != nil {
		t.Fatal(err)
	}
	// A raw article's dead letter is found by the id intake gives it.
	raw := Article("ledger", 1)
	if _, err := js.Publish(ctx, stage.SubjectDeadPrefix+stage.NameIngest, mustJSON(t, raw)); err != nil {
		t.Fatal(err)
	}
	ids = append(ids, intake.ArticleID(raw))
	nc.Flush()

	l := NewLedger(js, es)
	got, err := l.Count(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	want := Count{Sent: 8, Indexed: 5, Dead: 2, Lost: 1, Duplicated: 2, NoStory: 1, FirstDead: "enrich: poison"}
	if got != want {
		t.Errorf("Count = %+v, want %+v", got, want)
	}
	// Settle gives up on the lost one.
	if _, err := l.Reached(ctx, ids, 300*time.Millisecond); err == nil || !strings.Contains(err.Error(), "1 of 8") {
		t.Errorf("Reached = %v, want a timeout naming 1 of 8", err)
	}
}

func TestArticlesAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, tag := range []string{"a", "b"} {
		for i := range 200 {
			id := intake.ArticleID(Article(tag, i))
			if seen[id] {
				t.Fatalf("article %s/%d repeats id %s", tag, i, id)
			}
			seen[id] = true
		}
	}
	if a, b := Article("a", 1), Article("a", 1); a.Text != b.Text {
		t.Error("Article is not deterministic")
	}
	if a, b := Article("a", 1), Article("a", 2); a.Text == b.Text {
		t.Error("two articles share a text")
	}
}
