// Package bleveindex is the embedded search index of the one-process
// default: a Bleve (scorch) index in a directory that receives the same
// schema.Document values the Elasticsearch indexer does.
//
// Writes go through one writer goroutine that does group commit: every
// Index call hands its mapped document to the writer and waits; the writer
// takes whatever has queued up (up to Options.BatchSize), lingers briefly
// for more, commits it as one Bleve batch, and only then answers each
// caller. Scorch persists a batch to disk before Batch returns, so a nil
// error from Index means the document is durable and its message can be
// acknowledged.
//
// Writes are idempotent by document id, and ordered by ingested_at: the
// ingest time of every indexed document is a stored field of it, replaced
// in the same batch as the rest of the document, and a document whose
// ingested_at is older than the indexed one is skipped (a replay never
// overwrites newer data). Equal times replace, so re-indexing is a no-op
// in effect. (Why not Bleve's internal store: see versions.go.)
//
// Bleve locks its directory (a bolt file lock), so only one process can
// have an index open for writing; OpenReadOnly waits a bounded time for
// that lock and fails with ErrLocked rather than hanging.
package bleveindex

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/prometheus/client_golang/prometheus"
	bolterrors "go.etcd.io/bbolt/errors"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
)

// ErrClosed means the index was closed before the document was committed.
var ErrClosed = errors.New("bleve index closed")

// ErrReadOnly means Index was called on an index opened with OpenReadOnly.
var ErrReadOnly = errors.New("bleve index opened read-only")

// ErrLocked means another process (usually a running `newsflow run`) holds
// the index directory's lock.
var ErrLocked = errors.New("bleve index is locked by another process")

// ErrNotFound means there is no index in the directory.
var ErrNotFound = errors.New("no bleve index in directory")

// ErrInvalidDocument means the document cannot be indexed at all (nil or
// without an id); retrying cannot help.
var ErrInvalidDocument = errors.New("document cannot be indexed")

const (
	internalVersionKey  = "newsflow:mapping_version"
	internalIngestedPfx = "newsflow:ingested_at:"
)

// Options tune the writer. The zero value gives the defaults.
type Options struct {
	// BatchSize is the most documents committed in one batch. Default 512.
	BatchSize int
	// Linger is the longest the first document of a batch waits for more
	// to join it before the batch is committed (a full batch commits at
	// once). Every batch becomes a segment that Bleve later merges, so
	// when documents trickle in, a longer linger means fewer, bigger
	// segments and much less merging, at the cost of that much latency.
	// Default 2ms; negative means do not wait.
	Linger time.Duration
	// Registerer receives the metrics; nil means none are registered.
	Registerer prometheus.Registerer
	// Scorch overrides entries of the scorch configuration this package
	// uses (see scorchConfig), for experiments such as cmd bleveload's;
	// keys are scorch's ("scorchMergePlanOptions",
	// "scorchPersisterOptions", ...). Nil keeps this package's settings.
	Scorch map[string]any
}

func (o Options) withDefaults() Options {
	if o.BatchSize <= 0 {
		o.BatchSize = 512
	}
	if o.Linger == 0 {
		o.Linger = 2 * time.Millisecond
	}
	return o
}

