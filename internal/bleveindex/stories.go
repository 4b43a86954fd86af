package bleveindex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
)

// Fields of the story index.
const (
	storyFieldJSON     = "story"         // stored only: the whole schema.Story
	storyFieldRevision = "revision"      // numeric, stored only: read, never searched
	storyFieldOutlets  = "outlet_count"  // numeric (sort, filter), not stored
	storyFieldArticles = "article_count" // numeric (sort), not stored
	storyFieldLastSeen = "last_seen"     // datetime (sort, filter), not stored
	storyFieldMerged   = "merged"        // keyword: "yes" once merged into another story
)

// Stories is the embedded story index: the story snapshots of the stories
// stage in a Bleve index of their own, beside the article index. It keeps
// the highest revision of each story, so a late snapshot never overwrites
// a newer one. When a snapshot says a story was merged, the articles
// indexed with its id are re-pointed to the surviving story, and articles
// indexed later through IndexArticle are re-pointed as they arrive.
//
// Snapshots are written as articles are (see the package comment): one
// writer goroutine takes the snapshots that queued up (up to
// StoryOptions.BatchSize, lingering StoryOptions.Linger for more), keeps
// the newest revision of each story among them, reads the stored
// revisions of the batch with one search, commits the newer ones as one
// Bleve batch, re-points the articles of the batch's merged stories in one
// article batch, and only then answers every caller.
type Stories struct {
	idx      bleve.Index
	articles *Index // nil when read-only
	log      *zap.Logger
	opts     StoryOptions
	readOnly bool

	reqs chan *storyRequest
	pace *pace
	// mapped drops the segments' mapped pages (mapped.go); nil when
	// read-only.
	mapped *mappedPages
	// stop is closed by Close to end the writer; done is closed when it has.
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error

	// repoint orders re-pointing against article writes. IndexArticle
	// resolves an article's story id and counts the article as written
	// in the current epoch until it is committed; a merge records
	// itself, opens a new epoch and waits (written) until no article of
	// an earlier epoch is still being written. An article thus either
	// sees the merge or is committed before the re-point searches for
	// the merged story's articles, and the articles that come while a
	// merge waits see it and go on into the batch being gathered,
	// instead of waiting behind the merge for the next one.
	repoint sync.Mutex
	written sync.Cond // on repoint
	merged  map[string]string
	epoch   uint64
	// writing counts, per epoch, the articles resolved then and not yet
	// committed.
	writing map[uint64]int
}

// StoryOptions tune the story writer. The zero value gives the defaults.
type StoryOptions struct {
	// BatchSize is the most snapshots committed in one batch. Default 512.
	BatchSize int
	// Linger is the longest the first snapshot of a batch waits for more
	// (the stories stage publishes the stories changed in the last
	// second together, so a short wait gathers them). Default 100ms;
	// negative means do not wait.
	Linger time.Duration
}

func (o StoryOptions) withDefaults() StoryOptions {
	if o.BatchSize <= 0 {
		o.BatchSize = 512
	}
	if o.Linger == 0 {
		o.Linger = 100 * time.Millisecond
	}
	return o
}

type storyRequest struct {
	st     *schema.Story
	fields map[string]any
	result chan error // buffered, 1
}

// OpenStories opens (or creates) the story index in dir, beside the
// article index articles whose documents it re-points.
func OpenStories(dir string, articles *Index, log *zap.Logger) (*Stories, error) {
	return OpenStoriesWith(dir, articles, log, StoryOptions{})
}

