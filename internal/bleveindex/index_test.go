package bleveindex_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/pkg/schema"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func doc(id, title, body string, ingested time.Time) *schema.Document {
	pub := ingested.Add(-time.Hour)
	return &schema.Document{
		SchemaVersion: schema.Version,
		ID:            id,
		URL:           "https://example.org/" + id,
		Source:        schema.Source{Name: "Example News", Domain: "example.org"},
		Title:         title,
		Body:          body,
		PublishedAt:   &pub,
		IngestedAt:    ingested,
		Language:      "en",
		WordCount:     schema.CountWords(body),
		Entities: schema.Entities{
			Persons: []schema.Entity{{Name: "Ada Lovelace", ID: "Q7259", Mentions: 1, Salience: 0.5}},
			Places:  []schema.Place{{Entity: schema.Entity{Name: "London", ID: "Q84", Mentions: 1, Salience: 0.3}, Country: "GB"}},
		},
	}
}

func open(t testing.TB, dir string) *bleveindex.Index {
	t.Helper()
	ix, err := bleveindex.Open(dir, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return ix
}

// newDocIDRequest asks for the stored fields of one document.
func newDocIDRequest(id string, fields ...string) *bleve.SearchRequest {
	sr := bleve.NewSearchRequest(bleve.NewDocIDQuery([]string{id}))
	sr.Fields = fields
	return sr
}

// revised sets d's dedupe revision as dedupe does.
func revised(d *schema.Document, rev int) *schema.Document {
	d.DedupeRevision = uint64(rev)
	return d
}

// forged gives d the metadata a scraper may send, named like dedupe's field.
func forged(d *schema.Document) *schema.Document {
	d.Metadata = map[string]any{"dedupe_revision": float64(4000000)}
	return d
}

// storedTitle returns the title the index holds for id, or "" if none.
func storedTitle(t *testing.T, ix *bleveindex.Index, id string) string {
	t.Helper()
	sr := newDocIDRequest(id, bleveindex.FieldTitle)
	res, err := ix.Bleve().Search(sr)
	if err != nil {
		t.Fatalf("search %s: %v", id, err)
	}
	if len(res.Hits) == 0 {
		return ""
	}
	s, _ := res.Hits[0].Fields[bleveindex.FieldTitle].(string)
	return s
}

func count(t *testing.T, ix *bleveindex.Index) uint64 {
	t.Helper()
	n, err := ix.Count()
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	return n
}

func TestReopenKeepsDocuments(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "search")
	ix := open(t, dir)
	for i := range 3 {
		if err := ix.Index(ctx, doc(fmt.Sprintf("d%d", i), fmt.Sprintf("Title %d", i), "Some body text about harbours.", t0)); err != nil {
			t.Fatalf("Index: %v", err)
		}
	}
	if err := ix.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ix = open(t, dir)
	defer ix.Close()
	if got, want := count(t, ix), uint64(3); got != want {
		t.Errorf("count after reopen = %d, want %d", got, want)
	}
	if got, want := storedTitle(t, ix, "d1"), "Title 1"; got != want {
		t.Errorf("title of d1 = %q, want %q", got, want)
	}
	q := bleve.NewMatchQuery("harbour") // stemmed: finds "harbours"
	q.SetField(bleveindex.FieldBody)
	res, err := ix.Bleve().Search(bleve.NewSearchRequest(q))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Total, uint64(3); got != want {
		t.Errorf("body matches for harbour = %d, want %d", got, want)
	}
}

func TestVersionsByIngestedAt(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		writes []*schema.Document
		want   string
	}{
		{"newer replaces", []*schema.Document{doc("a", "old", "b", t0), doc("a", "new", "b", t0.Add(time.Minute))}, "new"},
		{"same time replaces", []*schema.Document{doc("a", "first", "b", t0), doc("a", "second", "b", t0)}, "second"},
		{"older is skipped", []*schema.Document{doc("a", "new", "b", t0.Add(time.Minute)), doc("a", "old", "b", t0)}, "new"},
		{"replay of older after newer", []*schema.Document{doc("a", "v1", "b", t0), doc("a", "v3", "b", t0.Add(2*time.Minute)), doc("a", "v2", "b", t0.Add(time.Minute))}, "v3"},
		// A dedupe merge re-sends the article with the same ingest time
		// and a later revision; it may arrive before or after the first
		// decision.
		{"merge after first decision", []*schema.Document{revised(doc("a", "first", "b", t0), 7), revised(doc("a", "merge", "b", t0), 12)}, "merge"},
		{"merge overtaken by first decision", []*schema.Document{revised(doc("a", "merge", "b", t0), 12), revised(doc("a", "first", "b", t0), 7)}, "merge"},
		// A scraper's metadata is not dedupe's decision.
		{"scraper metadata is no revision", []*schema.Document{revised(doc("a", "merge", "b", t0), 12), forged(revised(doc("a", "first", "b", t0), 7))}, "merge"},
		{"later time beats a revision", []*schema.Document{revised(doc("a", "merge", "b", t0), 12), doc("a", "reingested", "b", t0.Add(time.Minute))}, "reingested"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := open(t, t.TempDir())
			defer ix.Close()
			for _, d := range tt.writes {
				if err := ix.Index(ctx, d); err != nil {
					t.Fatalf("Index(%s): %v", d.Title, err)
				}
			}
			if got := storedTitle(t, ix, "a"); got != tt.want {
				t.Errorf("title = %q, want %q", got, tt.want)
			}
			if got, want := count(t, ix), uint64(1); got != want {
				t.Errorf("count = %d, want %d", got, want)
			}
		})
	}
}

