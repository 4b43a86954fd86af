package esindex

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/elastic/go-elasticsearch/v8"

	"github.com/newsflow/newsflow/pkg/schema"
)

// A story is stored as its schema.Story JSON (StoryDoc), _id its id, in one index
// (DefaultStoryIndex): stories are few (a story gathers many articles)
// and change for days, so monthly indices would split one story's
// snapshots across months. Every write is version_type=external with the
// snapshot's Revision, so Elasticsearch keeps the newest snapshot whatever
// the order they arrive in, and a redelivery is a 409 (success).

// ErrStoryIndex means a story index name the stories template does not
// cover.
var ErrStoryIndex = errors.New("bad story index name")

// CheckStoryIndex reports whether name is an index the stories template
// applies to: DefaultStoryIndex itself or a name starting with
// "newsflow-stories-".
func CheckStoryIndex(name string) error {
	if !prefixRE.MatchString(name) {
		return fmt.Errorf("%w: %q: want lowercase letters, digits, '.', '_' or '-'", ErrStoryIndex, name)
	}
	if name != DefaultStoryIndex && !(len(name) > len(DefaultStoryIndex)+1 && strings.HasPrefix(name, DefaultStoryIndex+"-")) {
		return fmt.Errorf("%w: %q: must be %q or start with %q so the stories template applies", ErrStoryIndex, name, DefaultStoryIndex, DefaultStoryIndex+"-")
	}
	return nil
}

// StoryDoc is the document stored for a story: the snapshot, plus its id
// again as story_id, the field articles carry, so that a dashboard filter
// on one story (story_id: X) selects the story and its articles alike.
type StoryDoc struct {
	*schema.Story
	StoryID string `json:"story_id"`
}

// EncodeStory returns the JSON source of a story document.
func EncodeStory(st *schema.Story) ([]byte, error) {
	b, err := json.Marshal(StoryDoc{Story: st, StoryID: st.ID})
	if err != nil {
		return nil, fmt.Errorf("encode story %s: %w", st.ID, err)
	}
	return b, nil
}

// StoryVersion is the external version a story snapshot is written with:
// its revision, which the stories stage raises with every snapshot.
func StoryVersion(st *schema.Story) int64 {
	if st.Revision > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(st.Revision)
}

// ErrRepointConflicts means articles of a merged story kept changing
// while they were re-pointed: the call may be repeated.
var ErrRepointConflicts = errors.New("articles changed while re-pointing their story")

// repointScript sets story_id; a stored script source, so Elasticsearch
// compiles it once whatever the story ids (they are parameters).
const repointScript = "ctx._source.story_id = params.story_id"

// repointAttempts bounds the passes RepointStory makes while version
// conflicts (an article written by the indexer during the pass) remain.
const repointAttempts = 5

// RepointStory moves every article of story from to story to: a refresh
// of index (the read alias), so that articles written in the last second
// are visible to the search, then one _update_by_query for
// story_id:from, repeated while it reports version conflicts (an article
// rewritten meanwhile, possibly still with the old id). It returns how
// many articles it updated; a missing index means no article yet, and
// none is updated.
//
// Elasticsearch applies the update with internal versioning, which adds
// one to each article's external version: a redelivery of the article
// (same version) is then a 409 and does not undo the move, while a newer
// decision about it (a dedupe merge) still replaces it.
func RepointStory(ctx context.Context, es *elasticsearch.Client, index, from, to string) (int64, error) {
	if from == "" || to == "" || from == to {
		return 0, nil
	}
	body, err := json.Marshal(map[string]any{
		"query": map[string]any{"term": map[string]any{"story_id": from}},
		"script": map[string]any{
			"source": repointScript,
			"lang":   "painless",
			"params": map[string]any{"story_id": to},
		},
	})
	if err != nil {
		return 0, err
	}
	var updated int64
	for range repointAttempts {
		if missing, err := refresh(ctx, es, index); missing || err != nil {
			return updated, err
		}
		res, err := es.UpdateByQuery([]string{index}, es.UpdateByQuery.WithBody(bytes.NewReader(body)),
			es.UpdateByQuery.WithConflicts("proceed"), es.UpdateByQuery.WithContext(ctx))
		if err != nil {
			return updated, fmt.Errorf("re-point story %s to %s: %w", from, to, err)
		}
		if res.IsError() {
			typ, _ := errorType(res)
			if typ == "index_not_found_exception" {
				res.Body.Close()
				return updated, nil
			}
			err := responseError("re-point story "+url.PathEscape(from)+" to "+url.PathEscape(to), res)
			res.Body.Close()
			return updated, err
		}
		var got struct {
			Updated          int64 `json:"updated"`
			VersionConflicts int64 `json:"version_conflicts"`
			Failures         []struct {
				Index  string `json:"index"`
				ID     string `json:"id"`
				Status int    `json:"status"`
				Cause  struct {
					Type   string `json:"type"`
					Reason string `json:"reason"`
				} `json:"cause"`
			} `json:"failures"`
		}
		err = json.NewDecoder(res.Body).Decode(&got)
		res.Body.Close()
		if err != nil {
			return updated, fmt.Errorf("re-point story %s to %s: decode: %w", from, to, err)
		}
		updated += got.Updated
		if len(got.Failures) > 0 {
			f := got.Failures[0]
			err := fmt.Errorf("re-point story %s to %s: %w: %d of the articles failed, first %s in %s: %d %s: %s",
				from, to, ErrResponse, len(got.Failures), f.ID, f.Index, f.Status, f.Cause.Type, f.Cause.Reason)
			if f.Status == 403 {
				err = fmt.Errorf("%w: %w", err, ErrForbidden)
			}
			return updated, err
		}
		if got.VersionConflicts == 0 {
			return updated, nil
		}
	}
	return updated, fmt.Errorf("re-point story %s to %s after %d passes: %w", from, to, repointAttempts, ErrRepointConflicts)
}

