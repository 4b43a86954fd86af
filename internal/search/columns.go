package search

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/numeric"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"github.com/newsflow/newsflow/internal/bleveindex"
)

// A search counts and ranks by a few fields of every match: the copy
// flag, cluster_id, the day, the exact time, the five facet fields and
// the places' positions (for the map).
// Reading them from doc values match by match decodes a compressed
// chunk per field every 1,024 documents and turns every value into a
// string to count it in a map, about half of a search's time. A scorch
// segment never changes once written, so these fields are read once per
// segment, from its term dictionaries and postings, into columns: per
// field the segment's distinct values, sorted, and for each document
// the ordinals of its values. Counting a facet is then an increment in
// a slice, and comparing days an integer comparison. A Searcher keeps
// the columns of the segments of the index's current snapshot and drops
// those of segments merged away. They grow with the index, so they are
// kept small: a single-valued field takes 4 bytes a document, a value
// 4 bytes and its text (92 bytes a news document in all, with a third in
// a cluster, TestColumnsBytesPerDocument).

// column holds one field's values in one segment: 4 bytes a document
// for a field with at most one value per document (the cluster, the
// day, the source, the language), 4 bytes a value and 4 a document for
// the others, and the segment's distinct values back to back in one
// string.
type column struct {
	// text holds the field's distinct values in the segment, sorted,
	// back to back: value i is text[ends[i-1]:ends[i]].
	text string
	ends []uint32
	// The values of document d are ords[starts[d]:starts[d+1]],
	// ordinals of values; starts is nil when no document has more than
	// one value, and then ords[d] is d's value, noValue for none.
	starts []uint32
	ords   []uint32
}

// noValue is a single-valued column's ordinal of a document without a
// value.
const noValue = ^uint32(0)

// len is the number of distinct values.
func (c *column) len() int { return len(c.ends) }

// value returns the value of ordinal o.
func (c *column) value(o int) string {
	begin := uint32(0)
	if o > 0 {
		begin = c.ends[o-1]
	}
	return c.text[begin:c.ends[o]]
}

// of returns the ordinals of doc's values.
func (c *column) of(doc uint64) []uint32 {
	if c.starts == nil {
		if c.ords[doc] == noValue {
			return nil
		}
		return c.ords[doc : doc+1]
	}
	return c.ords[c.starts[doc]:c.starts[doc+1]]
}

// first returns the ordinal of doc's first value, -1 when it has none.
func (c *column) first(doc uint64) int {
	if o := c.of(doc); len(o) > 0 {
		return int(o[0])
	}
	return -1
}

// lookup returns the ordinal of v, -1 when no document of the segment
// has it.
func (c *column) lookup(v string) int {
	i := sort.Search(c.len(), func(o int) bool { return c.value(o) >= v })
	if i < c.len() && c.value(i) == v {
		return i
	}
	return -1
}

// noTime marks a document without a timestamp in segmentColumns.times.
const noTime = int64(-1 << 63)

// segmentColumns are one segment's columns.
type segmentColumns struct {
	copies  []bool // the copy flag, by document
	cluster column
	day     column
	// facets are facetFields' columns, in that order.
	facets []column
	// points are the places' positions (bleveindex.FieldPlacePoint).
	points column
	// times are the exact timestamps (Unix nanoseconds), noTime when
	// the document has none.
	times []int64
}

