// Package search answers article searches over the embedded Bleve index,
// for the `newsflow search` command and for GET /v1/search.
//
// Model: the query text is split into words, "quoted phrases" and
// -excluded words. Words match title or body (English analyzer, BM25 with
// the true average field lengths from bleveindex.BM25Stats, title boosted
// TitleBoost times, and PhraseBoost times more where the words occur
// together as typed); a phrase must occur in title or body;
// an excluded word must occur in neither. An empty query matches every
// document, newest first. Filters (source, person, place) are exact and
// case-insensitive on a name, or exact on an id; a person or place filter
// also matches a whole word run of a longer name ("Putin" matches
// "Vladimir Putin").
//
// Syndicated copies share a cluster_id (a document without one is the
// cluster named by its own id). By default results are collapsed
// like Elasticsearch's field collapsing: one hit per cluster, the
// best-scoring member, with Collapsed counting the other members that
// matched and ClusterSize the members indexed. Total and the facets count
// every matching document, copies included, as Elasticsearch does.
package search

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/standard"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/newsflow/newsflow/internal/bleveindex"
)

// ErrBadRequest means the request cannot be run as given; the wrapped
// message says why.
var ErrBadRequest = errors.New("bad search request")

// DefaultSize and MaxSize bound Request.Size.
const (
	DefaultSize = 10
	MaxSize     = 100
)

// MaxQueryBytes bounds Request.Query, and so the work one search can ask for.
const MaxQueryBytes = 1024

// TitleBoost is how much more a match in the title counts than one in
// the body.
const TitleBoost = 2.0

// PhraseBoost multiplies the score of the words typed, when they also
// occur together in that order.
const PhraseBoost = 5.0

// FacetSize is how many values each facet lists.
const FacetSize = 10

// Facet names in Response.Facets.
const (
	FacetPersons       = "persons"
	FacetOrganizations = "organizations"
	FacetPlaces        = "places"
	FacetSources       = "sources"
)

// Request is one search.
type Request struct {
	// Query is free text: words, "quoted phrases", -excluded words.
	Query string
	// Source filters by source name or domain.
	Source string
	// Person and Place filter by entity name or id.
	Person, Place string
	// IncludeDuplicates shows every syndicated copy instead of one hit
	// per cluster.
	IncludeDuplicates bool
	// Size is how many hits to return: DefaultSize when 0, at most MaxSize.
	Size int
}

// Response is the answer, in the JSON shape of `newsflow search --json`
// and GET /v1/search.
type Response struct {
	// Total counts matching documents, syndicated copies included.
	Total  int                `json:"total"`
	Hits   []Hit              `json:"hits"`
	Facets map[string][]Facet `json:"facets"`
}

// Hit is one ranked result.
type Hit struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Source      string     `json:"source"`
	PublishedAt *time.Time `json:"published_at"`
	Score       float64    `json:"score"`
	URL         string     `json:"url,omitempty"`
	Domain      string     `json:"domain,omitempty"`
	Language    string     `json:"language,omitempty"`
	// Snippet is a passage of the body around the query's words, which
	// are wrapped in ** (plain text, not HTML).
	Snippet     string `json:"snippet"`
	ClusterID   string `json:"cluster_id,omitempty"`
	DuplicateOf string `json:"duplicate_of,omitempty"`
	// ClusterSize counts the documents indexed in the hit's cluster,
	// itself included (1 when it has none).
	ClusterSize int `json:"cluster_size"`
	// Collapsed counts matching copies hidden behind this hit, among the
	// ranked documents read to fill the page (up to 2,000).
	Collapsed     int      `json:"collapsed"`
	Persons       []string `json:"persons"`
	Organizations []string `json:"organizations"`
	Places        []string `json:"places"`
}

// CollapsedCopies counts the matching copies folded into the hits shown.
func (r *Response) CollapsedCopies() int {
	n := 0
	for _, h := range r.Hits {
		n += h.Collapsed
	}
	return n
}

// Facet is one value of a facet and how many matching documents have it.
type Facet struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Searcher runs searches. ForIndex adapts a Bleve index; another backend
// (Elasticsearch) can implement it to serve the same HTTP API.
type Searcher interface {
	Search(ctx context.Context, req Request) (*Response, error)
}

// ForIndex returns a Searcher over ix.
func ForIndex(ix *bleveindex.Index) Searcher { return bleveSearcher{ix} }

type bleveSearcher struct{ ix *bleveindex.Index }

func (s bleveSearcher) Search(ctx context.Context, req Request) (*Response, error) {
	return Run(ctx, s.ix, req)
}

