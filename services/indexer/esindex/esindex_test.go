package esindex_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/elastic/go-elasticsearch/v8"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/services/indexer/esindex"
	"github.com/newsflow/newsflow/services/indexer/estest"
)

// The templates in deploy/elasticsearch are copies of the embedded ones.
func TestDeployCopyIdentical(t *testing.T) {
	for _, tpl := range esindex.Templates() {
		name := tpl.Name + ".index-template.json"
		deploy, err := os.ReadFile(filepath.Join("..", "..", "..", "deploy", "elasticsearch", name))
		if err != nil {
			t.Fatalf("read deploy copy: %v", err)
		}
		if !bytes.Equal(deploy, tpl.Body()) {
			t.Errorf("deploy/elasticsearch/%s differs from the template embedded in services/indexer/esindex: copy the latter over the former", name)
		}
	}
}

func TestTemplateShape(t *testing.T) {
	var tpl struct {
		IndexPatterns []string `json:"index_patterns"`
		Version       int64    `json:"version"`
		Template      struct {
			Mappings struct {
				Properties map[string]struct {
					Type     string                     `json:"type"`
					Analyzer string                     `json:"analyzer"`
					Fields   map[string]json.RawMessage `json:"fields"`
				} `json:"properties"`
			} `json:"mappings"`
		} `json:"template"`
	}
	if err := json.Unmarshal(esindex.Articles.Body(), &tpl); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(tpl.IndexPatterns, ","), esindex.PatternPrefix+"*"; got != want {
		t.Errorf("index_patterns = %s, want %s", got, want)
	}
	if tpl.Version < 1 || tpl.Version != esindex.Articles.Version() {
		t.Errorf("version = %d", tpl.Version)
	}
	p := tpl.Template.Mappings.Properties
	tests := []struct{ field, typ string }{
		{"title", "text"}, {"body", "text"}, {"published_at", "date"}, {"ingested_at", "date"},
		{"@timestamp", "date"}, {"cluster_id", "keyword"}, {"duplicate_of", "keyword"}, {"language", "keyword"},
		{"story_id", "keyword"},
		{"persons", "keyword"}, {"person_ids", "keyword"}, {"organizations", "keyword"}, {"organization_ids", "keyword"},
		{"places", "keyword"}, {"place_ids", "keyword"}, {"place_locations", "geo_point"},
	}
	for _, tt := range tests {
		if got := p[tt.field].Type; got != tt.typ {
			t.Errorf("%s: type %q, want %q", tt.field, got, tt.typ)
		}
	}
	for _, f := range []string{"title", "body"} {
		if p[f].Analyzer != "english" {
			t.Errorf("%s analyzer = %q, want english", f, p[f].Analyzer)
		}
	}
	if _, ok := p["title"].Fields["keyword"]; !ok {
		t.Error("title has no keyword subfield")
	}
	// Every field an Article emits is mapped (dynamic is false, so an
	// unmapped field would silently be unsearchable).
	b, _ := json.Marshal(esindex.NewArticle(fullDoc()))
	var emitted map[string]any
	json.Unmarshal(b, &emitted)
	for k := range emitted {
		if _, ok := p[k]; !ok {
			t.Errorf("article field %q is not in the template", k)
		}
	}
}