// Index is a Bleve index that accepts concurrent Index calls.
type Index struct {
	idx      bleve.Index
	log      *zap.Logger
	opts     Options
	readOnly bool
	// legacyVersions: the index was built with mapping version 1 and
	// keeps ingested_at in internal keys (see versions.go).
	legacyVersions bool
	metrics        *metrics
	lengths        fieldLengths

	reqs chan *request
	// pace is the writer's linger (SetLinger, CommitNow).
	pace *pace
	// mapped drops the segments' mapped pages (mapped.go); nil when
	// read-only.
	mapped *mappedPages
	// stop is closed by Close to end the writer; done is closed when it has.
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

type request struct {
	id      string
	doc     *document.Document
	version version
	result  chan error // buffered, 1
}

// Open opens the index in dir for reading and writing, creating it when
// the directory holds none. Only one process may have it open.
func Open(dir string, log *zap.Logger) (*Index, error) {
	return OpenWith(dir, log, Options{})
}

// OpenWith is Open with writer options.
func OpenWith(dir string, log *zap.Logger, opts Options) (*Index, error) {
	opts = opts.withDefaults()
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("bleve metrics: %w", err)
	}
	var idx bleve.Index
	if _, statErr := os.Stat(filepath.Join(dir, "index_meta.json")); statErr == nil {
		idx, err = bleve.OpenUsing(dir, scorchConfig(opts.Scorch))
		if err != nil {
			return nil, openError(dir, err)
		}
	} else {
		im, err := newMapping()
		if err != nil {
			return nil, fmt.Errorf("bleve mapping: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Clean(dir)), 0o755); err != nil {
			return nil, fmt.Errorf("create bleve index %s: %w", dir, err)
		}
		idx, err = bleve.NewUsing(dir, im, scorch.Name, scorch.Name, scorchConfig(opts.Scorch))
		if err != nil {
			return nil, openError(dir, err)
		}
		if err := idx.SetInternal([]byte(internalVersionKey), []byte(MappingVersion)); err != nil {
			_ = idx.Close()
			return nil, fmt.Errorf("write mapping version to %s: %w", dir, err)
		}
		log.Info("created bleve index", zap.String("dir", dir), zap.String("mapping_version", MappingVersion))
	}
	ix := &Index{
		idx:     idx,
		log:     log,
		opts:    opts,
		metrics: m,
		reqs:    make(chan *request, opts.BatchSize),
		pace:    newPace(opts.Linger),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	ix.checkVersion(dir)
	if err := ix.loadLengths(); err != nil {
		_ = idx.Close()
		return nil, err
	}
	ix.mapped = releaseMappedPages(idx)
	go ix.writer()
	return ix, nil
}

// OpenReadOnly opens an existing index for searching only. It waits at
// most timeout for the directory lock and then fails with ErrLocked; it
// fails with ErrNotFound when dir holds no index.
func OpenReadOnly(dir string, timeout time.Duration, log *zap.Logger) (*Index, error) {
	if _, err := os.Stat(filepath.Join(dir, "index_meta.json")); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, dir)
	}
	if timeout <= 0 {
		timeout = time.Second
	}
	idx, err := bleve.OpenUsing(dir, map[string]any{
		"read_only":    true,
		"bolt_timeout": timeout.String(),
	})
	if err != nil {
		return nil, openError(dir, err)
	}
	ix := &Index{idx: idx, log: log, readOnly: true, done: make(chan struct{})}
	close(ix.done)
	ix.checkVersion(dir)
	if err := ix.loadLengths(); err != nil {
		_ = idx.Close()
		return nil, err
	}
	return ix, nil
}

func openError(dir string, err error) error {
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return fmt.Errorf("%w: %s", ErrLocked, dir)
	case errors.Is(err, bleve.ErrorIndexPathDoesNotExist), errors.Is(err, bleve.ErrorIndexMetaMissing):
		return fmt.Errorf("%w: %s", ErrNotFound, dir)
	}
	return fmt.Errorf("open bleve index %s: %w", dir, err)
}

func (ix *Index) loadLengths() error {
	v, err := ix.idx.GetInternal([]byte(internalLengthsKey))
	if err != nil {
		return fmt.Errorf("read field lengths: %w", err)
	}
	ix.lengths.decode(v)
	return nil
}

func (ix *Index) checkVersion(dir string) {
	v, err := ix.idx.GetInternal([]byte(internalVersionKey))
	if err != nil {
		ix.log.Warn("cannot read bleve mapping version", zap.String("dir", dir), zap.Error(err))
		return
	}
	ix.legacyVersions = string(v) == "1"
	if string(v) != MappingVersion {
		ix.log.Warn("bleve index was built with another mapping; delete the directory and replay to rebuild it",
			zap.String("dir", dir), zap.String("index_version", string(v)), zap.String("want_version", MappingVersion))
	}
}

// Bleve returns the underlying index, for searching. Writes must go
// through Index.
func (ix *Index) Bleve() bleve.Index { return ix.idx }

// Index adds or replaces doc, unless the index already holds a newer
// version of it (a later ingested_at, or the same and a later dedupe
// revision: see versions.go), and returns once that decision is
// committed to disk. It is safe for concurrent use. When ctx ends first it
// returns ctx.Err(); the document may still be committed.
func (ix *Index) Index(ctx context.Context, doc *schema.Document) error {
	return ix.IndexAll(ctx, []*schema.Document{doc})
}