// storedFields are the fields a hit is built from.
var storedFields = []string{
	bleveindex.FieldTitle, bleveindex.FieldBody, bleveindex.FieldURL,
	bleveindex.FieldSourceName, bleveindex.FieldDomain, bleveindex.FieldLanguage,
	bleveindex.FieldPublishedAt, bleveindex.FieldClusterID, bleveindex.FieldDuplicateOf,
	bleveindex.FieldPersonName, bleveindex.FieldOrgName, bleveindex.FieldPlaceName,
}

// collapseWindow is how many ranked documents are read per round while
// collapsing; maxCollapseRounds bounds the rounds.
const (
	collapseWindow    = 200
	maxCollapseRounds = 10
)

// Run searches ix.
func Run(ctx context.Context, ix *bleveindex.Index, req Request) (*Response, error) {
	if req.Size == 0 {
		req.Size = DefaultSize
	}
	if req.Size < 0 || req.Size > MaxSize {
		return nil, fmt.Errorf("%w: size %d: want 1 to %d", ErrBadRequest, req.Size, MaxSize)
	}
	if len(req.Query) > MaxQueryBytes {
		return nil, fmt.Errorf("%w: query of %d bytes, limit %d", ErrBadRequest, len(req.Query), MaxQueryBytes)
	}
	pq := parseQuery(req.Query)
	q, err := buildQuery(pq, req)
	if err != nil {
		return nil, err
	}
	idx := ix.Bleve()

	window := req.Size
	if !req.IncludeDuplicates {
		window = max(collapseWindow, req.Size*4)
	}
	sr := bleve.NewSearchRequestOptions(q, window, 0, false)
	// The ranking pass reads only the collapse key; the chosen hits'
	// fields are loaded afterwards, so a wide window stays cheap.
	sr.Fields = []string{bleveindex.FieldClusterID}
	if pq.empty() {
		sr.SortByCustom(bsearch.SortOrder{
			&bsearch.SortField{Field: bleveindex.FieldPublishedAt, Desc: true, Type: bsearch.SortFieldAsDate, Missing: bsearch.SortFieldMissingLast},
			&bsearch.SortDocID{},
		})
	} else {
		sr.SortByCustom(bsearch.SortOrder{&bsearch.SortScore{Desc: true}, &bsearch.SortDocID{}})
	}
	sr.AddFacet(FacetPersons, bleve.NewFacetRequest(bleveindex.FieldPersonName, FacetSize))
	sr.AddFacet(FacetOrganizations, bleve.NewFacetRequest(bleveindex.FieldOrgName, FacetSize))
	sr.AddFacet(FacetPlaces, bleve.NewFacetRequest(bleveindex.FieldPlaceName, FacetSize))
	sr.AddFacet(FacetSources, bleve.NewFacetRequest(bleveindex.FieldSourceName, FacetSize))

	st, err := ix.BM25Stats()
	if err != nil {
		return nil, fmt.Errorf("bm25 statistics: %w", err)
	}
	if st != nil {
		sr.PreSearchData = map[string]any{bsearch.BM25PreSearchDataKey: st}
	}
	res, err := idx.SearchInContext(ctx, sr)
	if err != nil {
		return nil, fmt.Errorf("bleve search: %w", err)
	}
	resp := &Response{Total: int(res.Total), Facets: facets(res), Hits: []Hit{}}
	matches := res.Hits

	type group struct {
		hit    *bsearch.DocumentMatch
		copies int
	}
	var order []string
	groups := map[string]*group{}
	rounds := 1
	for {
		for _, m := range matches {
			key := m.ID
			if !req.IncludeDuplicates {
				key = clusterOf(m.ID, str(m.Fields[bleveindex.FieldClusterID]))
			}
			if g, ok := groups[key]; ok {
				g.copies++
				continue
			}
			if len(order) < req.Size {
				groups[key] = &group{hit: m}
				order = append(order, key)
			}
		}
		seen := sr.From + len(matches)
		if req.IncludeDuplicates || len(order) >= req.Size || seen >= int(res.Total) || rounds >= maxCollapseRounds {
			break
		}
		// Too few distinct clusters in the window: read the next one.
		sr.From = seen
		sr.Facets = nil
		next, err := idx.SearchInContext(ctx, sr)
		if err != nil {
			return nil, fmt.Errorf("bleve search: %w", err)
		}
		matches = next.Hits
		rounds++
		if len(matches) == 0 {
			break
		}
	}

	ids := make([]string, 0, len(order))
	for _, key := range order {
		ids = append(ids, groups[key].hit.ID)
	}
	fields, err := loadFields(ctx, idx, ids)
	if err != nil {
		return nil, err
	}
	terms := queryTerms(idx, pq)
	for _, key := range order {
		g := groups[key]
		h := toHit(g.hit, fields[g.hit.ID], terms, idx)
		h.Collapsed = g.copies
		resp.Hits = append(resp.Hits, h)
	}
	if err := clusterSizes(ctx, idx, resp.Hits); err != nil {
		return nil, err
	}
	return resp, nil
}

