// Package dedupe is the dedupe stage of newsflow: it flags syndicated
// copies of articles, truncated excerpts included, and groups them into
// clusters named after their canonical article, the earliest by stream
// sequence.
//
// Each article is fingerprinted (package minhash), its record is written
// to a shared JetStream KV bucket and its LSH bands and sketch are
// appended to a shared band log (package kvindex), and the articles that
// share a band with it are verified by containment against their
// sketches. A copy gets DuplicateOf and ClusterID set
// to its canonical and Similarity filled in; every other article gets
// ClusterID set to its own id, so that each article belongs to exactly one
// cluster. Copies continue down the pipeline flagged, never dropped.
//
// Concurrency. Replicas share nothing but the band log and the record
// bucket. An article's record is created before its bands are appended,
// and its candidates are read once the replica's copy of the log holds
// its own bands message, so of two similar articles processed at the same
// moment the later in the log sees the other. If the one that sees the other is the earlier article, it is the
// canonical and the later one must be moved into its cluster: a merge.
//
// Merges. A record carries Done once its own Process call has decided.
// Moving a record that is not yet done is a compare-and-set on it: the
// owner's final compare-and-set then fails, it re-reads the record and
// adopts the earlier cluster before returning. Moving a record that is
// done means the owner already published its decision, so the merger
// re-publishes that article: it reads the article's message back from its
// input stream by sequence, sets duplicate_of, cluster_id and similarity,
// and publishes it to the stage's output subject with the message id
// "dedupe-merge:<id>:<revision>". Downstream stages see an ordinary
// document with the same id, which the indexer overwrites. Every output
// carries metadata.dedupe_revision, the KV revision its decision was
// stored at, which grows with every change of an article's cluster, so an
// indexer can drop a decision that arrives after a newer one (Elasticsearch
// external_gte versioning).
package dedupe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/dedupe/kvindex"
	"github.com/newsflow/newsflow/services/dedupe/minhash"
)

// ErrNoMessageInfo means Process was called without stage.MessageInfo in
// its context, so the article's stream sequence is unknown.
var ErrNoMessageInfo = errors.New("no message info in context")

// ErrRecordVanished means an article's own record expired while it was
// being processed; a retry starts over.
var ErrRecordVanished = errors.New("dedupe record vanished during processing")

// MetadataRevision is the metadata key of the KV revision at which the
// document's dedupe decision was stored.
const MetadataRevision = "dedupe_revision"

// Deduper is the dedupe stage. It is safe for concurrent use, and any
// number of Dedupers, in one process or many, may share the same buckets.
type Deduper struct {
	js  jetstream.JetStream
	cfg Config
	ix  *kvindex.Index
	log *zap.Logger

	mu      sync.Mutex
	streams map[string]jetstream.Stream

	articles   *prometheus.CounterVec
	merges     *prometheus.CounterVec
	candidates prometheus.Histogram
}

// New validates cfg, creates or updates the band log and the record
// bucket (idempotently, so every replica calls it at start), replays the
// band log, and returns a Deduper. It retries while JetStream is not
// ready, until ctx ends. Close releases it.
func New(ctx context.Context, js jetstream.JetStream, cfg Config, log *zap.Logger) (*Deduper, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ix, err := kvindex.Open(ctx, js, kvindex.Config{
		BandBucket:   cfg.BandBucket,
		RecordBucket: cfg.RecordBucket,
		Replicas:     cfg.Replicas,
		TTL:          cfg.Window,
		Memory:       cfg.MemoryStorage,
		MaxAttempts:  100,
		MaxIndexed:   cfg.MaxIndexed,
	}, log)
	if err != nil {
		return nil, fmt.Errorf("open dedupe index: %w", err)
	}
	if ix.NeedsMigration() {
		if err := migrate(ctx, ix, cfg, log); err != nil {
			ix.Close()
			return nil, err
		}
	}
	return &Deduper{
		js: js, cfg: cfg, ix: ix, log: log,
		streams: map[string]jetstream.Stream{},
		articles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_dedupe_articles_total",
			Help: "Articles judged by dedupe, by result: canonical, copy, resend, short (too few shingles to judge).",
		}, []string{"result"}),
		merges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_dedupe_merges_total",
			Help: "Articles moved into an earlier cluster by another article, by result: pending (owner adopts it), published, unpublished (message not found).",
		}, []string{"result"}),
		candidates: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsflow_dedupe_candidates",
			Help:    "LSH candidates per article before verification.",
			Buckets: []float64{0, 1, 2, 4, 8, 16, 32, 64, 128},
		}),
	}, nil
}

