package escontract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/indexer"
	"github.com/newsflow/newsflow/services/indexer/esindex"
	"github.com/newsflow/newsflow/services/indexer/estest"
)

const onDouble = "ELASTICSEARCH_URL not set: the Elasticsearch contract suite runs against the double services/indexer/estest, not a real cluster"
const skipKibana = "SKIPPED: KIBANA_URL not set; the Kibana saved-objects import was not tested"

func TestMain(m *testing.M) {
	if os.Getenv("ELASTICSEARCH_URL") == "" {
		fmt.Fprintf(os.Stderr, "\n!!!!! %s !!!!!\n\n", onDouble)
	}
	if os.Getenv("KIBANA_URL") == "" {
		fmt.Fprintf(os.Stderr, "!!!!! %s !!!!!\n\n", skipKibana)
	}
	os.Exit(m.Run())
}

func config(t *testing.T) (indexer.Config, string) {
	t.Helper()
	url := os.Getenv("ELASTICSEARCH_URL")
	if url == "" {
		// The same checks against the double keep it in step with the
		// cluster: a check the double fails here is a gap in its fidelity.
		es := estest.NewServer()
		t.Cleanup(es.Close)
		url = es.URL
	}
	c := indexer.DefaultConfig()
	c.URL = url
	if os.Getenv("ELASTICSEARCH_URL") != "" {
		c.APIKey = os.Getenv("ELASTICSEARCH_API_KEY")
		c.Username = os.Getenv("ELASTICSEARCH_USERNAME")
		c.Password = os.Getenv("ELASTICSEARCH_PASSWORD")
		c.CACert = os.Getenv("ELASTICSEARCH_CA_CERT")
	}
	run := fmt.Sprintf("ct%d", time.Now().UnixNano())
	c.IndexPrefix = esindex.PatternPrefix + run
	c.Alias = "newsflow-contract-" + run
	c.StoryIndex = esindex.DefaultStoryIndex + "-" + run
	c.FlushInterval = 100 * time.Millisecond
	t.Cleanup(func() {
		es, err := indexer.NewClient(c)
		if err != nil {
			return
		}
		res, err := es.Indices.Delete([]string{c.IndexPrefix + "-*", c.StoryIndex})
		if err == nil {
			res.Body.Close()
		}
	})
	return c, run
}

func doc(id, cluster string, published time.Time, title string) *schema.Document {
	return &schema.Document{SchemaVersion: 1, ID: id, Title: title, Body: title + ". More text follows here.",
		PublishedAt: &published, IngestedAt: time.Now().UTC(), ClusterID: cluster, Language: "en",
		Source: schema.Source{Name: "Contract", Domain: "contract.example"},
		Entities: schema.Entities{Places: []schema.Place{{Entity: schema.Entity{Name: "Lisbon", ID: "geonames:2267057"},
			Location: &schema.GeoPoint{Lat: 38.72, Lon: -9.14}, Country: "PT"}}}}
}

