package bleveindex_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/pkg/schema"
)

func story(id string, rev uint64, articles, outlets int, last time.Time) *schema.Story {
	return &schema.Story{SchemaVersion: schema.Version, ID: id, Title: "story " + id, Revision: rev,
		ArticleCount: articles, OutletCount: outlets, FirstSeen: last.Add(-time.Hour), LastSeen: last}
}

func openStories(t *testing.T) (*bleveindex.Stories, *bleveindex.Index) {
	t.Helper()
	dir := t.TempDir()
	ix := open(t, filepath.Join(dir, "search"))
	st, err := bleveindex.OpenStories(filepath.Join(dir, "stories"), ix, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		st.Close()
		ix.Close()
	})
	return st, ix
}

func TestStoriesKeepTheNewestRevision(t *testing.T) {
	st, _ := openStories(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	for _, s := range []*schema.Story{story("a", 5, 3, 3, now), story("a", 4, 2, 2, now), story("a", 5, 9, 9, now)} {
		if err := st.IndexStory(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.Story(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision != 5 || got.ArticleCount != 3 {
		t.Errorf("story a = revision %d, %d articles; want 5, 3 (older and repeated revisions ignored)", got.Revision, got.ArticleCount)
	}
	if _, err := st.Story(ctx, "nope"); !errors.Is(err, bleveindex.ErrNotFound) {
		t.Errorf("missing story: %v, want ErrNotFound", err)
	}
}

func TestStoriesListBiggestFirst(t *testing.T) {
	st, _ := openStories(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	for _, s := range []*schema.Story{
		story("small", 1, 2, 1, now), story("big", 2, 9, 6, now.Add(-48*time.Hour)),
		story("mid", 3, 4, 3, now), story("mid2", 4, 5, 3, now),
	} {
		if err := st.IndexStory(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	merged := story("gone", 5, 4, 4, now)
	merged.MergedInto = "mid"
	if err := st.IndexStory(ctx, merged); err != nil {
		t.Fatal(err)
	}
	ids := func(q bleveindex.StoryQuery) []string {
		t.Helper()
		l, err := st.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range l.Stories {
			out = append(out, s.ID)
		}
		return out
	}
	for _, c := range []struct {
		q    bleveindex.StoryQuery
		want []string
	}{
		{bleveindex.StoryQuery{}, []string{"big", "mid2", "mid", "small"}},
		{bleveindex.StoryQuery{MinOutlets: 3}, []string{"big", "mid2", "mid"}},
		{bleveindex.StoryQuery{Since: now.Add(-time.Hour)}, []string{"mid2", "mid", "small"}},
		{bleveindex.StoryQuery{Size: 2, From: 1}, []string{"mid2", "mid"}},
	} {
		if got := ids(c.q); !equal(got, c.want) {
			t.Errorf("List(%+v) = %v, want %v", c.q, got, c.want)
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMergedStoryArticlesArePointedToTheSurvivor(t *testing.T) {
	st, ix := openStories(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	before := doc("a1", "Quake hits town", "A quake hit the town.", now)
	before.StoryID = "story-twin"
	other := doc("a2", "Vote in Norland", "Norland voted.", now)
	other.StoryID = "story-other"
	for _, d := range []*schema.Document{before, other} {
		if err := st.IndexArticle(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	twin := story("story-twin", 7, 1, 1, now)
	twin.MergedInto = "story-old"
	if err := st.IndexStory(ctx, twin); err != nil {
		t.Fatal(err)
	}
	// An article of the merged story arriving after the merge, through
	// the sink stage newsflow run consumes articles.storied with.
	after := doc("a3", "Aftershocks", "Aftershocks rattle the town.", now)
	after.StoryID = "story-twin"
	if _, err := st.Stage(nil).Process(ctx, after); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"a1": "story-old", "a2": "story-other", "a3": "story-old"} {
		d, err := ix.Document(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if d.StoryID != want {
			t.Errorf("%s in story %q, want %q", id, d.StoryID, want)
		}
	}
	if got := st.Resolve("story-twin"); got != "story-old" {
		t.Errorf("Resolve(story-twin) = %q, want story-old", got)
	}
}

// Snapshots that arrive together are written together: the newest
// revision of each story wins whatever the order of the calls, and a
// merge among them re-points the merged story's articles.
func TestStorySnapshotsArrivingTogether(t *testing.T) {
	st, ix := openStories(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	a1 := doc("a1", "Quake hits town", "A quake hit the town.", now)
	a1.StoryID = "story-twin"
	if err := st.IndexArticle(ctx, a1); err != nil {
		t.Fatal(err)
	}
	twin := story("story-twin", 9, 1, 1, now)
	twin.MergedInto = "story-old"
	snaps := []*schema.Story{twin, story("story-twin", 3, 1, 1, now)}
	for i := range 40 {
		snaps = append(snaps, story(fmt.Sprintf("s%d", i%10), uint64(i), i, 1, now))
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(snaps))
	for _, s := range snaps {
		wg.Go(func() { errs <- st.IndexStory(ctx, s) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 {
		got, err := st.Story(ctx, fmt.Sprintf("s%d", i))
		if err != nil {
			t.Fatal(err)
		}
		if want := uint64(30 + i); got.Revision != want {
			t.Errorf("s%d at revision %d, want %d (the newest)", i, got.Revision, want)
		}
	}
	if got, err := st.Story(ctx, "story-twin"); err != nil || got.MergedInto != "story-old" {
		t.Errorf("story-twin = %+v, %v; want the merged revision 9", got, err)
	}
	if d, err := ix.Document(ctx, "a1"); err != nil || d.StoryID != "story-old" {
		t.Errorf("a1 = %v, %v; want it in story-old", d, err)
	}
}

// A merge snapshot delivered again (its first delivery stored it, then
// the process died before re-pointing) still re-points.
func TestRedeliveredMergeRepoints(t *testing.T) {
	st, ix := openStories(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	twin := story("story-twin", 7, 1, 1, now)
	twin.MergedInto = "story-old"
	if err := st.IndexStory(ctx, twin); err != nil {
		t.Fatal(err)
	}
	// Written around the story index, as if it had been committed
	// before the merge and the re-point had not run.
	a1 := doc("a1", "Quake hits town", "A quake hit the town.", now)
	a1.StoryID = "story-twin"
	if err := ix.Index(ctx, a1); err != nil {
		t.Fatal(err)
	}
	if err := st.IndexStory(ctx, twin); err != nil {
		t.Fatal(err)
	}
	if d, err := ix.Document(ctx, "a1"); err != nil || d.StoryID != "story-old" {
		t.Errorf("a1 = %v, %v; want it in story-old", d, err)
	}
}

func TestIndexStoryAfterClose(t *testing.T) {
	st, _ := openStories(t)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	if err := st.IndexStory(context.Background(), story("a", 1, 1, 1, now)); !errors.Is(err, bleveindex.ErrClosed) {
		t.Errorf("IndexStory after Close: %v, want ErrClosed", err)
	}
}

// openLingeringStories opens a story index whose batches linger an hour
// for more snapshots: longer than any test waits.
func openLingeringStories(t *testing.T) *bleveindex.Stories {
	t.Helper()
	dir := t.TempDir()
	ix := open(t, filepath.Join(dir, "search"))
	st, err := bleveindex.OpenStoriesWith(filepath.Join(dir, "stories"), ix, zaptest.NewLogger(t), bleveindex.StoryOptions{Linger: time.Hour})
	if err != nil {
		ix.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		st.Close()
		ix.Close()
	})
	return st
}

func TestStoriesSetLingerTakesEffect(t *testing.T) {
	st := openLingeringStories(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st.SetLinger(-1)
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	if err := st.IndexStory(ctx, story("s1", 1, 1, 1, now)); err != nil {
		t.Fatalf("IndexStory after SetLinger(-1): %v; want the snapshot committed without the hour-long linger of the options", err)
	}
	if got, err := st.Story(ctx, "s1"); err != nil || got.Revision != 1 {
		t.Errorf("s1 = %+v, %v; want revision 1", got, err)
	}
}

// CommitNow commits a snapshot that would otherwise wait out its linger:
// sent to a story index lingering an hour for more, it is committed and
// answered. Without CommitNow, IndexStory would wait the hour (the test's
// deadline ends it first).
func TestStoriesCommitNowEndsTheLinger(t *testing.T) {
	st := openLingeringStories(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	done := make(chan error, 1)
	go func() { done <- st.IndexStory(ctx, story("s1", 1, 1, 1, now)) }()
	// Asked before or after the snapshot reaches the writer, the batch
	// holding it commits without lingering.
	st.CommitNow()
	if err := <-done; err != nil {
		t.Fatalf("IndexStory after CommitNow: %v; want the snapshot committed before the hour-long linger ends", err)
	}
	if got, err := st.Story(ctx, "s1"); err != nil || got.Revision != 1 {
		t.Errorf("s1 = %+v, %v; want revision 1", got, err)
	}
}