// migrate appends to the band log the bands of every article in the
// record bucket, for a deployment upgraded from the version 1 band
// bucket. Bands are recomputed from the stored sketches: exactly for
// articles of at most SketchSize shingles, approximately for longer ones.
func migrate(ctx context.Context, ix *kvindex.Index, cfg Config, log *zap.Logger) error {
	p := cfg.Params
	n := 0
	err := ix.EachRecord(ctx, func(id string, r kvindex.Record) error {
		fp := minhash.Fingerprint{Shingles: r.Sketch.Hashes, Short: r.Sketch.Short}
		if r.Sketch.Total < cfg.MinShingles {
			return nil
		}
		core := fp.Core()
		if len(core) < cfg.MinShingles {
			core = fp.Shingles
		}
		n++
		return ix.AppendBands(ctx, id, minhash.BandKeys(minhash.Signature(core, p), p), r.Sketch)
	})
	if err != nil {
		return fmt.Errorf("migrate dedupe records to the band log: %w", err)
	}
	log.Info("migrated the articles of the record bucket to the band log", zap.Int("articles", n))
	return nil
}

// Close stops following the shared band log; Process fails afterwards.
// Call it after the stage has stopped consuming.
func (d *Deduper) Close() { d.ix.Close() }

// Collectors returns the stage's Prometheus metrics for registration.
func (d *Deduper) Collectors() []prometheus.Collector {
	conflicts := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "newsflow_dedupe_kv_conflicts_total",
		Help: "KV compare-and-set writes that lost against another writer and were retried.",
	}, func() float64 { _, c := d.ix.Stats(); return float64(c) })
	writes := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "newsflow_dedupe_kv_writes_total",
		Help: "KV compare-and-set writes attempted.",
	}, func() float64 { w, _ := d.ix.Stats(); return float64(w) })
	evicted := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "newsflow_dedupe_evicted_total",
		Help: "Articles evicted from the local band index before their window ended, to stay within NEWSFLOW_DEDUPE_MAX_INDEXED.",
	}, func() float64 { return float64(d.ix.Evicted()) })
	indexed := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "newsflow_dedupe_indexed_articles",
		Help: "Articles in the local band index (at most NEWSFLOW_DEDUPE_MAX_INDEXED).",
	}, func() float64 { n, _ := d.ix.LocalSize(); return float64(n) })
	return []prometheus.Collector{d.articles, d.merges, d.candidates, conflicts, writes, evicted, indexed}
}

// KVStats returns the KV compare-and-set writes this Deduper attempted
// and how many of them lost against another writer.
func (d *Deduper) KVStats() (writes, conflicts uint64) { return d.ix.Stats() }

// ref names a cluster by its canonical article.
type ref struct {
	id  string
	seq uint64
}

type match struct {
	id  string
	rec kvindex.Record
	sim minhash.Similarity
}

