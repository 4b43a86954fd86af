package webui_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/internal/pipeline"
	"github.com/newsflow/newsflow/internal/webui"
	"github.com/newsflow/newsflow/pkg/schema"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/blevesearch/bleve_index_api.AnalysisWorker"))
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func person(name, id string, sal float64) schema.Entity {
	return schema.Entity{Name: name, ID: id, Mentions: 1, Salience: sal}
}

func place(name, id string, lat, lon float64) schema.Place {
	return schema.Place{Entity: schema.Entity{Name: name, ID: id, Mentions: 1, Salience: 0.2}, Location: &schema.GeoPoint{Lat: lat, Lon: lon}}
}

// fixtureDocs are a small news day: a story with a syndicated copy, other
// stories, an untitled article, places with positions.
func fixtureDocs() []*schema.Document {
	pub := func(d int) *time.Time { t := t0.AddDate(0, 0, d); return &t }
	docs := []*schema.Document{
		{ID: "kyiv-talks", Title: "Lavrov and Kuleba meet in Antalya", Source: schema.Source{Name: "Example Wire", Domain: "wire.example"},
			Body:        "Sergei Lavrov met Dmytro Kuleba in Antalya on Thursday.\n\nThe talks, hosted by Turkey, ended without a ceasefire.",
			PublishedAt: pub(0), Cleaning: schema.Cleaning{MojibakeRepairs: 2, BoilerplateLines: 3},
			Entities: schema.Entities{
				Persons: []schema.Entity{person("Sergei Lavrov", "Q155070", 0.61), person("Dmytro Kuleba", "Q16707358", 0.4)},
				Places:  []schema.Place{place("Antalya", "Q40249", 36.9, 30.7), place("Turkey", "Q43", 39, 35)},
			}},
		{ID: "kyiv-talks-copy", Title: "LAVROV AND KULEBA MEET IN ANTALYA", Source: schema.Source{Name: "Aggregator", Domain: "agg.example"},
			Body:        "Sergei Lavrov met Dmytro Kuleba in Antalya on Thursday.\n\nThe talks, hosted by Turkey, ended without a ceasefire.",
			PublishedAt: pub(1), DuplicateOf: "kyiv-talks", ClusterID: "kyiv-talks",
			Entities: schema.Entities{Persons: []schema.Entity{person("Sergei Lavrov", "Q155070", 0.6)}, Places: []schema.Place{place("Antalya", "Q40249", 36.9, 30.7)}}},
		{ID: "bank", Title: "Central bank holds rates in Frankfurt", Source: schema.Source{Name: "Business Daily", Domain: "biz.example"},
			Body:        "The European Central Bank held its rates in Frankfurt, Christine Lagarde said.",
			PublishedAt: pub(3),
			Entities: schema.Entities{
				Persons:       []schema.Entity{person("Christine Lagarde", "Q12981", 0.5)},
				Organizations: []schema.Entity{person("European Central Bank", "Q8901", 0.7)},
				Places:        []schema.Place{place("Frankfurt am Main", "Q1794", 50.11, 8.68)},
			}},
		{ID: "untitled", Source: schema.Source{Name: "Example News"},
			Body: "Lavrov spoke again on Friday about the talks.", PublishedAt: pub(5)},
	}
	// The talks, their copy and the follow-up are one story.
	docs[0].StoryID, docs[1].StoryID, docs[3].StoryID = "story-talks", "story-talks", "story-talks"
	docs[2].StoryID = "story-bank"
	for i, d := range docs {
		d.SchemaVersion = schema.Version
		d.IngestedAt = d.PublishedAt.Add(time.Duration(i+1) * time.Minute) // received after publication
		d.Language = "en"
		d.WordCount = schema.CountWords(d.Body)
	}
	return docs
}

func fixtureIndex(t testing.TB) *bleveindex.Index {
	t.Helper()
	return indexOf(t, fixtureDocs()...)
}