// refresh makes what was written to index visible to searches. It reports
// whether the index does not exist.
func refresh(ctx context.Context, es *elasticsearch.Client, index string) (missing bool, err error) {
	res, err := es.Indices.Refresh(es.Indices.Refresh.WithIndex(index), es.Indices.Refresh.WithContext(ctx))
	if err != nil {
		return false, fmt.Errorf("refresh %s: %w", index, err)
	}
	defer res.Body.Close()
	if !res.IsError() {
		return false, nil
	}
	if typ, _ := errorType(res); typ == "index_not_found_exception" {
		return true, nil
	}
	return false, responseError("refresh "+index, res)
}

// maxMergeChain bounds how many merged_into links Survivors follows (a
// story merged into one that was merged in turn, and so on).
const maxMergeChain = 16

// Survivors looks the story ids up in the story index and follows each
// one's merged_into to the story it ended in: one realtime _mget per link
// of the chains (realtime: a snapshot is seen as soon as its write was
// acknowledged, before any refresh). An id that is not stored, or not
// merged, maps to itself, as does every id when the index does not exist
// yet.
func Survivors(ctx context.Context, es *elasticsearch.Client, index string, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		out[id] = id
	}
	ask := ids
	for range maxMergeChain {
		if len(ask) == 0 {
			return out, nil
		}
		into, err := mergedInto(ctx, es, index, ask)
		if err != nil {
			return out, err
		}
		ask = nil
		for _, id := range ids {
			if next, ok := into[out[id]]; ok && next != out[id] {
				if !slices.Contains(ask, next) {
					ask = append(ask, next)
				}
				out[id] = next
			}
		}
	}
	return out, nil
}

// mergedInto is one _mget of ids in the story index: the merged_into of
// those that have one.
func mergedInto(ctx context.Context, es *elasticsearch.Client, index string, ids []string) (map[string]string, error) {
	body, err := json.Marshal(map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	res, err := es.Mget(bytes.NewReader(body), es.Mget.WithIndex(index), es.Mget.WithRealtime(true),
		es.Mget.WithSourceIncludes("merged_into"), es.Mget.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("look up %d stories in %s: %w", len(ids), index, err)
	}
	defer res.Body.Close()
	if res.IsError() {
		if typ, _ := errorType(res); typ == "index_not_found_exception" {
			return nil, nil
		}
		return nil, responseError("look up stories in "+index, res)
	}
	var got struct {
		Docs []struct {
			ID     string `json:"_id"`
			Found  bool   `json:"found"`
			Source struct {
				MergedInto string `json:"merged_into"`
			} `json:"_source"`
			Error *struct {
				Type   string `json:"type"`
				Reason string `json:"reason"`
			} `json:"error"`
		} `json:"docs"`
	}
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		return nil, fmt.Errorf("look up stories in %s: decode: %w", index, err)
	}
	out := map[string]string{}
	for _, d := range got.Docs {
		switch {
		case d.Error != nil && d.Error.Type == "index_not_found_exception":
		case d.Error != nil:
			return nil, fmt.Errorf("look up story %s in %s: %w: %s: %s", d.ID, index, ErrResponse, d.Error.Type, d.Error.Reason)
		case d.Found && d.Source.MergedInto != "":
			out[d.ID] = d.Source.MergedInto
		}
	}
	return out, nil
}