// TestVersionsInOneBatch sends versions of one id concurrently, so that
// they meet in the same batch; the newest must win whatever the order.
func TestVersionsInOneBatch(t *testing.T) {
	ctx := context.Background()
	ix, err := bleveindex.OpenWith(t.TempDir(), zaptest.NewLogger(t), bleveindex.Options{Linger: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			d := doc("x", fmt.Sprintf("v%02d", i), "body", t0.Add(time.Duration(i)*time.Second))
			if err := ix.Index(ctx, d); err != nil {
				t.Errorf("Index: %v", err)
			}
		})
	}
	wg.Wait()
	if got, want := storedTitle(t, ix, "x"), "v19"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
}

func TestConcurrentIndex(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	ix, err := bleveindex.OpenWith(t.TempDir(), zaptest.NewLogger(t), bleveindex.Options{Registerer: reg, BatchSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	const writers, perWriter = 16, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				id := fmt.Sprintf("w%d-%d", w, i)
				if err := ix.Index(ctx, doc(id, "Title "+id, "Body of "+id, t0)); err != nil {
					t.Errorf("Index(%s): %v", id, err)
				}
				// Every caller's document is searchable once Index returns.
				if got := storedTitle(t, ix, id); got != "Title "+id {
					t.Errorf("after Index(%s) returned, stored title = %q", id, got)
				}
			}
		})
	}
	wg.Wait()
	if got, want := count(t, ix), uint64(writers*perWriter); got != want {
		t.Errorf("count = %d, want %d", got, want)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var batches float64
	for _, mf := range mfs {
		if mf.GetName() == "newsflow_bleve_batch_documents" {
			batches = float64(mf.GetMetric()[0].GetHistogram().GetSampleCount())
		}
	}
	if batches == 0 || batches >= writers*perWriter {
		t.Errorf("%v batches for %d documents: want group commit to batch them", batches, writers*perWriter)
	}
	t.Logf("%d documents in %v batches", writers*perWriter, batches)
}

