package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/internal/pipeline"
	"github.com/newsflow/newsflow/internal/search"
	"github.com/newsflow/newsflow/pkg/schema"
)

var searchT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// searchCorpus: v1 is syndicated as v2 by Daily Echo; n1 has no title.
func searchCorpus() []*schema.Document {
	doc := func(id, src, title, body string, at time.Duration) *schema.Document {
		pub := searchT0.Add(at)
		return &schema.Document{SchemaVersion: schema.Version, ID: id, URL: "https://example.com/" + id,
			Source: schema.Source{Name: src}, Title: title, Body: body, PublishedAt: &pub, IngestedAt: pub,
			Language: "en", WordCount: schema.CountWords(body)}
	}
	v1 := doc("v1", "Nordic Wire", "Volcano erupts near Reykjavik", "Lava flowed across the peninsula after a fissure opened. The volcano had shown unrest.", 0)
	v1.ClusterID = "v1"
	v1.Entities.Places = []schema.Place{{Entity: schema.Entity{Name: "Iceland", ID: "Q189"}}}
	v2 := *v1
	v2.ID, v2.Source.Name, v2.DuplicateOf = "v2", "Daily Echo", "v1"
	later := searchT0.Add(time.Hour)
	v2.PublishedAt, v2.IngestedAt = &later, later
	e1 := doc("e1", "Metro Post", "Election results announced", "Jane Smith won the mayoral election.", -24*time.Hour)
	e1.Entities.Persons = []schema.Entity{{Name: "Jane Smith", ID: "local:person:jane-smith"}}
	n1 := doc("n1", "Daily Echo", "", "Ash from the volcano drifted south over the sea. Flights were cancelled.", 2*time.Hour)
	n1.PublishedAt = nil
	return []*schema.Document{v1, &v2, e1, n1}
}