func ptime(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func fullDoc() *schema.Document {
	return &schema.Document{
		SchemaVersion: 1, ID: "a1", URL: "https://example.org/a", Title: "Floods in Porto Alegre",
		Body: "Rain fell.", PublishedAt: ptime("2024-05-03T10:00:00Z"), IngestedAt: *ptime("2024-05-04T00:00:00Z"),
		Language: "en", WordCount: 2, Source: schema.Source{Name: "Example", Domain: "example.org"},
		DuplicateOf: "a0", ClusterID: "a0", Similarity: &schema.Similarity{Containment: 0.9, Jaccard: 0.8},
		Entities: schema.Entities{
			Persons:       []schema.Entity{{Name: "Eduardo Leite", ID: "Q1", Mentions: 2, Salience: 0.5}, {Name: "Eduardo Leite", ID: "Q1"}},
			Organizations: []schema.Entity{{Name: "Civil Defence", ID: "local:org:civil-defence"}},
			Places: []schema.Place{
				{Entity: schema.Entity{Name: "Porto Alegre", ID: "geonames:3452925"}, Location: &schema.GeoPoint{Lat: -30.03, Lon: -51.23}, Country: "BR"},
				{Entity: schema.Entity{Name: "Brazil", ID: "geonames:3469034"}, Country: "BR"},
			},
		},
		Cleaning: schema.Cleaning{FromHTML: true}, StoryID: "s1", Metadata: map[string]any{"k": "v"},
	}
}

func TestNewArticle(t *testing.T) {
	a := esindex.NewArticle(fullDoc())
	tests := []struct{ name, got, want string }{
		{"persons", strings.Join(a.Persons, "|"), "Eduardo Leite"},
		{"person_ids", strings.Join(a.PersonIDs, "|"), "Q1"},
		{"organization_ids", strings.Join(a.OrganizationIDs, "|"), "local:org:civil-defence"},
		{"places", strings.Join(a.Places, "|"), "Porto Alegre|Brazil"},
		{"place_ids", strings.Join(a.PlaceIDs, "|"), "geonames:3452925|geonames:3469034"},
		{"place_countries", strings.Join(a.PlaceCountries, "|"), "BR"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if len(a.PlaceLocations) != 1 || a.PlaceLocations[0].Lat != -30.03 {
		t.Errorf("place_locations = %v, want one point", a.PlaceLocations)
	}
	if !a.IsDuplicate {
		t.Error("is_duplicate = false for a copy")
	}
	d := fullDoc()
	d.ClusterID, d.DuplicateOf = "", ""
	if got := esindex.NewArticle(d).ClusterID; got != d.ID {
		t.Errorf("cluster_id of a singleton = %q, want its own id %q", got, d.ID)
	}
	// Round trip back to a document.
	src, err := esindex.Encode(fullDoc())
	if err != nil {
		t.Fatal(err)
	}
	back, err := esindex.Document(src)
	if err != nil {
		t.Fatal(err)
	}
	if back.ID != "a1" || back.StoryID != "s1" || back.Entities.Places[0].Location == nil || back.Entities.Persons[0].Salience != 0.5 || back.Validate() != nil {
		t.Errorf("round trip lost data: %+v (validate: %v)", back, back.Validate())
	}
}

func TestIndexName(t *testing.T) {
	ing := *ptime("2024-05-04T00:00:00Z")
	tests := []struct {
		name      string
		published *time.Time
		want      string
	}{
		{"published", ptime("2024-03-31T23:30:00-02:00"), "newsflow-articles-2024.04"}, // UTC decides
		{"missing", nil, "newsflow-articles-2024.05"},
		{"far future", ptime("2031-01-01T00:00:00Z"), "newsflow-articles-2024.05"},
		{"next day is fine", ptime("2024-05-05T12:00:00Z"), "newsflow-articles-2024.05"},
		{"before 1970", ptime("1901-01-01T00:00:00Z"), "newsflow-articles-2024.05"},
		{"old archive", ptime("1999-12-31T00:00:00Z"), "newsflow-articles-1999.12"},
	}
	for _, tt := range tests {
		d := &schema.Document{ID: "x", PublishedAt: tt.published, IngestedAt: ing}
		if got := esindex.IndexName(esindex.DefaultPrefix, d); got != tt.want {
			t.Errorf("%s: IndexName = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCheckPrefix(t *testing.T) {
	tests := []struct {
		prefix string
		ok     bool
	}{
		{"newsflow-articles", true}, {"newsflow-articles-r2", true}, {"newsflow-articles-", false},
		{"articles", false}, {"Newsflow-articles-x", false}, {"newsflow-articles-a b", false},
	}
	for _, tt := range tests {
		if err := esindex.CheckPrefix(tt.prefix); (err == nil) != tt.ok {
			t.Errorf("CheckPrefix(%q) = %v, want ok=%v", tt.prefix, err, tt.ok)
		}
	}
}

func TestInstallEnsureSwap(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	es, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{s.URL}, DisableRetry: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	log := zaptest.NewLogger(t)

	for _, tpl := range esindex.Templates() {
		wrote, err := esindex.InstallTemplate(ctx, es, tpl, log)
		if err != nil || !wrote {
			t.Fatalf("%s: first install: wrote=%v err=%v", tpl.Name, wrote, err)
		}
		wrote, err = esindex.InstallTemplate(ctx, es, tpl, log)
		if err != nil || wrote {
			t.Fatalf("%s: second install: wrote=%v err=%v, want no write", tpl.Name, wrote, err)
		}
		if got, ok := s.Template(tpl.Name); !ok || !bytes.Equal(got, tpl.Body()) {
			t.Errorf("%s: stored template differs from the embedded one", tpl.Name)
		}
		// A newer template already installed is not downgraded.
		version := fmt.Sprintf(`"version": %d,`, tpl.Version())
		newer := bytes.Replace(tpl.Body(), []byte(version), []byte(`"version": 99,`), 1)
		if bytes.Equal(newer, tpl.Body()) {
			t.Fatalf("%s: no %s in the template", tpl.Name, version)
		}
		res, _ := es.Indices.PutIndexTemplate(tpl.Name, bytes.NewReader(newer))
		res.Body.Close()
		if wrote, err = esindex.InstallTemplate(ctx, es, tpl, log); err != nil || wrote {
			t.Fatalf("%s: install over newer: wrote=%v err=%v", tpl.Name, wrote, err)
		}
	}

	for _, n := range []string{"newsflow-articles-2024.04", "newsflow-articles-2024.05"} {
		if err := esindex.EnsureIndex(ctx, es, n, esindex.Alias); err != nil {
			t.Fatal(err)
		}
		if err := esindex.EnsureIndex(ctx, es, n, esindex.Alias); err != nil {
			t.Fatalf("ensure twice: %v", err)
		}
	}
	if err := esindex.EnsureIndex(ctx, es, "newsflow-articles-r2-2024.05", ""); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.AliasIndices(esindex.Alias), ","); got != "newsflow-articles-2024.04,newsflow-articles-2024.05" {
		t.Fatalf("alias before swap = %s", got)
	}
	removed, err := esindex.SwapAlias(ctx, es, esindex.Alias, "newsflow-articles-r2", log)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.AliasIndices(esindex.Alias), ","); got != "newsflow-articles-r2-2024.05" {
		t.Errorf("alias after swap = %s", got)
	}
	if len(removed) != 2 {
		t.Errorf("removed = %v", removed)
	}
	if _, err := esindex.SwapAlias(ctx, es, esindex.Alias, "newsflow-articles-none", log); err == nil {
		t.Error("swap to a generation without indices succeeded")
	}
}

// FuzzIndexName: whatever the dates, the index name is a valid monthly name
// no later than two days after ingestion, and the source round-trips.
func FuzzIndexName(f *testing.F) {
	f.Add(int64(1714780800), int64(1714867200), true, "Title", "Q1")
	f.Add(int64(-5e9), int64(1714867200), true, "", "")
	f.Add(int64(4e10), int64(0), false, "t\u00e9\x00", "geonames:1")
	re := regexp.MustCompile(`^newsflow-articles-\d{4}\.(0[1-9]|1[0-2])$`)
	f.Fuzz(func(t *testing.T, pub, ing int64, hasPub bool, title, entityID string) {
		const maxSec = 253402300799 // 9999-12-31
		if pub < -maxSec || pub > maxSec || ing < 0 || ing > maxSec {
			t.Skip()
		}
		d := &schema.Document{SchemaVersion: 1, ID: "x", Title: title, Body: "b", IngestedAt: time.Unix(ing, 0).UTC(),
			Entities: schema.Entities{Persons: []schema.Entity{{Name: title, ID: entityID}}}}
		if hasPub {
			p := time.Unix(pub, 0)
			d.PublishedAt = &p
		}
		name := esindex.IndexName(esindex.DefaultPrefix, d)
		if !re.MatchString(name) {
			t.Fatalf("IndexName = %q", name)
		}
		ts := esindex.Timestamp(d)
		if ts.After(d.IngestedAt.Add(48*time.Hour)) || (ts.Year() < 1970 && !ts.Equal(d.IngestedAt)) {
			t.Fatalf("Timestamp %s for ingest %s", ts, d.IngestedAt)
		}
		src, err := esindex.Encode(d)
		if err != nil {
			t.Fatal(err)
		}
		back, err := esindex.Document(src)
		if err != nil {
			t.Fatal(err)
		}
		// encoding/json replaces invalid UTF-8 byte by byte; only valid
		// titles must survive unchanged.
		if !back.IngestedAt.Equal(d.IngestedAt) || (utf8.ValidString(title) && back.Title != title) {
			t.Fatalf("round trip: %+v -> %+v", d, back)
		}
	})
}

func TestInstallForbidden(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	s.RequireBasicAuth("admin", "right")
	ctx := context.Background()
	wrong, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{s.URL}, Username: "admin", Password: "wrong", DisableRetry: true})
	if err != nil {
		t.Fatal(err)
	}
	// Bad credentials are an error, not a missing privilege.
	_, err = esindex.InstallTemplate(ctx, wrong, esindex.Articles, zaptest.NewLogger(t))
	if !errors.Is(err, esindex.ErrResponse) || errors.Is(err, esindex.ErrForbidden) || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("bad password: err = %v, want ErrResponse, not ErrForbidden, without the password", err)
	}
	s.SetFaults(estest.Faults{Forbid: func(_, path string) bool { return strings.HasPrefix(path, "/_index_template") }})
	right, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{s.URL}, Username: "admin", Password: "right", DisableRetry: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = esindex.InstallTemplate(ctx, right, esindex.Stories, zaptest.NewLogger(t))
	if !errors.Is(err, esindex.ErrForbidden) {
		t.Fatalf("missing privilege: err = %v, want ErrForbidden", err)
	}
}
