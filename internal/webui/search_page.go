package webui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/newsflow/newsflow/internal/search"
)

// PageSize is how many results a search page shows.
const PageSize = 20

// facetShown is how many values of a facet show before "show more".
const facetShown = 5

// filterParam is a URL parameter that narrows a search, with how a chip
// names it.
type filterParam struct {
	param, label string
	// facet is the search facet whose values set it ("" for none).
	facet string
}

// filterParams are the search's filters, in the order chips show them.
var filterParams = []filterParam{
	{"source", "outlet", search.FacetSources},
	{"person", "person", search.FacetPersons},
	{"organization", "organisation", search.FacetOrganizations},
	{"place", "place", search.FacetPlaces},
	{"language", "language", search.FacetLanguages},
	{"story", "story", ""},
	{"since", "since", ""},
	{"until", "until", ""},
}

// facetLabels names the facet groups, in the order they show; a facet
// without a filter parameter lists its values without links.
var facetLabels = []struct{ facet, label string }{
	{search.FacetPersons, "People"},
	{search.FacetOrganizations, "Organisations"},
	{search.FacetPlaces, "Places"},
	{search.FacetSources, "Outlets"},
	{search.FacetLanguages, "Languages"},
}

type searchData struct {
	Req    search.Request
	Resp   *search.Response
	Chips  []chip
	Facets []facetGroup
	Hits   []hitView
	// Error is a bad request's message, shown above empty results.
	Error string
	// Export and Map link to the same search elsewhere.
	ExportCSV, ExportJSONL, MapURL string
	// Collapsed counts the copies folded into the hits shown.
	Collapsed int
	// DuplicatesURL toggles include_duplicates.
	DuplicatesURL string
	// Hidden keeps the filters when the search box sends a new query.
	Hidden []hiddenInput
	// Histogram is nil when nothing matched.
	Histogram *histogramView
	// MoreURL is the next page's, "" on the last.
	MoreURL string
	// Sorts switch the order.
	Sorts []sortLink
}

type chip struct{ Label, Value, RemoveURL string }

type facetGroup struct {
	Label        string
	Shown, Extra []facetValue
}

type facetValue struct {
	Name   string
	Count  int
	URL    string // "" when the facet has no filter
	Active bool
}

type hitView struct {
	search.Hit
	Snippet []snippetPart
	// Outlets names the outlets of the copies, shortened.
	Outlets  string
	StoryURL string
}

// outletsShown is how many outlets of a hit's copies are named.
const outletsShown = 3

type sortLink struct {
	Label, URL string
	Current    bool
}

type hiddenInput struct{ Name, Value string }

type snippetPart struct {
	Text string
	Mark bool
}