// searchIndex indexes docs under <data>/search and returns the open
// index and data.
func searchIndex(t *testing.T) (*bleveindex.Index, string) {
	t.Helper()
	data := t.TempDir()
	ix, err := bleveindex.Open(filepath.Join(data, pipeline.SearchIndexDir), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	for _, d := range searchCorpus() {
		if err := ix.Index(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	return ix, data
}

func searchCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := searchCommand(context.Background(), args, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func hitIDs(resp *search.Response) []string {
	out := []string{}
	for _, h := range resp.Hits {
		out = append(out, h.ID)
	}
	return out
}

func TestSearchJSON(t *testing.T) {
	ix, data := searchIndex(t)
	ix.Close()
	out, _, err := searchCLI(t, "volcano", "--json", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("output is not a JSON object: %v\n%s", err, out)
	}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if want := []string{"facets", "histogram", "hits", "total"}; !slices.Equal(keys, want) {
		t.Errorf("top-level keys = %v, want %v", keys, want)
	}
	var resp struct {
		Total int              `json:"total"`
		Hits  []map[string]any `json:"hits"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Total != 2 || len(resp.Hits) != 2 {
		t.Fatalf("total %d, %d hits; want 2, 2", resp.Total, len(resp.Hits))
	}
	for _, key := range []string{"id", "title", "display_title", "title_derived", "source", "published_at", "time", "score", "snippet", "copies", "outlets", "persons", "places"} {
		if _, ok := resp.Hits[0][key]; !ok {
			t.Errorf("hit has no %q: %v", key, resp.Hits[0])
		}
	}
	if _, ok := resp.Hits[0]["score"].(float64); !ok {
		t.Errorf("score = %#v, want a number", resp.Hits[0]["score"])
	}
}

func TestSearchFlags(t *testing.T) {
	ix, data := searchIndex(t)
	ix.Close()
	tests := []struct {
		name string
		args []string
		want []string // in order
	}{
		{"flags after the query", []string{"volcano", "--include-duplicates", "--sort", "oldest", "--json", "--data", data}, []string{"v1", "v2", "n1"}},
		{"flags before a two-word query", []string{"--data", data, "--json", "volcano", "lava"}, []string{"v1"}},
		{"source", []string{"--json", "--data", data, "--source", "Daily Echo"}, []string{"n1", "v2"}},
		{"person", []string{"--json", "--data=" + data, "--person", "Smith"}, []string{"e1"}},
		{"place", []string{"--json", "--data", data, "--place", "Iceland"}, []string{"v1"}},
		{"since a date", []string{"--json", "--data", data, "--since", "2026-03-01"}, []string{"n1", "v1"}},
		{"until a time", []string{"--json", "--data", data, "--until", "2026-03-01T12:00"}, []string{"e1"}},
		{"language", []string{"--json", "--data", data, "--language", "de"}, []string{}},
		{"size and from", []string{"--json", "--data", data, "--size", "1", "--from", "1"}, []string{"v1"}},
		{"a query word that starts with a dash after --", []string{"--json", "--data", data, "--", "volcano", "-lava"}, []string{"n1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, err := searchCLI(t, tt.args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			var resp search.Response
			if err := json.Unmarshal([]byte(out), &resp); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if got := hitIDs(&resp); !slices.Equal(got, tt.want) {
				t.Errorf("hits = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSearchText: what a person reads. The old output printed scores,
// and "(untitled)" for an article without a title.
func TestSearchText(t *testing.T) {
	ix, data := searchIndex(t)
	ix.Close()
	out, _, err := searchCLI(t, "volcano", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"2 results (syndicated copies collapsed), showing 1-2",
		" 1. Volcano erupts near Reykjavik",
		"Nordic Wire · 2026-03-01 12:00 UTC · +1 copy (Daily Echo)",
		" 2. Ash from the volcano drifted south over the sea.  [no title: opening of the text]",
		"Daily Echo · undated, ingested 2026-03-01 14:00 UTC",
		"**volcano**",
		"places:        Iceland (1)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "score") || strings.Contains(out, "(untitled)") {
		t.Errorf("output shows a score or (untitled):\n%s", out)
	}
	out, _, err = searchCLI(t, "zeppelin", "--data", data)
	if err != nil || !strings.Contains(out, "No results.") {
		t.Errorf("no-match output = %q, %v; want No results.", out, err)
	}
}

func TestSearchErrors(t *testing.T) {
	ix, data := searchIndex(t)
	// The index is open for writing, as under `newsflow run`, and nothing
	// answers HTTP on the address given.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	_, _, err := searchCLI(t, "volcano", "--data", data, "--addr", dead.URL)
	if !errors.Is(err, bleveindex.ErrLocked) || !strings.Contains(err.Error(), "--addr") {
		t.Errorf("while locked: err = %v, want ErrLocked with advice on --addr", err)
	}
	ix.Close()

	_, _, err = searchCLI(t, "volcano", "--data", t.TempDir())
	if !errors.Is(err, bleveindex.ErrNotFound) {
		t.Errorf("empty data dir: err = %v, want ErrNotFound", err)
	}
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"--bogus"}, "flag provided but not defined"},
		{[]string{"volcano", "-lava", "--data", data}, "write the query after --"},
		{[]string{"--size", "0", "x", "--data", data}, "--size 0: want 1 to 100"},
		{[]string{"--size", "x"}, "invalid value"},
		{[]string{"--since", "last week", "--data", data}, "7d"},
		{[]string{"--sort", "date", "--data", data}, "relevance, newest or oldest"},
	} {
		_, stderr, err := searchCLI(t, tc.args...)
		if !errors.Is(err, ErrUsage) || !strings.Contains(stderr, tc.says) {
			t.Errorf("search %q = %v, stderr %q; want ErrUsage saying %q", tc.args, err, stderr, tc.says)
		}
	}
}

// TestSearchAsksRunningProcess: while the index is held by a running
// process, the CLI gets the same answer from that process's HTTP API,
// filters included.
func TestSearchAsksRunningProcess(t *testing.T) {
	ix, data := searchIndex(t)
	srv := httptest.NewServer(search.Handler(search.ForIndex(ix), zaptest.NewLogger(t)))
	defer srv.Close()
	t.Setenv("NEWSFLOW_HTTP_ADDR", strings.TrimPrefix(srv.URL, "http://"))
	out, stderr, err := searchCLI(t, "volcano", "--json", "--place", "Iceland", "--since", "2026-02-01", "--sort", "oldest", "--size", "5", "--data", data)
	if err != nil {
		t.Fatalf("search while locked: %v\n%s", err, stderr)
	}
	var got search.Response
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	want, err := search.Run(context.Background(), ix, search.Request{Query: "volcano", Place: "Iceland",
		Since: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), Sort: search.SortOldest, Size: 5})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, want) {
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		t.Errorf("CLI via HTTP differs from Run:\n%s\n%s", gj, wj)
	}
}
