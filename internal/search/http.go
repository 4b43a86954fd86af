package search

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"go.uber.org/zap"
)

// Path is where Handler is meant to be mounted.
const Path = "/v1/search"

// Handler answers GET /v1/search?q=…&source=&person=&place=&include_duplicates=&size=
// with the JSON Response. Bad parameters get 400 and {"error": "..."}.
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

// ParseRequest reads a Request from the query parameters of r.
func ParseRequest(r *http.Request) (Request, error) {
	v := r.URL.Query()
	req := Request{
		Query:  v.Get("q"),
		Source: v.Get("source"),
		Person: v.Get("person"),
		Place:  v.Get("place"),
	}
	if s := v.Get("include_duplicates"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return req, fmt.Errorf("%w: include_duplicates=%q: want true or false", ErrBadRequest, s)
		}
		req.IncludeDuplicates = b
	}
	if s := v.Get("size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxSize {
			return req, fmt.Errorf("%w: size=%q: want 1 to %d", ErrBadRequest, s, MaxSize)
		}
		req.Size = n
	}
	return req, nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client may have gone; nothing to do
}
