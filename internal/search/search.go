// Package search answers article searches over the embedded Bleve index,
// for `newsflow search`, GET /v1/search and the web UI.
//
// # API
//
// Run (or a Searcher from ForIndex) takes a Request and returns a
// Response: a page of Hits, Total, Facets and a Histogram. ParseValues
// and Request.Values convert a Request from and to URL parameters (the
// HTTP API's and the web UI's), ParseTime reads since/until as people
// write them (2005-03-01, 2005-03-01T14:00, 7d), and DisplayTitle derives
// a title for an article that has none. Handler serves GET /v1/search.
//
// # Query
//
// The query is what people type in a search box. Every word is required
// (in the title or the body), and hits are ranked by BM25 (with the true
// average field lengths from bleveindex.BM25Stats), a title match
// counting TitleBoost times a body match and the words typed in a row
// PhraseBoost times more where they also occur so. "A quoted phrase" must
// occur as typed; -word and -"a phrase" must not occur; a OR b (capital
// OR) requires either. Words the English analyzer drops (the, of) require
// nothing. Filters (source, person, organisation, place, language, story,
// since/until) narrow without changing scores. A query without words
// (filters only) sorts newest first; Request.Sort chooses relevance,
// newest or oldest explicitly. Dates are an article's time: published_at,
// else ingested_at.
//
// # Syndicated copies
//
// Copies share a cluster_id (a document without one is the cluster named
// by its own id). By default results are collapsed: one hit per cluster,
// ranked where its best-ranked matching member is, and shown as the
// cluster's canonical original: among its members that match, the
// earliest full article (at least FullShare of the longest one's words,
// so not an excerpt) that ingest did not have to repair (no lost letters,
// no mojibake, no capitals-only headline); each rule breaks the previous
// one's ties, then a member that is not marked as a copy, then the id.
// Hit.Copies and Hit.Outlets give the cluster's other members and their
// sources. Total, the facets and the histogram count clusters, not
// copies: the matching documents that are not copies, plus the matching
// copies whose cluster's original does not match (each of those counts
// once per matching copy). IncludeDuplicates lists and counts every
// document.
//
// Scores are in the JSON (Hit.Score) for machines; Render never prints
// them.
package search

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/standard"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

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

// FullShare is the share of its cluster's longest matching member's
// words a member needs to count as a full article rather than an
// excerpt when the cluster's representative is chosen.
const FullShare = 0.8

// FacetSize is how many values each facet lists.
const FacetSize = 10

// Facet names in Response.Facets.
const (
	FacetPersons       = "persons"
	FacetOrganizations = "organizations"
	FacetPlaces        = "places"
	FacetSources       = "sources"
	FacetLanguages     = "languages"
)

// facetFields maps each facet to the field it counts.
var facetFields = []struct{ name, field string }{
	{FacetPersons, bleveindex.FieldPersonName},
	{FacetOrganizations, bleveindex.FieldOrgName},
	{FacetPlaces, bleveindex.FieldPlaceName},
	{FacetSources, bleveindex.FieldSourceName},
	{FacetLanguages, bleveindex.FieldLanguage},
}

// Response is the answer, in the JSON shape of `newsflow search --json`
// and GET /v1/search.
type Response struct {
	// Total counts the matching clusters (documents with
	// IncludeDuplicates); see the package doc.
	Total int   `json:"total"`
	Hits  []Hit `json:"hits"`
	// Facets has a list for each Facet* name, most frequent first, at
	// most FacetSize values, counted like Total.
	Facets map[string][]Facet `json:"facets"`
	// Histogram counts the matches over time, like Total.
	Histogram Histogram `json:"histogram"`
	// Points are the positions of the places mentioned, most frequent
	// first, Request.Points of them, counted like Total; each Name is a
	// bleveindex.FieldPlacePoint value (see bleveindex.ParsePlacePoint).
	Points []Facet `json:"points,omitempty"`
}

