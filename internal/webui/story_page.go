package webui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/internal/search"
	"github.com/newsflow/newsflow/pkg/schema"
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
	st, err := s.storyDocument(r.Context(), id)
	if err != nil {
		return view{}, err
	}
	if st != nil && st.ID != id {
		return view{Redirect: storyURL(st.ID)}, nil
	}
	req := search.Request{Story: id, IncludeDuplicates: true, Size: StoryReports, Sort: search.SortOldest}
	resp, err := s.opts.Articles.Search(r.Context(), req)
	if err != nil {
		return view{}, err
	}
	if resp.Total == 0 {
		return view{}, fmt.Errorf("%w: no story %q in the index", errNotFound, id)
	}
	hits := resp.Hits
	if st != nil {
		hits = representativeFirst(hits, st.RepresentativeID)
	}
	q := url.Values{"story": {id}}
	d := &storyData{ID: id, Total: resp.Total, SearchURL: "/?" + q.Encode(), MapURL: "/map?" + q.Encode()}
	outlets := map[string]bool{}
	for i, h := range hits {
		d.Reports = append(d.Reports, storyReport{Hit: h, First: i == 0})
		outlets[h.Source] = true
		if d.Title == "" && h.DuplicateOf == "" {
			d.Title = h.DisplayTitle // the first original report names the story
		}
	}
	if st != nil && st.Title != "" {
		d.Title = st.Title // the stories stage's name, as every listing shows it
	}
	d.Outlets = len(outlets)
	if d.Title == "" {
		d.Title = hits[0].DisplayTitle
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
	return view{Page: "story", Nav: "stories", Title: d.Title + " – story", Data: d}, nil
}

// storyDocument returns story id's document from the story index,
// following merges to the surviving story (whose id then differs from id).
// It returns nil when there is no story index or the story's first
// snapshot is not indexed yet (snapshots trail their articles by a
// second): the page is then drawn from the articles alone.
func (s *Server) storyDocument(ctx context.Context, id string) (*schema.Story, error) {
	if s.opts.Stories == nil {
		return nil, nil
	}
	st, err := s.opts.Stories.Story(ctx, id)
	for hops := 0; err == nil && st.MergedInto != "" && hops < 64; hops++ {
		st, err = s.opts.Stories.Story(ctx, st.MergedInto)
	}
	if errors.Is(err, bleveindex.ErrNotFound) {
		return nil, nil
	}
	return st, err
}

// representativeFirst moves the story's representative report (its
// earliest original, which the stories stage chose and named the story
// after) to the front of the reports that share the first report's time,
// so that the timeline's first report is the one the story is named
// after when several were published at the same moment. Other orders are
// kept.
func representativeFirst(hits []search.Hit, representative string) []search.Hit {
	for i, h := range hits {
		if !h.Time.Equal(hits[0].Time) {
			break
		}
		if h.ID == representative && i > 0 {
			out := make([]search.Hit, 0, len(hits))
			out = append(out, h)
			out = append(out, hits[:i]...)
			return append(out, hits[i+1:]...)
		}
	}
	return hits
}