// Process flags doc as a copy or a canonical. It needs the message's
// stream sequence from stage.MessageInfo(ctx).
func (d *Deduper) Process(ctx context.Context, doc *schema.Document) (*schema.Document, error) {
	info, ok := stage.MessageInfo(ctx)
	if !ok {
		return nil, stage.Permanent(fmt.Errorf("dedupe %s: %w", doc.ID, ErrNoMessageInfo))
	}
	out := *doc
	out.DuplicateOf, out.ClusterID, out.Similarity = "", doc.ID, nil

	p := d.cfg.Params
	fp := minhash.Analyze(doc.Body, p)
	shingles := fp.Shingles
	if len(shingles) < d.cfg.MinShingles {
		d.articles.WithLabelValues("short").Inc()
		return &out, nil
	}
	rec := kvindex.Record{
		Stream: info.Stream, Seq: info.Sequence,
		Cluster: doc.ID, ClusterSeq: info.Sequence,
		Sketch: fp.Sketch(p.SketchSize),
	}
	rev, err := d.ix.CreateRecord(ctx, doc.ID, rec)
	if errors.Is(err, kvindex.ErrConflict) {
		old, oldRev, err := d.ix.GetRecord(ctx, doc.ID)
		if err != nil {
			return nil, fmt.Errorf("dedupe %s: read existing record: %w", doc.ID, err)
		}
		if old.Seq != info.Sequence || old.Stream != info.Stream || old.Done {
			// A re-send of the same article is not a copy of itself: it
			// gets the decision already stored for its id.
			d.articles.WithLabelValues("resend").Inc()
			annotate(&out, old, oldRev)
			return &out, nil
		}
		rec, rev = old, oldRev // a redelivery of an unfinished attempt
	} else if err != nil {
		return nil, fmt.Errorf("dedupe %s: create record: %w", doc.ID, err)
	}

	core := fp.Core()
	if len(core) < d.cfg.MinShingles {
		core = shingles
	}
	cands, err := d.ix.AddBands(ctx, doc.ID, minhash.BandKeys(minhash.Signature(core, p), p), rec.Sketch)
	if err != nil {
		return nil, fmt.Errorf("dedupe %s: add bands: %w", doc.ID, err)
	}
	d.candidates.Observe(float64(len(cands)))
	matches, err := d.verify(ctx, fp, cands)
	if err != nil {
		return nil, fmt.Errorf("dedupe %s: verify: %w", doc.ID, err)
	}

	// Join the cluster of the closest match among the earlier clusters;
	// with none, this article is a canonical. A record already moved into
	// an earlier cluster by another replica keeps it.
	self := ref{doc.ID, info.Sequence}
	root := ref{rec.Cluster, rec.ClusterSeq}
	sim := minhash.Similarity{Containment: rec.Containment, Jaccard: rec.Jaccard}
	var evict []string
	var excerpt minhash.Sketch // the canonical of root, when evict is set
	if root == self {
		best, ok, ev, err := d.choose(ctx, fp, matches, self.seq)
		if err != nil {
			return nil, fmt.Errorf("dedupe %s: %w", doc.ID, err)
		}
		if ok {
			root, sim, evict, excerpt = ref{best.rec.Cluster, best.rec.ClusterSeq}, best.sim, ev, best.rec.Sketch
		}
	}
	if root != self {
		// Join the canonical's member list while this record is not done:
		// a merge of that cluster then moves this article too.
		if root, err = d.addMember(ctx, root, doc.ID); err != nil {
			return nil, err
		}
	}

	// Store the decision. Another replica may have moved this record into
	// an earlier cluster meanwhile: adopt it. Articles that joined this
	// one's cluster while it was not done (it looked like a canonical)
	// leave its record when it joins another cluster, and are moved into
	// that cluster below.
	var moved []string
	for {
		rec.Done = true
		rec.Cluster, rec.ClusterSeq = root.id, root.seq
		rec.Containment, rec.Jaccard = sim.Containment, sim.Jaccard
		members := rec.Members
		if root != self {
			rec.Members = nil
		}
		newRev, err := d.ix.UpdateRecord(ctx, doc.ID, rec, rev)
		if err == nil {
			rev = newRev
			if root != self {
				moved = members
			}
			break
		}
		if !errors.Is(err, kvindex.ErrConflict) {
			return nil, fmt.Errorf("dedupe %s: store decision: %w", doc.ID, err)
		}
		cur, curRev, err := d.ix.GetRecord(ctx, doc.ID)
		if errors.Is(err, kvindex.ErrNotFound) {
			return nil, fmt.Errorf("dedupe %s: %w", doc.ID, ErrRecordVanished)
		}
		if err != nil {
			return nil, fmt.Errorf("dedupe %s: re-read record: %w", doc.ID, err)
		}
		if cur.ClusterSeq < root.seq {
			root = ref{cur.Cluster, cur.ClusterSeq}
			sim = minhash.Similarity{Containment: cur.Containment, Jaccard: cur.Jaccard}
		}
		rec.Members = cur.Members
		rev = curRev
	}

	for _, m := range moved {
		if err := d.merge(ctx, m, root, nil); err != nil {
			return nil, err
		}
	}
	if len(evict) > 0 {
		if err := d.evict(ctx, evict, root, excerpt, doc.ID); err != nil {
			return nil, err
		}
	}

	// Clusters this article shows to be one move into its cluster: those
	// of matches later in the stream (the earlier article finishing
	// second), and those whose canonical this article contains (an
	// original arriving after two excerpts of different parts of it).
	// A match that contains this article does not weld its cluster to
	// ours: a short excerpt may be contained in two different stories.
	for _, m := range matches {
		if m.rec.ClusterSeq <= root.seq {
			continue
		}
		later := m.rec.Seq > self.seq
		contained := m.rec.Cluster == m.id && m.rec.Sketch.Total <= len(shingles)
		if !later && !contained {
			continue
		}
		s := m.sim
		if err := d.merge(ctx, m.id, root, &s); err != nil {
			return nil, err
		}
	}

	annotate(&out, rec, rev)
	if out.DuplicateOf != "" {
		d.articles.WithLabelValues("copy").Inc()
	} else {
		d.articles.WithLabelValues("canonical").Inc()
	}
	return &out, nil
}

