package estest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/elastic/go-elasticsearch/v8"

	"github.com/newsflow/newsflow/services/indexer/estest"
)

type updateByQueryResponse struct {
	Total            int   `json:"total"`
	Updated          int   `json:"updated"`
	VersionConflicts int   `json:"version_conflicts"`
	Batches          int   `json:"batches"`
	Failures         []any `json:"failures"`
	Error            struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	} `json:"error"`
}

func updateByQuery(t *testing.T, c *elasticsearch.Client, index, body string, opts ...func(*http.Request)) (int, updateByQueryResponse) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "/"+index+"/_update_by_query", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for _, o := range opts {
		o(req)
	}
	res, err := c.Perform(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out updateByQueryResponse
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, out
}

func query(q string) func(*http.Request) {
	return func(r *http.Request) { r.URL.RawQuery = q }
}

// _update_by_query rewrites the matching documents with internal
// versioning (version + 1), counts conflicts as Elasticsearch does for
// conflicts=proceed and abort, and refuses what the double cannot run.
func TestUpdateByQuery(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	c := client(t, s.URL)
	s.CreateIndex("a-1", map[string]any{"properties": map[string]any{"story_id": map[string]any{"type": "keyword"}}})
	doBulk(t, c, `{"index":{"_index":"a-1","_id":"1","version":10,"version_type":"external"}}
{"story_id":"s2","title":"one"}
{"index":{"_index":"a-1","_id":"2","version":10,"version_type":"external"}}
{"story_id":"s2","title":"two"}
{"index":{"_index":"a-1","_id":"3","version":10,"version_type":"external"}}
{"story_id":"s1","title":"three"}
`)
	repoint := `{"query":{"term":{"story_id":"s2"}},"script":{"source":"ctx._source.story_id = params.story_id","lang":"painless","params":{"story_id":"s1"}}}`

	code, got := updateByQuery(t, c, "a-*", repoint, query("conflicts=proceed"))
	if code != 200 || got.Total != 2 || got.Updated != 2 || got.VersionConflicts != 0 || got.Batches != 1 || len(got.Failures) != 0 {
		t.Fatalf("update: %d %+v, want 200 with 2 updated", code, got)
	}
	for _, id := range []string{"1", "2"} {
		d, _ := s.Doc("a-1", id)
		if d.Version != 11 || d.Writes != 1 || d.Updates != 1 || !strings.Contains(string(d.Source), `"story_id":"s1"`) {
			t.Errorf("doc %s = %+v %s, want version 11 (internal +1), 1 write and 1 update, story s1", id, d, d.Source)
		}
	}
	// The same version again is a conflict: the move is not undone by a
	// redelivery of the first write.
	br := doBulk(t, c, `{"index":{"_index":"a-1","_id":"1","version":10,"version_type":"external"}}
{"story_id":"s2","title":"one"}
`)
	if br.Items[0]["index"]["status"] != float64(409) {
		t.Errorf("redelivery after the update: %v, want 409", br.Items[0])
	}
	if code, got := updateByQuery(t, c, "a-1", repoint); code != 200 || got.Total != 0 || got.Updated != 0 {
		t.Errorf("second update: %d %+v, want nothing left to update", code, got)
	}

	// Documents changed under the request: counted with proceed, a 409
	// with the conflicts as failures with abort (the default).
	doBulk(t, c, `{"index":{"_index":"a-1","_id":"4"}}
{"story_id":"s3"}
`)
	moveS3 := strings.ReplaceAll(repoint, `"s2"`, `"s3"`)
	s.SetFaults(estest.Faults{ByQueryConflicts: 2})
	if code, got := updateByQuery(t, c, "a-1", moveS3, query("conflicts=proceed")); code != 200 || got.VersionConflicts != 1 || got.Updated != 0 || len(got.Failures) != 0 {
		t.Errorf("proceed with a conflict: %d %+v, want 200, 1 conflict, no failure", code, got)
	}
	if code, got := updateByQuery(t, c, "a-1", moveS3); code != 409 || got.VersionConflicts != 1 || len(got.Failures) != 1 {
		t.Errorf("abort with a conflict: %d %+v, want 409 and the conflict as a failure", code, got)
	}
	if code, got := updateByQuery(t, c, "a-1", moveS3, query("conflicts=proceed")); code != 200 || got.Updated != 1 {
		t.Errorf("after the conflicts: %d %+v, want the document updated", code, got)
	}

	refused := []struct {
		name, index, body, query, typ string
		code                          int
	}{
		{"missing index", "nope", repoint, "", "index_not_found_exception", 404},
		{"unknown parameter", "a-1", repoint, "slices=auto", "illegal_argument_exception", 400},
		{"bad conflicts", "a-1", repoint, "conflicts=ignore", "illegal_argument_exception", 400},
		{"async", "a-1", repoint, "wait_for_completion=false", "illegal_argument_exception", 400},
		{"other script", "a-1", `{"query":{"match_all":{}},"script":{"source":"ctx._source.n++"}}`, "", "script_exception", 400},
		{"missing parameter", "a-1", `{"script":{"source":"ctx._source.story_id = params.to","params":{}}}`, "", "script_exception", 400},
		{"other language", "a-1", `{"script":{"source":"ctx._source.a = params.a","lang":"mustache","params":{"a":1}}}`, "", "script_exception", 400},
		{"unknown body field", "a-1", `{"max_docs":1,"script":{"source":"ctx._source.a = params.a","params":{"a":1}}}`, "", "parsing_exception", 400},
	}
	for _, tt := range refused {
		code, got := updateByQuery(t, c, tt.index, tt.body, query(tt.query))
		if code != tt.code || got.Error.Type != tt.typ {
			t.Errorf("%s: %d %s (%s), want %d %s", tt.name, code, got.Error.Type, got.Error.Reason, tt.code, tt.typ)
		}
	}
	if got := s.Stats().UpdateByQuery; got != 5 {
		t.Errorf("UpdateByQuery = %d, want the 5 that ran", got)
	}
}

// A query parameter the double does not implement is refused as
// Elasticsearch refuses an unrecognized one, by _update_by_query and _mget
// alike, naming it, never ignored.
func TestUnknownParametersAreRefused(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	s.CreateIndex("a-1", nil)
	for _, path := range []string{"/a-1/_update_by_query?slices=2&conflicts=proceed", "/a-1/_mget?slices=2&realtime=true"} {
		res, err := http.Post(s.URL+path, "application/json", strings.NewReader(`{"ids":["1"],"query":{"match_all":{}}}`))
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error struct{ Reason string } `json:"error"`
		}
		err = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusBadRequest || !strings.Contains(body.Error.Reason, "unrecognized parameters: [slices]") {
			t.Errorf("POST %s: %d %q (%v); want 400 naming [slices]", path, res.StatusCode, body.Error.Reason, err)
		}
	}
}
