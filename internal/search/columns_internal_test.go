package search

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"

	"github.com/newsflow/newsflow/pkg/schema"
)

// TestColumnCacheForgetsMergedSegments: once the index's segments are
// merged into one, a Searcher keeps the columns of that one only.
func TestColumnCacheForgetsMergedSegments(t *testing.T) {
	ix := emptyIndex(t)
	s := ForIndex(ix)
	ctx := context.Background()
	published := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 4 {
		// One commit, so at least one segment, per document.
		d := &schema.Document{SchemaVersion: schema.Version, ID: fmt.Sprintf("d%d", i), Title: "Harbour news",
			Body: "The harbour reopened.", PublishedAt: &published, IngestedAt: published, Language: "en",
			Source: schema.Source{Name: "Daily Echo"}}
		if err := ix.Index(ctx, d); err != nil {
			t.Fatal(err)
		}
		if resp, err := s.Search(ctx, Request{Query: "harbour"}); err != nil || resp.Total != i+1 {
			t.Fatalf("after %d documents: %v, %v", i+1, resp, err)
		}
	}
	adv, err := ix.Bleve().Advanced()
	if err != nil {
		t.Fatal(err)
	}
	if err := adv.(*scorch.Scorch).ForceMerge(ctx, &mergeplan.SingleSegmentMergePlanOptions); err != nil {
		t.Fatal(err)
	}
	resp, err := s.Search(ctx, Request{Query: "harbour"})
	if err != nil || resp.Total != 4 {
		t.Fatalf("merged: %v, %v", resp, err)
	}
	if n := len(s.cache.segments); n != 1 {
		t.Errorf("the cache holds the columns of %d segments, want the merged one only", n)
	}
}

// TestSearcherWhileIndexing: searches from several goroutines share one
// Searcher while documents are indexed (run with -race); each sees a
// consistent snapshot, and the last sees every document.
func TestSearcherWhileIndexing(t *testing.T) {
	ix := emptyIndex(t)
	s := ForIndex(ix)
	ctx := context.Background()
	published := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const docs = 10
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				resp, err := s.Search(ctx, Request{Query: "harbour", Source: "Daily Echo"})
				if err != nil {
					t.Error(err)
					return
				}
				if n := resp.Facets[FacetSources]; resp.Total > 0 && (len(n) != 1 || n[0].Count != resp.Total) {
					t.Errorf("total %d, sources %v: the facet should count every hit", resp.Total, n)
					return
				}
			}
		})
	}
	for i := range docs {
		d := &schema.Document{SchemaVersion: schema.Version, ID: fmt.Sprintf("d%02d", i), Title: "Harbour news",
			Body: "The harbour reopened.", PublishedAt: &published, IngestedAt: published, Language: "en",
			Source: schema.Source{Name: "Daily Echo"}}
		if err := ix.Index(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	resp, err := s.Search(ctx, Request{Query: "harbour", Source: "Daily Echo"})
	if err != nil || resp.Total != docs {
		t.Fatalf("after indexing: %v, %v; want %d hits", resp, err, docs)
	}
}
