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
	storyFieldRevision = "revision"      // numeric, stored
	storyFieldOutlets  = "outlet_count"  // numeric (sort, filter)
	storyFieldArticles = "article_count" // numeric (sort)
	storyFieldLastSeen = "last_seen"     // datetime (sort, filter)
	storyFieldMerged   = "merged"        // keyword: "yes" once merged into another story
)

// Stories is the embedded story index: the story snapshots of the stories
// stage in a Bleve index of their own, beside the article index. It keeps
// the highest revision of each story, so a late snapshot never overwrites
// a newer one. When a snapshot says a story was merged, the articles
// indexed with its id are re-pointed to the surviving story, and articles
// indexed later through IndexArticle are re-pointed as they arrive.
type Stories struct {
	idx      bleve.Index
	articles *Index // nil when read-only
	log      *zap.Logger
	readOnly bool

	// write serialises snapshot writes (read, compare revision, write).
	write sync.Mutex
	// repoint orders re-pointing against article writes: IndexArticle
	// holds it for reading from resolving an id until the article is
	// committed, a merge for writing while it records the merge, so an
	// article either sees the merge or is committed before the re-point
	// searches for the merged story's articles.
	repoint sync.RWMutex
	merged  map[string]string
}

// OpenStories opens (or creates) the story index in dir, beside the
// article index articles whose documents it re-points.
func OpenStories(dir string, articles *Index, log *zap.Logger) (*Stories, error) {
	var idx bleve.Index
	var err error
	if _, statErr := os.Stat(filepath.Join(dir, "index_meta.json")); statErr == nil {
		idx, err = bleve.Open(dir)
	} else {
		if err := os.MkdirAll(filepath.Dir(filepath.Clean(dir)), 0o755); err != nil {
			return nil, fmt.Errorf("create story index %s: %w", dir, err)
		}
		idx, err = bleve.NewUsing(dir, storyMapping(), scorch.Name, scorch.Name, nil)
	}
	if err != nil {
		return nil, openError(dir, err)
	}
	s := &Stories{idx: idx, articles: articles, log: log, merged: map[string]string{}}
	if err := s.loadMerged(); err != nil {
		_ = idx.Close()
		return nil, err
	}
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
	return &Stories{idx: idx, log: log, readOnly: true, merged: map[string]string{}}, nil
}

func storyMapping() mapping.IndexMapping {
	im := bleve.NewIndexMapping()
	doc := bleve.NewDocumentStaticMapping()
	num := bleve.NewNumericFieldMapping()
	num.Store = true
	num.DocValues = true
	date := bleve.NewDateTimeFieldMapping()
	date.DocValues = true
	kw := bleve.NewKeywordFieldMapping()
	stored := bleve.NewTextFieldMapping()
	stored.Index = false
	stored.Store = true
	doc.AddFieldMappingsAt(storyFieldJSON, stored)
	doc.AddFieldMappingsAt(storyFieldRevision, num)
	doc.AddFieldMappingsAt(storyFieldOutlets, num)
	doc.AddFieldMappingsAt(storyFieldArticles, num)
	doc.AddFieldMappingsAt(storyFieldLastSeen, date)
	doc.AddFieldMappingsAt(storyFieldMerged, kw)
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
	s.repoint.RLock()
	defer s.repoint.RUnlock()
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
	s.repoint.RLock()
	defer s.repoint.RUnlock()
	if doc != nil && doc.StoryID != "" {
		doc.StoryID = s.resolveLocked(doc.StoryID)
	}
	return s.articles.Index(ctx, doc)
}

// ErrInvalidStory means a snapshot cannot be indexed at all.
var ErrInvalidStory = errors.New("invalid story snapshot")

// IndexStory stores st unless the index holds the same or a newer revision
// of it; a merge also re-points the merged story's articles.
func (s *Stories) IndexStory(ctx context.Context, st *schema.Story) error {
	if s.readOnly {
		return ErrReadOnly
	}
	if st == nil || st.ID == "" {
		return ErrInvalidStory
	}
	s.write.Lock()
	defer s.write.Unlock()
	old, err := s.get(ctx, st.ID)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return err
	case old.Revision >= st.Revision:
		return nil // a late or repeated snapshot
	}
	js, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidStory, err)
	}
	merged := "no"
	if st.MergedInto != "" {
		merged = "yes"
	}
	if err := s.idx.Index(st.ID, map[string]any{
		storyFieldJSON:     string(js),
		storyFieldRevision: float64(st.Revision),
		storyFieldOutlets:  float64(st.OutletCount),
		storyFieldArticles: float64(st.ArticleCount),
		storyFieldLastSeen: st.LastSeen,
		storyFieldMerged:   merged,
	}); err != nil {
		return fmt.Errorf("index story %s: %w", st.ID, err)
	}
	if st.MergedInto == "" {
		return nil
	}
	s.repoint.Lock()
	s.merged[st.ID] = st.MergedInto
	s.repoint.Unlock()
	return s.repointArticles(ctx, st.ID)
}

// repointArticles moves every article indexed with story id to the story
// it was merged into.
func (s *Stories) repointArticles(ctx context.Context, id string) error {
	into := s.Resolve(id)
	done := map[string]bool{}
	for {
		sr := bleve.NewSearchRequestOptions(fieldMatch(FieldStoryID, id), 500, 0, false)
		res, err := s.articles.idx.SearchInContext(ctx, sr)
		if err != nil {
			return fmt.Errorf("articles of merged story %s: %w", id, err)
		}
		if len(res.Hits) == 0 {
			return nil
		}
		for _, h := range res.Hits {
			if done[h.ID] {
				return fmt.Errorf("re-point %s: still in merged story %s after its update", h.ID, id)
			}
			done[h.ID] = true
			doc, err := s.articles.Document(ctx, h.ID)
			if err != nil {
				return fmt.Errorf("re-point %s: %w", h.ID, err)
			}
			doc.StoryID = into
			if err := s.articles.Index(ctx, doc); err != nil {
				return fmt.Errorf("re-point %s: %w", h.ID, err)
			}
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

// Close closes the story index.
func (s *Stories) Close() error { return s.idx.Close() }
