package search

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/pkg/schema"
)

// TestColumnsBytesPerDocument: the columns of a segment of news-like
// documents (a cluster id on a third, a source and a language each, two
// persons, an organisation and a place with its point, most of the
// entities named by few documents) hold at most 100 bytes a document in
// the heap (92 here; 148 when every column kept a start per document and
// every value was a string of its own). The columns are kept for every
// document of the index as long as newsflow run serves searches, so what
// they take grows with the index.
func TestColumnsBytesPerDocument(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "search")
	ix, err := bleveindex.Open(dir, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const docs = 3000
	published := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	batch := make([]*schema.Document, 0, 500)
	for i := range docs {
		at := published.Add(time.Duration(i) * time.Minute)
		d := &schema.Document{SchemaVersion: schema.Version, ID: fmt.Sprintf("%032x", i*7919), Title: "Harbour news",
			Body: "The harbour reopened.", PublishedAt: &at, IngestedAt: at, Language: []string{"en", "de", "fr"}[i%3],
			Source: schema.Source{Name: fmt.Sprintf("Outlet %d", i%40)},
			Entities: schema.Entities{
				Persons: []schema.Entity{{Name: fmt.Sprintf("Person Number %d", i/2), ID: fmt.Sprintf("Q%d", 1000+i/2)},
					{Name: fmt.Sprintf("Minister Number %d", i%300), ID: fmt.Sprintf("Q%d", 9000+i%300)}},
				Organizations: []schema.Entity{{Name: fmt.Sprintf("Company Number %d", i/3), ID: fmt.Sprintf("Q%d", 5000+i/3)}},
				Places: []schema.Place{{Entity: schema.Entity{Name: fmt.Sprintf("Town %d", i%500), ID: fmt.Sprintf("geonames:%d", i%500)},
					Location: &schema.GeoPoint{Lat: float64(i%500) / 10, Lon: float64(i%500) / 20}, Country: "GB"}},
			}}
		if i%3 == 0 {
			d.ClusterID = fmt.Sprintf("%032x", i*104729)
		}
		batch = append(batch, d)
		if len(batch) == cap(batch) {
			if err := ix.IndexAll(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	adv, err := ix.Bleve().Advanced()
	if err != nil {
		t.Fatal(err)
	}
	if err := adv.(*scorch.Scorch).ForceMerge(ctx, &mergeplan.SingleSegmentMergePlanOptions); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	// Read-only: no merger or persister allocates while the heap is
	// measured.
	ix, err = bleveindex.OpenReadOnly(dir, 10*time.Second, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if adv, err = ix.Bleve().Advanced(); err != nil {
		t.Fatal(err)
	}
	reader, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	segs := reader.(*scorch.IndexSnapshot).Segments()
	if len(segs) != 1 || segs[0].Count() != docs {
		t.Fatalf("%d segments; want one of %d documents", len(segs), docs)
	}
	// The least of three reads: whatever else allocates meanwhile
	// (the test runner, the logger) only adds.
	perDoc := math.Inf(1)
	for range 3 {
		var before, after runtime.MemStats
		// Twice: what sync.Pools hold survives one collection.
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&before)
		cols, err := readColumns(segs[0].Segment())
		if err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(cols)
		perDoc = min(perDoc, (float64(after.HeapAlloc)-float64(before.HeapAlloc))/docs)
	}
	t.Logf("columns: %.0f bytes a document", perDoc)
	if perDoc > 100 {
		t.Errorf("columns hold %.0f bytes a document, want at most 100", perDoc)
	}
}