// indexOf is a new embedded index holding docs.
func indexOf(t testing.TB, docs ...*schema.Document) *bleveindex.Index {
	t.Helper()
	ix, err := bleveindex.Open(filepath.Join(t.TempDir(), "search"), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	for _, d := range docs {
		if err := ix.Index(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	return ix
}

// fixedPipeline reports a reading per call from its list, the last one
// repeated: the pipeline page's data source (JetStream in newsflow).
type fixedPipeline struct {
	readings [][]pipeline.Lag
	calls    int
	letters  []webui.DeadLetter
}

func (p *fixedPipeline) Lags(context.Context) ([]pipeline.Lag, error) {
	r := p.readings[min(p.calls, len(p.readings)-1)]
	p.calls++
	return r, nil
}

func (p *fixedPipeline) DeadLetters(_ context.Context, limit int) ([]webui.DeadLetter, error) {
	return p.letters[:min(limit, len(p.letters))], nil
}

func newServer(t testing.TB, p webui.Pipeline) (*webui.Server, *httptest.Server) {
	t.Helper()
	return serveIndex(t, fixtureIndex(t), p)
}

// serveIndex serves the web UI over ix (and p, which may be nil) until the
// test ends.
func serveIndex(t testing.TB, ix *bleveindex.Index, p webui.Pipeline) (*webui.Server, *httptest.Server) {
	t.Helper()
	ui, err := webui.New(webui.Options{Index: ix, Pipeline: p, Log: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ui.Handler())
	t.Cleanup(func() { ui.Stop(); srv.Close() })
	return ui, srv
}

func get(t *testing.T, srv *httptest.Server, path string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

func mustContain(t *testing.T, page string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func TestSearchPage(t *testing.T) {
	_, srv := newServer(t, nil)
	res, page := get(t, srv, "/?q=lavrov")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if csp := res.Header.Get("Content-Security-Policy"); csp != webui.ContentSecurityPolicy {
		t.Errorf("CSP = %q", csp)
	}
	mustContain(t, page,
		`value="lavrov"`,                  // the box keeps the query
		`<a href="/articles/kyiv-talks">`, // one hit per cluster ...
		`+1 copy`,                         // ... with its copy counted
		`<mark>Lavrov</mark>`,             // the snippet marks the word
		`derived title`,                   // the untitled article
		`href="/?person=Sergei&#43;Lavrov&amp;q=lavrov"`, // a facet narrows the search
		`href="/export.csv?q=lavrov"`, `href="/map?q=lavrov"`)
	if strings.Contains(page, "kyiv-talks-copy") {
		t.Error("the syndicated copy is listed although copies are folded")
	}
	// The histogram has a bar per day from the first match to the last,
	// each narrowing the search to its day.
	if n := strings.Count(page, "<rect "); n != 6 {
		t.Errorf("histogram of 'lavrov' has %d bars, want 6 (2 to 7 March)", n)
	}
	mustContain(t, page, `<a href="/?q=lavrov&amp;since=2026-03-02&amp;until=2026-03-02" data-since="2026-03-02" data-until="2026-03-02">`,
		`<strong aria-current="true">relevance</strong>`, `<a href="/?q=lavrov&amp;sort=newest">newest</a>`)

	// The organisation facet narrows too, and a page of one has a next page.
	_, page = get(t, srv, "/?size=1")
	mustContain(t, page, `href="/?organization=European&#43;Central&#43;Bank&amp;size=1"`, `href="/?from=1&amp;size=1">More results</a>`)

	// A filter shows as a chip that removes it and is kept by the box.
	_, page = get(t, srv, "/?q=lavrov&person=Sergei+Lavrov")
	mustContain(t, page, `person: <strong>Sergei Lavrov</strong>`, `href="/?q=lavrov"`,
		`<input type="hidden" name="person" value="Sergei Lavrov">`, `aria-current="true"`)
	if strings.Contains(page, "/articles/untitled") {
		t.Error("the person filter let through an article without the person")
	}

	res, page = get(t, srv, "/?size=100000")
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `role="alert"`) {
		t.Errorf("a bad size: status %d, want 400 with the message on the page", res.StatusCode)
	}
}

func TestArticlePage(t *testing.T) {
	_, srv := newServer(t, nil)
	res, page := get(t, srv, "/articles/kyiv-talks")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	mustContain(t, page,
		`<a href="/?person=Sergei&#43;Lavrov" class="entity person">Sergei Lavrov</a> met`, // highlighted in the text
		`<a href="https://www.wikidata.org/wiki/Q155070"`,                                  // QIDs link to Wikidata
		`<td class="num">0.61</td>`,                                                        // salience
		"2 spans of mojibake repaired", "3 boilerplate lines removed",                      // cleanup
		`id="copies"`, `<a href="/articles/kyiv-talks-copy">Aggregator</a>`, `original</span>`)
	_, page = get(t, srv, "/articles/kyiv-talks-copy")
	mustContain(t, page, `A syndicated copy of <a href="/articles/kyiv-talks">`)
	_, page = get(t, srv, "/articles/untitled")
	mustContain(t, page, `<h1>Lavrov spoke again on Friday about the talks. <span class="derived"`)

	res, _ = get(t, srv, "/articles/no-such-id")
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("missing article: status %d, want 404", res.StatusCode)
	}
}

func TestStoryPage(t *testing.T) {
	_, srv := newServer(t, nil)
	res, page := get(t, srv, "/stories/story-talks")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	mustContain(t, page,
		"<h1>Lavrov and Kuleba meet in Antalya</h1>", // named by its first original report
		"3 reports from 3 outlets",
		`<li class="first">`, `first report</span>`, `<span class="badge">copy</span>`,
		`href="/?person=Sergei&#43;Lavrov&amp;story=story-talks"`, // its top entities narrow to it
		`"name":"Antalya"`) // its places, for the map
	// Oldest first: the original, its copy a day later, the follow-up.
	first, copied, later := strings.Index(page, `/articles/kyiv-talks"`), strings.Index(page, `/articles/kyiv-talks-copy"`), strings.Index(page, `/articles/untitled"`)
	if first < 0 || copied < first || later < copied {
		t.Errorf("timeline order: original at %d, copy at %d, follow-up at %d", first, copied, later)
	}
	_, page = get(t, srv, "/articles/kyiv-talks")
	mustContain(t, page, `<a href="/stories/story-talks" class="story">its story</a>`)
	res, _ = get(t, srv, "/stories/no-such-story")
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("missing story: status %d, want 404", res.StatusCode)
	}
}

// mapPlace is a place of the map page's data.
type mapPlace struct {
	Name     string
	Lat, Lon float64
	Count    int
	URL      string
}

// mapPlaces reads the places of a map page's data.
func mapPlaces(t *testing.T, page string) map[string]mapPlace {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="map-places">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no place data on the map page")
	}
	var places []mapPlace
	if err := json.Unmarshal([]byte(m[1]), &places); err != nil {
		t.Fatalf("place data %q: %v", m[1], err)
	}
	out := map[string]mapPlace{}
	for _, p := range places {
		out[p.Name] = p
	}
	return out
}

func counts(places map[string]mapPlace) string {
	got := map[string]int{}
	for name, p := range places {
		got[name] = p.Count
	}
	return fmt.Sprint(got)
}

func TestMapPage(t *testing.T) {
	_, srv := newServer(t, nil)
	_, page := get(t, srv, "/map?q=lavrov")
	places := mapPlaces(t, page)
	if p := places["Antalya"]; p.Lat != 36.9 || p.Lon != 30.7 || p.URL != "/?place=Antalya&q=lavrov" {
		t.Errorf("Antalya = %+v", p)
	}
	// The copy mentions Antalya too, but the map counts articles as
	// search does: copies fold into their original.
	if got, want := counts(places), fmt.Sprint(map[string]int{"Antalya": 1, "Turkey": 1}); got != want {
		t.Errorf("places of 'lavrov' = %v, want %v", got, want)
	}
	// A copy whose original does not match counts, as on the search
	// page (which shows it as the cluster's one hit).
	_, page = get(t, srv, "/map?source=Aggregator")
	if got, want := counts(mapPlaces(t, page)), fmt.Sprint(map[string]int{"Antalya": 1}); got != want {
		t.Errorf("places of the aggregator's copy = %v, want %v", got, want)
	}
	mustContain(t, page, "1 matching article mentions 1 place with a position")
	_, page = get(t, srv, "/map?q=lavrov&include_duplicates=true")
	mustContain(t, page, `"name":"Antalya","id":"Q40249","lat":36.9,"lon":30.7,"count":2`)
	mustContain(t, page, `<a href="/?include_duplicates=true&amp;place=Antalya&amp;q=lavrov">Antalya</a>`) // the list without script
}

func TestPipelinePageAndEvents(t *testing.T) {
	p := &fixedPipeline{
		readings: [][]pipeline.Lag{
			{{Stage: "ingest", Pending: 5, AckFloor: 10}, {Stage: "indexer", InFlight: 2, Dead: 1, AckFloor: 3}},
			{{Stage: "ingest", Pending: 1, AckFloor: 40}, {Stage: "indexer", Dead: 2, AckFloor: 33}},
		},
		letters: []webui.DeadLetter{
			{Stage: "indexer", Reason: "mapping rejected: field too long", Time: t0},
			{Stage: "indexer", Reason: "mapping rejected: field too long", Time: t0.Add(time.Hour)},
		},
	}
	_, srv := newServer(t, p)
	_, page := get(t, srv, "/pipeline")
	mustContain(t, page, `<td class="num" data-field="pending">5</td>`, "mapping rejected: field too long",
		`<td class="num">2</td><td>indexer</td>`)

	res, err := http.Get(srv.URL + "/pipeline/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	sc := bufio.NewScanner(res.Body)
	var events []string
	for sc.Scan() && len(events) < 2 {
		if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			events = append(events, line)
		}
	}
	if len(events) < 2 {
		t.Fatalf("events: %v (%v)", events, sc.Err())
	}
	var rows []struct {
		Stage   string
		Pending uint64
		Dead    uint64
		Rate    float64
		HasRate bool `json:"has_rate"`
	}
	if err := json.Unmarshal([]byte(events[1]), &rows); err != nil {
		t.Fatal(err)
	}
	// The second event is the second reading, a second after the first:
	// the ingest stage acknowledged 30 more messages in that time.
	if rows[0].Pending != 1 || rows[1].Dead != 2 || !rows[0].HasRate || rows[0].Rate < 20 || rows[0].Rate > 31 {
		t.Errorf("second event = %+v", rows)
	}
}

func TestPipelinePageWithoutPipeline(t *testing.T) {
	_, srv := newServer(t, nil)
	_, page := get(t, srv, "/pipeline")
	mustContain(t, page, "No pipeline is running here")
	res, _ := get(t, srv, "/pipeline/events")
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("events without a pipeline: status %d, want 404", res.StatusCode)
	}
}

func TestExport(t *testing.T) {
	_, srv := newServer(t, nil)
	res, body := get(t, srv, "/export.csv?q=lavrov")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// The header, the story (one row for it and its copy), the untitled article.
	if len(rows) != 3 || rows[0][0] != "id" || rows[1][0] != "kyiv-talks" || rows[1][11] != "Sergei Lavrov; Dmytro Kuleba" {
		t.Errorf("csv = %q", rows)
	}

	_, body = get(t, srv, "/export.jsonl?q=lavrov&include_duplicates=true")
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		var d schema.Document
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if d.Body == "" {
			t.Errorf("%s: exported without its body", d.ID)
		}
		ids = append(ids, d.ID)
	}
	if len(ids) != 3 {
		t.Errorf("jsonl with copies has %v, want 3 documents", ids)
	}

	res, _ = get(t, srv, "/export.csv?size=0")
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad parameter: status %d, want 400", res.StatusCode)
	}
}