// OpenStoriesWith is OpenStories with writer options.
func OpenStoriesWith(dir string, articles *Index, log *zap.Logger, opts StoryOptions) (*Stories, error) {
	var idx bleve.Index
	var err error
	if _, statErr := os.Stat(filepath.Join(dir, "index_meta.json")); statErr == nil {
		idx, err = bleve.OpenUsing(dir, scorchConfig(nil))
	} else {
		if err := os.MkdirAll(filepath.Dir(filepath.Clean(dir)), 0o755); err != nil {
			return nil, fmt.Errorf("create story index %s: %w", dir, err)
		}
		idx, err = bleve.NewUsing(dir, storyMapping(), scorch.Name, scorch.Name, scorchConfig(nil))
	}
	if err != nil {
		return nil, openError(dir, err)
	}
	opts = opts.withDefaults()
	s := &Stories{idx: idx, articles: articles, log: log, opts: opts, merged: map[string]string{}, writing: map[uint64]int{},
		reqs: make(chan *storyRequest, opts.BatchSize), pace: newPace(opts.Linger), stop: make(chan struct{}), done: make(chan struct{})}
	s.written.L = &s.repoint
	if err := s.loadMerged(); err != nil {
		_ = idx.Close()
		return nil, err
	}
	s.mapped = releaseMappedPages(idx)
	go s.writer()
	return s, nil
}

// OpenStoriesReadOnly opens an existing story index for reading, waiting
// at most timeout for the directory lock (then ErrLocked); ErrNotFound
// when dir holds none.
func OpenStoriesReadOnly(dir string, timeout time.Duration, log *zap.Logger) (*Stories, error) {
	if _, err := os.Stat(filepath.Join(dir, "index_meta.json")); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, dir)
	}
	idx, err := bleve.OpenUsing(dir, map[string]any{"read_only": true, "bolt_timeout": max(timeout, time.Millisecond).String()})
	if err != nil {
		return nil, openError(dir, err)
	}
	done := make(chan struct{})
	close(done)
	s := &Stories{idx: idx, log: log, readOnly: true, merged: map[string]string{}, done: done}
	s.written.L = &s.repoint
	return s, nil
}

func storyMapping() mapping.IndexMapping {
	im := bleve.NewIndexMapping()
	doc := bleve.NewDocumentStaticMapping()
	// Each field does only what List, revisions and loadMerged ask of it:
	// numbers and dates are not stored (the story JSON is), the revision
	// is not indexed (a numeric field indexes 16 prefix terms), nothing
	// keeps term vectors, and there is no "_all" composite.
	field := func(f *mapping.FieldMapping, index, store, docValues bool) *mapping.FieldMapping {
		f.Index, f.Store, f.DocValues = index, store, docValues
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		return f
	}
	doc.AddFieldMappingsAt(storyFieldJSON, field(bleve.NewTextFieldMapping(), false, true, false))
	doc.AddFieldMappingsAt(storyFieldRevision, field(bleve.NewNumericFieldMapping(), false, true, false))
	doc.AddFieldMappingsAt(storyFieldOutlets, field(bleve.NewNumericFieldMapping(), true, false, true))
	doc.AddFieldMappingsAt(storyFieldArticles, field(bleve.NewNumericFieldMapping(), true, false, true))
	doc.AddFieldMappingsAt(storyFieldLastSeen, field(bleve.NewDateTimeFieldMapping(), true, false, true))
	doc.AddFieldMappingsAt(storyFieldMerged, field(bleve.NewKeywordFieldMapping(), true, false, false))
	doc.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	im.DefaultMapping = doc
	return im
}

// loadMerged reads every merged story's survivor, for IndexArticle.
func (s *Stories) loadMerged() error {
	for from := 0; ; from += 1000 {
		sr := bleve.NewSearchRequestOptions(fieldMatch(storyFieldMerged, "yes"), 1000, from, false)
		sr.Fields = []string{storyFieldJSON}
		res, err := s.idx.Search(sr)
		if err != nil {
			return fmt.Errorf("read merged stories: %w", err)
		}
		for _, h := range res.Hits {
			if st, err := decodeStored(h.Fields); err == nil {
				s.merged[st.ID] = st.MergedInto
			}
		}
		if len(res.Hits) < 1000 {
			return nil
		}
	}
}

func fieldMatch(field, value string) query.Query {
	q := bleve.NewTermQuery(value)
	q.SetField(field)
	return q
}

