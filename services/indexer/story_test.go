package indexer_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/indexer"
	"github.com/newsflow/newsflow/services/indexer/esindex"
	"github.com/newsflow/newsflow/services/indexer/estest"
)

func story(id string, revision uint64, articles int, mergedInto string) *schema.Story {
	at := time.Date(2024, 2, 1, 9, 0, 0, 0, time.UTC)
	return &schema.Story{SchemaVersion: 1, ID: id, Title: "Harbour wall holds", RepresentativeID: "d000",
		FirstSeen: at, LastSeen: at.Add(time.Duration(articles) * time.Hour), ArticleCount: articles, OutletCount: 1,
		Sources: []string{"S"}, Languages: []string{"en"},
		Places: []schema.Place{{Entity: schema.Entity{Name: "Dover", ID: "geonames:2651048", Mentions: 2, Salience: 0.8},
			Location: &schema.GeoPoint{Lat: 51.13, Lon: 1.31}, Country: "GB"}},
		MergedInto: mergedInto, Revision: revision}
}

func storedStory(t *testing.T, s *estest.Server, id string) (*schema.Story, int64) {
	t.Helper()
	d, ok := s.Doc(esindex.DefaultStoryIndex, id)
	if !ok {
		t.Fatalf("story %s not in %s", id, esindex.DefaultStoryIndex)
	}
	var st schema.Story
	if err := json.Unmarshal(d.Source, &st); err != nil {
		t.Fatal(err)
	}
	return &st, d.Version
}

// Snapshots arriving out of order: the index keeps the highest revision,
// a redelivery is success, and a merge re-points the merged story's
// articles to the survivor.
func TestProcessStory(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	ctx := context.Background()
	ix, err := indexer.New(ctx, testConfig(s.URL), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close(ctx)
	if _, ok := s.Template(esindex.StoriesTemplateName); !ok {
		t.Fatal("stories template not installed")
	}
	ing := time.Date(2024, 2, 25, 0, 0, 0, 0, time.UTC)
	for i := range 6 {
		d := doc(i, ing)
		d.StoryID = []string{"s1", "s2"}[i%2]
		if _, err := ix.Process(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, st := range []*schema.Story{story("s1", 3, 3, ""), story("s1", 2, 2, ""), story("s1", 3, 3, ""), story("s2", 1, 3, "")} {
		if out, err := ix.ProcessStory(ctx, st); out != nil || err != nil {
			t.Fatalf("ProcessStory %s@%d = %v, %v; want nil, nil", st.ID, st.Revision, out, err)
		}
	}
	if got, version := storedStory(t, s, "s1"); got.ArticleCount != 3 || version != 3 || got.Places[0].Location.Lat != 51.13 {
		t.Errorf("s1 = %+v at version %d; want revision 3 kept over the late revision 2", got, version)
	}
	if _, err := ix.ProcessStory(ctx, story("s2", 2, 3, "s1")); err != nil {
		t.Fatalf("merge: %v", err)
	}
	if got, _ := storedStory(t, s, "s2"); got.MergedInto != "s1" {
		t.Errorf("s2 merged_into = %q, want s1", got.MergedInto)
	}
	for _, d := range s.Docs(esindex.Alias) {
		if back, _ := esindex.Document(d.Source); back.StoryID != "s1" {
			t.Errorf("article %s in story %q after the merge, want s1", d.ID, back.StoryID)
		}
	}
	// A redelivered merge (or a later snapshot of the merged story) is
	// harmless: nothing is left to move.
	if _, err := ix.ProcessStory(ctx, story("s2", 2, 3, "s1")); err != nil {
		t.Fatalf("merge again: %v", err)
	}
	// Articles that keep changing under the re-point: a retryable error
	// (the runtime redelivers the snapshot), neither permanent nor an
	// outage.
	if _, err := ix.Process(ctx, func() *schema.Document { d := doc(7, ing); d.StoryID = "s3"; return d }()); err != nil {
		t.Fatal(err)
	}
	s.SetFaults(estest.Faults{ByQueryConflicts: 100})
	_, err = ix.ProcessStory(ctx, story("s3", 1, 1, "s1"))
	if !errors.Is(err, esindex.ErrRepointConflicts) || stage.IsPermanent(err) || stage.IsUnavailable(err) {
		t.Errorf("endless conflicts: %v, want a retryable ErrRepointConflicts", err)
	}
	// Elasticsearch gone during a re-point: an outage, never a dead letter.
	s.SetFaults(estest.Faults{})
	s.Stop()
	cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := ix.ProcessStory(cctx, story("s3", 2, 1, "s1")); !stage.IsUnavailable(err) {
		t.Errorf("Elasticsearch down: %v, want an Unavailable error", err)
	}
}
