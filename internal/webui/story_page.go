package webui

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/newsflow/newsflow/internal/search"
)

// StoryReports bounds the reports a story page lists.
const StoryReports = search.MaxSize

type storyData struct {
	ID, Title string
	// Reports are the story's articles, copies included, oldest first;
	// the first is the first report.
	Reports []storyReport
	// Total counts the story's articles; more than Reports when the page
	// lists only the first StoryReports.
	Total   int
	Outlets int
	Facets  []facetGroup
	Places  []mapPlace
	// SearchURL lists the story's articles in the search page; MapURL
	// shows its places on the map page.
	SearchURL, MapURL string
}

type storyReport struct {
	search.Hit
	First bool
}

func (s *Server) storyPage(r *http.Request) (view, error) {
	id := r.PathValue("id")
	req := search.Request{Story: id, IncludeDuplicates: true, Size: StoryReports, Sort: search.SortOldest}
	resp, err := s.opts.Articles.Search(r.Context(), req)
	if err != nil {
		return view{}, err
	}
	if resp.Total == 0 {
		return view{}, fmt.Errorf("%w: no story %q in the index", errNotFound, id)
	}
	q := url.Values{"story": {id}}
	d := &storyData{ID: id, Total: resp.Total, SearchURL: "/?" + q.Encode(), MapURL: "/map?" + q.Encode()}
	outlets := map[string]bool{}
	for i, h := range resp.Hits {
		d.Reports = append(d.Reports, storyReport{Hit: h, First: i == 0})
		outlets[h.Source] = true
		if d.Title == "" && h.DuplicateOf == "" {
			d.Title = h.DisplayTitle // the first original report names the story
		}
	}
	d.Outlets = len(outlets)
	if d.Title == "" {
		d.Title = resp.Hits[0].DisplayTitle
	}
	// Top entities, each a link to the story's articles that mention it.
	for _, g := range facetGroups(q, resp.Facets) {
		if g.Label != "Outlets" && g.Label != "Languages" {
			d.Facets = append(d.Facets, g)
		}
	}
	if d.Places, _, err = s.places(r, search.Request{Story: id}, q); err != nil {
		return view{}, err
	}
	return view{Page: "story", Title: d.Title + " – story", Data: d}, nil
}
