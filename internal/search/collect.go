package search

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// One pass over a search's matches ranks them, collapses them into
// clusters and counts Total, the facets and the histogram, reading
// everything from the segments' columns (columns.go). The matching
// copies are kept by cluster; once every match has been seen, those
// whose cluster has no matching original are the orphans, counted then.
// Ranking keeps the best wanted clusters in a heap keyed by cluster, so
// a cluster is ranked where its best member is and copies of one story
// never crowd another out; the id of a document is read only when it
// enters the heap or ties with the worst cluster kept.

// collected is what the pass found.
type collected struct {
	// total counts the matches as Response.Total does.
	total int
	// facets counts the values of each facetFields entry, by name.
	facets map[string]map[string]int
	days   map[string]int
	// points counts the place positions, when the request asks for
	// them.
	points map[string]int
	// ranked are the page's clusters (documents with
	// IncludeDuplicates), best first, the From first ones included.
	ranked []*ranked
}

// ranked is a cluster's best-ranked matching member.
type ranked struct {
	id      string
	cluster string
	score   float64
	day     string // YYYY-MM-DD, empty when undated
	time    int64  // Unix nanoseconds, set when day is
	slot    int    // position in the heap
}

// segmentCounts are one segment's counts, by ordinal of its columns.
type segmentCounts struct {
	facets [][]int32 // by facetFields entry
	days   []int32
	points []int32 // nil unless the request asks for points
	// originals flags the clusters (cluster ordinals) that have a
	// matching original.
	originals []bool
	// copies are the matching copies (segment numbers) by cluster
	// ordinal.
	copies map[int][]uint64
}

// collector is one pass's state.
type collector struct {
	reader            index.IndexReader
	sortBy            Sort
	want              int
	includeDuplicates bool
	// findOrphans keeps the matching copies to tell the orphans.
	findOrphans bool

	out    collected
	cols   *snapshotColumns
	counts []segmentCounts
	last   index.IndexInternalID
	top    rankHeap
	// byCluster are the heap's entries by cluster.
	byCluster map[string]*ranked
	// unclustered are the matching originals without cluster_id, in
	// index order.
	unclustered []uint64
	// lonely are the matching copies without cluster_id (each its own
	// cluster, so an orphan), as internal ids.
	lonely []uint64
}

// passOptions say what a pass computes beyond the request.
type passOptions struct {
	sortBy Sort
	// scored: the query has words, and results are ranked by
	// relevance; otherwise nothing is scored (every score is 0).
	scored bool
	// everything: the query has no words and no filters, so every
	// original matches and no copy can be an orphan.
	everything bool
}

// collect runs q once over reader, whose segments' columns are cols.
// ctx carries the scoring model and the BM25 statistics (see
// collectWith).
func collect(ctx context.Context, m mapping.IndexMapping, reader index.IndexReader, cols *snapshotColumns, q query.Query, req Request, po passOptions) (*collected, error) {
	c := &collector{
		reader:            reader,
		sortBy:            po.sortBy,
		want:              req.From + req.Size,
		includeDuplicates: req.IncludeDuplicates,
		findOrphans:       !req.IncludeDuplicates && !po.everything,
		cols:              cols,
		counts:            make([]segmentCounts, len(cols.segments)),
		byCluster:         map[string]*ranked{},
	}
	c.top.c = c
	for i, sc := range cols.segments {
		counts := &c.counts[i]
		for _, f := range sc.facets {
			counts.facets = append(counts.facets, make([]int32, f.len()))
		}
		counts.days = make([]int32, sc.day.len())
		if req.Points > 0 {
			counts.points = make([]int32, sc.points.len())
		}
		if c.findOrphans {
			counts.originals = make([]bool, sc.cluster.len())
			counts.copies = map[int][]uint64{}
		}
	}

	opts := bsearch.SearcherOptions{}
	if !po.scored {
		opts.Score = "none"
	}
	searcher, err := q.Searcher(ctx, reader, m, opts)
	if err != nil {
		return nil, fmt.Errorf("bleve searcher: %w", err)
	}
	defer searcher.Close()
	sctx := &bsearch.SearchContext{
		DocumentMatchPool: bsearch.NewDocumentMatchPool(searcher.DocumentMatchPoolSize()+1, 0),
		IndexReader:       reader,
	}
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		d, err := searcher.Next(sctx)
		if err != nil {
			return nil, fmt.Errorf("bleve search: %w", err)
		}
		if d == nil {
			break
		}
		if err := c.add(d); err != nil {
			return nil, err
		}
		sctx.DocumentMatchPool.Put(d)
	}
	if err := c.orphans(); err != nil {
		return nil, err
	}
	c.out.facets, c.out.days, c.out.points = c.totals()
	c.out.ranked = make([]*ranked, len(c.top.items))
	for i := len(c.top.items) - 1; i >= 0; i-- {
		c.out.ranked[i] = heap.Pop(&c.top).(*ranked)
	}
	return &c.out, nil
}