// readColumns reads seg's columns.
func readColumns(seg segment.Segment) (*segmentColumns, error) {
	docs := seg.Count()
	if docs >= 1<<32 {
		return nil, fmt.Errorf("segment of %d documents: at most 2^32 supported", docs)
	}
	sc := &segmentColumns{copies: make([]bool, docs), times: make([]int64, docs)}
	var err error
	if err = eachPosting(seg, bleveindex.FieldCopy, []byte("true"), func(doc uint64) { sc.copies[doc] = true }); err != nil {
		return nil, err
	}
	if sc.cluster, err = readColumn(seg, bleveindex.FieldClusterID, docs); err != nil {
		return nil, err
	}
	if sc.day, err = readColumn(seg, bleveindex.FieldDay, docs); err != nil {
		return nil, err
	}
	for _, ff := range facetFields {
		c, err := readColumn(seg, ff.field, docs)
		if err != nil {
			return nil, err
		}
		sc.facets = append(sc.facets, c)
	}
	if sc.points, err = readColumn(seg, bleveindex.FieldPlacePoint, docs); err != nil {
		return nil, err
	}
	for i := range sc.times {
		sc.times[i] = noTime
	}
	// A date's terms are prefix coded at every precision; the exact
	// ones (shift 0) start with ShiftStartInt64.
	dict, err := seg.Dictionary(bleveindex.FieldTimestamp)
	if err != nil {
		return nil, fmt.Errorf("dictionary of %s: %w", bleveindex.FieldTimestamp, err)
	}
	var ps postings
	it := dict.AutomatonIterator(everyTerm{}, []byte{numeric.ShiftStartInt64}, []byte{numeric.ShiftStartInt64 + 1})
	for {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("terms of %s: %w", bleveindex.FieldTimestamp, err)
		}
		if e == nil {
			break
		}
		t, err := numeric.PrefixCoded(e.Term).Int64()
		if err != nil {
			return nil, fmt.Errorf("term of %s: %w", bleveindex.FieldTimestamp, err)
		}
		if err := ps.each(dict, bleveindex.FieldTimestamp, []byte(e.Term), func(doc uint64) { sc.times[doc] = t }); err != nil {
			return nil, err
		}
	}
	return sc, nil
}

// readColumn reads field's column of a segment of docs documents.
func readColumn(seg segment.Segment, field string, docs uint64) (column, error) {
	var c column
	counts := make([]uint32, docs+1) // counts[d+1]: d's values
	dict, err := seg.Dictionary(field)
	if err != nil {
		return c, fmt.Errorf("dictionary of %s: %w", field, err)
	}
	// The postings of every term, in term order, then per document.
	var byTerm []uint32 // the documents of value i end at ends[i]
	var ends []int
	var text []byte
	var ps postings
	multi := false
	it := dict.AutomatonIterator(everyTerm{}, nil, nil)
	for {
		e, err := it.Next()
		if err != nil {
			return c, fmt.Errorf("terms of %s: %w", field, err)
		}
		if e == nil {
			break
		}
		if err := ps.each(dict, field, []byte(e.Term), func(doc uint64) {
			byTerm = append(byTerm, uint32(doc))
			counts[doc+1]++
			multi = multi || counts[doc+1] > 1
		}); err != nil {
			return c, err
		}
		text = append(text, e.Term...)
		if len(text) >= 1<<32 {
			return c, fmt.Errorf("values of %s: more than 4 GiB in one segment", field)
		}
		c.ends = append(c.ends, uint32(len(text)))
		ends = append(ends, len(byTerm))
	}
	// Copies of their exact size: the columns stay as long as the
	// segment, the spare capacity of an append would too.
	c.text = string(text)
	c.ends = slices.Clone(c.ends)
	if !multi {
		c.ords = make([]uint32, docs)
		for d := range c.ords {
			c.ords[d] = noValue
		}
		begin := 0
		for ord, end := range ends {
			for _, doc := range byTerm[begin:end] {
				c.ords[doc] = uint32(ord)
			}
			begin = end
		}
		return c, nil
	}
	c.starts = counts
	for d := range docs {
		c.starts[d+1] += c.starts[d]
	}
	c.ords = make([]uint32, len(byTerm))
	next := slices.Clone(c.starts[:docs])
	begin := 0
	for ord, end := range ends {
		for _, doc := range byTerm[begin:end] {
			c.ords[next[doc]] = uint32(ord)
			next[doc]++
		}
		begin = end
	}
	return c, nil
}

// eachPosting calls fn with each document of seg that has term in field.
func eachPosting(seg segment.Segment, field string, term []byte, fn func(doc uint64)) error {
	dict, err := seg.Dictionary(field)
	if err != nil {
		return fmt.Errorf("dictionary of %s: %w", field, err)
	}
	var ps postings
	return ps.each(dict, field, term, fn)
}

// postings reads postings lists, one after the other, reusing its list
// and iterator.
type postings struct {
	list segment.PostingsList
	it   segment.PostingsIterator
}

