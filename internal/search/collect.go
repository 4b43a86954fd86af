package search

import (
	"bytes"
	"container/heap"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/numeric"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/newsflow/newsflow/internal/bleveindex"
)

// One pass over a search's matches ranks them, collapses them into
// clusters and counts Total, the facets and the histogram. For each
// match it reads whether it is a copy from the copy flag's postings
// (the matches come in index order, so one cursor follows them), then
// only the doc values it needs: an original's (or, with
// IncludeDuplicates, any document's) facet fields and day; a copy's day
// when results are sorted by date; its cluster_id when orphan copies
// are possible. The matching copies are kept by cluster; once every
// match has been seen, those whose cluster has no matching original are
// the orphans, whose facets are read then. Ranking keeps the best
// wanted clusters in a heap keyed by cluster, so a cluster is ranked
// where its best member is and copies of one story never crowd another
// out; the id and cluster of a document are read only when it enters
// the heap or ties with the worst cluster kept, and so is its exact
// time when results are sorted by date (the day decides first: a date's
// doc values are its terms at every precision, many times the day's
// bytes).

// collected is what the pass found.
type collected struct {
	// total counts the matches as Response.Total does.
	total int
	// facets counts the values of each facetFields entry, by name.
	facets map[string]map[string]*int
	days   map[string]*int
	// ranked are the page's clusters (documents with
	// IncludeDuplicates), best first, the From first ones included.
	ranked []*ranked
}

// ranked is a cluster's best-ranked matching member.
type ranked struct {
	id      string
	cluster string
	score   float64
	day     []byte // YYYY-MM-DD, empty when undated
	time    int64  // Unix nanoseconds, read when day is set
	slot    int    // position in the heap
}

// facetSlot is where the values of one facet's field are counted.
type facetSlot struct {
	field  string
	counts map[string]*int
}