func (s *Server) searchPage(r *http.Request) (view, error) {
	v := view{Page: "search", Nav: "search", Title: "Search"}
	q := r.URL.Query()
	v.Query = q.Get("q")
	if v.Query != "" {
		v.Title = v.Query + " – Search"
	}
	d := &searchData{}
	v.Data = d
	req, err := search.ParseRequest(r)
	if err == nil {
		if req.Size == 0 {
			req.Size = PageSize
		}
		d.Req = req
		d.Resp, err = s.opts.Articles.Search(r.Context(), req)
	}
	if errors.Is(err, search.ErrBadRequest) {
		d.Error = err.Error()
		v.Status = http.StatusBadRequest
		err = nil
	}
	if err != nil {
		return v, err
	}
	d.Chips = chips(q)
	for k, vs := range q {
		if k != "q" && k != "from" {
			for _, val := range vs {
				d.Hidden = append(d.Hidden, hiddenInput{k, val})
			}
		}
	}
	sort.Slice(d.Hidden, func(i, j int) bool { return d.Hidden[i].Name < d.Hidden[j].Name })
	enc := q.Encode()
	d.ExportCSV, d.ExportJSONL, d.MapURL = "/export.csv?"+enc, "/export.jsonl?"+enc, "/map?"+enc
	d.DuplicatesURL = "/?" + with(without(q, "from"), "include_duplicates", map[bool]string{true: "", false: "true"}[req.IncludeDuplicates])
	if d.Resp == nil {
		return v, nil
	}
	d.Facets = facetGroups(q, d.Resp.Facets)
	for _, h := range d.Resp.Hits {
		hv := hitView{Hit: h, Snippet: snippetParts(h.Snippet)}
		hv.Outlets = strings.Join(h.Outlets[:min(len(h.Outlets), outletsShown)], ", ")
		if len(h.Outlets) > outletsShown {
			hv.Outlets += fmt.Sprintf(" and %d more", len(h.Outlets)-outletsShown)
		}
		if h.StoryID != "" {
			hv.StoryURL = storyURL(h.StoryID)
		}
		d.Hits = append(d.Hits, hv)
	}
	for _, h := range d.Resp.Hits {
		d.Collapsed += h.Copies
	}
	if next := req.From + len(d.Resp.Hits); len(d.Resp.Hits) == req.Size && next < d.Resp.Total && next <= search.MaxFrom {
		d.MoreURL = "/?" + with(q, "from", strconv.Itoa(next))
	}
	var buckets []bucket
	for _, b := range d.Resp.Histogram.Buckets {
		buckets = append(buckets, bucket{Start: b.Start, End: b.End, Count: b.Count})
	}
	d.Histogram = histogramOf(buckets, d.Resp.Histogram.Interval, without(q, "from"))
	current := string(req.Sort)
	if current == "" {
		current = string(search.SortRelevance)
		if strings.TrimSpace(req.Query) == "" {
			current = string(search.SortNewest)
		}
	}
	for _, o := range []search.Sort{search.SortRelevance, search.SortNewest, search.SortOldest} {
		d.Sorts = append(d.Sorts, sortLink{Label: string(o), URL: "/?" + with(without(q, "from"), "sort", string(o)), Current: string(o) == current})
	}
	return v, nil
}

// chips lists the filters set in q, each with the URL without it.
func chips(q url.Values) []chip {
	var out []chip
	for _, f := range filterParams {
		if val := q.Get(f.param); val != "" {
			out = append(out, chip{Label: f.label, Value: val, RemoveURL: "/?" + with(without(q, "from"), f.param, "")})
		}
	}
	return out
}

func facetGroups(q url.Values, facets map[string][]search.Facet) []facetGroup {
	param := map[string]string{}
	for _, f := range filterParams {
		if f.facet != "" {
			param[f.facet] = f.param
		}
	}
	var out []facetGroup
	for _, fl := range facetLabels {
		values := facets[fl.facet]
		if len(values) == 0 {
			continue
		}
		g := facetGroup{Label: fl.label}
		for i, f := range values {
			fv := facetValue{Name: f.Name, Count: f.Count}
			if p, ok := param[fl.facet]; ok {
				fv.Active = strings.EqualFold(q.Get(p), f.Name)
				fv.URL = "/?" + with(without(q, "from"), p, f.Name)
			}
			if i < facetShown {
				g.Shown = append(g.Shown, fv)
			} else {
				g.Extra = append(g.Extra, fv)
			}
		}
		out = append(out, g)
	}
	return out
}

// with returns q encoded with param set to value (removed when value is
// empty).
func with(q url.Values, param, value string) string {
	c := url.Values{}
	for k, vs := range q {
		c[k] = append([]string(nil), vs...)
	}
	if value == "" {
		c.Del(param)
	} else {
		c.Set(param, value)
	}
	return c.Encode()
}

// without returns a copy of q without param.
func without(q url.Values, param string) url.Values {
	c, _ := url.ParseQuery(with(q, param, ""))
	return c
}

// storyURL is a story's page.
func storyURL(id string) string { return "/stories/" + url.PathEscape(id) }

// snippetParts splits a snippet whose matched words are wrapped in ** into
// plain and marked parts.
func snippetParts(s string) []snippetPart {
	var out []snippetPart
	mark := false
	for s != "" {
		i := strings.Index(s, "**")
		if i < 0 {
			out = append(out, snippetPart{Text: s, Mark: mark})
			break
		}
		if i > 0 {
			out = append(out, snippetPart{Text: s[:i], Mark: mark})
		}
		s = s[i+2:]
		mark = !mark
	}
	return out
}
