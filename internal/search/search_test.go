package search_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/internal/search"
	"github.com/newsflow/newsflow/pkg/schema"
)

// The corpus below is written for these tests. v1 is a story syndicated
// as v2 and v3; b1 only mentions the volcano in its body, three times.
var (
	t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

	reykjavik = schema.Place{Entity: schema.Entity{Name: "Reykjavik", ID: "Q1764", Mentions: 1, Salience: 0.4}, Country: "IS"}
	iceland   = schema.Place{Entity: schema.Entity{Name: "Iceland", ID: "Q189", Mentions: 2, Salience: 0.5}, Country: "IS"}
	london    = schema.Place{Entity: schema.Entity{Name: "London", ID: "Q84", Mentions: 1, Salience: 0.3}, Country: "GB"}
	paris     = schema.Place{Entity: schema.Entity{Name: "Paris", ID: "Q90", Mentions: 1, Salience: 0.3}, Country: "FR"}

	volcanoBody = "Lava flowed across the peninsula on Tuesday after a fissure opened in the night. " +
		"Residents of nearby towns were moved to shelters while scientists measured the gas. " +
		"The volcano had shown signs of unrest for weeks, the meteorological office said."
)

type source struct{ name, domain string }

var (
	nordic = source{"Nordic Wire", "nordicwire.example"}
	echo   = source{"Daily Echo", "dailyecho.example"}
	metro  = source{"Metro Post", "metropost.example"}
)

func mkdoc(id string, src source, title, body string, published time.Time, persons []schema.Entity, places []schema.Place) *schema.Document {
	return &schema.Document{
		SchemaVersion: schema.Version,
		ID:            id,
		URL:           "https://" + src.domain + "/news/" + id,
		Source:        schema.Source{Name: src.name, Domain: src.domain},
		Title:         title,
		Body:          body,
		PublishedAt:   &published,
		IngestedAt:    published.Add(time.Minute),
		Language:      "en",
		WordCount:     schema.CountWords(body),
		Entities:      schema.Entities{Persons: persons, Places: places},
	}
}

func person(name, id string) schema.Entity {
	return schema.Entity{Name: name, ID: id, Mentions: 1, Salience: 0.5}
}

func syndicate(d *schema.Document, id string, src source, delay time.Duration) *schema.Document {
	c := *d
	c.ID = id
	c.URL = "https://" + src.domain + "/story/" + id
	c.Source = schema.Source{Name: src.name, Domain: src.domain}
	pub := d.PublishedAt.Add(delay)
	c.PublishedAt = &pub
	c.IngestedAt = pub.Add(time.Minute)
	c.DuplicateOf = d.ID
	c.ClusterID = d.ID
	return &c
}

func corpus() []*schema.Document {
	v1 := mkdoc("v1", nordic, "Volcano erupts near Reykjavik", volcanoBody, t0,
		[]schema.Entity{person("Halla Tomasdottir", "Q3126453")}, []schema.Place{reykjavik, iceland})
	v1.ClusterID = "v1"
	docs := []*schema.Document{
		v1,
		syndicate(v1, "v2", echo, time.Hour),
		syndicate(v1, "v3", metro, 2*time.Hour),
		mkdoc("b1", echo, "Airline schedules disrupted across Europe",
			"Flights from London were cancelled as ash from the volcano drifted south. "+
				"Airlines said the volcano could keep planes grounded for days. "+
				"Passengers waited at the airport for news of the volcano and of new departure times.",
			t0.Add(3*time.Hour), nil, []schema.Place{iceland, london}),
		mkdoc("e1", metro, "Election results announced in the capital",
			"Jane Smith won the mayoral election with a large majority, officials said on Sunday. "+
				"Turnout was the highest for twenty years.",
			t0.Add(-24*time.Hour), []schema.Entity{person("Jane Smith", "local:person:jane-smith")}, []schema.Place{london}),
		mkdoc("e2", nordic, "Parliament debates budget",
			"John Smith opened the debate on the budget ahead of next year's elections in the country.",
			t0.Add(-48*time.Hour), []schema.Entity{person("John Smith", "local:person:john-smith")}, []schema.Place{paris}),
	}
	docs[5].Entities.Organizations = []schema.Entity{person("Finance Ministry", "local:org:finance-ministry")}
	return docs
}

