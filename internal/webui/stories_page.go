package webui

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/newsflow/newsflow/internal/search"
	"github.com/newsflow/newsflow/pkg/schema"
)

// storyEntities is how many of each kind of a story's top entities the
// story list shows.
const storyEntities = 3

type storiesData struct {
	// Indexed is false when there is no story index to list.
	Indexed bool
	// Since and MinOutlets are the filters as written in the form.
	Since, MinOutlets string
	Total             uint64
	// From is the rank of the first story listed, from 1.
	From    int
	Stories []storyRow
	// MoreURL is the next page; "" on the last.
	MoreURL string
}

type storyRow struct {
	schema.Story
	URL      string
	Entities []facetValue
}

// storiesPage lists the stories not merged into another, biggest first
// (most outlets, then most reports, then the latest), with the filters of
// GET /v1/stories: since (a date, a time or an age such as 7d: stories
// seen since), min_outlets, size and from.
func (s *Server) storiesPage(r *http.Request) (view, error) {
	v := view{Page: "stories", Nav: "stories", Title: "Stories"}
	params := r.URL.Query()
	d := &storiesData{Indexed: s.opts.Stories != nil, Since: params.Get("since"), MinOutlets: params.Get("min_outlets")}
	v.Data = d
	// An empty form field is no filter.
	for name, vals := range params {
		if len(vals) == 1 && vals[0] == "" {
			params.Del(name)
		}
	}
	q, err := search.ParseStoryQuery(params, time.Now())
	if err != nil {
		return view{}, err
	}
	if !d.Indexed {
		return v, nil
	}
	list, err := s.opts.Stories.List(r.Context(), q)
	if err != nil {
		return view{}, err
	}
	d.Total, d.From = list.Total, q.From+1
	for _, st := range list.Stories {
		d.Stories = append(d.Stories, storyRow{Story: st, URL: storyURL(st.ID), Entities: topEntities(st)})
	}
	if next := q.From + len(list.Stories); uint64(next) < list.Total && next <= search.MaxFrom {
		params.Set("from", strconv.Itoa(next))
		d.MoreURL = "/stories?" + params.Encode()
	}
	return v, nil
}

// topEntities are a story's first few persons, organisations and places,
// each a link to the story's articles that mention it.
func topEntities(st schema.Story) []facetValue {
	var out []facetValue
	add := func(param, name string) {
		q := url.Values{param: {name}, "story": {st.ID}}
		out = append(out, facetValue{Name: name, URL: "/?" + q.Encode()})
	}
	for _, e := range st.Persons[:min(storyEntities, len(st.Persons))] {
		add("person", e.Name)
	}
	for _, e := range st.Organizations[:min(storyEntities, len(st.Organizations))] {
		add("organization", e.Name)
	}
	for _, p := range st.Places[:min(storyEntities, len(st.Places))] {
		add("place", p.Name)
	}
	return out
}