// add takes one match.
func (c *collector) add(d *bsearch.DocumentMatch) error {
	if c.last != nil && bytes.Compare(d.IndexInternalID, c.last) <= 0 {
		return fmt.Errorf("bleve search: matches out of index order at %x", d.IndexInternalID)
	}
	c.last = append(c.last[:0], d.IndexInternalID...)
	seg, doc, err := c.cols.locate(d.IndexInternalID)
	if err != nil {
		return err
	}
	sc := c.cols.segments[seg]
	isCopy := !c.includeDuplicates && sc.copies[doc]
	if !isCopy {
		c.count(seg, doc)
	}
	if c.findOrphans {
		counts := &c.counts[seg]
		switch cluster := sc.cluster.first(doc); {
		case !isCopy && cluster >= 0:
			counts.originals[cluster] = true
		case !isCopy:
			c.unclustered = append(c.unclustered, docNum(d.IndexInternalID))
		case cluster < 0:
			c.lonely = append(c.lonely, docNum(d.IndexInternalID))
		default:
			counts.copies[cluster] = append(counts.copies[cluster], doc)
		}
	}
	return c.rank(d, sc, doc)
}

// count counts a document that Total counts: Total, its facets and its
// day.
func (c *collector) count(seg int, doc uint64) {
	c.out.total++
	sc, counts := c.cols.segments[seg], &c.counts[seg]
	for f := range sc.facets {
		n := counts.facets[f]
		for _, o := range sc.facets[f].of(doc) {
			n[o]++
		}
	}
	if day := sc.day.first(doc); day >= 0 {
		counts.days[day]++
	}
	if counts.points != nil {
		for _, o := range sc.points.of(doc) {
			counts.points[o]++
		}
	}
}

// totals adds up the segments' counts by value: the facets by name,
// the days and the points.
func (c *collector) totals() (map[string]map[string]int, map[string]int, map[string]int) {
	sum := func(values func(*segmentColumns) *column, counts func(*segmentCounts) []int32) map[string]int {
		m := map[string]int{}
		for i, sc := range c.cols.segments {
			vs := values(sc)
			for o, n := range counts(&c.counts[i]) {
				if n > 0 {
					m[vs.value(o)] += int(n)
				}
			}
		}
		return m
	}
	facets := make(map[string]map[string]int, len(facetFields))
	for f, ff := range facetFields {
		facets[ff.name] = sum(func(sc *segmentColumns) *column { return &sc.facets[f] },
			func(n *segmentCounts) []int32 { return n.facets[f] })
	}
	days := sum(func(sc *segmentColumns) *column { return &sc.day }, func(n *segmentCounts) []int32 { return n.days })
	points := sum(func(sc *segmentColumns) *column { return &sc.points }, func(n *segmentCounts) []int32 { return n.points })
	return facets, days, points
}

// docNum is a scorch internal id as a number, for sorting and lookups.
func docNum(id index.IndexInternalID) uint64 {
	var n uint64
	for _, b := range id {
		n = n<<8 | uint64(b)
	}
	return n
}

// orphans counts the matching copies whose cluster's original does not
// match: Total, facets and days, once per copy.
func (c *collector) orphans() error {
	if !c.findOrphans {
		return nil
	}
	for _, n := range c.lonely {
		seg, doc, err := c.cols.locate(internalID(n))
		if err != nil {
			return err
		}
		c.count(seg, doc)
	}
	for seg, sc := range c.cols.segments {
		for cluster, docs := range c.counts[seg].copies {
			matched, err := c.originalMatches(sc.cluster.value(cluster))
			if err != nil {
				return err
			}
			if !matched {
				for _, doc := range docs {
					c.count(seg, doc)
				}
			}
		}
	}
	return nil
}

// originalMatches reports whether an original of cluster matches: one
// with that cluster_id in any segment, or the original itself without
// cluster_id (indexed before dedupe saw a copy; its id is the
// cluster's).
func (c *collector) originalMatches(cluster string) (bool, error) {
	for seg, sc := range c.cols.segments {
		if o := sc.cluster.lookup(cluster); o >= 0 && c.counts[seg].originals[o] {
			return true, nil
		}
	}
	id, err := c.reader.InternalID(cluster)
	if err != nil {
		return false, fmt.Errorf("cluster %s: %w", cluster, err)
	}
	if id == nil {
		return false, nil
	}
	_, found := slices.BinarySearch(c.unclustered, docNum(id))
	return found, nil
}

// internalID is docNum's inverse (scorch ids are 8 bytes).
func internalID(n uint64) index.IndexInternalID {
	id := make(index.IndexInternalID, 8)
	binary.BigEndian.PutUint64(id, n)
	return id
}

