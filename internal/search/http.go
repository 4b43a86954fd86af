package search

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/internal/bleveindex"
)

// Path is where Handler is meant to be mounted.
const Path = "/v1/search"

// MountAPI registers the HTTP API on handle: GET /v1/search (Handler over
// articles) and GET /v1/stories, GET /v1/stories/{id} (StoriesHandler over
// stories and articles). `newsflow run` and `newsflow serve` both serve
// it through this one registration.
func MountAPI(handle func(pattern string, h http.Handler), articles Searcher, stories *bleveindex.Stories, log *zap.Logger) {
	handle("GET "+Path, Handler(articles, log.Named("search")))
	storiesAPI := StoriesHandler(stories, articles, log.Named("stories"))
	handle("GET "+StoriesPath, storiesAPI)
	handle("GET "+StoriesPath+"/{id}", storiesAPI)
}

// Handler answers GET /v1/search?q=…&source=&person=&organization=&place=
// &language=&story=&since=&until=&sort=&include_duplicates=&size=&from=
// (see ParseValues) with the JSON Response. Bad or unknown parameters get
// 400 and {"error": "..."}.
func Handler(s Searcher, log *zap.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use GET"})
			return
		}
		req, err := ParseRequest(r)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		resp, err := s.Search(r.Context(), req)
		switch {
		case errors.Is(err, ErrBadRequest):
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		case r.Context().Err() != nil:
			return // the client left
		case err != nil:
			log.Error("search failed", zap.String("q", req.Query), zap.Error(err))
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "search failed"})
			return
		}
		writeJSON(w, http.StatusOK, resp)
	})
}

// ParseRequest reads a Request from the query parameters of r (see
// ParseValues), relative times against the current time.
func ParseRequest(r *http.Request) (Request, error) {
	return ParseValues(r.URL.Query(), time.Now())
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client may have gone; nothing to do
}