// Hit is one result: a cluster's representative (or, with
// IncludeDuplicates, one document).
type Hit struct {
	ID string `json:"id"`
	// Title is the stored title, empty when the article has none.
	Title string `json:"title"`
	// DisplayTitle is the title to show: Title, or when it is empty one
	// derived from the text (see DisplayTitle), and then TitleDerived is
	// true.
	DisplayTitle string     `json:"display_title"`
	TitleDerived bool       `json:"title_derived"`
	Source       string     `json:"source"`
	PublishedAt  *time.Time `json:"published_at"`
	// Time is the article's time: PublishedAt, else when it was
	// ingested. Dates filter, sort and bucket on it.
	Time time.Time `json:"time"`
	// Score is the relevance score of the hit's cluster, for machines;
	// 0 when the results are sorted by date or the query has no words
	// (nothing is scored then).
	Score    float64 `json:"score"`
	URL      string  `json:"url,omitempty"`
	Domain   string  `json:"domain,omitempty"`
	Language string  `json:"language,omitempty"`
	// Snippet is a passage of the body around the query's words, which
	// are wrapped in ** (plain text, not HTML).
	Snippet     string `json:"snippet"`
	ClusterID   string `json:"cluster_id,omitempty"`
	DuplicateOf string `json:"duplicate_of,omitempty"`
	StoryID     string `json:"story_id,omitempty"`
	// Copies counts the other documents indexed in the hit's cluster,
	// and Outlets lists their distinct sources, sorted.
	Copies        int      `json:"copies"`
	Outlets       []string `json:"outlets"`
	Persons       []string `json:"persons"`
	Organizations []string `json:"organizations"`
	Places        []string `json:"places"`
}

// Facet is one value of a facet and how many matches have it.
type Facet struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Searcher runs searches. ForIndex adapts a Bleve index; another backend
// (Elasticsearch) can implement it to serve the same HTTP API.
type Searcher interface {
	Search(ctx context.Context, req Request) (*Response, error)
}

// ForIndex returns a Searcher over ix. It keeps what searches read of
// every segment of the index (see columns.go) for the searches that
// follow, so a server keeps one Searcher per index, and has it read
// them before the first search with KeepWarm.
func ForIndex(ix *bleveindex.Index) *IndexSearcher { return &IndexSearcher{ix: ix} }

// IndexSearcher is the Searcher of a Bleve index, from ForIndex.
type IndexSearcher struct {
	ix    *bleveindex.Index
	cache columnCache
}

func (s *IndexSearcher) Search(ctx context.Context, req Request) (*Response, error) {
	return runSearch(ctx, s.ix, &s.cache, req)
}

// storedFields are the fields a hit is built from.
var storedFields = []string{
	bleveindex.FieldTitle, bleveindex.FieldBody, bleveindex.FieldURL,
	bleveindex.FieldSourceName, bleveindex.FieldDomain, bleveindex.FieldLanguage,
	bleveindex.FieldPublishedAt, bleveindex.FieldTimestamp, bleveindex.FieldClusterID,
	bleveindex.FieldDuplicateOf, bleveindex.FieldStoryID,
	bleveindex.FieldPersonName, bleveindex.FieldOrgName, bleveindex.FieldPlaceName,
}

// Run searches ix once. It reads what a search needs of every segment
// for this search alone; a Searcher from ForIndex reads it once for all
// of its searches.
func Run(ctx context.Context, ix *bleveindex.Index, req Request) (*Response, error) {
	return ForIndex(ix).Search(ctx, req)
}

