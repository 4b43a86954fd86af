package bleveindex

import "maps"

// Scorch's merge plan is kept at its defaults (10 segments per tier and
// per merge task, first tier 2,000 documents), except for MaxSegmentSize.
// Every batch the writer commits becomes a segment (256 documents under
// `newsflow run`) that the merger later folds into bigger ones, so each
// document is rewritten two or three times on its way into a 100,000-
// document index; merging took about a fifth of the CPU in the last
// 30,000 of 100,000 documents. Twenty segments per tier and per merge
// instead rewrote fewer segments but did not use measurably less CPU, left
// up to twice as many segments for a search to visit and peaked higher in
// RSS (bleveload, 100,000 documents; see README.md), so the defaults stay.
//
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
			"MaxSegmentSize": maxSegmentDocs,
		},
	}
	maps.Copy(c, override)
	return c
}
