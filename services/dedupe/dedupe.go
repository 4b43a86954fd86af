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
// carries DedupeRevision, the KV revision its decision was
// stored at, which grows with every change of an article's cluster, so an
// indexer can drop a decision that arrives after a newer one (Elasticsearch
// external_gte versioning).
//
// Files follow these steps: dedupe.go (New, Process: fingerprint,
// record, bands, decision), verify.go (candidates checked by
// containment), choose.go (the cluster an article joins, and the rule for
// excerpt canonicals), merge.go (moving articles into an earlier cluster,
// re-publishing finished ones), evict.go (moving the witnesses of an
// excerpt cluster out of it).
package dedupe

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

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
		Dir:          cfg.IndexDir,
		Store:        kvindex.StoreOptions{CacheBytes: int64(cfg.IndexCacheMiB) << 20, MemTableBytes: int64(cfg.IndexMemTableMiB) << 20},
	}, log)
	if err != nil {
		return nil, fmt.Errorf("open dedupe index: %w", err)
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

// Close stops following the shared band log and closes the local index
// (a temporary one is removed); Process fails afterwards. Call it after
// the stage has stopped consuming.
func (d *Deduper) Close() error { return d.ix.Close() }

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
	indexed := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "newsflow_dedupe_indexed_articles",
		Help: "Articles in the window held by the local band index.",
	}, func() float64 { return float64(d.ix.LocalSize()) })
	storeMemory := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "newsflow_dedupe_index_cache_bytes",
		Help: "Block cache in use by the local band index's store (at most NEWSFLOW_DEDUPE_INDEX_CACHE_MIB), outside the Go heap.",
	}, func() float64 { return float64(d.ix.StoreMemory().Cache) })
	memTables := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "newsflow_dedupe_index_memtable_bytes",
		Help: "Memtables allocated by the local band index's store, outside the Go heap.",
	}, func() float64 { return float64(d.ix.StoreMemory().MemTables) })
	stalls := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "newsflow_dedupe_index_write_stalls_total",
		Help: "Times the local band index's store held its writes back while flushes or compactions caught up.",
	}, func() float64 { n, _ := d.ix.WriteStalls(); return float64(n) })
	stalled := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "newsflow_dedupe_index_write_stall_seconds_total",
		Help: "Time the local band index's store held its writes back (the log follower, and every lookup, waited).",
	}, func() float64 { _, t := d.ix.WriteStalls(); return t.Seconds() })
	sketchReads := func(source string, n func() float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "newsflow_dedupe_index_sketch_reads_total",
			Help:        "Candidates' sketches read from outside the local band index's recent tier: source=warm from the newest spilled articles' sketches held in memory, source=store from the store.",
			ConstLabels: prometheus.Labels{"source": source},
		}, n)
	}
	warmReads := sketchReads("warm", func() float64 { n, _ := d.ix.SketchReads(); return float64(n) })
	storeReads := sketchReads("store", func() float64 { _, n := d.ix.SketchReads(); return float64(n) })
	return []prometheus.Collector{d.articles, d.merges, d.candidates, conflicts, writes, indexed, storeMemory, memTables, stalls, stalled, warmReads, storeReads}
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
	out.DuplicateOf, out.ClusterID, out.Similarity, out.DedupeRevision = "", doc.ID, nil, 0

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
	cands, total, err := d.ix.AddBands(ctx, doc.ID, minhash.BandKeys(minhash.Signature(core, p), p), rec.Sketch, d.cfg.MaxCandidates)
	if err != nil {
		return nil, fmt.Errorf("dedupe %s: add bands: %w", doc.ID, err)
	}
	d.candidates.Observe(float64(total))
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
	rec, rev, _, err = d.updateRecord(ctx, doc.ID, rec, rev, func(cur *kvindex.Record) bool {
		if cur.ClusterSeq < root.seq {
			root = ref{cur.Cluster, cur.ClusterSeq}
			sim = minhash.Similarity{Containment: cur.Containment, Jaccard: cur.Jaccard}
		}
		cur.Done = true
		cur.Cluster, cur.ClusterSeq = root.id, root.seq
		cur.Containment, cur.Jaccard = sim.Containment, sim.Jaccard
		moved = nil
		if root != self {
			moved, cur.Members = cur.Members, nil
		}
		return true
	})
	if errors.Is(err, kvindex.ErrNotFound) {
		return nil, fmt.Errorf("dedupe %s: %w", doc.ID, ErrRecordVanished)
	}
	if err != nil {
		return nil, fmt.Errorf("dedupe %s: store decision: %w", doc.ID, err)
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

// annotate sets the dedupe fields of out from its record.
func annotate(out *schema.Document, rec kvindex.Record, rev uint64) {
	out.ClusterID = rec.Cluster
	if rec.Cluster != out.ID {
		out.DuplicateOf = rec.Cluster
		out.Similarity = &schema.Similarity{Containment: clamp(rec.Containment), Jaccard: clamp(rec.Jaccard)}
	}
	out.DedupeRevision = rev
}

// maxCASAttempts bounds the compare-and-set attempts on one record: each
// lost attempt means another writer changed the record in between, so this
// many in a row is a livelock, returned as a retryable error (the runtime
// retries the article with backoff).
const maxCASAttempts = 1000

// updateRecord changes article id's record by compare-and-set: change
// edits the record as it is now and returns whether to write it; after a
// lost race the record is read again and change called again, at most
// maxCASAttempts times. cur, at revision rev, is the record when the
// caller holds it (rev > 0); otherwise it is read first. It returns the
// record as last seen (as written, when written), its revision and
// whether it was written; a missing record is kvindex.ErrNotFound. Every
// compare-and-set loop of the stage goes through it.
func (d *Deduper) updateRecord(ctx context.Context, id string, cur kvindex.Record, rev uint64, change func(*kvindex.Record) bool) (kvindex.Record, uint64, bool, error) {
	for range maxCASAttempts {
		if rev == 0 {
			var err error
			if cur, rev, err = d.ix.GetRecord(ctx, id); err != nil {
				return cur, 0, false, err
			}
		}
		if !change(&cur) {
			return cur, rev, false, nil
		}
		newRev, err := d.ix.UpdateRecord(ctx, id, cur, rev)
		if err == nil {
			return cur, newRev, true, nil
		}
		if !errors.Is(err, kvindex.ErrConflict) {
			return cur, rev, false, err
		}
		rev = 0
	}
	return cur, rev, false, fmt.Errorf("record %s: %d compare-and-set attempts lost: %w", id, maxCASAttempts, kvindex.ErrConflict)
}

// clamp keeps x in [0, 1] at the precision records store, so a decision
// read back from a record reports the same values.
func clamp(x float64) float64 { return math.Round(min(max(x, 0), 1)*10000) / 10000 }
