package indexer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
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

// The merge window: articles of a merged story that reach the index after
// the merge snapshot was processed (it re-pointed only what was there),
// on another replica or later on this one, still end in the surviving
// story, through a chain of merges too (whose snapshots came in any
// order), while articles of stories that
// were not merged keep theirs. Several writes at once share their story
// look-ups.
func TestArticlesIndexedAfterTheMergeEndInTheSurvivor(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	ctx := context.Background()
	// Two replicas: the merge snapshots go to one, the late articles to
	// the other.
	snapshots, err := indexer.New(ctx, testConfig(s.URL), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer snapshots.Close(ctx)
	articles, err := indexer.New(ctx, testConfig(s.URL), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer articles.Close(ctx)
	ing := time.Date(2024, 2, 25, 0, 0, 0, 0, time.UTC)
	// Before any story is stored, an article keeps its story.
	first := doc(0, ing)
	first.StoryID = "s3"
	if _, err := articles.Process(ctx, first); err != nil {
		t.Fatal(err)
	}
	// s3 went into s2, which went into s1; s4 stands alone.
	for _, st := range []*schema.Story{story("s1", 5, 6, ""), story("s2", 4, 2, "s1"), story("s3", 3, 1, "s2"), story("s4", 1, 1, "")} {
		if _, err := snapshots.ProcessStory(ctx, st); err != nil {
			t.Fatalf("ProcessStory %s: %v", st.ID, err)
		}
	}
	// s3's snapshot came after s2's: its article follows the chain.
	if d, ok := s.Doc("newsflow-articles-2024.02", first.ID); !ok || !strings.Contains(string(d.Source), `"story_id":"s1"`) {
		t.Errorf("article of s3 after the merges s2->s1, s3->s2: %s, want story s1", d.Source)
	}
	want := map[string]string{first.ID: "s1"}
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for i := 1; i <= 12; i++ {
		d := doc(i, ing)
		d.StoryID = []string{"s1", "s2", "s3", "s4"}[i%4]
		want[d.ID] = map[string]string{"s1": "s1", "s2": "s1", "s3": "s1", "s4": "s4"}[d.StoryID]
		wg.Go(func() {
			if _, err := articles.Process(ctx, d); err != nil {
				errs <- fmt.Errorf("Process %s: %w", d.ID, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, d := range s.Docs(esindex.Alias) {
		back, _ := esindex.Document(d.Source)
		if back.StoryID != want[d.ID] {
			t.Errorf("article %s in story %q, want %q", d.ID, back.StoryID, want[d.ID])
		}
	}
	if got := len(s.Docs(esindex.Alias)); got != len(want) {
		t.Errorf("%d articles indexed, want %d", got, len(want))
	}
}
