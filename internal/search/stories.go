package search

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/pkg/schema"
)

// StoriesPath is where StoriesHandler is meant to be mounted, for both
// GET /v1/stories and GET /v1/stories/{id}.
const StoriesPath = "/v1/stories"

// MaxStoryArticles is how many of a story's articles StoryDetail lists.
const MaxStoryArticles = MaxSize

// StoryDetail is one story and its articles, oldest first.
type StoryDetail struct {
	Story    schema.Story `json:"story"`
	Articles *Response    `json:"articles"`
}

// ParseStoryQuery reads since (a time, a date or a duration back from
// now), min_outlets, size and from.
func ParseStoryQuery(v url.Values, now time.Time) (bleveindex.StoryQuery, error) {
	var q bleveindex.StoryQuery
	for name := range v {
		switch name {
		case "since", "min_outlets", "size", "from":
		default:
			return q, fmt.Errorf("%w: unknown parameter %q (want since, min_outlets, size, from)", ErrBadRequest, name)
		}
	}
	if s := v.Get("since"); s != "" {
		t, err := ParseTime(s, now, false)
		if err != nil {
			return q, fmt.Errorf("%w: since %q: %v", ErrBadRequest, s, err)
		}
		q.Since = t
	}
	num := func(name string, lo, hi, def int) (int, error) {
		s := v.Get(name)
		if s == "" {
			return def, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			return 0, fmt.Errorf("%w: %s %q: want a number from %d to %d", ErrBadRequest, name, s, lo, hi)
		}
		return n, nil
	}
	var err error
	if q.MinOutlets, err = num("min_outlets", 0, 1<<20, 0); err != nil {
		return q, err
	}
	if q.Size, err = num("size", 1, MaxSize, DefaultSize); err != nil {
		return q, err
	}
	if q.From, err = num("from", 0, MaxFrom, 0); err != nil {
		return q, err
	}
	return q, nil
}

// Story returns a story (following merges to the surviving one) and its
// articles, oldest first, copies included.
func Story(ctx context.Context, stories *bleveindex.Stories, articles Searcher, id string) (*StoryDetail, error) {
	st, err := stories.Story(ctx, id)
	for hops := 0; err == nil && st.MergedInto != "" && hops < 64; hops++ {
		st, err = stories.Story(ctx, st.MergedInto)
	}
	if err != nil {
		return nil, err
	}
	resp, err := articles.Search(ctx, Request{Story: st.ID, Sort: SortOldest, IncludeDuplicates: true, Size: MaxStoryArticles})
	if err != nil {
		return nil, err
	}
	return &StoryDetail{Story: *st, Articles: resp}, nil
}

// StoriesHandler answers GET /v1/stories (the stories not merged into
// another, biggest first: see ParseStoryQuery) and GET /v1/stories/{id}
// (StoryDetail; 404 when unknown). With no story index (stories nil: a
// data folder written before stories existed) both answer 404 and say so.
func StoriesHandler(stories *bleveindex.Stories, articles Searcher, log *zap.Logger) http.Handler {
	if stories == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no story index: no story has been indexed here"})
		})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+StoriesPath, func(w http.ResponseWriter, r *http.Request) {
		q, err := ParseStoryQuery(r.URL.Query(), time.Now())
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		list, err := stories.List(r.Context(), q)
		if err != nil {
			log.Error("list stories", zap.Error(err))
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "listing stories failed"})
			return
		}
		writeJSON(w, http.StatusOK, list)
	})
	mux.HandleFunc("GET "+StoriesPath+"/{id}", func(w http.ResponseWriter, r *http.Request) {
		d, err := Story(r.Context(), stories, articles, r.PathValue("id"))
		switch {
		case errors.Is(err, bleveindex.ErrNotFound):
			writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		case err != nil:
			log.Error("get story", zap.String("story_id", r.PathValue("id")), zap.Error(err))
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "reading the story failed"})
		default:
			writeJSON(w, http.StatusOK, d)
		}
	})
	return mux
}
