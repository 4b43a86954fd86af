package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/internal/search"
)

// A fresh pipeline puts five reports of one event in one story, lists it
// first, and searches its articles with --story.
func TestRunOnceThenStories(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), []string{"run", "--once", "--input", "testdata/quake", "--data", data}, &stdout, &stderr); code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	if code := Main(context.Background(), []string{"stories", "--json", "--data", data}, &stdout, &stderr); code != 0 {
		t.Fatalf("stories: exit %d\n%s", code, stderr.String())
	}
	var list bleveindex.StoryList
	if err := json.Unmarshal(stdout.Bytes(), &list); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	if list.Total != 2 || len(list.Stories) != 2 {
		t.Fatalf("stories = %s, want 2 (the earthquake, the election)", stdout.String())
	}
	quake := list.Stories[0]
	if quake.OutletCount != 5 || quake.ArticleCount != 5 || quake.Title != "Earthquake shakes Ferrandina, dozens hurt" {
		t.Errorf("biggest story = %d outlets, %d articles, %q; want the earthquake's 5, 5", quake.OutletCount, quake.ArticleCount, quake.Title)
	}
	stdout.Reset()
	if code := Main(context.Background(), []string{"stories", "--min-outlets", "2", "--json", "--data", data}, &stdout, &stderr); code != 0 {
		t.Fatalf("stories --min-outlets: exit %d\n%s", code, stderr.String())
	}
	var big bleveindex.StoryList
	if err := json.Unmarshal(stdout.Bytes(), &big); err != nil || big.Total != 1 {
		t.Errorf("--min-outlets 2: %s (%v), want the earthquake only", stdout.String(), err)
	}
	stdout.Reset()
	if code := Main(context.Background(), []string{"search", "--story", quake.ID, "--include-duplicates", "--json", "--data", data}, &stdout, &stderr); code != 0 {
		t.Fatalf("search --story: exit %d\n%s", code, stderr.String())
	}
	var resp search.Response
	if err := json.Unmarshal(stdout.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Total != 5 {
		t.Errorf("search --story %s: %d hits, want 5", quake.ID, resp.Total)
	}
	if code := Main(context.Background(), []string{"stories", "--min-outlets", "x"}, &stdout, &stderr); code != 2 {
		t.Errorf("stories --min-outlets x: exit %d, want 2", code)
	}
}