func runSearch(ctx context.Context, ix *bleveindex.Index, cache *columnCache, req Request) (*Response, error) {
	if req.Size == 0 {
		req.Size = DefaultSize
	}
	if req.Size < 0 || req.Size > MaxSize {
		return nil, fmt.Errorf("%w: size %d: want 1 to %d", ErrBadRequest, req.Size, MaxSize)
	}
	if req.Points < 0 {
		return nil, fmt.Errorf("%w: points %d: want 0 or more", ErrBadRequest, req.Points)
	}
	if req.From < 0 || req.From > MaxFrom {
		return nil, fmt.Errorf("%w: from %d: want 0 to %d", ErrBadRequest, req.From, MaxFrom)
	}
	if len(req.Query) > MaxQueryBytes {
		return nil, fmt.Errorf("%w: query of %d bytes, limit %d", ErrBadRequest, len(req.Query), MaxQueryBytes)
	}
	if !req.Since.IsZero() && !req.Until.IsZero() && !req.Since.Before(req.Until) {
		return nil, fmt.Errorf("%w: since %s is not before until %s", ErrBadRequest, req.Since.Format(time.RFC3339), req.Until.Format(time.RFC3339))
	}
	idx := ix.Bleve()
	a := englishAnalyzer(idx)
	pq := analyzable(parseQuery(req.Query), a)
	sortBy := req.Sort
	if sortBy == "" {
		sortBy = SortRelevance
		if len(pq.required) == 0 {
			sortBy = SortNewest
		}
	}
	q := buildQuery(pq, req)

	st, err := ix.BM25Stats()
	if err != nil {
		return nil, fmt.Errorf("bm25 statistics: %w", err)
	}
	s := &run{ctx: ctx, idx: idx, stats: st}

	found, err := s.collectWith(cache, q, req, passOptions{
		sortBy:     sortBy,
		scored:     sortBy == SortRelevance && len(pq.required) > 0,
		everything: len(pq.required) == 0 && len(pq.excluded) == 0 && len(filters(req)) == 0,
	})
	if err != nil {
		return nil, err
	}
	resp := &Response{Total: found.total, Histogram: histogram(found.days, req.Since, req.Until), Facets: map[string][]Facet{}}
	for name, counts := range found.facets {
		resp.Facets[name] = top(counts, FacetSize)
	}
	if req.Points > 0 {
		resp.Points = top(found.points, req.Points)
	}
	order := make([]string, 0, len(found.ranked))
	groups := make(map[string]*group, len(found.ranked))
	for i, r := range found.ranked {
		key := r.cluster
		if req.IncludeDuplicates {
			key = r.id
		}
		groups[key] = &group{cluster: r.cluster, score: r.score, rep: r.id}
		if i >= req.From {
			order = append(order, key)
		}
	}
	if err := s.represent(q, req, order, groups); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(order))
	for _, key := range order {
		ids = append(ids, groups[key].rep)
	}
	fields, err := s.load(ids)
	if err != nil {
		return nil, err
	}
	terms := queryTerms(a, pq)
	resp.Hits = make([]Hit, 0, len(order))
	for _, key := range order {
		g := groups[key]
		h := toHit(g.rep, fields[g.rep], terms, a)
		h.Score = g.score
		h.Copies, h.Outlets = g.copies, g.outlets
		resp.Hits = append(resp.Hits, h)
	}
	return resp, nil
}

// run is one search's access to the index.
type run struct {
	ctx   context.Context
	idx   bleve.Index
	stats *bsearch.BM25Stats
}

func (s *run) search(sr *bleve.SearchRequest) (*bleve.SearchResult, error) {
	if s.stats != nil {
		sr.PreSearchData = map[string]any{bsearch.BM25PreSearchDataKey: s.stats}
	}
	res, err := s.idx.SearchInContext(s.ctx, sr)
	if err != nil {
		return nil, fmt.Errorf("bleve search: %w", err)
	}
	return res, nil
}

// analyzable drops the terms that the English analyzer reduces to
// nothing (stop words, punctuation): they cannot be required, and a group
// holding one matches anything, so the group goes.
func analyzable(p parsedQuery, a analysis.Analyzer) parsedQuery {
	if a == nil {
		return p
	}
	empty := func(t term) bool { return len(a.Analyze([]byte(t.text))) == 0 }
	var out parsedQuery
	for _, g := range p.required {
		keep := true
		for _, t := range g {
			if empty(t) {
				keep = false
			}
		}
		if keep {
			out.required = append(out.required, g)
		}
	}
	for _, t := range p.excluded {
		if !empty(t) {
			out.excluded = append(out.excluded, t)
		}
	}
	return out
}

