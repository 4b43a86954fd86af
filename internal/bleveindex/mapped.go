package bleveindex

import (
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	zapv15 "github.com/blevesearch/zapx/v15"
	zapv16 "github.com/blevesearch/zapx/v16"
)

// releaseMappedEvery is how often an index's releaser drops the pages of
// its segment files from the process's memory map (see mappedPages).
// Between two releases the pages that commits, merges, searches and the
// writer's version reads touch stay resident. A release costs a snapshot
// and one madvise per segment, and a page dropped is mapped again from
// the page cache when read: over 30,000 articles of make load's mix,
// releases a second apart after commits held the article segments'
// resident pages at 11 MiB on average instead of 19 at 10 s (chaos/README.md,
// session 16).
const releaseMappedEvery = time.Second

// releaseWhileMergingEvery is how often the releaser drops the pages
// while a merge runs. Zap reads a merge's input segments whole (stored
// fields, postings, doc values) and they stay open until the merged
// segment replaces them: a merge of ten segments near the
// 10,000-document cap (scorch.go) reads about 100 MB, and make load's
// article segments held 35-37 MiB resident at their peaks with releases
// only after commits a second apart (session 16). Dropped every 250 ms
// while merging, four inputs of 15-16 MB still held 7-10 MiB each at
// once (31 MiB; 50,000 articles, session 17): the merger reads them
// side by side, field by field, faster than from disk.
const releaseWhileMergingEvery = 100 * time.Millisecond

// releaseDue reports whether the releaser drops the pages now, since the
// time since its last release and whether a merge is running.
func releaseDue(since time.Duration, merging bool) bool {
	if merging {
		return since >= releaseWhileMergingEvery
	}
	return since >= releaseMappedEvery
}

// mappedPages drops the pages of an index's segment files from the
// process's resident set, every releaseMappedEvery and every
// releaseWhileMergingEvery while a merge runs, in its own goroutine from
// the index's opening until its closing, and at once when the writer
// has read the segments for a commit (Committed). Scorch reads its segments
// through memory maps: a page that a merge, a version check, a search or
// the search columns' reading touched stays mapped, so it counts in the
// process's resident memory, until its segment is closed. In a long run
// the merged segments stay open, and their touched pages grew the
// resident set by about 20 MiB per 10,000 articles in make load (66 MiB
// at 40,000 articles, 122 MiB at 70,000). The kernel drops them only
// under memory pressure. Dropped pages stay in the page cache: the next
// read maps them again without reading the disk.
type mappedPages struct {
	idx  bleve.Index
	stop chan struct{}
	done chan struct{}
}

// releaseMappedPages starts dropping idx's mapped pages until Stop.
func releaseMappedPages(idx bleve.Index) *mappedPages {
	m := &mappedPages{idx: idx, stop: make(chan struct{}), done: make(chan struct{})}
	go m.run()
	return m
}

// Committed drops the pages at once, for a writer that has just read
// every segment for a commit. The writer's version reads (one search for
// a batch's ids) and scorch's introduction of the batch (each segment's
// documents with the batch's ids, which it replaces) look the ids up in
// every segment's id dictionary and read the stored versions they find,
// and the kernel maps the pages around each page read (fault-around, and
// whole large folios of the page cache): 2.1-2.3 MiB of a 600-document
// segment for a commit of 100 replaced documents
// (TestPagesACommitReadAreReleasedWithIt), about 1 MiB of each of the
// 40-50 segments at 100,000 articles. Released by the ticker alone,
// those pages stayed resident for up to a second after every commit of
// either index (one every 0.5-2 s each under load): over make load's
// second half the file-backed memory was the binary's 62 MiB and 18 MiB
// of segments on average, 48 at most (session 18). Released after the
// version reads and after each commit: 2 MiB on average (43 at most,
// while merges read their inputs), and the run's peak 592 MiB against
// 603.
func (m *mappedPages) Committed() {
	_, _ = releaseMapped(m.idx)
}

func (m *mappedPages) run() {
	defer close(m.done)
	tick := time.NewTicker(releaseWhileMergingEvery)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-m.stop:
			return
		case now := <-tick.C:
			if releaseDue(now.Sub(last), merging(m.idx)) {
				last = now
				_, _ = releaseMapped(m.idx)
			}
		}
	}
}

// Stop ends the releases and waits until the last one is done, so idx
// can be closed.
func (m *mappedPages) Stop() {
	close(m.stop)
	<-m.done
}

// merging reports whether idx's merger is reading segments into a new
// one (scorch counts a zap merge's beginning and end).
func merging(idx bleve.Index) bool {
	adv, err := idx.Advanced()
	if err != nil {
		return false
	}
	s, ok := adv.(*scorch.Scorch)
	if !ok {
		return false
	}
	st, ok := s.Stats().(*scorch.Stats)
	if !ok {
		return false
	}
	return atomic.LoadUint64(&st.TotFileMergeZapEnd) < atomic.LoadUint64(&st.TotFileMergeZapBeg)
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
