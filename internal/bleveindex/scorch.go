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

// MaxSegmentSize caps the documents of a merged segment. Scorch's default
// (5 million) lets a large index merge ten segments of 100,000 documents
// or more into one: gigabytes read through memory maps, rewritten, and
// held twice on disk until the merge ends. At 200,000 documents (~2 GB
// with this mapping) a merge stays bounded however large the index grows,
// and past that size the index grows by whole segments. It has no effect
// on an index of 200,000 documents or fewer, so it is not measured here.
const maxSegmentDocs = 200_000

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
