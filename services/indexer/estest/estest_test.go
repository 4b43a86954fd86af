package estest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/elastic/go-elasticsearch/v8"

	"github.com/newsflow/newsflow/services/indexer/estest"
)

func client(t *testing.T, url string) *elasticsearch.Client {
	t.Helper()
	c, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{url}, DisableRetry: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type bulkResponse struct {
	Took   int                                 `json:"took"`
	Errors bool                                `json:"errors"`
	Items  []map[string]map[string]interface{} `json:"items"`
}

func doBulk(t *testing.T, c *elasticsearch.Client, body string) bulkResponse {
	t.Helper()
	res, err := c.Bulk(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.IsError() {
		t.Fatalf("bulk: %s", res.String())
	}
	var br bulkResponse
	if err := json.NewDecoder(res.Body).Decode(&br); err != nil {
		t.Fatal(err)
	}
	return br
}

// The real client refuses to talk to a server without the product header;
// Info passing proves the double is accepted.
func TestClientAcceptsDouble(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	res, err := client(t, s.URL).Info()
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	defer res.Body.Close()
	var info struct {
		Version struct{ Number string } `json:"version"`
		Tagline string                  `json:"tagline"`
	}
	json.NewDecoder(res.Body).Decode(&info)
	if got, want := info.Version.Number, estest.Version; got != want {
		t.Errorf("version = %q, want %q", got, want)
	}
}

func TestBulkItemsAndVersioning(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	c := client(t, s.URL)
	body := `{"index":{"_index":"a","_id":"1","version":10,"version_type":"external"}}
{"title":"one"}
{"index":{"_index":"a","_id":"1","version":5,"version_type":"external"}}
{"title":"older"}
{"create":{"_index":"a","_id":"2"}}
{"title":"two"}
{"create":{"_index":"a","_id":"2"}}
{"title":"two again"}
`
	br := doBulk(t, c, body)
	if !br.Errors {
		t.Error("errors = false, want true")
	}
	tests := []struct {
		op     string
		status float64
		errTyp string
	}{
		{"index", 201, ""},
		{"index", 409, "version_conflict_engine_exception"},
		{"create", 201, ""},
		{"create", 409, "version_conflict_engine_exception"},
	}
	for i, tt := range tests {
		item := br.Items[i][tt.op]
		if got := item["status"]; got != tt.status {
			t.Errorf("item %d status = %v, want %v", i, got, tt.status)
		}
		typ := ""
		if e, ok := item["error"].(map[string]interface{}); ok {
			typ, _ = e["type"].(string)
		}
		if typ != tt.errTyp {
			t.Errorf("item %d error type = %q, want %q", i, typ, tt.errTyp)
		}
		if tt.errTyp == "" {
			for _, k := range []string{"_index", "_id", "_version", "result", "_shards", "_seq_no", "_primary_term"} {
				if _, ok := item[k]; !ok {
					t.Errorf("item %d lacks %s", i, k)
				}
			}
		}
	}
	d, ok := s.Doc("a", "1")
	if !ok || d.Version != 10 || string(d.Source) != `{"title":"one"}` || d.Writes != 1 {
		t.Errorf("doc 1 = %+v, want version 10, first source, 1 write", d)
	}
}

func TestMappingErrors(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	s.CreateIndex("m", map[string]any{"dynamic": "strict", "properties": map[string]any{
		"published_at": map[string]any{"type": "date"},
		"count":        map[string]any{"type": "long"},
		"loc":          map[string]any{"type": "geo_point"},
	}})
	c := client(t, s.URL)
	tests := []struct {
		name, source, errType, reasonHas string
	}{
		{"ok", `{"published_at":"2024-01-02T03:04:05Z","count":3,"loc":[{"lat":1,"lon":2}]}`, "", ""},
		{"bad date", `{"published_at":"yesterday"}`, "document_parsing_exception", "failed to parse field [published_at] of type [date]"},
		{"bad long", `{"count":"many"}`, "document_parsing_exception", "of type [long]"},
		{"bad lat", `{"loc":{"lat":95,"lon":0}}`, "document_parsing_exception", "of type [geo_point]"},
		{"strict", `{"extra":1}`, "strict_dynamic_mapping_exception", "dynamic introduction of [extra]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := doBulk(t, c, `{"index":{"_index":"m","_id":"x"}}`+"\n"+tt.source+"\n")
			item := br.Items[0]["index"]
			e, _ := item["error"].(map[string]interface{})
			typ, _ := e["type"].(string)
			reason, _ := e["reason"].(string)
			if typ != tt.errType {
				t.Fatalf("error type = %q, want %q (item %v)", typ, tt.errType, item)
			}
			if !strings.Contains(reason, tt.reasonHas) {
				t.Errorf("reason = %q, want it to contain %q", reason, tt.reasonHas)
			}
			if tt.errType != "" && item["status"] != float64(400) {
				t.Errorf("status = %v, want 400", item["status"])
			}
		})
	}
}

func TestFaults(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	c := client(t, s.URL)
	s.SetFaults(estest.Faults{Reject429: 1})
	br := doBulk(t, c, "{\"index\":{\"_index\":\"f\",\"_id\":\"1\"}}\n{}\n")
	if got := br.Items[0]["index"]["status"]; got != float64(429) {
		t.Errorf("status = %v, want 429", got)
	}
	s.SetFaults(estest.Faults{FailRequests: 1})
	res, err := c.Bulk(strings.NewReader("{\"index\":{\"_index\":\"f\",\"_id\":\"1\"}}\n{}\n"))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status = %d, want 503", res.StatusCode)
	}
	s.SetFaults(estest.Faults{})
	if br := doBulk(t, c, "{\"index\":{\"_index\":\"f\",\"_id\":\"1\"}}\n{}\n"); br.Errors {
		t.Errorf("after faults cleared: errors = true: %v", br.Items)
	}

	s.Stop()
	_, err = http.Get(s.URL)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("while stopped: err = %v, want connection refused", err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Doc("f", "1"); !ok {
		t.Error("document lost across Stop/Start")
	}
	if _, err := c.Info(); err != nil {
		t.Errorf("after Start: %v", err)
	}
}

func TestTemplateAliasesAndSearch(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	c := client(t, s.URL)
	ctx := context.Background()
	tpl := `{"index_patterns":["logs-*"],"priority":10,"template":{"aliases":{"logs":{}},"mappings":{"properties":{"n":{"type":"long"}}}}}`
	res, err := c.Indices.PutIndexTemplate("logs", strings.NewReader(tpl), c.Indices.PutIndexTemplate.WithContext(ctx))
	if err != nil || res.IsError() {
		t.Fatalf("put template: %v %v", err, res)
	}
	res.Body.Close()
	doBulk(t, c, `{"index":{"_index":"logs-1","_id":"a"}}
{"n":1,"g":"x","title":"Storm hits coast"}
{"index":{"_index":"logs-1","_id":"b"}}
{"n":2,"g":"x","title":"Coast storm recovery"}
{"index":{"_index":"logs-2","_id":"c"}}
{"n":3,"g":"y","title":"Elections"}
`)
	if got := s.AliasIndices("logs"); strings.Join(got, ",") != "logs-1,logs-2" {
		t.Errorf("alias logs -> %v, want logs-1,logs-2", got)
	}
	// bad value for the template's long field
	br := doBulk(t, c, "{\"index\":{\"_index\":\"logs-2\",\"_id\":\"d\"}}\n{\"n\":\"x\"}\n")
	if br.Items[0]["index"]["status"] != float64(400) {
		t.Errorf("template mapping not applied: %v", br.Items[0])
	}
	q := `{"query":{"match":{"title":"storm"}},"collapse":{"field":"g"}}`
	res, err = c.Search(c.Search.WithIndex("logs"), c.Search.WithBody(strings.NewReader(q)))
	if err != nil || res.IsError() {
		t.Fatalf("search: %v %v", err, res)
	}
	defer res.Body.Close()
	var sr struct {
		Hits struct {
			Total struct{ Value int } `json:"total"`
			Hits  []struct {
				ID string `json:"_id"`
			} `json:"hits"`
		} `json:"hits"`
	}
	json.NewDecoder(res.Body).Decode(&sr)
	if sr.Hits.Total.Value != 2 || len(sr.Hits.Hits) != 1 {
		t.Errorf("total %d hits %v, want total 2 and one collapsed hit", sr.Hits.Total.Value, sr.Hits.Hits)
	}
	act := `{"actions":[{"remove":{"index":"logs-1","alias":"logs"}},{"add":{"index":"logs-2","alias":"logs2"}}]}`
	res, err = c.Indices.UpdateAliases(strings.NewReader(act))
	if err != nil || res.IsError() {
		t.Fatalf("aliases: %v %v", err, res)
	}
	res.Body.Close()
	if got := s.AliasIndices("logs"); strings.Join(got, ",") != "logs-2" {
		t.Errorf("after swap logs -> %v", got)
	}
}

func TestAuth(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	s.RequireAPIKey("c2VjcmV0")
	res, err := client(t, s.URL).Info()
	if err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("without key: status %d, want 401", res.StatusCode)
		}
	}
	c, _ := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{s.URL}, APIKey: "c2VjcmV0"})
	res, err = c.Info()
	if err != nil || res.IsError() {
		t.Fatalf("with key: %v %v", err, res)
	}
	res.Body.Close()
}