func TestMetricsCountStale(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	ix, err := bleveindex.OpenWith(t.TempDir(), zaptest.NewLogger(t), bleveindex.Options{Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for _, d := range []*schema.Document{doc("a", "new", "b", t0.Add(time.Hour)), doc("a", "old", "b", t0), doc("b", "x", "b", t0)} {
		if err := ix.Index(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	got, err := testutil.GatherAndCount(reg, "newsflow_bleve_documents_total")
	if err != nil {
		t.Fatal(err)
	}
	if got == 0 {
		t.Fatal("no newsflow_bleve_documents_total series")
	}
	const want = `
# HELP newsflow_bleve_documents_total Documents handed to the Bleve index, by result: indexed, stale (an older ingested_at than the indexed version; skipped), failed.
# TYPE newsflow_bleve_documents_total counter
newsflow_bleve_documents_total{result="failed"} 0
newsflow_bleve_documents_total{result="indexed"} 2
newsflow_bleve_documents_total{result="stale"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "newsflow_bleve_documents_total"); err != nil {
		t.Error(err)
	}
}

func TestInvalidDocument(t *testing.T) {
	ix := open(t, t.TempDir())
	defer ix.Close()
	for _, d := range []*schema.Document{nil, {ID: ""}} {
		if err := ix.Index(context.Background(), d); !errors.Is(err, bleveindex.ErrInvalidDocument) {
			t.Errorf("Index(%v) = %v, want ErrInvalidDocument", d, err)
		}
	}
}

func TestIndexAfterClose(t *testing.T) {
	ix := open(t, t.TempDir())
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := ix.Index(context.Background(), doc("a", "t", "b", t0)); !errors.Is(err, bleveindex.ErrClosed) {
		t.Errorf("Index after Close = %v, want ErrClosed", err)
	}
}

func TestOpenReadOnly(t *testing.T) {
	log := zaptest.NewLogger(t)
	dir := t.TempDir()
	if _, err := bleveindex.OpenReadOnly(filepath.Join(dir, "none"), 100*time.Millisecond, log); !errors.Is(err, bleveindex.ErrNotFound) {
		t.Errorf("OpenReadOnly(missing) = %v, want ErrNotFound", err)
	}

	ix := open(t, dir)
	if err := ix.Index(context.Background(), doc("a", "kept", "b", t0)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := bleveindex.OpenReadOnly(dir, 200*time.Millisecond, log); !errors.Is(err, bleveindex.ErrLocked) {
		t.Errorf("OpenReadOnly while open for writing = %v, want ErrLocked", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("OpenReadOnly waited %v for the lock, want about 200ms", waited)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	ro, err := bleveindex.OpenReadOnly(dir, time.Second, log)
	if err != nil {
		t.Fatalf("OpenReadOnly after Close: %v", err)
	}
	defer ro.Close()
	if got, want := storedTitle(t, ro, "a"), "kept"; got != want {
		t.Errorf("read-only title = %q, want %q", got, want)
	}
	if err := ro.Index(context.Background(), doc("b", "t", "b", t0)); !errors.Is(err, bleveindex.ErrReadOnly) {
		t.Errorf("Index on read-only = %v, want ErrReadOnly", err)
	}
	// Two readers share the lock.
	ro2, err := bleveindex.OpenReadOnly(dir, time.Second, log)
	if err != nil {
		t.Fatalf("second OpenReadOnly: %v", err)
	}
	ro2.Close()
}

func TestBM25StatsUseTrueLengths(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ix := open(t, dir)
	if st, err := ix.BM25Stats(); err != nil || st != nil {
		t.Errorf("empty index: BM25Stats = %v, %v; want nil, nil", st, err)
	}
	// Titles of 2 and 4 tokens, bodies of 10 and 30 (no stop words).
	body := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = fmt.Sprintf("word%d", i)
		}
		return strings.Join(w, " ")
	}
	for _, d := range []*schema.Document{
		doc("a", "alpha beta", body(10), t0),
		doc("b", "gamma delta epsilon zeta", body(30), t0),
	} {
		if err := ix.Index(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	check := func(ix *bleveindex.Index, when string) {
		t.Helper()
		st, err := ix.BM25Stats()
		if err != nil || st == nil {
			t.Fatalf("%s: BM25Stats = %v, %v", when, st, err)
		}
		// bleve's average length is cardinality / doc count.
		for field, want := range map[string]int{bleveindex.FieldTitle: 3, bleveindex.FieldBody: 20} {
			if got := float64(st.FieldCardinality[field]) / st.DocCount; got != float64(want) {
				t.Errorf("%s: average %s length = %v, want %v", when, field, got, want)
			}
		}
		if _, ok := st.FieldCardinality[bleveindex.FieldSourceLower]; !ok {
			t.Errorf("%s: no statistics for %s; bleve fails term queries on fields without them", when, bleveindex.FieldSourceLower)
		}
	}
	check(ix, "open")
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := bleveindex.OpenReadOnly(dir, time.Second, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	check(ro, "reopened")
}

// openLingering opens an index whose batches linger an hour for more
// documents, and a context that ends long before that.
func openLingering(t *testing.T) (*bleveindex.Index, context.Context) {
	t.Helper()
	ix, err := bleveindex.OpenWith(filepath.Join(t.TempDir(), "idx"), zaptest.NewLogger(t), bleveindex.Options{Linger: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ix, ctx
}

// CommitNow commits a batch that would otherwise wait out its linger: a
// document sent to an index lingering an hour for more is committed and
// answered. Without CommitNow, Index would wait the hour (the test's
// deadline ends it first).
func TestCommitNowEndsTheLinger(t *testing.T) {
	ix, ctx := openLingering(t)
	done := make(chan error, 1)
	go func() { done <- ix.Index(ctx, doc("a1", "Harbour reopens", "The harbour reopened on Monday.", t0)) }()
	// Asked before or after the document reaches the writer, the batch
	// holding it commits without lingering.
	ix.CommitNow()
	if err := <-done; err != nil {
		t.Fatalf("Index after CommitNow: %v; want the document committed before the hour-long linger ends", err)
	}
	if n, err := ix.Count(); err != nil || n != 1 {
		t.Errorf("Count = %d, %v; want 1", n, err)
	}
}

// SetLinger replaces the linger of the options: shorter, a document is
// committed at once, whether it was sent before or after.
func TestSetLingerTakesEffect(t *testing.T) {
	ix, ctx := openLingering(t)
	ix.SetLinger(-1)
	if err := ix.Index(ctx, doc("a1", "Harbour reopens", "The harbour reopened on Monday.", t0)); err != nil {
		t.Fatalf("Index after SetLinger(-1): %v; want the document committed without the hour-long linger of the options", err)
	}
	ix.SetLinger(2 * time.Hour)
	done := make(chan error, 1)
	go func() { done <- ix.Index(ctx, doc("a2", "Ferry resumes", "The ferry resumed on Tuesday.", t0)) }()
	// Shortened before or after the document reaches the writer, the
	// batch holding it commits without lingering.
	ix.SetLinger(-1)
	if err := <-done; err != nil {
		t.Fatalf("Index after the linger was shortened: %v; want it committed", err)
	}
	if n, err := ix.Count(); err != nil || n != 2 {
		t.Errorf("Count = %d, %v; want 2", n, err)
	}
}