// IndexAll is Index for several documents at once: they are queued
// together, so they are committed in one batch when they fit in one, and
// it returns once each is decided, with the errors of those that failed
// (one error as it is, several joined).
func (ix *Index) IndexAll(ctx context.Context, docs []*schema.Document) error {
	if ix.readOnly {
		return ErrReadOnly
	}
	var errs []error
	reqs := make([]*request, 0, len(docs))
	for _, doc := range docs {
		if doc == nil || doc.ID == "" {
			errs = append(errs, fmt.Errorf("%w: nil document or empty id", ErrInvalidDocument))
			continue
		}
		bdoc := document.NewDocument(doc.ID)
		if err := ix.idx.Mapping().MapDocument(bdoc, indexed(doc)); err != nil {
			errs = append(errs, fmt.Errorf("%w: map %s: %v", ErrInvalidDocument, doc.ID, err))
			continue
		}
		reqs = append(reqs, &request{id: doc.ID, doc: bdoc, version: versionOf(doc), result: make(chan error, 1)})
	}
	for _, req := range reqs {
		select {
		case ix.reqs <- req:
		case <-ix.stop:
			return ErrClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for _, req := range reqs {
		if err := ix.await(ctx, req); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// CommitNow commits the batch being gathered without lingering for more,
// or, when none is, the next one: for a caller that knows no more
// documents are coming soon, such as a batch run whose other stages are
// all idle. It does not wait for the commit.
func (ix *Index) CommitNow() {
	if ix.readOnly {
		return
	}
	ix.pace.commitNow()
}

// SetLinger sets how long the first document of each later batch waits
// for more, as Options.Linger does (negative: not at all; 0: Options.Linger
// again). A caller that knows documents are coming faster than a linger
// gathers them, such as a pipeline with a backlog, can trade latency for
// fewer, bigger segments, which cost less to build and to merge. A
// shorter linger than before also commits the batch being gathered.
func (ix *Index) SetLinger(d time.Duration) {
	if ix.readOnly {
		return
	}
	ix.pace.set(d)
}

// await returns the writer's answer to req.
func (ix *Index) await(ctx context.Context, req *request) error {
	select {
	case err := <-req.result:
		return err
	case <-ix.done:
		// The writer answers before it exits, so a missing answer
		// means the request arrived after the final drain.
		select {
		case err := <-req.result:
			return err
		default:
			return ErrClosed
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close commits what is queued, stops the writer and closes the index.
// Index calls after Close fail with ErrClosed.
func (ix *Index) Close() error {
	ix.closeOnce.Do(func() {
		var err error
		if !ix.readOnly {
			close(ix.stop)
			<-ix.done
			ix.mapped.Stop()
			if err = ix.idx.SetInternal([]byte(internalLengthsKey), ix.lengths.encode()); err != nil {
				err = fmt.Errorf("write field lengths: %w", err)
			}
		}
		ix.closeErr = errors.Join(err, ix.idx.Close())
	})
	return ix.closeErr
}

// writer is the only goroutine that writes to the index.
func (ix *Index) writer() {
	defer close(ix.done)
	batch := make([]*request, 0, ix.opts.BatchSize)
	var linger *time.Timer
	for {
		var ok bool
		batch, ok = gather(ix.reqs, ix.stop, ix.pace.hurry, ix.opts.BatchSize, ix.pace.current(), &linger, batch[:0])
		if !ok {
			drainQueued(ix.reqs, ix.opts.BatchSize, ix.commit)
			return
		}
		ix.commit(batch)
	}
}

// commit writes one batch: per id, the newest version among the batch
// and the index wins.
func (ix *Index) commit(reqs []*request) {
	start := time.Now()
	winners := make(map[string]*request, len(reqs))
	var stale []*request
	for _, r := range reqs {
		if w, ok := winners[r.id]; ok {
			if r.version.before(w.version) {
				stale = append(stale, r)
				continue
			}
			stale = append(stale, w)
		}
		winners[r.id] = r
	}
	b := ix.idx.NewBatch()
	var failed []*request
	var indexed []*request
	current, verr := ix.indexedVersions(winners)
	// The version reads touched every segment; Batch analyses the
	// documents for a while before scorch reads the segments again.
	ix.mapped.Committed()
	for id, r := range winners {
		if verr != nil {
			r.result <- verr
			failed = append(failed, r)
			continue
		}
		if cur, ok := current[id]; ok && r.version.before(cur) {
			stale = append(stale, r)
			continue
		}
		if err := b.IndexAdvanced(r.doc); err != nil {
			r.result <- fmt.Errorf("%w: %v", ErrInvalidDocument, err)
			failed = append(failed, r)
			continue
		}
		if ix.legacyVersions {
			var ts [8]byte
			binary.BigEndian.PutUint64(ts[:], uint64(r.version.ingestedAt.UnixNano()))
			b.SetInternal([]byte(internalIngestedPfx+id), ts[:])
		}
		indexed = append(indexed, r)
	}
	var err error
	if b.Size() > 0 {
		// The counts so far ride along; this batch's are added after
		// analysis, which happens inside Batch.
		b.SetInternal([]byte(internalLengthsKey), ix.lengths.encode())
		err = ix.idx.Batch(b)
		if err == nil {
			ix.lengths.add(indexed)
		}
		ix.mapped.Committed()
	}
	ix.metrics.observeBatch(time.Since(start), len(reqs))
	if err != nil {
		err = fmt.Errorf("commit bleve batch of %d: %w", len(indexed), err)
		ix.log.Warn("bleve batch failed", zap.Int("docs", len(indexed)), zap.Error(err))
	}
	for _, r := range indexed {
		r.result <- err
	}
	for _, r := range stale {
		ix.log.Debug("skipped older version", zap.String("article_id", r.id), zap.Time("ingested_at", r.version.ingestedAt), zap.Int64("version", r.version.order))
		r.result <- nil
	}
	ix.metrics.count(len(indexed), len(stale), len(failed), err != nil)
}

// Count returns how many documents the index holds.
func (ix *Index) Count() (uint64, error) {
	return ix.idx.DocCount()
}