// each calls fn with each document that has term in dict, a dictionary
// of field.
func (ps *postings) each(dict segment.TermDictionary, field string, term []byte, fn func(doc uint64)) error {
	var err error
	if ps.list, err = dict.PostingsList(term, nil, ps.list); err != nil {
		return fmt.Errorf("postings of %s %q: %w", field, term, err)
	}
	ps.it = ps.list.Iterator(false, false, false, ps.it)
	for {
		p, err := ps.it.Next()
		if err != nil {
			return fmt.Errorf("postings of %s %q: %w", field, term, err)
		}
		if p == nil {
			return nil
		}
		fn(p.Number())
	}
}

// everyTerm is the automaton that accepts every term.
type everyTerm struct{}

func (everyTerm) Start() int               { return 0 }
func (everyTerm) IsMatch(int) bool         { return true }
func (everyTerm) CanMatch(int) bool        { return true }
func (everyTerm) WillAlwaysMatch(int) bool { return true }
func (everyTerm) Accept(int, byte) int     { return 0 }

// columnCache keeps the columns of the segments searches read.
type columnCache struct {
	mu       sync.Mutex
	segments map[segment.Segment]*cachedColumns
}

type cachedColumns struct {
	once sync.Once
	cols *segmentColumns
	err  error
	// read is set once cols and err are.
	read atomic.Bool
}

// snapshotColumns are the columns of one snapshot's segments, and where
// each segment's documents start in scorch's numbering.
type snapshotColumns struct {
	offsets  []uint64
	segments []*segmentColumns
	cur      int
	// read counts the segments whose columns this snapshot's call to
	// columns read (the others were read before).
	read int
}

// columns returns the columns of reader's segments, read now for the
// segments no search has read yet. The cache then forgets the segments
// that are not in reader's snapshot (merged away).
func (cc *columnCache) columns(reader index.IndexReader) (*snapshotColumns, error) {
	snap, ok := reader.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("search reads a scorch index, not %T", reader)
	}
	segs := snap.Segments()
	entries := make([]*cachedColumns, len(segs))
	sc := &snapshotColumns{offsets: make([]uint64, len(segs)), segments: make([]*segmentColumns, len(segs))}
	cc.mu.Lock()
	if cc.segments == nil {
		cc.segments = map[segment.Segment]*cachedColumns{}
	}
	live := make(map[segment.Segment]bool, len(segs))
	var next uint64
	for i, ss := range segs {
		seg := ss.Segment()
		live[seg] = true
		e, ok := cc.segments[seg]
		if !ok {
			e = &cachedColumns{}
			cc.segments[seg] = e
		}
		entries[i] = e
		sc.offsets[i] = next
		next += uint64(ss.FullSize())
	}
	for seg := range cc.segments {
		if !live[seg] {
			delete(cc.segments, seg)
		}
	}
	cc.mu.Unlock()
	for i, e := range entries {
		e.once.Do(func() {
			e.cols, e.err = readColumns(segs[i].Segment())
			e.read.Store(true)
			sc.read++
		})
		if e.err != nil {
			return nil, e.err
		}
		sc.segments[i] = e.cols
	}
	return sc, nil
}

// locate returns the segment of scorch's internal id (8 bytes, big
// endian: each segment's numbers follow the previous one's, deleted
// documents included) and the document's number in it.
func (s *snapshotColumns) locate(id index.IndexInternalID) (int, uint64, error) {
	if len(id) != 8 {
		return 0, 0, fmt.Errorf("internal id %x is not 8 bytes", id)
	}
	n := binary.BigEndian.Uint64(id)
	i := s.cur
	if len(s.offsets) == 0 {
		return 0, 0, fmt.Errorf("internal id %x in an index without segments", id)
	}
	if n < s.offsets[i] || i+1 < len(s.offsets) && n >= s.offsets[i+1] {
		i = sort.Search(len(s.offsets), func(x int) bool { return s.offsets[x] > n }) - 1
		if i < 0 {
			return 0, 0, fmt.Errorf("internal id %x is in no segment", id)
		}
		s.cur = i
	}
	return i, n - s.offsets[i], nil
}