func decodeStored(f map[string]any) (*schema.Story, error) {
	js, _ := f[storyFieldJSON].(string)
	var st schema.Story
	if err := json.Unmarshal([]byte(js), &st); err != nil {
		return nil, fmt.Errorf("stored story: %w", err)
	}
	return &st, nil
}

// Resolve returns the story that id ended in, following merges.
func (s *Stories) Resolve(id string) string {
	s.repoint.Lock()
	defer s.repoint.Unlock()
	return s.resolveLocked(id)
}

func (s *Stories) resolveLocked(id string) string {
	for range 64 {
		into, ok := s.merged[id]
		if !ok {
			return id
		}
		id = into
	}
	return id
}

// IndexArticle indexes doc in the article index with its story id
// resolved through the merges seen so far.
func (s *Stories) IndexArticle(ctx context.Context, doc *schema.Document) error {
	s.repoint.Lock()
	if doc != nil && doc.StoryID != "" {
		doc.StoryID = s.resolveLocked(doc.StoryID)
	}
	epoch := s.epoch
	s.writing[epoch]++
	s.repoint.Unlock()
	defer s.articleWritten(epoch)
	return s.articles.Index(ctx, doc)
}

// articleWritten counts an article of epoch as no longer being written.
func (s *Stories) articleWritten(epoch uint64) {
	s.repoint.Lock()
	defer s.repoint.Unlock()
	if s.writing[epoch]--; s.writing[epoch] == 0 {
		delete(s.writing, epoch)
		s.written.Broadcast()
	}
}

// recordMerges makes IndexArticle resolve the merged stories to their
// survivors from now on, and returns once every article that resolved
// its story before is committed (or given up by its caller).
func (s *Stories) recordMerges(merges []*schema.Story) {
	s.repoint.Lock()
	defer s.repoint.Unlock()
	for _, st := range merges {
		s.merged[st.ID] = st.MergedInto
	}
	s.epoch++
	for s.writingBefore(s.epoch) {
		s.written.Wait()
	}
}

// writingBefore reports whether an article resolved before epoch is
// still being written.
func (s *Stories) writingBefore(epoch uint64) bool {
	for e := range s.writing {
		if e < epoch {
			return true
		}
	}
	return false
}

// ErrInvalidStory means a snapshot cannot be indexed at all.
var ErrInvalidStory = errors.New("invalid story snapshot")