// buildQuery is the query of the parsed text and the request's filters.
func buildQuery(pq parsedQuery, req Request) query.Query {
	b := bleve.NewBooleanQuery()
	f := filters(req)
	// The phrases read positions only in the documents the filters let
	// through (see phraseQuery).
	var within query.Query
	if len(f) > 0 {
		within = bleve.NewConjunctionQuery(f...)
	}
	for _, g := range pq.required {
		alts := make([]query.Query, 0, len(g))
		for _, t := range g {
			alts = append(alts, termQuery(t, TitleBoost, within))
		}
		if len(alts) == 1 {
			b.AddMust(alts[0])
		} else {
			b.AddMust(bleve.NewDisjunctionQuery(alts...))
		}
	}
	if w := pq.words(); len(w) > 1 {
		// Words that appear together as typed rank above scattered ones.
		text := strings.Join(w, " ")
		b.AddShould(
			phraseQuery{field: bleveindex.FieldTitle, text: text, boost: TitleBoost * PhraseBoost, within: within},
			phraseQuery{field: bleveindex.FieldBody, text: text, boost: PhraseBoost, within: within})
	}
	for _, t := range pq.excluded {
		b.AddMustNot(termQuery(t, 1, nil))
	}
	switch {
	case len(pq.required) == 0 && len(f) > 0:
		// Without words the filters are what must match (searches
		// without words are not scored, see Run).
		b.AddMust(bleve.NewConjunctionQuery(f...))
	case len(pq.required) == 0:
		b.AddMust(bleve.NewMatchAllQuery())
	case len(f) > 0:
		// The filters are required beside the words, so that the
		// conjunction leaps over the documents they exclude; Bleve's
		// boolean filter would test each match of the words after
		// scoring it, phrase boosts included.
		b.AddMust(unscored{bleve.NewConjunctionQuery(f...)})
	}
	return b
}

// unscored is a filter that a query requires without it changing the
// scores: its searcher scores 0 and weighs nothing in the query norm.
type unscored struct{ query.Query }

func (q unscored) Searcher(ctx context.Context, i index.IndexReader, m mapping.IndexMapping, _ bsearch.SearcherOptions) (bsearch.Searcher, error) {
	s, err := q.Query.Searcher(ctx, i, m, bsearch.SearcherOptions{Score: "none"})
	if err != nil {
		return nil, err
	}
	return unscoredSearcher{s}, nil
}

type unscoredSearcher struct{ bsearch.Searcher }

func (unscoredSearcher) Weight() float64      { return 0 }
func (unscoredSearcher) SetQueryNorm(float64) {}

func (s unscoredSearcher) Next(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	d, err := s.Searcher.Next(ctx)
	if d != nil {
		d.Score = 0
	}
	return d, err
}

func (s unscoredSearcher) Advance(ctx *bsearch.SearchContext, id index.IndexInternalID) (*bsearch.DocumentMatch, error) {
	d, err := s.Searcher.Advance(ctx, id)
	if d != nil {
		d.Score = 0
	}
	return d, err
}

// termQuery matches a word (all of its analysed tokens, as "U.S." has
// two) or a phrase in the title (boosted) or the body. A phrase reads
// positions only in the documents within matches, when it is set.
func termQuery(t term, titleBoost float64, within query.Query) query.Query {
	if t.phrase {
		return bleve.NewDisjunctionQuery(
			phraseQuery{field: bleveindex.FieldTitle, text: t.text, boost: titleBoost, within: within},
			phraseQuery{field: bleveindex.FieldBody, text: t.text, boost: 1, within: within})
	}
	title, body := bleve.NewMatchQuery(t.text), bleve.NewMatchQuery(t.text)
	title.SetOperator(query.MatchQueryOperatorAnd)
	body.SetOperator(query.MatchQueryOperatorAnd)
	title.SetField(bleveindex.FieldTitle)
	title.SetBoost(titleBoost)
	body.SetField(bleveindex.FieldBody)
	return bleve.NewDisjunctionQuery(title, body)
}

// filters are the request's exact conditions, which do not score.
func filters(req Request) []query.Query {
	var f []query.Query
	if s := strings.TrimSpace(req.Source); s != "" {
		f = append(f, bleve.NewDisjunctionQuery(
			fieldTerm(bleveindex.FieldSourceLower, strings.ToLower(s)),
			fieldTerm(bleveindex.FieldDomain, strings.ToLower(s)),
		))
	}
	for _, e := range []struct{ v, idField, textField string }{
		{req.Person, bleveindex.FieldPersonID, bleveindex.FieldPersonText},
		{req.Organization, bleveindex.FieldOrgID, bleveindex.FieldOrgText},
		{req.Place, bleveindex.FieldPlaceID, bleveindex.FieldPlaceText},
	} {
		if v := strings.TrimSpace(e.v); v != "" {
			f = append(f, entityFilter(v, e.idField, e.textField))
		}
	}
	if l := strings.TrimSpace(req.Language); l != "" {
		f = append(f, fieldTerm(bleveindex.FieldLanguage, strings.ToLower(l)))
	}
	if s := strings.TrimSpace(req.Story); s != "" {
		f = append(f, fieldTerm(bleveindex.FieldStoryID, s))
	}
	if !req.Since.IsZero() || !req.Until.IsZero() {
		incl, excl := true, false
		dr := bleve.NewDateRangeInclusiveQuery(req.Since, req.Until, &incl, &excl)
		dr.SetField(bleveindex.FieldTimestamp)
		f = append(f, dr)
	}
	return f
}