func buildQuery(pq parsedQuery, req Request) (query.Query, error) {
	var must, mustNot []query.Query
	if len(pq.words) > 0 {
		text := strings.Join(pq.words, " ")
		title := bleve.NewMatchQuery(text)
		title.SetField(bleveindex.FieldTitle)
		title.SetBoost(TitleBoost)
		body := bleve.NewMatchQuery(text)
		body.SetField(bleveindex.FieldBody)
		should := []query.Query{title, body}
		if len(pq.words) > 1 {
			// Words that appear together as typed rank above scattered ones.
			tp := bleve.NewMatchPhraseQuery(text)
			tp.SetField(bleveindex.FieldTitle)
			tp.SetBoost(TitleBoost * PhraseBoost)
			bp := bleve.NewMatchPhraseQuery(text)
			bp.SetField(bleveindex.FieldBody)
			bp.SetBoost(PhraseBoost)
			should = append(should, tp, bp)
		}
		must = append(must, bleve.NewDisjunctionQuery(should...))
	}
	for _, p := range pq.phrases {
		tp := bleve.NewMatchPhraseQuery(p)
		tp.SetField(bleveindex.FieldTitle)
		tp.SetBoost(TitleBoost)
		bp := bleve.NewMatchPhraseQuery(p)
		bp.SetField(bleveindex.FieldBody)
		must = append(must, bleve.NewDisjunctionQuery(tp, bp))
	}
	for _, w := range pq.excluded {
		for _, f := range []string{bleveindex.FieldTitle, bleveindex.FieldBody} {
			m := bleve.NewMatchQuery(w)
			m.SetField(f)
			mustNot = append(mustNot, m)
		}
	}
	if s := strings.TrimSpace(req.Source); s != "" {
		must = append(must, bleve.NewDisjunctionQuery(
			term(bleveindex.FieldSourceLower, strings.ToLower(s)),
			term(bleveindex.FieldDomain, strings.ToLower(s)),
		))
	}
	if p := strings.TrimSpace(req.Person); p != "" {
		must = append(must, entityFilter(p, bleveindex.FieldPersonID, bleveindex.FieldPersonText))
	}
	if p := strings.TrimSpace(req.Place); p != "" {
		must = append(must, entityFilter(p, bleveindex.FieldPlaceID, bleveindex.FieldPlaceText))
	}
	if len(must) == 0 {
		must = append(must, bleve.NewMatchAllQuery())
	}
	b := bleve.NewBooleanQuery()
	b.AddMust(must...)
	if len(mustNot) > 0 {
		b.AddMustNot(mustNot...)
	}
	return b, nil
}

func term(field, value string) query.Query {
	t := bleve.NewTermQuery(value)
	t.SetField(field)
	return t
}

func entityFilter(v, idField, textField string) query.Query {
	ph := bleve.NewMatchPhraseQuery(v)
	ph.SetField(textField)
	ph.Analyzer = standard.Name // as the name_text fields are indexed
	return bleve.NewDisjunctionQuery(term(idField, v), ph)
}

func facets(res *bleve.SearchResult) map[string][]Facet {
	out := map[string][]Facet{}
	for _, name := range []string{FacetPersons, FacetOrganizations, FacetPlaces, FacetSources} {
		list := []Facet{}
		if fr, ok := res.Facets[name]; ok && fr.Terms != nil {
			for _, t := range fr.Terms.Terms() {
				list = append(list, Facet{Name: t.Term, Count: t.Count})
			}
		}
		sort.SliceStable(list, func(i, j int) bool {
			if list[i].Count != list[j].Count {
				return list[i].Count > list[j].Count
			}
			return list[i].Name < list[j].Name
		})
		out[name] = list
	}
	return out
}

// clusterOf is the cluster a document belongs to: its cluster_id, or
// itself when it has none. A canonical indexed before any copy was seen
// has no cluster_id, while its copies name it.
func clusterOf(id, clusterID string) string {
	if clusterID != "" {
		return clusterID
	}
	return id
}