// IndexStory stores st unless the index holds a newer revision of it (a
// repeated revision is stored once); a merge also re-points the merged
// story's articles. It returns once both are committed to disk, so the
// snapshot's message can be acknowledged. It is safe for concurrent use;
// when ctx ends first it returns ctx.Err() and the snapshot may still be
// committed.
func (s *Stories) IndexStory(ctx context.Context, st *schema.Story) error {
	if s.readOnly {
		return ErrReadOnly
	}
	if st == nil || st.ID == "" {
		return ErrInvalidStory
	}
	js, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidStory, err)
	}
	merged := "no"
	if st.MergedInto != "" {
		merged = "yes"
	}
	req := &storyRequest{st: st, result: make(chan error, 1), fields: map[string]any{
		storyFieldJSON:     string(js),
		storyFieldRevision: float64(st.Revision),
		storyFieldOutlets:  float64(st.OutletCount),
		storyFieldArticles: float64(st.ArticleCount),
		storyFieldLastSeen: st.LastSeen,
		storyFieldMerged:   merged,
	}}
	select {
	case s.reqs <- req:
	case <-s.stop:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.result:
		return err
	case <-s.done:
		select { // the writer answers before it exits
		case err := <-req.result:
			return err
		default:
			return ErrClosed
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SetLinger sets how long the first snapshot of each later batch waits
// for more, as Index.SetLinger does for articles. Within a batch only a
// story's newest revision is written, so a longer linger also writes
// fewer revisions of a story that keeps changing.
func (s *Stories) SetLinger(d time.Duration) {
	if s.readOnly {
		return
	}
	s.pace.set(d)
}

// CommitNow commits the batch of snapshots being gathered without
// lingering for more, or, when none is, the next one, as Index.CommitNow
// does for articles. It does not wait for the commit.
func (s *Stories) CommitNow() {
	if s.readOnly {
		return
	}
	s.pace.commitNow()
}

// writer is the only goroutine that writes snapshots.
func (s *Stories) writer() {
	defer close(s.done)
	batch := make([]*storyRequest, 0, s.opts.BatchSize)
	var linger *time.Timer
	for {
		var ok bool
		batch, ok = gather(s.reqs, s.stop, s.pace.hurry, s.opts.BatchSize, s.pace.current(), &linger, batch[:0])
		if !ok {
			drainQueued(s.reqs, s.opts.BatchSize, s.commit)
			return
		}
		s.commit(batch)
	}
}

// commit writes one batch of snapshots and answers each: per story, the
// newest revision among the batch and the index wins.
func (s *Stories) commit(reqs []*storyRequest) {
	newest := make(map[string]*storyRequest, len(reqs))
	for _, r := range reqs {
		if w, ok := newest[r.st.ID]; !ok || r.st.Revision > w.st.Revision {
			newest[r.st.ID] = r
		}
	}
	err := s.write(newest)
	if err != nil {
		s.log.Warn("story batch failed", zap.Int("snapshots", len(reqs)), zap.Error(err))
	}
	for _, r := range reqs {
		r.result <- err
	}
}

func (s *Stories) write(newest map[string]*storyRequest) error {
	// The writer serves many callers, so it works under none of their
	// contexts; nothing it waits for blocks for long (the article writer
	// answers ErrClosed once closed).
	ctx := context.Background()
	stored, err := s.revisions(ctx, newest)
	if err != nil {
		return err
	}
	b := s.idx.NewBatch()
	var merges []*schema.Story
	for id, r := range newest {
		cur, ok := stored[id]
		if ok && cur > r.st.Revision {
			continue // a late snapshot
		}
		if r.st.MergedInto != "" {
			// Even when this revision is stored already: the re-point
			// after a commit may not have happened (a crash between the
			// two redelivers the snapshot), and it is idempotent.
			merges = append(merges, r.st)
		}
		if ok && cur == r.st.Revision {
			continue
		}
		if err := b.Index(id, r.fields); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrInvalidStory, id, err)
		}
	}
	if b.Size() > 0 {
		err := s.idx.Batch(b)
		s.mapped.Committed()
		if err != nil {
			return fmt.Errorf("commit story batch of %d: %w", b.Size(), err)
		}
	}
	if len(merges) == 0 {
		return nil
	}
	s.recordMerges(merges)
	return s.repointArticles(ctx, merges)
}

// revisions returns the stored revision of each story of the batch that
// the index holds.
func (s *Stories) revisions(ctx context.Context, batch map[string]*storyRequest) (map[string]uint64, error) {
	ids := make([]string, 0, len(batch))
	for id := range batch {
		ids = append(ids, id)
	}
	sr := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	sr.Fields = []string{storyFieldRevision}
	sr.Score = "none"
	res, err := s.idx.SearchInContext(ctx, sr)
	if err != nil {
		return nil, fmt.Errorf("read revisions of %d stories: %w", len(ids), err)
	}
	out := make(map[string]uint64, len(res.Hits))
	for _, h := range res.Hits {
		rev, _ := h.Fields[storyFieldRevision].(float64)
		out[h.ID] = uint64(rev)
	}
	return out, nil
}

