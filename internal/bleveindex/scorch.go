package bleveindex

import "maps"

// Scorch's merge plan is kept at its defaults (10 segments per tier and
// per merge task), except for FloorSegmentSize and MaxSegmentSize.
// Every batch the writer commits becomes a segment (up to 256 documents
// under `newsflow run`, fewer when articles trickle in) that the merger
// later folds into bigger ones. Twenty segments per tier and per merge
// instead rewrote fewer segments but did not use measurably less CPU, left
// up to twice as many segments for a search to visit and peaked higher in
// RSS (bleveload, 100,000 documents; see README.md), so those stay.
//
// FloorSegmentSize is the size the planner rounds smaller segments up to.
// It also sets the first tier, so while an index holds fewer than ten
// floors of documents its budget is under ten segments and every merge
// task takes them all: each small batch rewrote the whole index. At
// scorch's default (2,000) that was every index under 20,000 documents,
// such as `newsflow run --once` over a few thousand articles, where
// merging took 47 % of the CPU (bleveload, 3,000 documents in batches of
// 12: 17.6 CPU ms per document at 2,000, 5.6 at 100, 7.2 at 300, 4.7-5.8
// at 10; TestTricklingBatchesAreNotRewrittenWholesale: 3.2 times over
// against 31). At 100 the whole-index rewrites stop at 1,000 documents.
// An index filled in full batches keeps more segments than before (its
// first tier is a batch instead of 2,000 documents), and still merged
// less: 20,000 documents in batches of 256 took 2.5-2.7 CPU ms each
// against 3.1-3.3, and ended in 16 segments against 11 (README.md).
const floorSegmentDocs = 100

// MaxSegmentSize caps the documents of a merged segment: the planner
// merges only segments under half of it, into one under it. A merge reads
// its segments whole through their memory maps (stored fields, postings,
// doc values: 7-11 KB a news document with this mapping), and those pages
// count in the process's resident memory until the merged-away segments
// are closed. At the 200,000 this package kept until session 10 (scorch's
// default is 5 million), ten segments of thousands of documents were
// folded into one as the index grew: bleveload's 50,000 documents peaked
// at 583 MiB while indexing, 383 MiB at 10,000, with RSS between merges
// at 215-306 MiB in both (README.md, item 6); make load's 100,000
// articles peaked at 922 MiB VmHWM where samples every 2 s saw at most
// 830. At 10,000 a merge reads at most about 100 MB; a large index keeps
// segments of 5,000-10,000 documents (ten to twenty at 100,000) instead
// of a few large ones, which the searches visit in turn.
const maxSegmentDocs = 10_000

// scorchConfig is the scorch configuration of an index: the settings
// above, then the entries of override.
func scorchConfig(override map[string]any) map[string]any {
	c := map[string]any{
		"bolt_timeout": "5s",
		"scorchMergePlanOptions": map[string]any{
			"MaxSegmentSize":   maxSegmentDocs,
			"FloorSegmentSize": floorSegmentDocs,
		},
	}
	maps.Copy(c, override)
	return c
}