func TestContract(t *testing.T) {
	cfg, _ := config(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ix, err := indexer.New(ctx, cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("New (template install): %v", err)
	}
	es := ix.Client()
	pub := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	docs := []*schema.Document{
		doc("c1", "c1", pub, "Floods hit Lisbon harbour"),
		doc("c2", "c1", pub, "Floods hit Lisbon harbour, agencies report"),
		doc("c3", "c3", pub, "Lisbon floods: the aftermath"),
	}
	docs[1].DuplicateOf = "c1"
	for _, d := range docs {
		if _, err := ix.Process(ctx, d); err != nil {
			t.Fatalf("Process %s: %v", d.ID, err)
		}
	}
	// Redelivery of an older version: accepted as success, not written.
	older := *docs[0]
	older.IngestedAt = older.IngestedAt.Add(-time.Hour)
	older.Title = "STALE"
	if _, err := ix.Process(ctx, &older); err != nil {
		t.Fatalf("older version: %v", err)
	}
	// Free-form metadata is stored but not indexed: it never fails.
	bad := doc("c4", "c4", pub, "Other topic entirely")
	bad.Metadata = map[string]any{"x": map[string]any{"nested": []any{1, "two"}}}
	if _, err := ix.Process(ctx, bad); err != nil {
		t.Fatalf("metadata is unindexed and must not fail: %v", err)
	}
	if err := ix.Close(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := es.Indices.Refresh(es.Indices.Refresh.WithIndex(cfg.Alias))
	if err != nil || res.IsError() {
		t.Fatalf("refresh: %v %v", err, res)
	}
	res.Body.Close()

	q := `{"query":{"match":{"body":"flood"}},"collapse":{"field":"cluster_id"},"size":10}`
	res, err = es.Search(es.Search.WithIndex(cfg.Alias), es.Search.WithBody(strings.NewReader(q)))
	if err != nil || res.IsError() {
		t.Fatalf("search: %v %v", err, res)
	}
	defer res.Body.Close()
	var sr struct {
		Hits struct {
			Total struct{ Value int } `json:"total"`
			Hits  []struct {
				ID     string          `json:"_id"`
				Source json.RawMessage `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if err := json.NewDecoder(res.Body).Decode(&sr); err != nil {
		t.Fatal(err)
	}
	// "flood" matches "Floods" only through the english analyzer's stemming.
	if sr.Hits.Total.Value != 3 || len(sr.Hits.Hits) != 2 {
		t.Errorf("total %d, %d collapsed hits; want 3 and 2", sr.Hits.Total.Value, len(sr.Hits.Hits))
	}
	for _, h := range sr.Hits.Hits {
		if strings.Contains(string(h.Source), "STALE") {
			t.Errorf("an older version overwrote %s", h.ID)
		}
	}
}

// TestStoriesContract: story snapshots keep the highest revision whatever
// their order, every story field is accepted by the stories template
// (geo_points included), and a merge re-points the merged story's
// articles on the live alias, including one written a moment before
// (the refresh), and not the others.
func TestStoriesContract(t *testing.T) {
	cfg, _ := config(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ix, err := indexer.New(ctx, cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("New (templates install): %v", err)
	}
	defer ix.Close(ctx)
	es := ix.Client()
	pub := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	for i, story := range []string{"s1", "s2", "s2", "s3"} {
		d := doc(fmt.Sprintf("st%d", i), fmt.Sprintf("st%d", i), pub.Add(time.Duration(i)*24*time.Hour*20), "Harbour wall holds")
		d.StoryID = story
		if _, err := ix.Process(ctx, d); err != nil {
			t.Fatalf("Process %s: %v", d.ID, err)
		}
	}
	snapshot := func(id string, revision uint64, count int, mergedInto string) *schema.Story {
		return &schema.Story{SchemaVersion: 1, ID: id, Title: "Harbour wall holds", RepresentativeID: "st0",
			FirstSeen: pub, LastSeen: pub.Add(time.Hour), ArticleCount: count, OutletCount: 1,
			Sources: []string{"Contract"}, Languages: []string{"en"},
			Persons: []schema.Entity{{Name: "Ana Costa", ID: "local:person:ana-costa", Mentions: 2, Salience: 0.6}},
			Places: []schema.Place{{Entity: schema.Entity{Name: "Lisbon", ID: "geonames:2267057", Mentions: 3, Salience: 1.2},
				Location: &schema.GeoPoint{Lat: 38.72, Lon: -9.14}, Country: "PT"}},
			MergedInto: mergedInto, Revision: revision}
	}
	for _, st := range []*schema.Story{snapshot("s1", 5, 5, ""), snapshot("s1", 4, 4, ""), snapshot("s2", 1, 2, "s1")} {
		if _, err := ix.ProcessStory(ctx, st); err != nil {
			t.Fatalf("ProcessStory %s@%d: %v", st.ID, st.Revision, err)
		}
	}
	res, err := es.Get(cfg.StoryIndex, "s1")
	if err != nil || res.IsError() {
		t.Fatalf("get s1: %v %v", err, res)
	}
	var got struct {
		Version int64        `json:"_version"`
		Source  schema.Story `json:"_source"`
	}
	json.NewDecoder(res.Body).Decode(&got)
	res.Body.Close()
	if got.Version != 5 || got.Source.ArticleCount != 5 {
		t.Errorf("s1 at version %d with %d articles; want revision 5 kept over the late 4", got.Version, got.Source.ArticleCount)
	}
	count := func(story string) int {
		res, err := es.Count(es.Count.WithIndex(cfg.Alias),
			es.Count.WithBody(strings.NewReader(`{"query":{"term":{"story_id":"`+story+`"}}}`)))
		if err != nil || res.IsError() {
			t.Fatalf("count %s: %v %v", story, err, res)
		}
		defer res.Body.Close()
		var c struct{ Count int }
		json.NewDecoder(res.Body).Decode(&c)
		return c.Count
	}
	res, err = es.Indices.Refresh(es.Indices.Refresh.WithIndex(cfg.Alias))
	if err != nil || res.IsError() {
		t.Fatalf("refresh: %v %v", err, res)
	}
	res.Body.Close()
	if s1, s2, s3 := count("s1"), count("s2"), count("s3"); s1 != 3 || s2 != 0 || s3 != 1 {
		t.Errorf("after the merge: s1 %d, s2 %d, s3 %d articles; want 3, 0, 1", s1, s2, s3)
	}
	// An article of s2 written after the merge was re-pointed: it looks
	// its story up (a realtime _mget of the story index) and follows it.
	late := doc("st4", "st4", pub, "Harbour wall holds")
	late.StoryID = "s2"
	if _, err := ix.Process(ctx, late); err != nil {
		t.Fatalf("Process %s: %v", late.ID, err)
	}
	res, err = es.Indices.Refresh(es.Indices.Refresh.WithIndex(cfg.Alias))
	if err != nil || res.IsError() {
		t.Fatalf("refresh: %v %v", err, res)
	}
	res.Body.Close()
	if s1, s2 := count("s1"), count("s2"); s1 != 4 || s2 != 0 {
		t.Errorf("after a late article of the merged story: s1 %d, s2 %d articles; want 4, 0", s1, s2)
	}
}

func TestMappingErrorContract(t *testing.T) {
	cfg, _ := config(t)
	ctx := context.Background()
	ix, err := indexer.New(ctx, cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close(ctx)
	d := doc("m1", "m1", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), "Mapping")
	// Create the month's index by hand with a conflicting type.
	es := ix.Client()
	body := `{"mappings":{"properties":{"word_count":{"type":"boolean"}}}}`
	res, err := es.Indices.Create(esindex.IndexName(cfg.IndexPrefix, d), es.Indices.Create.WithBody(strings.NewReader(body)))
	if err != nil || res.IsError() {
		t.Fatalf("create: %v %v", err, res)
	}
	res.Body.Close()
	_, err = ix.Process(ctx, d)
	if !stage.IsPermanent(err) || !strings.Contains(err.Error(), "word_count") {
		t.Fatalf("err = %v, want permanent with the field in the reason", err)
	}
}

func TestKibanaSavedObjects(t *testing.T) {
	kibana := os.Getenv("KIBANA_URL")
	if kibana == "" {
		t.Skip(skipKibana)
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "deploy", "kibana", "*.ndjson"))
	if len(files) == 0 {
		t.Skip("SKIPPED: no deploy/kibana/*.ndjson to import")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			part, _ := mw.CreateFormFile("file", filepath.Base(f))
			part.Write(data)
			mw.Close()
			req, _ := http.NewRequest(http.MethodPost, strings.TrimRight(kibana, "/")+"/api/saved_objects/_import?overwrite=true", &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("kbn-xsrf", "newsflow-contract")
			if u, p := os.Getenv("ELASTICSEARCH_USERNAME"), os.Getenv("ELASTICSEARCH_PASSWORD"); u != "" {
				req.SetBasicAuth(u, p)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			var out struct {
				Success bool            `json:"success"`
				Errors  json.RawMessage `json:"errors"`
			}
			json.Unmarshal(body, &out)
			if res.StatusCode != http.StatusOK || !out.Success {
				t.Fatalf("import %s: %d %s", f, res.StatusCode, body)
			}
		})
	}
}
