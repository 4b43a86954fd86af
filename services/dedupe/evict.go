package dedupe

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/services/dedupe/kvindex"
	"github.com/newsflow/newsflow/services/dedupe/minhash"
)

// evict moves the witnesses, members of cluster from that article by
// showed to be different stories than from's excerpt canonical (sketch
// excerpt; see fits), out of from: the first still there becomes a
// canonical, and the members of from that match it and either are
// witnesses too or do not match the excerpt (its copies, which joined
// through it) go along; and so on while witnesses are left. Each is
// re-published. An article that has meanwhile moved to another cluster
// is left alone.
func (d *Deduper) evict(ctx context.Context, witnesses []string, from ref, excerpt minhash.Sketch, by string) error {
	for _, id := range witnesses {
		rec, err := d.moveOutOf(ctx, id, from, func(rec *kvindex.Record) bool {
			rec.Cluster, rec.ClusterSeq = id, rec.Seq
			rec.Containment, rec.Jaccard = 0, 0
			return true
		})
		if err != nil {
			return err
		}
		if rec == nil {
			continue // moved meanwhile, or taken along by an earlier witness
		}
		d.log.Debug("evicted article from an excerpt's cluster", zap.String("article_id", id), zap.String("cluster", from.id), zap.String("by", by))
		if err := d.takeFollowers(ctx, ref{id, rec.Seq}, rec.Sketch, from, excerpt, by, witnesses); err != nil {
			return err
		}
	}
	return nil
}

// moveOutOf moves article id, a finished member of cluster from, into
// another cluster by compare-and-set: move sets the new cluster on the
// record as it is now, or says the article stays. A moved article is
// re-published and dropped from from's members, and its record returned;
// an article that stays, is gone, is unfinished or has meanwhile left
// from returns nil.
func (d *Deduper) moveOutOf(ctx context.Context, id string, from ref, move func(*kvindex.Record) bool) (*kvindex.Record, error) {
	rec, newRev, moved, err := d.updateRecord(ctx, id, kvindex.Record{}, 0, func(rec *kvindex.Record) bool {
		return rec.Cluster == from.id && rec.ClusterSeq == from.seq && rec.Done && move(rec)
	})
	if errors.Is(err, kvindex.ErrNotFound) || err == nil && !moved {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("evict %s from %s: %w", id, from.id, err)
	}
	if err := d.publishMerge(ctx, id, rec, newRev); err != nil {
		return nil, err
	}
	if err := d.removeMember(ctx, from, id); err != nil {
		return nil, err
	}
	return &rec, nil
}

// takeFollowers moves into cluster to (canonical sketch sketch) the
// members of cluster from (canonical sketch excerpt), other than by, that
// match to's canonical and are witnesses or do not match the excerpt, and
// re-publishes them.
func (d *Deduper) takeFollowers(ctx context.Context, to ref, sketch minhash.Sketch, from ref, excerpt minhash.Sketch, by string, witnesses []string) error {
	canon, _, err := d.ix.GetRecord(ctx, from.id)
	if errors.Is(err, kvindex.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("evict from %s: %w", from.id, err)
	}
	for _, id := range canon.Members {
		if id == by || id == to.id {
			continue
		}
		rec, err := d.moveOutOf(ctx, id, from, func(rec *kvindex.Record) bool {
			if !slices.Contains(witnesses, id) && d.isMatch(minhash.CompareSketches(excerpt, rec.Sketch)) {
				return false // a copy of the excerpt
			}
			sim := minhash.CompareSketches(sketch, rec.Sketch)
			if !d.isMatch(sim) {
				return false
			}
			rec.Cluster, rec.ClusterSeq = to.id, to.seq
			rec.Containment, rec.Jaccard = sim.Containment, sim.Jaccard
			return true
		})
		if err != nil {
			return err
		}
		if rec == nil {
			continue
		}
		if _, err := d.addMember(ctx, to, id); err != nil {
			return err
		}
	}
	return nil
}

// removeMember drops id from the member list of cluster root's canonical.
func (d *Deduper) removeMember(ctx context.Context, root ref, id string) error {
	_, _, _, err := d.updateRecord(ctx, root.id, kvindex.Record{}, 0, func(rec *kvindex.Record) bool {
		i := slices.Index(rec.Members, id)
		if i < 0 {
			return false
		}
		rec.Members = slices.Delete(rec.Members, i, i+1)
		return true
	})
	if err != nil && !errors.Is(err, kvindex.ErrNotFound) {
		return fmt.Errorf("leave cluster %s: %w", root.id, err)
	}
	return nil
}
