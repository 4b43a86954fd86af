package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/internal/search"
	"github.com/newsflow/newsflow/pkg/schema"
)

// timeSearches runs each sampled article's title as a query, the way
// `newsflow search` does (facets, collapse, snippets), and prints the
// latency and how often the article (or its cluster) is the first hit or
// among the first ten.
func timeSearches(ctx context.Context, ix *bleveindex.Index, sample []*schema.Document, out io.Writer) error {
	s := search.ForIndex(ix)
	lat := make([]time.Duration, 0, len(sample))
	var at1, at10 int
	for _, d := range sample {
		start := time.Now()
		res, err := s.Search(ctx, search.Request{Query: d.Title, Size: 10})
		if err != nil {
			return fmt.Errorf("search %q: %w", d.Title, err)
		}
		lat = append(lat, time.Since(start))
		for i, h := range res.Hits {
			if h.ID == d.ID || (d.ClusterID != "" && h.ClusterID == d.ClusterID) {
				if i == 0 {
					at1++
				}
				at10++
				break
			}
		}
	}
	slices.Sort(lat)
	var sum time.Duration
	for _, l := range lat {
		sum += l
	}
	n := len(lat)
	fmt.Fprintf(out, "%d title searches: mean %s, p50 %s, p95 %s; article first %d/%d, in top 10 %d/%d\n",
		n, (sum / time.Duration(n)).Round(time.Microsecond), lat[n/2].Round(time.Microsecond),
		lat[n*95/100].Round(time.Microsecond), at1, n, at10, n)
	return nil
}