func fieldTerm(field, value string) query.Query {
	t := bleve.NewTermQuery(value)
	t.SetField(field)
	return t
}

func entityFilter(v, idField, textField string) query.Query {
	// The name_text fields are indexed with the standard analyzer.
	ph := phraseQuery{field: textField, text: v, analyzer: standard.Name, boost: 1}
	return bleve.NewDisjunctionQuery(fieldTerm(idField, v), ph)
}

// group is one cluster of the page: the members seen while ranking, its
// score and, once chosen, its representative.
type group struct {
	cluster string
	score   float64
	rep     string
	copies  int
	outlets []string
}

// member is what choosing a representative reads of a cluster member.
type member struct {
	id, source string
	copy       bool
	time       time.Time
	words      int
	repaired   bool
	matches    bool
}

// represent chooses each group's representative and counts its copies
// and outlets, from all the members of the page's clusters.
func (s *run) represent(q query.Query, req Request, order []string, groups map[string]*group) error {
	if len(order) == 0 {
		return nil
	}
	keys := make([]string, 0, len(order))
	var inCluster []query.Query
	for _, key := range order {
		c := groups[key].cluster
		keys = append(keys, c)
		inCluster = append(inCluster, fieldTerm(bleveindex.FieldClusterID, c))
	}
	membersQ := bleve.NewDisjunctionQuery(append(inCluster, bleve.NewDocIDQuery(keys))...)
	sr := bleve.NewSearchRequestOptions(membersQ, maxClusterRead, 0, false)
	sr.Fields = []string{bleveindex.FieldClusterID, bleveindex.FieldDuplicateOf, bleveindex.FieldSourceName,
		bleveindex.FieldTimestamp, bleveindex.FieldWordCount, bleveindex.FieldRepairs, bleveindex.FieldTitle}
	res, err := s.search(sr)
	if err != nil {
		return err
	}
	// Which members match the request? A conjunction leaps from member
	// to member (a filter would run q over all its matches). The
	// phrase boosts (q's optional clauses) change no match, and a
	// phrase searcher reads ahead to its next match, so they go.
	matching := q
	if bq, ok := q.(*query.BooleanQuery); ok {
		required := *bq
		required.Should = nil
		matching = &required
	}
	msr := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(membersQ, matching), maxClusterRead, 0, false)
	msr.Score = "none"
	mres, err := s.search(msr)
	if err != nil {
		return err
	}
	matches := make(map[string]bool, len(mres.Hits))
	for _, h := range mres.Hits {
		matches[h.ID] = true
	}
	clusters := map[string][]member{}
	for _, h := range res.Hits {
		f := h.Fields
		m := member{
			id:       h.ID,
			source:   str(f[bleveindex.FieldSourceName]),
			copy:     str(f[bleveindex.FieldDuplicateOf]) != "",
			words:    atoi(str(f[bleveindex.FieldWordCount])),
			repaired: atoi(str(f[bleveindex.FieldRepairs])) > 0 || shouted(str(f[bleveindex.FieldTitle])),
			matches:  matches[h.ID],
		}
		m.time, _ = time.Parse(time.RFC3339, str(f[bleveindex.FieldTimestamp]))
		key := clusterOf(h.ID, str(f[bleveindex.FieldClusterID]))
		clusters[key] = append(clusters[key], m)
	}
	for _, key := range order {
		g := groups[key]
		members := clusters[g.cluster]
		if !req.IncludeDuplicates {
			if rep := representative(members); rep != "" {
				g.rep = rep
			}
		}
		outlets := map[string]bool{}
		for _, m := range members {
			if m.id == g.rep {
				continue
			}
			g.copies++
			if m.source != "" {
				outlets[m.source] = true
			}
		}
		g.outlets = make([]string, 0, len(outlets))
		for o := range outlets {
			g.outlets = append(g.outlets, o)
		}
		sort.Strings(g.outlets)
	}
	return nil
}

