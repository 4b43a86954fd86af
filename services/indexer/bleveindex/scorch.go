package bleveindex

import "maps"

// Scorch tuning of a writable index. Every batch the writer commits
// becomes a segment (256 documents under `newsflow run`), and scorch's
// merger folds segments together in the background, tier by tier. With
// scorch's defaults (10 segments per tier and per merge) every document
// is rewritten about three times on its way to a 100,000-document segment,
// and merging took a fifth of the CPU in the last 30,000 of 100,000
// documents. Twenty per tier and per merge cut the merging to about half
// of that (one rewrite fewer), at the price of up to twice as many
// segments for a search to visit (10-25 instead of 8-16 at 100,000
// documents).
//
// MaxSegmentSize caps the documents in a merged segment, so that a merge
// never reads and rewrites more than about 50,000 documents (~500 MB on
// disk) at once: the merge's duration, its disk space in flight and the
// segment pages it maps into memory stay bounded however large the index
// grows; past that, the index grows by whole segments of that size.
const (
	segmentsPerTier = 20
	maxSegmentDocs  = 50_000
)

// scorchConfig is the scorch configuration of an index: the tuning above,
// then the entries of override.
func scorchConfig(override map[string]any) map[string]any {
	c := map[string]any{
		"bolt_timeout": "5s",
		"scorchMergePlanOptions": map[string]any{
			"MaxSegmentsPerTier":   segmentsPerTier,
			"SegmentsPerMergeTask": segmentsPerTier,
			"MaxSegmentSize":       maxSegmentDocs,
		},
	}
	maps.Copy(c, override)
	return c
}
