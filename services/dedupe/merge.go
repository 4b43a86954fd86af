package dedupe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/dedupe/kvindex"
	"github.com/newsflow/newsflow/services/dedupe/minhash"
)

// merge moves article id into cluster root, unless it already is in root
// or an earlier cluster; sim, when known, is its similarity to the
// cluster. A record still being processed by its owner is only updated
// (the owner adopts the change); a finished one is also re-published. A
// moved canonical brings its members along.
func (d *Deduper) merge(ctx context.Context, id string, root ref, sim *minhash.Similarity) error {
	var members []string
	rec, newRev, moved, err := d.updateRecord(ctx, id, kvindex.Record{}, 0, func(rec *kvindex.Record) bool {
		if id == root.id || rec.ClusterSeq <= root.seq {
			return false
		}
		members = rec.Members
		rec.Cluster, rec.ClusterSeq, rec.Members = root.id, root.seq, nil
		if sim != nil {
			rec.Containment, rec.Jaccard = sim.Containment, sim.Jaccard
		}
		return true
	})
	if errors.Is(err, kvindex.ErrNotFound) {
		return nil // expired: nothing left to move
	}
	if err != nil {
		return fmt.Errorf("merge %s into %s: %w", id, root.id, err)
	}
	if !moved {
		return nil
	}
	d.log.Debug("merged article into earlier cluster", zap.String("article_id", id), zap.String("cluster", root.id), zap.Bool("published", rec.Done))
	if rec.Done {
		err = d.publishMerge(ctx, id, rec, newRev)
	} else {
		d.merges.WithLabelValues("pending").Inc()
	}
	if err != nil {
		return err
	}
	final, err := d.addMember(ctx, root, id)
	if err != nil {
		return err
	}
	if final != root {
		// The cluster itself moved meanwhile: follow it.
		return d.merge(ctx, id, final, nil)
	}
	for _, m := range members {
		if err := d.merge(ctx, m, root, nil); err != nil {
			return err
		}
	}
	return nil
}

// addMember adds id to the member list of cluster root's canonical, and
// returns the cluster id now belongs to: root, or the earlier cluster
// root itself was moved into.
func (d *Deduper) addMember(ctx context.Context, root ref, id string) (ref, error) {
	for range maxHops {
		var movedTo *ref
		_, _, _, err := d.updateRecord(ctx, root.id, kvindex.Record{}, 0, func(rec *kvindex.Record) bool {
			if rec.Cluster != root.id {
				movedTo = &ref{rec.Cluster, rec.ClusterSeq}
				return false
			}
			movedTo = nil
			if slices.Contains(rec.Members, id) || len(rec.Members) >= kvindex.MaxMembers {
				return false
			}
			rec.Members = append(rec.Members, id)
			return true
		})
		if errors.Is(err, kvindex.ErrNotFound) {
			return root, nil // the canonical expired
		}
		if err != nil {
			return root, fmt.Errorf("join cluster %s: %w", root.id, err)
		}
		if movedTo == nil {
			return root, nil
		}
		root = *movedTo
	}
	return root, fmt.Errorf("join cluster %s: more than %d hops to the cluster's canonical: %w", root.id, maxHops, kvindex.ErrConflict)
}

// maxHops bounds the clusters addMember follows when the canonical it
// joins has itself moved into another cluster.
const maxHops = 64

// publishMerge re-publishes a finished article with its new cluster.
func (d *Deduper) publishMerge(ctx context.Context, id string, rec kvindex.Record, rev uint64) error {
	if rec.Stream == "" {
		d.merges.WithLabelValues("unpublished").Inc()
		d.log.Warn("merge not published: the article's stream is unknown", zap.String("article_id", id), zap.String("cluster", rec.Cluster))
		return nil
	}
	s, err := d.stream(ctx, rec.Stream)
	if err != nil {
		return fmt.Errorf("merge %s: %w", id, err)
	}
	msg, err := s.GetMsg(ctx, rec.Seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		d.merges.WithLabelValues("unpublished").Inc()
		d.log.Warn("merge not published: the article's message is gone from its stream",
			zap.String("article_id", id), zap.String("stream", rec.Stream), zap.Uint64("stream_seq", rec.Seq))
		return nil
	}
	if err != nil {
		return fmt.Errorf("merge %s: read %s #%d: %w", id, rec.Stream, rec.Seq, err)
	}
	doc, err := schema.DecodeDocument(msg.Data)
	if err != nil || doc.ID != id {
		d.merges.WithLabelValues("unpublished").Inc()
		d.log.Warn("merge not published: the stream message is not the article",
			zap.String("article_id", id), zap.String("stream", rec.Stream), zap.Uint64("stream_seq", rec.Seq), zap.Error(err))
		return nil
	}
	doc.DuplicateOf, doc.Similarity = "", nil
	annotate(doc, rec, rev)
	data, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("merge %s: encode: %w", id, err)
	}
	m := nats.NewMsg(d.cfg.MergeSubject)
	m.Data = data
	m.Header.Set(jetstream.MsgIDHeader, "dedupe-merge:"+id+":"+strconv.FormatUint(rev, 10))
	m.Header.Set(stage.HeaderRevision, strconv.FormatUint(rev, 10))
	if _, err := d.js.PublishMsg(ctx, m); err != nil {
		return fmt.Errorf("merge %s: publish: %w", id, err)
	}
	d.merges.WithLabelValues("published").Inc()
	return nil
}

func (d *Deduper) stream(ctx context.Context, name string) (jetstream.Stream, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.streams[name]; ok {
		return s, nil
	}
	s, err := d.js.Stream(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("open stream %s: %w", name, err)
	}
	d.streams[name] = s
	return s, nil
}