// verify compares the candidates' sketches, most shared bands first, at
// most MaxCandidates of them, and fetches the records of those that pass
// the containment threshold.
func (d *Deduper) verify(ctx context.Context, fp minhash.Fingerprint, cands []kvindex.Candidate) ([]match, error) {
	if len(cands) > d.cfg.MaxCandidates {
		cands = cands[:d.cfg.MaxCandidates]
	}
	var passed []match
	for _, c := range cands {
		sim := minhash.CompareFingerprint(fp, c.Sketch())
		if sim.Containment >= d.cfg.Threshold && sim.Core >= d.cfg.MinShared {
			passed = append(passed, match{id: c.ID, sim: sim})
		}
	}
	type result struct {
		ok  bool
		err error
	}
	results := make([]result, len(passed))
	var wg sync.WaitGroup
	sem := make(chan struct{}, d.cfg.Parallel)
	for i := range passed {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			rec, _, err := d.ix.GetRecord(ctx, passed[i].id)
			if errors.Is(err, kvindex.ErrNotFound) {
				return // expired since its bands were written
			}
			if err != nil {
				results[i].err = err
				return
			}
			passed[i].rec = rec
			results[i].ok = true
		}()
	}
	wg.Wait()
	var out []match
	var errs []error
	for i, r := range results {
		if r.err != nil {
			errs = append(errs, r.err)
		} else if r.ok {
			out = append(out, passed[i])
		}
	}
	return out, errors.Join(errs...)
}

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
		if sim.Containment >= d.cfg.Threshold && sim.Core >= d.cfg.MinShared {
			return true, nil, nil
		}
		if !rec.Done || minhash.CompareSketches(m.rec.Sketch, rec.Sketch).Containment+evictMargin > m.sim.Containment {
			return false, nil, nil // the witness holds the excerpt as well (or is still deciding)
		}
		witnesses = append(witnesses, id)
	}
	return true, witnesses, nil
}

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
		d.log.Debug("evicted article from an excerpt's cluster", zap.String("id", id), zap.String("cluster", from.id), zap.String("by", by))
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
	for {
		rec, rev, err := d.ix.GetRecord(ctx, id)
		if errors.Is(err, kvindex.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("evict %s: %w", id, err)
		}
		if rec.Cluster != from.id || rec.ClusterSeq != from.seq || !rec.Done || !move(&rec) {
			return nil, nil
		}
		newRev, err := d.ix.UpdateRecord(ctx, id, rec, rev)
		if errors.Is(err, kvindex.ErrConflict) {
			continue
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

// isMatch reports whether sim makes two articles copies.
func (d *Deduper) isMatch(sim minhash.Similarity) bool {
	return sim.Containment >= d.cfg.Threshold && sim.Core >= d.cfg.MinShared
}

// removeMember drops id from the member list of cluster root's canonical.
func (d *Deduper) removeMember(ctx context.Context, root ref, id string) error {
	for attempts := 0; attempts < 1000; attempts++ {
		rec, rev, err := d.ix.GetRecord(ctx, root.id)
		if errors.Is(err, kvindex.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("leave cluster %s: %w", root.id, err)
		}
		i := slices.Index(rec.Members, id)
		if i < 0 {
			return nil
		}
		rec.Members = slices.Delete(rec.Members, i, i+1)
		if _, err := d.ix.UpdateRecord(ctx, root.id, rec, rev); err != nil {
			if errors.Is(err, kvindex.ErrConflict) {
				continue
			}
			return fmt.Errorf("leave cluster %s: %w", root.id, err)
		}
		return nil
	}
	return fmt.Errorf("leave cluster %s: too many conflicts: %w", root.id, kvindex.ErrConflict)
}

// annotate sets the dedupe fields of out from its record.
func annotate(out *schema.Document, rec kvindex.Record, rev uint64) {
	out.ClusterID = rec.Cluster
	if rec.Cluster != out.ID {
		out.DuplicateOf = rec.Cluster
		out.Similarity = &schema.Similarity{Containment: clamp(rec.Containment), Jaccard: clamp(rec.Jaccard)}
	}
	md := make(map[string]any, len(out.Metadata)+1)
	maps.Copy(md, out.Metadata)
	md[MetadataRevision] = rev
	out.Metadata = md
}

// clamp keeps x in [0, 1] at the precision records store, so a decision
// read back from a record reports the same values.
func clamp(x float64) float64 { return math.Round(min(max(x, 0), 1)*10000) / 10000 }

// merge moves article id into cluster root, unless it already is in root
// or an earlier cluster; sim, when known, is its similarity to the
// cluster. A record still being processed by its owner is only updated
// (the owner adopts the change); a finished one is also re-published. A
// moved canonical brings its members along.
func (d *Deduper) merge(ctx context.Context, id string, root ref, sim *minhash.Similarity) error {
	for {
		rec, rev, err := d.ix.GetRecord(ctx, id)
		if errors.Is(err, kvindex.ErrNotFound) {
			return nil // expired: nothing left to move
		}
		if err != nil {
			return fmt.Errorf("merge %s: %w", id, err)
		}
		if id == root.id || rec.ClusterSeq <= root.seq {
			return nil
		}
		members := rec.Members
		rec.Cluster, rec.ClusterSeq, rec.Members = root.id, root.seq, nil
		if sim != nil {
			rec.Containment, rec.Jaccard = sim.Containment, sim.Jaccard
		}
		newRev, err := d.ix.UpdateRecord(ctx, id, rec, rev)
		if errors.Is(err, kvindex.ErrConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("merge %s into %s: %w", id, root.id, err)
		}
		d.log.Debug("merged article into earlier cluster", zap.String("id", id), zap.String("cluster", root.id), zap.Bool("published", rec.Done))
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
}

// addMember adds id to the member list of cluster root's canonical, and
// returns the cluster id now belongs to: root, or the earlier cluster
// root itself was moved into.
func (d *Deduper) addMember(ctx context.Context, root ref, id string) (ref, error) {
	for hops, attempts := 0, 0; hops < 64 && attempts < 1000; attempts++ {
		rec, rev, err := d.ix.GetRecord(ctx, root.id)
		if errors.Is(err, kvindex.ErrNotFound) {
			return root, nil // the canonical expired
		}
		if err != nil {
			return root, fmt.Errorf("join cluster %s: %w", root.id, err)
		}
		if rec.Cluster != root.id {
			root = ref{rec.Cluster, rec.ClusterSeq}
			hops++
			continue
		}
		if slices.Contains(rec.Members, id) || len(rec.Members) >= kvindex.MaxMembers {
			return root, nil
		}
		rec.Members = append(rec.Members, id)
		if _, err := d.ix.UpdateRecord(ctx, root.id, rec, rev); err != nil {
			if errors.Is(err, kvindex.ErrConflict) {
				continue
			}
			return root, fmt.Errorf("join cluster %s: %w", root.id, err)
		}
		return root, nil
	}
	return root, fmt.Errorf("join cluster %s: too many hops or conflicts: %w", root.id, kvindex.ErrConflict)
}

// publishMerge re-publishes a finished article with its new cluster.
func (d *Deduper) publishMerge(ctx context.Context, id string, rec kvindex.Record, rev uint64) error {
	if rec.Stream == "" {
		d.merges.WithLabelValues("unpublished").Inc()
		d.log.Warn("merge not published: the article's stream is unknown", zap.String("id", id), zap.String("cluster", rec.Cluster))
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
			zap.String("id", id), zap.String("stream", rec.Stream), zap.Uint64("stream_seq", rec.Seq))
		return nil
	}
	if err != nil {
		return fmt.Errorf("merge %s: read %s #%d: %w", id, rec.Stream, rec.Seq, err)
	}
	doc, err := schema.DecodeDocument(msg.Data)
	if err != nil || doc.ID != id {
		d.merges.WithLabelValues("unpublished").Inc()
		d.log.Warn("merge not published: the stream message is not the article",
			zap.String("id", id), zap.String("stream", rec.Stream), zap.Uint64("stream_seq", rec.Seq), zap.Error(err))
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