// maxClusterRead bounds the cluster members read for one page.
const maxClusterRead = 10_000

// representative is the cluster's canonical original among the members
// that match (see the package doc); "" when none does.
func representative(members []member) string {
	longest := 0
	for _, m := range members {
		if m.matches {
			longest = max(longest, m.words)
		}
	}
	var best *member
	for i := range members {
		m := &members[i]
		if !m.matches {
			continue
		}
		if best == nil || better(*m, *best, longest) {
			best = m
		}
	}
	if best == nil {
		return ""
	}
	return best.id
}

// better reports whether a represents a cluster better than b.
func better(a, b member, longest int) bool {
	full := func(m member) bool { return float64(m.words) >= FullShare*float64(longest) }
	if full(a) != full(b) {
		return full(a)
	}
	if a.repaired != b.repaired {
		return !a.repaired
	}
	if !a.time.Equal(b.time) {
		return a.time.Before(b.time)
	}
	if a.copy != b.copy {
		return !a.copy
	}
	return a.id < b.id
}

// shouted reports whether a title is written in capitals only (at least
// two words of letters, none in lower case), as some aggregators
// rewrite headlines.
func shouted(title string) bool {
	upper, words := false, 0
	for _, w := range strings.Fields(title) {
		hasLetter := false
		for _, r := range w {
			switch {
			case r >= 'a' && r <= 'z', r > 127 && strings.ToUpper(string(r)) != string(r):
				return false
			case r >= 'A' && r <= 'Z', r > 127 && strings.ToLower(string(r)) != string(r):
				hasLetter, upper = true, true
			}
		}
		if hasLetter {
			words++
		}
	}
	return upper && words >= 2
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
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

// load reads the stored fields of the documents ids.
func (s *run) load(ids []string) (map[string]map[string]any, error) {
	out := make(map[string]map[string]any, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	sr := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	sr.Fields = storedFields
	res, err := s.search(sr)
	if err != nil {
		return nil, fmt.Errorf("load hits: %w", err)
	}
	for _, m := range res.Hits {
		out[m.ID] = m.Fields
	}
	return out, nil
}

func toHit(id string, f map[string]any, terms map[string]bool, a analysis.Analyzer) Hit {
	h := Hit{
		ID:            id,
		Title:         str(f[bleveindex.FieldTitle]),
		Source:        str(f[bleveindex.FieldSourceName]),
		URL:           str(f[bleveindex.FieldURL]),
		Domain:        str(f[bleveindex.FieldDomain]),
		Language:      str(f[bleveindex.FieldLanguage]),
		ClusterID:     str(f[bleveindex.FieldClusterID]),
		DuplicateOf:   str(f[bleveindex.FieldDuplicateOf]),
		StoryID:       str(f[bleveindex.FieldStoryID]),
		Persons:       strs(f[bleveindex.FieldPersonName]),
		Organizations: strs(f[bleveindex.FieldOrgName]),
		Places:        strs(f[bleveindex.FieldPlaceName]),
	}
	if h.Source == "" {
		h.Source = h.Domain
	}
	body := str(f[bleveindex.FieldBody])
	h.DisplayTitle, h.TitleDerived = DisplayTitle(h.Title, body)
	if s := str(f[bleveindex.FieldPublishedAt]); s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			t = t.UTC()
			h.PublishedAt = &t
		}
	}
	if t, err := time.Parse(time.RFC3339, str(f[bleveindex.FieldTimestamp])); err == nil {
		h.Time = t.UTC()
	} else if h.PublishedAt != nil {
		h.Time = *h.PublishedAt
	}
	h.Snippet = snippet(body, terms, a)
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

// queryTerms are the analyzed (stemmed) terms of the query's required
// words and phrases, for snippets.
func queryTerms(a analysis.Analyzer, pq parsedQuery) map[string]bool {
	terms := map[string]bool{}
	if a == nil {
		return terms
	}
	for _, g := range pq.required {
		for _, t := range g {
			for _, tok := range a.Analyze([]byte(t.text)) {
				terms[string(tok.Term)] = true
			}
		}
	}
	return terms
}
