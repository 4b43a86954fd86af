package search_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"

	"github.com/newsflow/newsflow/internal/search"
	"github.com/newsflow/newsflow/pkg/schema"
)

// TestSearcherFollowsTheIndex: a Searcher keeps what it read of each
// segment, and still answers from the index as it is after a document
// is replaced, another added and the segments merged.
func TestSearcherFollowsTheIndex(t *testing.T) {
	ix, _ := indexCorpus(t, corpus())
	s := search.ForIndex(ix)
	ctx := context.Background()
	check := func(when string, total int, places []search.Facet, newest []string) {
		t.Helper()
		resp, err := s.Search(ctx, search.Request{Query: "volcano", Sort: search.SortNewest})
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Facets[search.FacetPlaces]; resp.Total != total || !reflect.DeepEqual(got, places) {
			t.Errorf("%s: total %d places %v, want %d %v", when, resp.Total, got, total, places)
		}
		if got := ids(resp); !slices.Equal(got, newest) {
			t.Errorf("%s: newest first %v, want %v", when, got, newest)
		}
	}
	check("indexed", 2, []search.Facet{{"Iceland", 2}, {"London", 1}, {"Reykjavik", 1}}, []string{"b1", "v1"})

	b1 := corpus()[3]
	b1.Entities.Places = []schema.Place{paris}
	v9 := mkdoc("v9", metro, "Volcano quiet again", "The volcano stopped erupting, scientists in London said.",
		t0.Add(5*time.Hour), nil, []schema.Place{london})
	for _, d := range []*schema.Document{b1, v9} {
		if err := ix.Index(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	changed := []search.Facet{{"Iceland", 1}, {"London", 1}, {"Paris", 1}, {"Reykjavik", 1}}
	check("b1 replaced, v9 added", 3, changed, []string{"v9", "b1", "v1"})

	adv, err := ix.Bleve().Advanced()
	if err != nil {
		t.Fatal(err)
	}
	if err := adv.(*scorch.Scorch).ForceMerge(ctx, &mergeplan.SingleSegmentMergePlanOptions); err != nil {
		t.Fatal(err)
	}
	check("merged into one segment", 3, changed, []string{"v9", "b1", "v1"})
}

// TestFiltersDoNotChangeScores: the filters are required beside the
// words (and their phrase) but score nothing, so a hit scores the same
// with and without them.
func TestFiltersDoNotChangeScores(t *testing.T) {
	ix, _ := indexCorpus(t, corpus())
	for _, q := range []string{"volcano", "volcano erupts", "ash volcano"} {
		all := run(t, ix, search.Request{Query: q})
		filtered := run(t, ix, search.Request{Query: q, Place: "Iceland"})
		if len(filtered.Hits) == 0 {
			t.Fatalf("%q in Iceland: no hits", q)
		}
		scores := map[string]float64{}
		for _, h := range all.Hits {
			scores[h.ID] = h.Score
		}
		for _, h := range filtered.Hits {
			if h.Score == 0 || h.Score != scores[h.ID] {
				t.Errorf("%q: %s scores %v in Iceland, %v without the filter", q, h.ID, h.Score, scores[h.ID])
			}
		}
	}
}