// indexCorpus indexes docs into <data>/search and returns the open index
// and the data directory.
func indexCorpus(t testing.TB, docs []*schema.Document) (*bleveindex.Index, string) {
	t.Helper()
	data := t.TempDir()
	ix, err := bleveindex.Open(filepath.Join(data, "search"), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	var wg sync.WaitGroup
	for _, d := range docs {
		wg.Go(func() {
			if err := ix.Index(context.Background(), d); err != nil {
				t.Errorf("Index(%s): %v", d.ID, err)
			}
		})
	}
	wg.Wait()
	return ix, data
}

func ids(resp *search.Response) []string {
	out := make([]string, len(resp.Hits))
	for i, h := range resp.Hits {
		out[i] = h.ID
	}
	return out
}

func run(t *testing.T, ix *bleveindex.Index, req search.Request) *search.Response {
	t.Helper()
	resp, err := search.Run(context.Background(), ix, req)
	if err != nil {
		t.Fatalf("Run(%+v): %v", req, err)
	}
	return resp
}

func TestTitleMatchBeatsBodyMatch(t *testing.T) {
	ix, _ := indexCorpus(t, corpus())
	resp := run(t, ix, search.Request{Query: "volcano", IncludeDuplicates: true})
	got := ids(resp)
	if len(got) != 4 {
		t.Fatalf("hits = %v, want v1, v2, v3 and b1", got)
	}
	// b1 says "volcano" three times in its body; v1-v3 once in the body
	// and once in the title.
	if got[3] != "b1" {
		t.Errorf("ranking = %v, want b1 (body only) last", got)
	}
	for i := 1; i < len(resp.Hits); i++ {
		if resp.Hits[i].Score > resp.Hits[i-1].Score {
			t.Errorf("hit %d score %v > hit %d score %v: not ranked", i, resp.Hits[i].Score, i-1, resp.Hits[i-1].Score)
		}
	}
	if resp.Hits[0].Score <= 0 {
		t.Errorf("top score = %v, want > 0", resp.Hits[0].Score)
	}
}

func TestCollapseByCluster(t *testing.T) {
	ix, _ := indexCorpus(t, corpus())

	collapsed := run(t, ix, search.Request{Query: "volcano"})
	if got, want := collapsed.Total, 2; got != want {
		t.Errorf("total = %d, want %d (clusters)", got, want)
	}
	if got, want := ids(collapsed), []string{"v1", "b1"}; !slices.Equal(got, want) {
		t.Fatalf("collapsed hits = %v, want %v (the cluster shown by its original)", got, want)
	}
	top := collapsed.Hits[0]
	if top.Copies != 2 || !slices.Equal(top.Outlets, []string{"Daily Echo", "Metro Post"}) {
		t.Errorf("top hit copies %d outlets %v, want 2 [Daily Echo Metro Post]", top.Copies, top.Outlets)
	}
	if b := collapsed.Hits[1]; b.Copies != 0 || len(b.Outlets) != 0 {
		t.Errorf("b1 copies %d outlets %v, want 0, none", b.Copies, b.Outlets)
	}

	all := run(t, ix, search.Request{Query: "volcano", IncludeDuplicates: true})
	got := ids(all)
	sort.Strings(got)
	if want := []string{"b1", "v1", "v2", "v3"}; !slices.Equal(got, want) {
		t.Errorf("with duplicates: hits = %v, want %v", got, want)
	}
	if all.Total != 4 {
		t.Errorf("with duplicates: total = %d, want 4", all.Total)
	}
	for _, h := range all.Hits {
		if h.ID != "b1" && h.Copies != 2 {
			t.Errorf("with duplicates: %s copies = %d, want 2", h.ID, h.Copies)
		}
	}
}

// TestCollapseWithUnmarkedCanonical: the canonical was indexed before
// dedupe saw a copy, so it has no cluster_id, while its copies name it.
func TestCollapseWithUnmarkedCanonical(t *testing.T) {
	docs := corpus()
	docs[0].ClusterID = ""
	ix, _ := indexCorpus(t, docs)
	resp := run(t, ix, search.Request{Query: "volcano"})
	if got, want := ids(resp), []string{"v1", "b1"}; !slices.Equal(got, want) {
		t.Fatalf("hits = %v, want %v", got, want)
	}
	if h := resp.Hits[0]; h.Copies != 2 {
		t.Errorf("top hit %s: copies %d, want 2", h.ID, h.Copies)
	}
	all := run(t, ix, search.Request{Query: "volcano", IncludeDuplicates: true})
	for _, h := range all.Hits {
		if want := map[bool]int{true: 2, false: 0}[h.ID != "b1"]; h.Copies != want {
			t.Errorf("%s: copies %d, want %d", h.ID, h.Copies, want)
		}
	}
}

// TestCollapseBeyondWindow puts more copies of one story above another
// match than one ranking window holds; collapsing must still find the
// second story.
func TestCollapseBeyondWindow(t *testing.T) {
	docs := corpus()
	v1 := docs[0]
	for i := range 230 {
		docs = append(docs, syndicate(v1, fmt.Sprintf("c%03d", i), metro, time.Duration(i)*time.Minute))
	}
	ix, _ := indexCorpus(t, docs)
	resp := run(t, ix, search.Request{Query: "volcano", Size: 2})
	if got, want := ids(resp), []string{"v1", "b1"}; !slices.Equal(got, want) {
		t.Fatalf("hits = %v, want %v", got, want)
	}
	if resp.Hits[0].Copies != 232 {
		t.Errorf("copies = %d, want 232", resp.Hits[0].Copies)
	}
	if resp.Total != 2 {
		t.Errorf("total = %d, want 2", resp.Total)
	}
}

func TestFacets(t *testing.T) {
	ix, _ := indexCorpus(t, corpus())
	resp := run(t, ix, search.Request{IncludeDuplicates: true})
	want := map[string][]search.Facet{
		search.FacetSources:       {{"Daily Echo", 2}, {"Metro Post", 2}, {"Nordic Wire", 2}},
		search.FacetPlaces:        {{"Iceland", 4}, {"Reykjavik", 3}, {"London", 2}, {"Paris", 1}},
		search.FacetPersons:       {{"Halla Tomasdottir", 3}, {"Jane Smith", 1}, {"John Smith", 1}},
		search.FacetOrganizations: {{"Finance Ministry", 1}},
		search.FacetLanguages:     {{"en", 6}},
	}
	if !reflect.DeepEqual(resp.Facets, want) {
		t.Errorf("facets =\n%v\nwant\n%v", resp.Facets, want)
	}
	// Collapsed, a syndicated story counts once.
	resp = run(t, ix, search.Request{})
	want = map[string][]search.Facet{
		search.FacetSources:       {{"Nordic Wire", 2}, {"Daily Echo", 1}, {"Metro Post", 1}},
		search.FacetPlaces:        {{"Iceland", 2}, {"London", 2}, {"Paris", 1}, {"Reykjavik", 1}},
		search.FacetPersons:       {{"Halla Tomasdottir", 1}, {"Jane Smith", 1}, {"John Smith", 1}},
		search.FacetOrganizations: {{"Finance Ministry", 1}},
		search.FacetLanguages:     {{"en", 4}},
	}
	if !reflect.DeepEqual(resp.Facets, want) {
		t.Errorf("collapsed facets =\n%v\nwant\n%v", resp.Facets, want)
	}
	// Facets follow the query; a facet with no values is an empty list.
	resp = run(t, ix, search.Request{Query: "smith"})
	if got, want := resp.Facets[search.FacetPersons], []search.Facet{{"Jane Smith", 1}, {"John Smith", 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("persons facet for smith = %v, want %v", got, want)
	}
	resp = run(t, ix, search.Request{Query: "volcano"})
	if got := resp.Facets[search.FacetOrganizations]; got == nil || len(got) != 0 {
		t.Errorf("organizations facet for volcano = %#v, want an empty list", got)
	}
}

func TestFilters(t *testing.T) {
	ix, _ := indexCorpus(t, corpus())
	tests := []struct {
		name string
		req  search.Request
		want []string // sorted
	}{
		{"source name, any case", search.Request{Source: "daily ECHO"}, []string{"b1", "v2"}},
		{"source domain", search.Request{Source: "nordicwire.example"}, []string{"e2", "v1"}},
		{"unknown source", search.Request{Source: "Nordic"}, []string{}},
		{"person surname", search.Request{Person: "Smith"}, []string{"e1", "e2"}},
		{"person full name, any case", search.Request{Person: "jane smith"}, []string{"e1"}},
		{"person id", search.Request{Person: "local:person:john-smith"}, []string{"e2"}},
		{"place", search.Request{Place: "London"}, []string{"b1", "e1"}},
		{"place id", search.Request{Place: "Q90"}, []string{"e2"}},
		{"place whose name stems", search.Request{Place: "paris"}, []string{"e2"}},
		{"query and place", search.Request{Query: "volcano", Place: "london"}, []string{"b1"}},
		{"query and person", search.Request{Query: "election", Person: "Smith"}, []string{"e1", "e2"}},
		{"source and place", search.Request{Source: "Metro Post", Place: "Iceland"}, []string{"v3"}},
		{"stemming: elections finds election", search.Request{Query: "elections"}, []string{"e1", "e2"}},
		{"excluded word", search.Request{Query: "volcano -airlines"}, []string{"v1", "v2", "v3"}},
		{"phrase", search.Request{Query: `"debates budget"`}, []string{"e2"}},
		{"phrase not matching as typed", search.Request{Query: `"budget debates"`}, []string{}},
		{"no match", search.Request{Query: "zeppelin"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.IncludeDuplicates = true
			resp := run(t, ix, req)
			got := ids(resp)
			sort.Strings(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("hits = %v, want %v", got, tt.want)
			}
			if resp.Total != len(tt.want) {
				t.Errorf("total = %d, want %d", resp.Total, len(tt.want))
			}
		})
	}
}

// TestFiltersOnFieldsNoDocumentHas: filters name fields that exist only
// once some document has such an entity.
func TestFiltersOnFieldsNoDocumentHas(t *testing.T) {
	ix, _ := indexCorpus(t, []*schema.Document{mkdoc("z1", nordic, "Plain title", "Plain body words.", t0, nil, nil)})
	for _, req := range []search.Request{{Query: "plain", Person: "Nobody"}, {Place: "Nowhere"}, {Source: "Nordic Wire", Person: "Q1"}} {
		resp, err := search.Run(context.Background(), ix, req)
		if err != nil {
			t.Errorf("Run(%+v): %v", req, err)
			continue
		}
		if resp.Total != 0 {
			t.Errorf("Run(%+v): total %d, want 0", req, resp.Total)
		}
	}
	if resp := run(t, ix, search.Request{Query: "plain"}); resp.Total != 1 {
		t.Errorf("plain: total %d, want 1", resp.Total)
	}
}

func TestEmptyIndexAndUndatedDocuments(t *testing.T) {
	ix, _ := indexCorpus(t, nil)
	for _, req := range []search.Request{{}, {Query: "volcano", Person: "x"}} {
		resp := run(t, ix, req)
		if resp.Total != 0 || len(resp.Hits) != 0 || resp.Hits == nil {
			t.Errorf("empty index, %+v: %+v, want no hits and an empty (not null) list", req, resp)
		}
	}

	undated := mkdoc("u1", echo, "Undated story", "Body of an undated story.", t0, nil, nil)
	undated.PublishedAt = nil
	ix, _ = indexCorpus(t, append(corpus(), undated))
	resp := run(t, ix, search.Request{IncludeDuplicates: true, Size: 20})
	// Undated, u1 takes its ingest time (t0 + 1 minute).
	if got, want := ids(resp), []string{"b1", "v3", "v2", "u1", "v1", "e1", "e2"}; !slices.Equal(got, want) {
		t.Errorf("hits = %v, want %v (the undated document at its ingest time)", got, want)
	}
	if h := resp.Hits[3]; h.PublishedAt != nil || !h.Time.Equal(t0.Add(time.Minute)) {
		t.Errorf("undated published_at = %v time %v, want nil and %v", h.PublishedAt, h.Time, t0.Add(time.Minute))
	}
}

func TestEmptyQueryNewestFirst(t *testing.T) {
	ix, _ := indexCorpus(t, corpus())
	resp := run(t, ix, search.Request{IncludeDuplicates: true})
	if got, want := ids(resp), []string{"b1", "v3", "v2", "v1", "e1", "e2"}; !slices.Equal(got, want) {
		t.Errorf("hits = %v, want newest first %v", got, want)
	}
	resp = run(t, ix, search.Request{})
	if got, want := ids(resp), []string{"b1", "v1", "e1", "e2"}; !slices.Equal(got, want) {
		t.Errorf("collapsed hits = %v, want %v", got, want)
	}
}

func TestHitFields(t *testing.T) {
	ix, _ := indexCorpus(t, corpus())
	resp := run(t, ix, search.Request{Query: "election", Person: "Jane Smith"})
	if len(resp.Hits) != 1 {
		t.Fatalf("hits = %v, want e1", ids(resp))
	}
	h := resp.Hits[0]
	want := search.Hit{
		ID: "e1", Title: "Election results announced in the capital", DisplayTitle: "Election results announced in the capital",
		Source: "Metro Post", Time: t0.Add(-24 * time.Hour),
		URL: "https://metropost.example/news/e1", Domain: "metropost.example", Language: "en",
		Snippet: "Jane Smith won the mayoral **election** with a large majority, officials said on Sunday. Turnout was the highest for twenty years.",
		Outlets: []string{}, Persons: []string{"Jane Smith"}, Organizations: []string{}, Places: []string{"London"},
	}
	wantPub := t0.Add(-24 * time.Hour)
	if h.PublishedAt == nil || !h.PublishedAt.Equal(wantPub) {
		t.Errorf("published_at = %v, want %v", h.PublishedAt, wantPub)
	}
	if h.Score <= 0 {
		t.Errorf("score = %v, want > 0", h.Score)
	}
	h.PublishedAt, h.Score = nil, 0
	if !reflect.DeepEqual(h, want) {
		t.Errorf("hit =\n%+v\nwant\n%+v", h, want)
	}
}

func TestSizeLimits(t *testing.T) {
	ix, _ := indexCorpus(t, corpus())
	if resp := run(t, ix, search.Request{Size: 2, IncludeDuplicates: true}); len(resp.Hits) != 2 || resp.Total != 6 {
		t.Errorf("size 2: %d hits of total %d, want 2 of 6", len(resp.Hits), resp.Total)
	}
	for _, size := range []int{-1, search.MaxSize + 1} {
		if _, err := search.Run(context.Background(), ix, search.Request{Size: size}); !errors.Is(err, search.ErrBadRequest) {
			t.Errorf("size %d: err = %v, want ErrBadRequest", size, err)
		}
	}
	long := strings.Repeat("volcano ", search.MaxQueryBytes/8+1)
	if _, err := search.Run(context.Background(), ix, search.Request{Query: long}); !errors.Is(err, search.ErrBadRequest) {
		t.Errorf("query of %d bytes: err = %v, want ErrBadRequest", len(long), err)
	}
}

func TestHandler(t *testing.T) {
	ix, _ := indexCorpus(t, corpus())
	srv := httptest.NewServer(search.Handler(search.ForIndex(ix), zaptest.NewLogger(t)))
	defer srv.Close()

	res, err := http.Get(srv.URL + "/v1/search?q=volcano&place=Iceland&size=5")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("content type = %q", ct)
	}
	var got search.Response
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := run(t, ix, search.Request{Query: "volcano", Place: "Iceland", Size: 5})
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if !bytes.Equal(gj, wj) {
		t.Errorf("HTTP response differs from Run:\n%s\n%s", gj, wj)
	}

	res2, err := http.Get(srv.URL + "/v1/search?q=volcano&include_duplicates=true")
	if err != nil {
		t.Fatal(err)
	}
	var all search.Response
	json.NewDecoder(res2.Body).Decode(&all)
	res2.Body.Close()
	if len(all.Hits) != 4 {
		t.Errorf("include_duplicates=true: %d hits, want 4", len(all.Hits))
	}

	for _, tc := range []struct {
		method, query string
		want          int
	}{
		{"GET", "?size=0", http.StatusBadRequest},
		{"GET", "?size=many", http.StatusBadRequest},
		{"GET", "?include_duplicates=maybe", http.StatusBadRequest},
		{"GET", "?q=" + strings.Repeat("x", search.MaxQueryBytes+1), http.StatusBadRequest},
		{"POST", "?q=x", http.StatusMethodNotAllowed},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+"/v1/search"+tc.query, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]string
		json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if res.StatusCode != tc.want || body["error"] == "" {
			t.Errorf("%s %s: status %d body %v, want %d with an error", tc.method, tc.query, res.StatusCode, body, tc.want)
		}
	}
}
