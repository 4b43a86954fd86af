package esindex_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/services/indexer/esindex"
	"github.com/newsflow/newsflow/services/indexer/estest"
)

func fullStory() *schema.Story {
	at := time.Date(2024, 5, 3, 10, 0, 0, 0, time.UTC)
	return &schema.Story{
		SchemaVersion: 1, ID: "s1", Title: "Floods in Porto Alegre", RepresentativeID: "a1",
		FirstSeen: at, LastSeen: at.Add(30 * time.Hour), ArticleCount: 7, OutletCount: 4,
		Sources: []string{"Example", "Other"}, Languages: []string{"en", "pt"},
		Persons:       []schema.Entity{{Name: "Eduardo Leite", ID: "Q1", Mentions: 9, Salience: 2.5}},
		Organizations: []schema.Entity{{Name: "Civil Defence", ID: "local:org:civil-defence", Mentions: 3, Salience: 0.7}},
		Places: []schema.Place{{Entity: schema.Entity{Name: "Porto Alegre", ID: "geonames:3452925", Mentions: 12, Salience: 3},
			Location: &schema.GeoPoint{Lat: -30.03, Lon: -51.23}, Country: "BR"}},
		MergedInto: "s0", Revision: 12,
	}
}

// Every field a story document carries is mapped, with the type its use
// needs: nothing is silently unsearchable under "dynamic": false.
func TestStoryTemplateShape(t *testing.T) {
	type prop struct {
		Type       string          `json:"type"`
		Properties map[string]prop `json:"properties"`
		Fields     map[string]prop `json:"fields"`
	}
	var tpl struct {
		IndexPatterns []string `json:"index_patterns"`
		Template      struct {
			Mappings struct {
				Dynamic    bool            `json:"dynamic"`
				Properties map[string]prop `json:"properties"`
			} `json:"mappings"`
		} `json:"template"`
	}
	if err := json.Unmarshal(esindex.Stories.Body(), &tpl); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{esindex.DefaultStoryIndex, esindex.DefaultStoryIndex + "-r2"} {
		if esindex.CheckStoryIndex(name) != nil {
			t.Errorf("CheckStoryIndex(%q) refuses a name the stories template covers", name)
		}
	}
	if strings.Join(tpl.IndexPatterns, ",") != "newsflow-stories,newsflow-stories-*" {
		t.Errorf("index_patterns = %v", tpl.IndexPatterns)
	}
	types := map[string]string{}
	var walk func(prefix string, props map[string]prop)
	walk = func(prefix string, props map[string]prop) {
		for name, p := range props {
			if len(p.Properties) > 0 {
				walk(prefix+name+".", p.Properties)
				continue
			}
			types[prefix+name] = p.Type
			for sub, sp := range p.Fields {
				types[prefix+name+"."+sub] = sp.Type
			}
		}
	}
	walk("", tpl.Template.Mappings.Properties)
	want := map[string]string{
		"id": "keyword", "story_id": "keyword", "title": "text", "title.keyword": "keyword", "representative_id": "keyword",
		"first_seen": "date", "last_seen": "date", "article_count": "integer", "outlet_count": "integer",
		"sources": "keyword", "languages": "keyword", "persons.name": "keyword", "persons.id": "keyword",
		"persons.salience": "float", "organizations.name": "keyword", "places.name": "keyword",
		"places.location": "geo_point", "places.country": "keyword", "merged_into": "keyword", "revision": "long",
	}
	for f, typ := range want {
		if types[f] != typ {
			t.Errorf("%s: type %q, want %q", f, types[f], typ)
		}
	}
	// Every leaf of an encoded story is mapped.
	src, err := esindex.EncodeStory(fullStory())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	json.Unmarshal(src, &doc)
	var leaves func(prefix string, v any)
	leaves = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if _, isPoint := x["lat"]; isPoint {
				break
			}
			for k, c := range x {
				leaves(prefix+k+".", c)
			}
			return
		case []any:
			for _, c := range x {
				leaves(prefix, c)
			}
			return
		}
		f := strings.TrimSuffix(prefix, ".")
		if _, ok := types[f]; !ok {
			t.Errorf("story field %q is not in the template", f)
		}
	}
	leaves("", doc)
}