// clusterSizes fills ClusterSize: a facet query counts the members that
// name each hit's cluster, and a lookup adds canonicals without cluster_id.
func clusterSizes(ctx context.Context, idx bleve.Index, hits []Hit) error {
	var clusters []query.Query
	for i := range hits {
		clusters = append(clusters, term(bleveindex.FieldClusterID, clusterOf(hits[i].ID, hits[i].ClusterID)))
	}
	if len(clusters) == 0 {
		return nil
	}
	sr := bleve.NewSearchRequestOptions(bleve.NewDisjunctionQuery(clusters...), 0, 0, false)
	sr.AddFacet("clusters", bleve.NewFacetRequest(bleveindex.FieldClusterID, len(clusters)))
	res, err := idx.SearchInContext(ctx, sr)
	if err != nil {
		return fmt.Errorf("bleve cluster sizes: %w", err)
	}
	sizes := map[string]int{}
	if fr, ok := res.Facets["clusters"]; ok && fr.Terms != nil {
		for _, t := range fr.Terms.Terms() {
			sizes[t.Term] = t.Count
		}
	}
	// A canonical without cluster_id is a member of the cluster its id names.
	keys := make([]string, 0, len(hits))
	for i := range hits {
		keys = append(keys, clusterOf(hits[i].ID, hits[i].ClusterID))
	}
	canon := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(keys), len(keys), 0, false)
	canon.Fields = []string{bleveindex.FieldClusterID}
	cres, err := idx.SearchInContext(ctx, canon)
	if err != nil {
		return fmt.Errorf("bleve cluster sizes: %w", err)
	}
	for _, m := range cres.Hits {
		if str(m.Fields[bleveindex.FieldClusterID]) == "" {
			sizes[m.ID]++
		}
	}
	for i := range hits {
		hits[i].ClusterSize = max(1, sizes[keys[i]])
	}
	return nil
}

// loadFields reads the stored fields of the documents ids.
func loadFields(ctx context.Context, idx bleve.Index, ids []string) (map[string]map[string]any, error) {
	out := make(map[string]map[string]any, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	sr := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	sr.Fields = storedFields
	res, err := idx.SearchInContext(ctx, sr)
	if err != nil {
		return nil, fmt.Errorf("bleve load hits: %w", err)
	}
	for _, m := range res.Hits {
		out[m.ID] = m.Fields
	}
	return out, nil
}

func toHit(m *bsearch.DocumentMatch, f map[string]any, terms map[string]bool, idx bleve.Index) Hit {
	h := Hit{
		ID:            m.ID,
		Title:         str(f[bleveindex.FieldTitle]),
		Source:        str(f[bleveindex.FieldSourceName]),
		Score:         m.Score,
		URL:           str(f[bleveindex.FieldURL]),
		Domain:        str(f[bleveindex.FieldDomain]),
		Language:      str(f[bleveindex.FieldLanguage]),
		ClusterID:     str(f[bleveindex.FieldClusterID]),
		DuplicateOf:   str(f[bleveindex.FieldDuplicateOf]),
		Persons:       strs(f[bleveindex.FieldPersonName]),
		Organizations: strs(f[bleveindex.FieldOrgName]),
		Places:        strs(f[bleveindex.FieldPlaceName]),
	}
	if h.Source == "" {
		h.Source = h.Domain
	}
	if s := str(f[bleveindex.FieldPublishedAt]); s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			t = t.UTC()
			h.PublishedAt = &t
		}
	}
	h.Snippet = snippet(str(f[bleveindex.FieldBody]), terms, englishAnalyzer(idx))
	return h
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		if len(x) > 0 {
			return str(x[0])
		}
	}
	return ""
}

func strs(v any) []string {
	out := []string{}
	switch x := v.(type) {
	case string:
		out = append(out, x)
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func englishAnalyzer(idx bleve.Index) analysis.Analyzer {
	return idx.Mapping().AnalyzerNamed(bleveindex.EnglishAnalyzer)
}

// queryTerms are the analyzed (stemmed) terms of the query's words and
// phrases, for snippets.
func queryTerms(idx bleve.Index, pq parsedQuery) map[string]bool {
	a := englishAnalyzer(idx)
	terms := map[string]bool{}
	if a == nil {
		return terms
	}
	for _, s := range append(append([]string{}, pq.words...), pq.phrases...) {
		for _, tok := range a.Analyze([]byte(s)) {
			terms[string(tok.Term)] = true
		}
	}
	return terms
}
