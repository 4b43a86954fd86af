package search_test

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/search"
	"github.com/newsflow/newsflow/internal/search/searchbench"
)

var (
	benchDocs  = flag.Int("bench-docs", 100_000, "documents in the index BenchmarkSearch queries")
	benchIndex = flag.String("bench-index", "", "keep BenchmarkSearch's index in this folder and reuse it when it exists (building 100,000 documents takes minutes)")
)

// BenchmarkSearch measures one search as the web UI and the CLI run it
// (a page of 10 hits, collapsed, with facets) on an index of -bench-docs
// documents, after a first search that reads what a Searcher keeps of
// the index (its time is logged). Besides the wall time it reports cpu-ms/op, the process's
// CPU time per search, which other load on the machine changes less:
//
//	go test ./internal/search -run '^$' -bench BenchmarkSearch -benchtime 20x -args -bench-index /tmp/nf-bench
func BenchmarkSearch(b *testing.B) {
	ix := searchbench.Open(b, *benchIndex, *benchDocs)
	s := search.ForIndex(ix)
	// The first search reads the columns of every segment (see
	// columns.go), once per index: reported apart.
	started := time.Now()
	if _, err := s.Search(context.Background(), search.Request{}); err != nil {
		b.Fatal(err)
	}
	b.Logf("first search after opening the index: %v", time.Since(started).Round(time.Millisecond))
	for _, c := range []struct {
		name string
		req  search.Request
	}{
		{"one word", search.Request{Query: "election"}},
		{"three words", search.Request{Query: "glazer manchester united"}},
		{"phrase", search.Request{Query: `"football club"`}},
		{"filter only", search.Request{Source: "Nordic Wire"}},
		{"everything newest", search.Request{}},
		{"words and person", search.Request{Query: "oil prices", Person: "Vladimir Putin"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			cpu := searchbench.CPUTime(b)
			for b.Loop() {
				if _, err := s.Search(ctx, c.req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(searchbench.CPUTime(b)-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}
