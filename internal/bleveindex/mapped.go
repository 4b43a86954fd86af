package bleveindex

import (
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	zapv15 "github.com/blevesearch/zapx/v15"
	zapv16 "github.com/blevesearch/zapx/v16"
)

// releaseMappedEvery is how often an index's writer drops the pages of
// its segment files from the process's memory map (see mappedPages).
// Between two releases the pages that commits, merges, searches and the
// writer's version reads touch stay resident. The largest reader is a
// merge: zap reads its input segments whole (stored fields, postings,
// doc values), so three 16 MB inputs are 16 MiB resident each when it
// ends, and make load saw four to six such segments resident at once
// between two releases 10 s apart. A release costs a snapshot and one
// madvise per segment, and a page dropped is mapped again from the page
// cache when read, so the writer releases after every commit at most
// once a second: over 30,000 articles of make load's mix the article
// segments' resident pages averaged 11 MiB instead of 19 (chaos/README.md,
// session 16).
const releaseMappedEvery = time.Second

// mappedPages drops, at most every releaseMappedEvery, the pages of an
// index's segment files from the process's resident set. Scorch reads its
// segments through memory maps: a page that a merge, a version check, a
// search or the search columns' reading touched stays mapped, so it
// counts in the process's resident memory, until its segment is closed.
// In a long run the merged segments stay open, and their touched pages
// grew the resident set by about 20 MiB per 10,000 articles in make load
// (66 MiB at 40,000 articles, 122 MiB at 70,000). The kernel drops them
// only under memory pressure. Dropped pages stay in the page
// cache: the next read maps them again without reading the disk.
type mappedPages struct {
	last time.Time
}

// release drops the mapped pages of idx's segments when
// releaseMappedEvery has passed since the last time. It is called by the
// index's writer goroutine after a commit.
func (m *mappedPages) release(idx bleve.Index, now time.Time) {
	if now.Sub(m.last) < releaseMappedEvery {
		return
	}
	m.last = now
	_, _ = releaseMapped(idx)
}

// releaseMapped drops the resident pages of the memory-mapped segment
// files of idx's current snapshot and returns how many segments it
// advised. The snapshot is held while it does, so no segment it names is
// closed (unmapped) meanwhile. Only segments opened from files (zap's
// *Segment) are mapped; segments still in memory (a batch not yet
// persisted) are Go memory and left alone.
func releaseMapped(idx bleve.Index) (int, error) {
	adv, err := idx.Advanced()
	if err != nil {
		return 0, err
	}
	r, err := adv.Reader()
	if err != nil {
		return 0, err
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return 0, nil
	}
	n := 0
	for _, ss := range snap.Segments() {
		var data []byte
		switch seg := ss.Segment().(type) {
		case *zapv16.Segment:
			data = seg.Data()
		case *zapv15.Segment:
			data = seg.Data()
		default:
			continue
		}
		if dropMappedPages(data) {
			n++
		}
	}
	return n, nil
}
