package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/internal/search"
	"github.com/newsflow/newsflow/pkg/schema"
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

	// newsflow serve over the same folder answers the stories API as
	// newsflow run does.
	base := startServe(t, data)
	var served bleveindex.StoryList
	if code := getJSONStatus(t, base+search.StoriesPath, &served); code != http.StatusOK {
		t.Fatalf("serve: GET %s: %d", search.StoriesPath, code)
	}
	if !reflect.DeepEqual(served, list) {
		t.Errorf("serve: GET %s = %+v, want what newsflow stories listed: %+v", search.StoriesPath, served, list)
	}
	var detail search.StoryDetail
	if code := getJSONStatus(t, base+search.StoriesPath+"/"+quake.ID, &detail); code != http.StatusOK {
		t.Fatalf("serve: GET %s/%s: %d", search.StoriesPath, quake.ID, code)
	}
	if detail.Story.ID != quake.ID || detail.Articles == nil || detail.Articles.Total != 5 || len(detail.Articles.Hits) != 5 {
		t.Errorf("serve: story %s = %+v, want it with its 5 articles", quake.ID, detail)
	}
	var missing map[string]string
	if code := getJSONStatus(t, base+search.StoriesPath+"/no-such-story", &missing); code != http.StatusNotFound {
		t.Errorf("serve: an unknown story: %d %v, want 404", code, missing)
	}
	var found search.Response
	if code := getJSONStatus(t, base+search.Path+"?q=earthquake", &found); code != http.StatusOK || found.Total == 0 {
		t.Errorf("serve: GET %s?q=earthquake: %d, %d hits", search.Path, code, found.Total)
	}
}

// TestServeWithoutStoryIndex: over a data folder with articles and no
// story index, serve still serves the web UI and search, and the stories
// API says there is no story index.
func TestServeWithoutStoryIndex(t *testing.T) {
	ix, data := searchIndex(t)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	base := startServe(t, data)
	var answer map[string]string
	if code := getJSONStatus(t, base+search.StoriesPath, &answer); code != http.StatusNotFound || !strings.Contains(answer["error"], "no story index") {
		t.Errorf("GET %s = %d %v, want 404 saying there is no story index", search.StoriesPath, code, answer)
	}
	var found search.Response
	if code := getJSONStatus(t, base+search.Path+"?q=volcano", &found); code != http.StatusOK || found.Total != 2 {
		t.Errorf("GET %s?q=volcano = %d, %d hits; want 200, 2", search.Path, code, found.Total)
	}
}

// startServe runs `newsflow serve` over data on a free port until the
// test ends, and returns its base URL.
func startServe(t *testing.T, data string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		err := serveCommand(ctx, []string{"--data", data, "--http", "127.0.0.1:0", "--log-level", "warn"}, pw, &stderr)
		pw.Close()
		done <- err
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	_, addr, ok := strings.Cut(strings.TrimSpace(line), " is on ")
	if err != nil || !ok {
		cancel()
		serveErr := <-done
		t.Fatalf("serve printed %q (%v), want its address; serve: %v\n%s", line, err, serveErr, stderr.String())
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v\n%s", err, stderr.String())
		}
	})
	addr, _, _ = strings.Cut(addr, " ")
	return strings.TrimSuffix(addr, "/")
}

// getJSONStatus GETs url and decodes its JSON answer into v.
func getJSONStatus(t *testing.T, url string, v any) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %d, %v", url, res.StatusCode, err)
	}
	return res.StatusCode
}

// The fitting options of eval stories need --fit, and say how to write
// them; nothing is silently ignored.
func TestEvalStoriesFitOptions(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"eval", "stories", "--data", "x.jsonl", "--fit-seeds", "1,2"}, "need --fit"},
		{[]string{"eval", "stories", "--data", "x.jsonl", "--fit-budget", "5"}, "need --fit"},
		{[]string{"eval", "stories", "--data", "x.jsonl", "--fit", "--fit-seeds", "1,x"}, "e.g. 1,2"},
		{[]string{"eval", "stories", "--data", "x.jsonl", "--fit", "--fit-budget", "0"}, "at least 1"},
		{[]string{"eval", "stories", "--data", "x.jsonl", "--fit-tolerance", "0.01"}, "need --fit"},
		{[]string{"eval", "stories", "--data", "x.jsonl", "--fit", "--fit-tolerance", "-0.01"}, "at least 0"},
		{[]string{"eval", "stories", "--data", "x.jsonl", "--fit", "--fit-tolerance", "NaN"}, "at least 0"},
	} {
		var stdout, stderr bytes.Buffer
		if code := Main(context.Background(), tc.args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}

// The story list counts in words a person reads: "1 outlet", "2 articles".
func TestRenderStoriesCountsInWords(t *testing.T) {
	list := &bleveindex.StoryList{Total: 1, Stories: []schema.Story{{ID: "story-a", Title: "A lone report", ArticleCount: 2, OutletCount: 1}}}
	var out bytes.Buffer
	if err := renderStories(&out, list); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 story\n", "  1 outlet, 2 articles, "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in\n%s", want, out.String())
		}
	}
}
