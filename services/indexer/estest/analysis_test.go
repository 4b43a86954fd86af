package estest_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/services/indexer/estest"
)

// A match query analyzes text as the field's mapping says: the english
// analyzer stems and drops stop words and possessives, the standard one
// only lowercases.
func TestMatchFollowsTheFieldsAnalyzer(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	s.CreateIndex("news", map[string]any{"properties": map[string]any{
		"body":  map[string]any{"type": "text", "analyzer": "english"},
		"title": map[string]any{"type": "text"},
	}})
	c := client(t, s.URL)
	doBulk(t, c, `{"index":{"_index":"news","_id":"1"}}
{"body":"Floods hit Lisbon's harbour","title":"Floods hit Lisbon"}
`)
	for _, tc := range []struct {
		query string
		want  int
	}{
		{`{"match":{"body":"flood"}}`, 1},
		{`{"match":{"body":"flooding"}}`, 1},
		{`{"match":{"body":"LISBON"}}`, 1},
		{`{"match":{"body":"the"}}`, 0},
		{`{"match":{"body":"s"}}`, 0},
		{`{"match":{"title":"flood"}}`, 0},
		{`{"match":{"title":"floods"}}`, 1},
		{`{"multi_match":{"query":"flood","fields":["title","body^2"]}}`, 1},
	} {
		res, err := c.Search(c.Search.WithIndex("news"), c.Search.WithBody(strings.NewReader(`{"query":`+tc.query+`}`)))
		if err != nil {
			t.Fatal(err)
		}
		var sr struct {
			Hits struct {
				Total struct{ Value int } `json:"total"`
			} `json:"hits"`
		}
		err = json.NewDecoder(res.Body).Decode(&sr)
		res.Body.Close()
		if err != nil || res.IsError() {
			t.Fatalf("%s: %v %s", tc.query, err, res.Status())
		}
		if sr.Hits.Total.Value != tc.want {
			t.Errorf("%s: %d hits, want %d", tc.query, sr.Hits.Total.Value, tc.want)
		}
	}
}
