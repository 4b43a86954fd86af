package search

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/pkg/schema"
)

// withBlevePhrases is q with each phraseQuery as Bleve's own phrase
// query, as buildQuery wrote them before phraseQuery.
func withBlevePhrases(q query.Query) query.Query {
	all := func(qs []query.Query) []query.Query {
		out := make([]query.Query, len(qs))
		for i, c := range qs {
			out[i] = withBlevePhrases(c)
		}
		return out
	}
	switch q := q.(type) {
	case phraseQuery:
		m := bleve.NewMatchPhraseQuery(q.text)
		m.SetField(q.field)
		m.SetBoost(q.boost)
		m.Analyzer = q.analyzer
		return m
	case unscored:
		return unscored{withBlevePhrases(q.Query)}
	case *query.BooleanQuery:
		b := *q
		for _, c := range []*query.Query{&b.Must, &b.Should, &b.MustNot} {
			if *c != nil {
				*c = withBlevePhrases(*c)
			}
		}
		return &b
	case *query.ConjunctionQuery:
		c := *q
		c.Conjuncts = all(q.Conjuncts)
		return &c
	case *query.DisjunctionQuery:
		d := *q
		d.Disjuncts = all(q.Disjuncts)
		return &d
	}
	return q
}

// scoresOf runs q on ix with Bleve's own collector and returns every
// match's score.
func scoresOf(t testing.TB, ix *bleveindex.Index, q query.Query) map[string]float64 {
	t.Helper()
	st, err := ix.BM25Stats()
	if err != nil {
		t.Fatal(err)
	}
	s := &run{ctx: context.Background(), idx: ix.Bleve(), stats: st}
	res, err := s.search(bleve.NewSearchRequestOptions(q, 100_000, 0, false))
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]float64, len(res.Hits))
	for _, h := range res.Hits {
		out[h.ID] = h.Score
	}
	return out
}

// sameScores compares the matches and scores of the request's query with
// its phrases checked by phraseQuery and by Bleve's phrase searcher, and
// returns how many matches the phrase boost raised.
func sameScores(t *testing.T, ix *bleveindex.Index, req Request) (raised int) {
	t.Helper()
	q := BleveQuery(ix, req)
	got, want := scoresOf(t, ix, q), scoresOf(t, ix, withBlevePhrases(q))
	if len(got) != len(want) {
		t.Errorf("%q in %q: %d matches, with Bleve's phrases %d", req.Query, req.Place, len(got), len(want))
	}
	unboosted := q
	if bq, ok := q.(*query.BooleanQuery); ok {
		b := *bq
		b.Should = nil
		unboosted = &b
	}
	plain := scoresOf(t, ix, unboosted)
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%q in %q: %s scores %v, with Bleve's phrases %v", req.Query, req.Place, id, got[id], w)
		}
		if w != plain[id] {
			raised++
		}
	}
	return raised
}

// TestPhrasesScoreAsBleve: the phrases (the boost of the words typed, a
// quoted phrase, a filter's name) match and score as Bleve's phrase
// query does (same matches, same scores to the bit), with and without
// filters, for words in a row, apart, reversed, across a stop word,
// split between title and body, and hyphenated.
func TestPhrasesScoreAsBleve(t *testing.T) {
	ix := emptyIndex(t)
	moscow := schema.Place{Entity: schema.Entity{Name: "Moscow", ID: "Q649", Mentions: 1, Salience: 0.5}, Country: "RU"}
	paris := schema.Place{Entity: schema.Entity{Name: "Paris", ID: "Q90", Mentions: 1, Salience: 0.5}, Country: "FR"}
	putin := []schema.Entity{{Name: "Vladimir Putin", ID: "Q7747", Mentions: 1, Salience: 0.5}}
	reversed := []schema.Entity{{Name: "Putin Vladimir", Mentions: 1, Salience: 0.5}}
	docs := []struct {
		title, body string
		place       schema.Place
		persons     []schema.Entity
	}{
		{"Oil prices rise", "Oil prices rose again in Moscow on Monday.", moscow, putin},
		{"Markets", "Prices of oil fell, and oil traders said prices would fall.", moscow, reversed},
		{"Energy", "The oil and prices of gas were discussed.", moscow, nil},
		{"Oil prices in Paris", "Oil prices are what traders watch.", paris, nil},
		{"Oil", "Prices climbed.", moscow, nil},
		{"Report", "Oil fell. Later oil prices recovered, and oil prices rose twice.", moscow, nil},
		{"Well-known tariffs", "The well-known tariffs on oil stay; tariffs well known to traders.", moscow, nil},
		{"Tariffs", "Known well, the tariffs on oil prices.", paris, nil},
	}
	published := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i, d := range docs {
		doc := &schema.Document{SchemaVersion: schema.Version, ID: fmt.Sprintf("d%d", i), Title: d.title, Body: d.body,
			PublishedAt: &published, IngestedAt: published, Language: "en", Source: schema.Source{Name: "Daily Echo"},
			WordCount: schema.CountWords(d.body), Entities: schema.Entities{Persons: d.persons, Places: []schema.Place{d.place}}}
		if err := ix.Index(context.Background(), doc); err != nil {
			t.Fatal(err)
		}
	}
	raised := 0
	for _, req := range []Request{
		{Query: "oil prices"},
		{Query: "oil prices", Place: "Moscow"},
		{Query: "prices oil", Place: "Moscow"},
		{Query: "oil and prices"},
		{Query: "oil prices rose"},
		{Query: "oil prices -monday", Place: "Moscow"},
		{Query: "well-known tariffs"},
		{Query: "well-known tariffs", Place: "Paris"},
		{Query: "oil prices", Place: "Moscow", Sort: SortNewest},
		{Query: `"oil prices" traders`},
		{Query: `"oil prices" OR tariffs`, Place: "Moscow"},
		{Query: `oil -"oil prices"`},
		{Query: "oil prices", Person: "Vladimir Putin"},
		{Query: "oil", Person: "vladimir putin"},
	} {
		raised += sameScores(t, ix, req)
	}
	if raised == 0 {
		t.Fatal("no phrase raised a score: the test checks nothing")
	}
}
