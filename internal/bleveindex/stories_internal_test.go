package bleveindex

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
)

// While a merge waits for the articles resolved before it to be committed,
// articles that come meanwhile see the merge and join the batch being
// gathered: they do not wait behind the merge for the next batch.
func TestArticlesDoNotWaitBehindAMerge(t *testing.T) {
	dir := t.TempDir()
	const linger = 2 * time.Second
	ix, err := OpenWith(filepath.Join(dir, "search"), zaptest.NewLogger(t), Options{Linger: linger})
	if err != nil {
		t.Fatal(err)
	}
	st, err := OpenStoriesWith(filepath.Join(dir, "stories"), ix, zaptest.NewLogger(t), StoryOptions{Linger: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		st.Close()
		ix.Close()
	})
	ctx := context.Background()
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	article := func(id, story string) *schema.Document {
		return &schema.Document{SchemaVersion: schema.Version, ID: id, Title: "Title " + id, Body: "Body of " + id, IngestedAt: now, StoryID: story}
	}
	done := func(id, story string) <-chan time.Time {
		at := make(chan time.Time, 1)
		go func() {
			if err := st.IndexArticle(ctx, article(id, story)); err != nil {
				t.Errorf("index %s: %v", id, err)
			}
			at <- time.Now()
		}()
		return at
	}
	first := done("a1", "story-other")
	waitUntil(t, func() bool { return st.articlesWriting() == 1 }, "a1 being written")
	merged := make(chan error, 1)
	go func() {
		twin := &schema.Story{SchemaVersion: schema.Version, ID: "story-twin", Title: "twin", Revision: 2, ArticleCount: 1, OutletCount: 1, FirstSeen: now, LastSeen: now, MergedInto: "story-old"}
		merged <- st.IndexStory(ctx, twin)
	}()
	waitUntil(t, func() bool { return st.Resolve("story-twin") == "story-old" }, "the merge recorded")
	second := done("a2", "story-twin")
	firstAt, secondAt := <-first, <-second
	if gap := secondAt.Sub(firstAt); gap > linger/2 {
		t.Errorf("a2 committed %s after a1; want both in a1's batch (the next batch lingers %s)", gap, linger)
	}
	if err := <-merged; err != nil {
		t.Fatal(err)
	}
	d, err := ix.Document(ctx, "a2")
	if err != nil {
		t.Fatal(err)
	}
	if d.StoryID != "story-old" {
		t.Errorf("a2 in story %q; want the survivor story-old", d.StoryID)
	}
}

// articlesWriting counts the articles resolved and not yet committed.
func (s *Stories) articlesWriting() int {
	s.repoint.Lock()
	defer s.repoint.Unlock()
	n := 0
	for _, c := range s.writing {
		n += c
	}
	return n
}

func waitUntil(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
