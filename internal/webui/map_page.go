package webui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/internal/search"
)

// MapPlaces is how many places the map shows, the most mentioned first.
const MapPlaces = 300

type mapData struct {
	Total     int
	Places    []mapPlace
	SearchURL string
	Error     string
}

type mapPlace struct {
	Name  string  `json:"name"`
	ID    string  `json:"id"`
	Lat   float64 `json:"lat"`
	Lon   float64 `json:"lon"`
	Count int     `json:"count"`
	URL   string  `json:"url"`
}

func (s *Server) mapPage(r *http.Request) (view, error) {
	q := r.URL.Query()
	v := view{Page: "map", Nav: "map", Title: "Map", Query: q.Get("q")}
	d := &mapData{SearchURL: "/?" + q.Encode()}
	v.Data = d
	req, err := search.ParseRequest(r)
	if err == nil {
		d.Places, d.Total, err = s.places(r, req, q)
	}
	if errors.Is(err, search.ErrBadRequest) {
		d.Error = err.Error()
		v.Status = http.StatusBadRequest
		return v, nil
	}
	return v, err
}

// places counts the positions of the places mentioned by the articles
// matching req, as the search page counts its facets (one per cluster
// unless req includes duplicates), in the same pass over the columns
// that search keeps. The map shows no hits and no ranking: one hit,
// newest first, so that nothing is scored.
func (s *Server) places(r *http.Request, req search.Request, q url.Values) ([]mapPlace, int, error) {
	req.Points, req.Size, req.From, req.Sort = MapPlaces, 1, 0, search.SortNewest
	resp, err := s.opts.Articles.Search(r.Context(), req)
	if err != nil {
		return nil, 0, fmt.Errorf("map places: %w", err)
	}
	var out []mapPlace
	for _, f := range resp.Points {
		p, err := bleveindex.ParsePlacePoint(f.Name)
		if err != nil {
			s.opts.Log.Sugar().Warnf("map: %v", err)
			continue
		}
		out = append(out, mapPlace{Name: p.Name, ID: p.ID, Lat: p.Lat, Lon: p.Lon, Count: f.Count,
			URL: "/?" + with(q, "place", p.Name)})
	}
	return out, resp.Total, nil
}
