package dedupe

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/newsflow/newsflow/services/dedupe/kvindex"
	"github.com/newsflow/newsflow/services/dedupe/minhash"
)

// excerptRatio: a canonical with fewer than excerptRatio times the
// shingles of the article it is compared with is an excerpt of it, and a
// member with more than 1/excerptRatio times the canonical's shingles is
// a longer text than that excerpt.
const excerptRatio = 0.75

// maxWitnesses caps the member records read to check an article against
// a cluster whose canonical is an excerpt of it.
const maxWitnesses = 16

// choose returns the cluster this article (fingerprint fp, stream
// sequence seq) joins: the closest eligible match (see eligible) whose
// cluster fits the article (see fits), or none.
func (d *Deduper) choose(ctx context.Context, fp minhash.Fingerprint, matches []match, seq uint64) (match, bool, []string, error) {
	ranked := eligible(matches, seq, len(fp.Shingles))
	for _, m := range ranked {
		ok, evict, err := d.fits(ctx, fp, m, matches)
		if err != nil || ok {
			return m, ok, evict, err
		}
	}
	return match{}, false, nil, nil
}

// eligible returns the matches in a cluster earlier than seq, highest
// containment first, the earlier cluster on a tie. A match that is not
// its cluster's canonical only counts when it contains this article
// (size is this article's shingle count): an article containing a
// member, an excerpt say, may be a different story that quotes the same
// passage.
func eligible(matches []match, seq uint64, size int) []match {
	var out []match
	for _, m := range matches {
		if m.rec.ClusterSeq >= seq || (m.rec.Cluster != m.id && m.rec.Sketch.Total < size) {
			continue
		}
		out = append(out, m)
	}
	slices.SortStableFunc(out, func(a, b match) int {
		if a.sim.Containment != b.sim.Containment {
			if a.sim.Containment > b.sim.Containment {
				return -1
			}
			return 1
		}
		return cmpUint(a.rec.ClusterSeq, b.rec.ClusterSeq)
	})
	return out
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// evictMargin is how much more of an excerpt canonical an article must
// contain than a longer member of its cluster does to take the member's
// place (see fits).
const evictMargin = 0.1

// fits reports whether the article (fingerprint fp, verified matches
// matches) may join the cluster of m. It may, unless m is the cluster's
// canonical and an excerpt of the article (the article contains it) and
// the cluster holds longer members (witnesses), none of which matches the
// article: then the excerpt was cut from one story and the article and
// the witnesses are different stories sharing the passage (an excerpt
// arriving before its original roots the cluster and the original joins
// it; a rewrite of the same story with the same lead must not join it
// too). The excerpt belongs to the story that contains it best: if the
// article contains the excerpt by evictMargin more than every witness,
// it fits, and the witnesses are returned to be evicted from the cluster
// (the rewrite arrived before the original); otherwise it does not fit.
func (d *Deduper) fits(ctx context.Context, fp minhash.Fingerprint, m match, matches []match) (bool, []string, error) {
	size := len(fp.Shingles)
	if m.rec.Cluster != m.id || float64(m.rec.Sketch.Total) >= excerptRatio*float64(size) || len(m.rec.Members) == 0 {
		return true, nil, nil
	}
	longer := float64(m.rec.Sketch.Total) / excerptRatio
	matched := make(map[string]bool, len(matches))
	for _, x := range matches {
		if x.rec.Cluster == m.id && float64(x.rec.Sketch.Total) > longer {
			return true, nil, nil // the article matches a longer member: it fits
		}
		matched[x.id] = true
	}
	var witnesses []string
	read := 0
	for _, id := range m.rec.Members {
		if matched[id] {
			continue // a member no longer than the excerpt
		}
		if read >= maxWitnesses {
			break
		}
		read++
		rec, _, err := d.ix.GetRecord(ctx, id)
		if errors.Is(err, kvindex.ErrNotFound) {
			continue
		}
		if err != nil {
			return false, nil, fmt.Errorf("read member %s of cluster %s: %w", id, m.id, err)
		}
		if rec.Cluster != m.id || float64(rec.Sketch.Total) <= longer {
			continue // moved elsewhere, or no longer than the excerpt
		}
		sim := minhash.CompareFingerprint(fp, rec.Sketch)
		if d.isMatch(sim) {
			return true, nil, nil
		}
		if !rec.Done || minhash.CompareSketches(m.rec.Sketch, rec.Sketch).Containment+evictMargin > m.sim.Containment {
			return false, nil, nil // the witness holds the excerpt as well (or is still deciding)
		}
		witnesses = append(witnesses, id)
	}
	return true, witnesses, nil
}

// isMatch reports whether sim makes two articles copies.
func (d *Deduper) isMatch(sim minhash.Similarity) bool {
	return sim.Containment >= d.cfg.Threshold && sim.Core >= d.cfg.MinShared
}
