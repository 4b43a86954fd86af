package webui

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/internal/search"
)

// formatDate shows a time to a person: "6 Dec 2026 14:05 UTC".
func formatDate(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006 15:04 MST")
}

// formatDay shows the day of a time: "6 Dec 2026".
func formatDay(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006")
}

// formatNumber groups thousands: 100000 -> "100,000".
func formatNumber(n any) string {
	var s string
	switch x := n.(type) {
	case int:
		s = strconv.Itoa(x)
	case uint64:
		s = strconv.FormatUint(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'f', 1, 64)
		return s
	default:
		return "?"
	}
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

type errorData struct{ Message string }

// errorView turns a page's error into a page: 404 for what does not
// exist, 400 for a bad request, else 500 (and a log line).
func (s *Server) errorView(r *http.Request, err error) view {
	v := view{Page: "error", Title: "Error", Query: r.URL.Query().Get("q"), Data: &errorData{Message: err.Error()}}
	switch {
	case errors.Is(err, errNotFound):
		v.Status, v.Title = http.StatusNotFound, "Not found"
	case errors.Is(err, search.ErrBadRequest):
		v.Status, v.Title = http.StatusBadRequest, "Bad request"
	default:
		v.Status = http.StatusInternalServerError
		s.opts.Log.Error("page failed", zap.String("path", r.URL.Path), zap.Error(err))
		v.Data = &errorData{Message: "The page failed; the server's log says why."}
	}
	return v
}