// repointArticles moves every article indexed with the id of a merged
// story to the story it ended in, in as few article batches as the
// article writer takes.
func (s *Stories) repointArticles(ctx context.Context, merges []*schema.Story) error {
	terms := make([]query.Query, 0, len(merges))
	for _, st := range merges {
		terms = append(terms, fieldMatch(FieldStoryID, st.ID))
	}
	q := bleve.NewDisjunctionQuery(terms...)
	done := map[string]bool{}
	for {
		sr := bleve.NewSearchRequestOptions(q, 500, 0, false)
		sr.Score = "none"
		res, err := s.articles.idx.SearchInContext(ctx, sr)
		if err != nil {
			return fmt.Errorf("articles of %d merged stories: %w", len(merges), err)
		}
		if len(res.Hits) == 0 {
			return nil
		}
		ids := make([]string, 0, len(res.Hits))
		for _, h := range res.Hits {
			if done[h.ID] {
				return fmt.Errorf("re-point %s: still in a merged story after its update", h.ID)
			}
			done[h.ID] = true
			ids = append(ids, h.ID)
		}
		docs, err := s.articles.Documents(ctx, ids)
		if err != nil {
			return fmt.Errorf("re-point: %w", err)
		}
		moved := make([]*schema.Document, 0, len(docs))
		for _, doc := range docs {
			doc.StoryID = s.Resolve(doc.StoryID)
			moved = append(moved, doc)
		}
		if err := s.articles.IndexAll(ctx, moved); err != nil {
			return fmt.Errorf("re-point %d articles: %w", len(moved), err)
		}
	}
}

// Story returns the newest snapshot of story id, or ErrNotFound.
func (s *Stories) Story(ctx context.Context, id string) (*schema.Story, error) {
	return s.get(ctx, id)
}

func (s *Stories) get(ctx context.Context, id string) (*schema.Story, error) {
	sr := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery([]string{id}), 1, 0, false)
	sr.Fields = []string{storyFieldJSON}
	res, err := s.idx.SearchInContext(ctx, sr)
	if err != nil {
		return nil, fmt.Errorf("read story %s: %w", id, err)
	}
	if len(res.Hits) == 0 {
		return nil, fmt.Errorf("%w: story %q", ErrNotFound, id)
	}
	return decodeStored(res.Hits[0].Fields)
}

// StoryQuery selects stories for List.
type StoryQuery struct {
	// Since keeps stories seen (last_seen) at or after it; zero for all.
	Since time.Time
	// MinOutlets keeps stories covered by at least this many outlets.
	MinOutlets int
	// Size and From page the list (Size 0: 20).
	Size, From int
}

// StoryList is one page of stories, biggest first.
type StoryList struct {
	Total   uint64         `json:"total"`
	Stories []schema.Story `json:"stories"`
}

// List returns the stories that were not merged into another, biggest
// first: most outlets, then most articles, then the latest seen.
func (s *Stories) List(ctx context.Context, q StoryQuery) (*StoryList, error) {
	if q.Size <= 0 {
		q.Size = 20
	}
	conj := []query.Query{fieldMatch(storyFieldMerged, "no")}
	if !q.Since.IsZero() {
		r := bleve.NewDateRangeQuery(q.Since, time.Time{})
		r.SetField(storyFieldLastSeen)
		conj = append(conj, r)
	}
	if q.MinOutlets > 0 {
		lo := float64(q.MinOutlets)
		incl := true
		r := bleve.NewNumericRangeInclusiveQuery(&lo, nil, &incl, nil)
		r.SetField(storyFieldOutlets)
		conj = append(conj, r)
	}
	sr := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(conj...), q.Size, q.From, false)
	sr.Fields = []string{storyFieldJSON}
	sr.SortBy([]string{"-" + storyFieldOutlets, "-" + storyFieldArticles, "-" + storyFieldLastSeen, "_id"})
	res, err := s.idx.SearchInContext(ctx, sr)
	if err != nil {
		return nil, fmt.Errorf("list stories: %w", err)
	}
	out := &StoryList{Total: res.Total, Stories: []schema.Story{}}
	for _, h := range res.Hits {
		st, err := decodeStored(h.Fields)
		if err != nil {
			return nil, err
		}
		out.Stories = append(out.Stories, *st)
	}
	return out, nil
}

// Close commits what is queued, stops the writer and closes the story
// index. IndexStory calls after Close fail with ErrClosed.
func (s *Stories) Close() error {
	s.closeOnce.Do(func() {
		if !s.readOnly {
			close(s.stop)
			<-s.done
			s.mapped.Stop()
		}
		s.closeErr = s.idx.Close()
	})
	return s.closeErr
}
