package webui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/blevesearch/bleve/v2"

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

// places facets the positions of the places mentioned by the documents
// matching req.
func (s *Server) places(r *http.Request, req search.Request, q url.Values) ([]mapPlace, int, error) {
	bq := search.BleveQuery(s.opts.Index, req)
	if !req.IncludeDuplicates {
		// Count articles as search does: a copy's places are its original's.
		b := bleve.NewBooleanQuery()
		b.AddMust(bq)
		notCopy := bleve.NewTermQuery("true")
		notCopy.SetField(bleveindex.FieldCopy)
		b.AddMustNot(notCopy)
		bq = b
	}
	sr := bleve.NewSearchRequestOptions(bq, 0, 0, false)
	sr.AddFacet("points", bleve.NewFacetRequest(bleveindex.FieldPlacePoint, MapPlaces))
	res, err := s.opts.Index.Bleve().SearchInContext(r.Context(), sr)
	if err != nil {
		return nil, 0, fmt.Errorf("map places: %w", err)
	}
	var out []mapPlace
	if fr, ok := res.Facets["points"]; ok && fr.Terms != nil {
		for _, t := range fr.Terms.Terms() {
			p, err := bleveindex.ParsePlacePoint(t.Term)
			if err != nil {
				s.opts.Log.Sugar().Warnf("map: %v", err)
				continue
			}
			out = append(out, mapPlace{Name: p.Name, ID: p.ID, Lat: p.Lat, Lon: p.Lon, Count: t.Count,
				URL: "/?" + with(q, "place", p.Name)})
		}
	}
	return out, int(res.Total), nil
}