// A search without words scores every match alike, so the export lists
// them newest first: Bleve's sort on timestamp, the one field of the
// index with doc values.
func TestExportListsNewestFirst(t *testing.T) {
	_, srv := newServer(t, nil)
	_, body := get(t, srv, "/export.jsonl?include_duplicates=true")
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		var d schema.Document
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		ids = append(ids, d.ID)
	}
	if want := []string{"untitled", "bank", "kyiv-talks-copy", "kyiv-talks"}; !slices.Equal(ids, want) {
		t.Errorf("export without words = %v, want newest first %v", ids, want)
	}
}

// assetRefs finds what a page loads: scripts, style sheets and data.
var assetRefs = regexp.MustCompile(`(?:src|href|data-world)="(/static/[^"]+)"`)

// Every page loads only from this server, and everything it loads
// weighs at most 250 KB compressed.
func TestPagesLoadOnlyFromHereAndWeighLittle(t *testing.T) {
	_, srv := newServer(t, &fixedPipeline{readings: [][]pipeline.Lag{{{Stage: "ingest"}}}})
	const budget = 250 << 10
	for _, path := range []string{"/?q=lavrov", "/articles/kyiv-talks", "/stories", "/stories/story-talks", "/map?q=", "/pipeline"} {
		page := fetchGzip(t, srv.URL+path)
		html := gunzip(t, page)
		if m := regexp.MustCompile(`(?:src|srcset|data-world)="(?:https?:)?//`).FindString(html); m != "" {
			t.Errorf("%s loads from another host: %s", path, m)
		}
		if m := regexp.MustCompile(`<link[^>]+href="(?:https?:)?//`).FindString(html); m != "" {
			t.Errorf("%s links a resource of another host: %s", path, m)
		}
		total := len(page)
		refs := assetRefs.FindAllStringSubmatch(html, -1)
		for _, ref := range refs {
			u, _ := url.Parse(strings.ReplaceAll(ref[1], "&amp;", "&"))
			total += len(fetchGzip(t, srv.URL+u.String()))
		}
		t.Logf("%s: %d resources, %.1f KB compressed", path, len(refs)+1, float64(total)/1024)
		if total > budget {
			t.Errorf("%s weighs %d bytes compressed, over %d", path, total, budget)
		}
	}
}

func fetchGzip(t *testing.T, u string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d", u, res.StatusCode)
	}
	if res.Header.Get("Content-Encoding") != "gzip" && len(b) > 1024 {
		t.Errorf("GET %s: not compressed (%d bytes)", u, len(b))
	}
	if strings.Contains(u, "/static/") && !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("GET %s: Cache-Control %q, want immutable for a versioned asset", u, res.Header.Get("Cache-Control"))
	}
	return b
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(string(b)))
	if err != nil {
		return string(b) // small enough to go uncompressed
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