// collector is one pass's state.
type collector struct {
	reader            index.IndexReader
	sortBy            Sort
	want              int
	includeDuplicates bool
	// findOrphans keeps the matching copies to tell the orphans.
	findOrphans bool

	out   collected
	slots []facetSlot
	// counted reads the doc values of the documents Total counts,
	// uncounted those of the copies (nil when nothing is needed of
	// them), clusters the cluster_id of a document entering the heap
	// when the others do not read it, times its timestamp.
	counted, uncounted, clusters, times docValues
	// copyFlag follows the copy flag's postings.
	copyFlag    index.TermFieldReader
	copyNext    *index.TermFieldDoc
	copyDone    bool
	last        index.IndexInternalID
	top         rankHeap
	byCluster   map[string]*ranked
	originals   map[string]bool     // cluster ids of the matching originals
	unclustered []uint64            // matching originals without cluster_id, in index order
	copies      map[string][]uint64 // matching copies by cluster
	// The current document's cluster_id, day and time, as read.
	docCluster, docDay []byte
	docTime            int64
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

// collect runs q once over reader. ctx carries the scoring model and
// the BM25 statistics (see collectWith).
func collect(ctx context.Context, m mapping.IndexMapping, reader index.IndexReader, q query.Query, req Request, po passOptions) (*collected, error) {
	sortBy := po.sortBy
	c := &collector{
		reader:            reader,
		sortBy:            sortBy,
		want:              req.From + req.Size,
		includeDuplicates: req.IncludeDuplicates,
		findOrphans:       !req.IncludeDuplicates && !po.everything,
		out:               collected{facets: map[string]map[string]*int{}, days: map[string]*int{}},
		byCluster:         map[string]*ranked{},
		originals:         map[string]bool{},
		copies:            map[string][]uint64{},
	}
	c.top.c = c
	var err error
	var perDoc []string // what every match needs
	if c.findOrphans {
		perDoc = append(perDoc, bleveindex.FieldClusterID)
	}
	countedFields := append([]string{bleveindex.FieldDay}, perDoc...)
	if sortBy != SortRelevance {
		perDoc = append(perDoc, bleveindex.FieldDay)
		if c.times, err = newDocValues(reader, []string{bleveindex.FieldTimestamp}); err != nil {
			return nil, err
		}
	}
	for _, ff := range facetFields {
		counts := map[string]*int{}
		c.out.facets[ff.name] = counts
		c.slots = append(c.slots, facetSlot{ff.field, counts})
		countedFields = append(countedFields, ff.field)
	}
	if c.counted, err = newDocValues(reader, countedFields); err != nil {
		return nil, err
	}
	if len(perDoc) > 0 {
		if c.uncounted, err = newDocValues(reader, perDoc); err != nil {
			return nil, err
		}
	}
	if !c.findOrphans {
		if c.clusters, err = newDocValues(reader, []string{bleveindex.FieldClusterID}); err != nil {
			return nil, err
		}
	}
	if !req.IncludeDuplicates {
		if c.copyFlag, err = reader.TermFieldReader(ctx, []byte("true"), bleveindex.FieldCopy, false, false, false); err != nil {
			return nil, fmt.Errorf("copy flags: %w", err)
		}
		defer c.copyFlag.Close()
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
	isCopy, err := c.isCopy(d.IndexInternalID)
	if err != nil {
		return err
	}
	c.docCluster, c.docDay = c.docCluster[:0], c.docDay[:0]
	switch {
	case !isCopy:
		c.out.total++
		err = c.counted.visit(d.IndexInternalID, c.visitCounted)
	case c.uncounted != nil:
		err = c.uncounted.visit(d.IndexInternalID, c.visit)
	}
	if err != nil {
		return fmt.Errorf("doc values: %w", err)
	}
	if c.findOrphans {
		switch {
		case !isCopy && len(c.docCluster) > 0:
			if !c.originals[string(c.docCluster)] {
				c.originals[string(c.docCluster)] = true
			}
		case !isCopy:
			c.unclustered = append(c.unclustered, docNum(d.IndexInternalID))
		case len(c.docCluster) == 0:
			// A copy without a cluster_id is a cluster of its own, so
			// an orphan: no original's id is its cluster.
			c.copies["\x00"+string(d.IndexInternalID)] = []uint64{docNum(d.IndexInternalID)}
		default:
			if docs, ok := c.copies[string(c.docCluster)]; ok {
				c.copies[string(c.docCluster)] = append(docs, docNum(d.IndexInternalID))
			} else {
				c.copies[string(c.docCluster)] = []uint64{docNum(d.IndexInternalID)}
			}
		}
	}
	return c.rank(d)
}

// isCopy reports whether the document at id carries the copy flag; ids
// must come in increasing order.
func (c *collector) isCopy(id index.IndexInternalID) (bool, error) {
	if c.copyFlag == nil {
		return false, nil
	}
	for !c.copyDone && (c.copyNext == nil || bytes.Compare(c.copyNext.ID, id) < 0) {
		next, err := c.copyFlag.Advance(id, c.copyNext)
		if err != nil {
			return false, fmt.Errorf("copy flags: %w", err)
		}
		if next == nil {
			c.copyDone = true
			break
		}
		c.copyNext = next
	}
	return !c.copyDone && bytes.Equal(c.copyNext.ID, id), nil
}

// visit reads the cluster, the day and the time of a document.
func (c *collector) visit(field string, term []byte) {
	switch field {
	case bleveindex.FieldClusterID:
		c.docCluster = append(c.docCluster[:0], term...)
	case bleveindex.FieldDay:
		c.docDay = append(c.docDay[:0], term...)
	case bleveindex.FieldTimestamp:
		// A date's doc values are its prefix-coded terms at every
		// precision; shift 0 is the exact time.
		if shift, err := numeric.PrefixCoded(term).Shift(); err == nil && shift == 0 {
			if t, err := numeric.PrefixCoded(term).Int64(); err == nil {
				c.docTime = t
			}
		}
	}
}

// visitCounted is visit, and counts the facets and the day of a
// document that Total counts.
func (c *collector) visitCounted(field string, term []byte) {
	if field == bleveindex.FieldDay {
		increment(c.out.days, term)
		c.docDay = append(c.docDay[:0], term...)
		return
	}
	for _, s := range c.slots {
		if s.field == field {
			increment(s.counts, term)
			return
		}
	}
	c.visit(field, term)
}

func increment(m map[string]*int, term []byte) {
	if n, ok := m[string(term)]; ok {
		*n++
		return
	}
	one := 1
	m[string(term)] = &one
}

// docNum is a scorch internal id as a number, for sorting and lookups.
func docNum(id index.IndexInternalID) uint64 {
	var n uint64
	for _, b := range id {
		n = n<<8 | uint64(b)
	}
	return n
}

// internalID is docNum's inverse (scorch ids are 8 bytes).
func internalID(n uint64) index.IndexInternalID {
	id := make(index.IndexInternalID, 8)
	for i := 7; i >= 0; i-- {
		id[i] = byte(n)
		n >>= 8
	}
	return id
}

// orphans counts the matching copies whose cluster's original does not
// match: Total, facets and days, once per copy.
func (c *collector) orphans() error {
	if !c.findOrphans || len(c.copies) == 0 {
		return nil
	}
	var orphans []uint64
	for cluster, docs := range c.copies {
		if c.originals[cluster] {
			continue
		}
		if cluster != "" && cluster[0] != 0 {
			// An original indexed before dedupe saw a copy has no
			// cluster_id: its id is the cluster's.
			id, err := c.reader.InternalID(cluster)
			if err != nil {
				return fmt.Errorf("cluster %s: %w", cluster, err)
			}
			if id != nil {
				if _, found := slices.BinarySearch(c.unclustered, docNum(id)); found {
					continue
				}
			}
		}
		orphans = append(orphans, docs...)
	}
	slices.Sort(orphans)
	for _, n := range orphans {
		c.out.total++
		if err := c.counted.visit(internalID(n), c.visitCounted); err != nil {
			return fmt.Errorf("doc values: %w", err)
		}
	}
	return nil
}

// rank offers the current document to the heap of the best clusters.
func (c *collector) rank(d *bsearch.DocumentMatch) error {
	full := len(c.top.items) >= c.want
	if full && c.first(d.Score, c.docDay, c.top.items[0]) < 0 {
		return nil // below every cluster kept: nothing more to read
	}
	r := ranked{score: d.Score}
	if c.sortBy != SortRelevance && len(c.docDay) > 0 {
		c.docTime = 0
		if err := c.times.visit(d.IndexInternalID, c.visit); err != nil {
			return fmt.Errorf("doc values: %w", err)
		}
		r.day, r.time = slices.Clone(c.docDay), c.docTime
	}
	id, err := c.reader.ExternalID(d.IndexInternalID)
	if err != nil {
		return fmt.Errorf("document id: %w", err)
	}
	r.id = id
	if full && c.compare(&r, c.top.items[0]) < 0 {
		return nil
	}
	if c.clusters != nil {
		if err := c.clusters.visit(d.IndexInternalID, c.visit); err != nil {
			return fmt.Errorf("doc values: %w", err)
		}
	}
	r.cluster = clusterOf(id, string(c.docCluster))
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
func (c *collector) first(score float64, day []byte, b *ranked) int {
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
	cmp := bytes.Compare(day, b.day)
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
// run's BM25 statistics).
func (s *run) collectWith(q query.Query, req Request, po passOptions) (*collected, error) {
	adv, err := s.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("bleve index: %w", err)
	}
	reader, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("bleve reader: %w", err)
	}
	defer reader.Close()
	model := index.DefaultScoringModel
	if m, ok := s.idx.Mapping().(*mapping.IndexMappingImpl); ok && m.ScoringModel != "" {
		model = m.ScoringModel
	}
	ctx := context.WithValue(s.ctx, bsearch.GetScoringModelCallbackKey, bsearch.GetScoringModelCallbackFn(func() string { return model }))
	if s.stats != nil {
		ctx = context.WithValue(ctx, bsearch.BM25StatsKey, s.stats)
	}
	return collect(ctx, s.idx.Mapping(), reader, q, req, po)
}

// topFacets lists each facet's FacetSize most frequent values, ties by
// name.
func topFacets(counts map[string]map[string]*int) map[string][]Facet {
	out := make(map[string][]Facet, len(counts))
	for name, m := range counts {
		list := make([]Facet, 0, len(m))
		for v, n := range m {
			list = append(list, Facet{Name: v, Count: *n})
		}
		slices.SortFunc(list, func(a, b Facet) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return strings.Compare(a.Name, b.Name)
		})
		out[name] = list[:min(len(list), FacetSize)]
	}
	return out
}