func TestCheckStoryIndex(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"newsflow-stories", true}, {"newsflow-stories-r2", true}, {"newsflow-stories-", false},
		{"newsflow-storiesx", false}, {"stories", false}, {"Newsflow-stories", false},
	} {
		if err := esindex.CheckStoryIndex(tt.name); (err == nil) != tt.ok {
			t.Errorf("CheckStoryIndex(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestStoryVersionIsRevision(t *testing.T) {
	st := fullStory()
	if got := esindex.StoryVersion(st); got != 12 {
		t.Errorf("StoryVersion = %d, want the revision 12", got)
	}
	st.Revision = 1<<64 - 1
	if got := esindex.StoryVersion(st); got != 1<<63-1 {
		t.Errorf("StoryVersion of the largest revision = %d, want the largest long", got)
	}
}

// RepointStory moves the merged story's articles, and only those, across
// monthly indices; repeats while articles change under it; and treats a
// missing alias as nothing to move.
func TestRepointStory(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	es, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{s.URL}, DisableRetry: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if n, err := esindex.RepointStory(ctx, es, esindex.Alias, "s2", "s1"); err != nil || n != 0 {
		t.Fatalf("before any article: %d %v, want 0 and no error", n, err)
	}
	s.PutTemplate(esindex.TemplateName, esindex.Articles.Body())
	for _, d := range []struct{ id, story, month string }{
		{"a1", "s2", "2024-04-30"}, {"a2", "s2", "2024-05-01"}, {"a3", "s1", "2024-05-01"}, {"a4", "s3", "2024-05-02"},
	} {
		at, _ := time.Parse(time.DateOnly, d.month)
		doc := &schema.Document{SchemaVersion: 1, ID: d.id, Title: "t", Body: "b", IngestedAt: at, StoryID: d.story}
		index := esindex.IndexName(esindex.DefaultPrefix, doc)
		if err := esindex.EnsureIndex(ctx, es, index, esindex.Alias); err != nil {
			t.Fatal(err)
		}
		src, _ := esindex.Encode(doc)
		bulk := `{"index":{"_index":"` + index + `","_id":"` + d.id + `"}}` + "\n" + string(src) + "\n"
		res, err := es.Bulk(strings.NewReader(bulk))
		if err != nil || res.IsError() {
			t.Fatalf("index %s: %v %v", d.id, err, res)
		}
		res.Body.Close()
	}
	s.SetFaults(estest.Faults{ByQueryConflicts: 1})
	n, err := esindex.RepointStory(ctx, es, esindex.Alias, "s2", "s1")
	if err != nil || n != 2 {
		t.Fatalf("re-point: %d %v, want 2 articles", n, err)
	}
	if got := s.Stats().UpdateByQuery; got != 2 {
		t.Errorf("%d update-by-query passes, want 2 (the first met a conflict)", got)
	}
	stories := map[string]string{}
	for _, d := range s.Docs(esindex.Alias) {
		back, err := esindex.Document(d.Source)
		if err != nil {
			t.Fatal(err)
		}
		stories[d.ID] = back.StoryID
	}
	if want := map[string]string{"a1": "s1", "a2": "s1", "a3": "s1", "a4": "s3"}; !equalMaps(stories, want) {
		t.Errorf("stories after the re-point = %v, want %v", stories, want)
	}
	// Conflicts that never end are an error saying so, not a silent miss.
	s.SetFaults(estest.Faults{ByQueryConflicts: 100})
	if _, err := esindex.RepointStory(ctx, es, esindex.Alias, "s3", "s1"); !errors.Is(err, esindex.ErrRepointConflicts) {
		t.Errorf("endless conflicts: %v, want ErrRepointConflicts", err)
	}
	if n, err := esindex.RepointStory(ctx, es, esindex.Alias, "s1", "s1"); n != 0 || err != nil {
		t.Errorf("a story into itself: %d %v, want nothing done", n, err)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
