package search

import (
	"context"
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// phraseQuery matches the documents where text occurs as typed in
// field, analysed with the field's analyzer (or analyzer when set), and
// scores them as Bleve's MatchPhraseQuery does: the sum of its terms'
// scores, times boost.
//
// Bleve's phrase searcher, advanced to a document, reads the positions
// of every document holding all its words until one has the phrase,
// whatever else the query excludes, and builds a map of them per
// document; on 100,000 documents that was most of a search for two
// words and a place. Here the terms' conjunction also requires within
// when it is set (scoring nothing), so it leaps from document to
// document that within lets through and reads positions only there; the
// phrase is checked on the positions as the conjunction reports them,
// without building maps. A phrase of one term is that term.
type phraseQuery struct {
	field, text string
	analyzer    string
	boost       float64
	within      query.Query
}

func (q phraseQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, opts bsearch.SearcherOptions) (bsearch.Searcher, error) {
	name := q.analyzer
	if name == "" {
		name = m.AnalyzerNameForPath(q.field)
	}
	a := m.AnalyzerNamed(name)
	if a == nil {
		return nil, fmt.Errorf("phrase %q: no analyzer %q", q.text, name)
	}
	terms := phraseTerms(a.Analyze([]byte(q.text)))
	if len(terms) == 0 {
		return searcher.NewMatchNoneSearcher(r)
	}
	single := len(terms) == 1 && len(terms[0]) == 1
	if !single {
		opts.IncludeTermVectors = true
	}
	var parts []bsearch.Searcher
	closeAll := func() {
		for _, s := range parts {
			_ = s.Close()
		}
	}
	for _, alts := range terms {
		var ts []bsearch.Searcher
		for _, t := range alts {
			s, err := searcher.NewTermSearcher(ctx, r, t, q.field, q.boost, opts)
			if err != nil {
				closeAll()
				return nil, fmt.Errorf("phrase %q: %w", q.text, err)
			}
			ts = append(ts, s)
		}
		switch len(ts) {
		case 0: // a word the analyzer dropped: any word may stand there
		case 1:
			parts = append(parts, ts[0])
		default:
			s, err := searcher.NewDisjunctionSearcher(ctx, r, ts, 1, opts)
			if err != nil {
				closeAll()
				return nil, fmt.Errorf("phrase %q: %w", q.text, err)
			}
			parts = append(parts, s)
		}
	}
	words := parts[0]
	if len(parts) > 1 {
		var err error
		if words, err = searcher.NewConjunctionSearcher(ctx, r, parts, opts); err != nil {
			closeAll()
			return nil, fmt.Errorf("phrase %q: %w", q.text, err)
		}
	}
	if q.within != nil {
		f, err := unscored{q.within}.Searcher(ctx, r, m, opts)
		if err != nil {
			_ = words.Close()
			return nil, err
		}
		if words, err = searcher.NewConjunctionSearcher(ctx, r, []bsearch.Searcher{words, f}, opts); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("phrase %q: %w", q.text, err)
		}
	}
	if single {
		return words, nil
	}
	return &phraseSearcher{Searcher: words, field: q.field, terms: terms}, nil
}

// phraseTerms are the terms of an analyzed phrase by position, from the
// first token's to the last's; a position the analyzer left empty (a
// stop word) has none. It is what Bleve's MatchPhraseQuery looks for.
func phraseTerms(tokens analysis.TokenStream) [][]string {
	if len(tokens) == 0 {
		return nil
	}
	first, last := tokens[0].Position, tokens[0].Position
	for _, t := range tokens {
		first, last = min(first, t.Position), max(last, t.Position)
	}
	terms := make([][]string, last-first+1)
	for _, t := range tokens {
		terms[t.Position-first] = append(terms[t.Position-first], string(t.Term))
	}
	return terms
}

// phraseSearcher passes on the matches of its conjunction whose
// positions hold the phrase.
type phraseSearcher struct {
	bsearch.Searcher
	field string
	terms [][]string
}

func (s *phraseSearcher) Next(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	for {
		d, err := s.Searcher.Next(ctx)
		if d == nil || err != nil {
			return d, err
		}
		if s.holds(d) {
			return d, nil
		}
		ctx.DocumentMatchPool.Put(d)
	}
}

func (s *phraseSearcher) Advance(ctx *bsearch.SearchContext, id index.IndexInternalID) (*bsearch.DocumentMatch, error) {
	d, err := s.Searcher.Advance(ctx, id)
	if d == nil || err != nil {
		return d, err
	}
	if s.holds(d) {
		return d, nil
	}
	ctx.DocumentMatchPool.Put(d)
	return s.Next(ctx)
}

// Min is 0, as for Bleve's phrase searcher: the conjunction's own
// minimum says nothing about the phrase.
func (s *phraseSearcher) Min() int { return 0 }

func (s *phraseSearcher) DocumentMatchPoolSize() int { return s.Searcher.DocumentMatchPoolSize() + 1 }

// holds reports whether the phrase occurs in d's positions in the field:
// a position of its first term from which every following term is at
// its offset, within the same array element. It then drops d's
// positions, which nothing after the phrase reads.
func (s *phraseSearcher) holds(d *bsearch.DocumentMatch) bool {
	locs := d.FieldTermLocations
	defer func() { d.FieldTermLocations = locs[:0] }()
	at := func(offset int, start *bsearch.Location) bool {
		alts := s.terms[offset]
		if len(alts) == 0 {
			return true
		}
		for i := range locs {
			l := &locs[i]
			if l.Field == s.field && l.Location.Pos == start.Pos+uint64(offset) &&
				l.Location.ArrayPositions.Equals(start.ArrayPositions) && slices.Contains(alts, l.Term) {
				return true
			}
		}
		return false
	}
	for i := range locs {
		start := &locs[i]
		if start.Field != s.field || !slices.Contains(s.terms[0], start.Term) {
			continue
		}
		found := true
		for offset := 1; offset < len(s.terms) && found; offset++ {
			found = at(offset, &start.Location)
		}
		if found {
			return true
		}
	}
	return false
}