// rank offers a match, document doc of the segment whose columns are
// sc, to the heap of the best clusters.
func (c *collector) rank(d *bsearch.DocumentMatch, sc *segmentColumns, doc uint64) error {
	var day string
	if c.sortBy != SortRelevance {
		if o := sc.day.first(doc); o >= 0 {
			day = sc.day.value(o)
		}
	}
	full := len(c.top.items) >= c.want
	if full && c.first(d.Score, day, c.top.items[0]) < 0 {
		return nil // below every cluster kept: nothing more to read
	}
	r := ranked{score: d.Score, day: day}
	if day != "" {
		r.time = sc.times[doc]
	}
	id, err := c.reader.ExternalID(d.IndexInternalID)
	if err != nil {
		return fmt.Errorf("document id: %w", err)
	}
	r.id = id
	if full && c.compare(&r, c.top.items[0]) < 0 {
		return nil
	}
	r.cluster = id
	if o := sc.cluster.first(doc); o >= 0 {
		r.cluster = sc.cluster.value(o)
	}
	key := c.keyOf(&r)
	if kept, ok := c.byCluster[key]; ok {
		if c.compare(&r, kept) > 0 {
			r.slot = kept.slot
			*kept = r
			heap.Fix(&c.top, kept.slot)
		}
		return nil
	}
	if full {
		worst := heap.Pop(&c.top).(*ranked)
		delete(c.byCluster, c.keyOf(worst))
	}
	kept := &r
	c.byCluster[key] = kept
	heap.Push(&c.top, kept)
	return nil
}

func (c *collector) keyOf(r *ranked) string {
	if c.includeDuplicates {
		return r.id
	}
	return r.cluster
}

// first orders a document of score and day against a kept one by the
// sort's first key, the score or the day: > 0 when it ranks before b,
// 0 on a tie.
func (c *collector) first(score float64, day string, b *ranked) int {
	if c.sortBy == SortRelevance {
		switch {
		case score > b.score:
			return 1
		case score < b.score:
			return -1
		}
		return 0
	}
	// Undated documents last, in either order.
	if (len(day) == 0) != (len(b.day) == 0) {
		if len(day) > 0 {
			return 1
		}
		return -1
	}
	cmp := strings.Compare(day, b.day)
	if c.sortBy == SortOldest {
		cmp = -cmp
	}
	return cmp
}

// compareKeys orders a and b by the sort alone: > 0 when a ranks
// before b, 0 on a tie.
func (c *collector) compareKeys(a, b *ranked) int {
	if k := c.first(a.score, a.day, b); k != 0 || c.sortBy == SortRelevance || len(a.day) == 0 {
		return k
	}
	switch {
	case a.time == b.time:
		return 0
	case (a.time > b.time) == (c.sortBy == SortNewest):
		return 1
	}
	return -1
}

// compare is compareKeys with ties broken by id (the smaller first).
func (c *collector) compare(a, b *ranked) int {
	if k := c.compareKeys(a, b); k != 0 {
		return k
	}
	switch {
	case a.id < b.id:
		return 1
	case a.id > b.id:
		return -1
	}
	return 0
}

// rankHeap keeps the worst kept cluster on top.
type rankHeap struct {
	items []*ranked
	c     *collector
}

func (h *rankHeap) Len() int           { return len(h.items) }
func (h *rankHeap) Less(i, j int) bool { return h.c.compare(h.items[i], h.items[j]) < 0 }
func (h *rankHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].slot, h.items[j].slot = i, j
}
func (h *rankHeap) Push(x any) {
	r := x.(*ranked)
	r.slot = len(h.items)
	h.items = append(h.items, r)
}
func (h *rankHeap) Pop() any {
	r := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return r
}

// collectWith runs collect on a reader of the index's current snapshot,
// scoring as bleve's own searches do (the mapping's model, with the
// run's BM25 statistics), with the columns of its segments from cache.
func (s *run) collectWith(cache *columnCache, q query.Query, req Request, po passOptions) (*collected, error) {
	adv, err := s.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("bleve index: %w", err)
	}
	reader, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("bleve reader: %w", err)
	}
	defer reader.Close()
	cols, err := cache.columns(reader)
	if err != nil {
		return nil, err
	}
	model := index.DefaultScoringModel
	if m, ok := s.idx.Mapping().(*mapping.IndexMappingImpl); ok && m.ScoringModel != "" {
		model = m.ScoringModel
	}
	ctx := context.WithValue(s.ctx, bsearch.GetScoringModelCallbackKey, bsearch.GetScoringModelCallbackFn(func() string { return model }))
	if s.stats != nil {
		ctx = context.WithValue(ctx, bsearch.BM25StatsKey, s.stats)
	}
	return collect(ctx, s.idx.Mapping(), reader, cols, q, req, po)
}

// top lists the n most frequent values of counts, ties by name.
func top(counts map[string]int, n int) []Facet {
	list := make([]Facet, 0, len(counts))
	for v, c := range counts {
		list = append(list, Facet{Name: v, Count: c})
	}
	slices.SortFunc(list, func(a, b Facet) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Name, b.Name)
	})
	return list[:min(len(list), n)]
}
