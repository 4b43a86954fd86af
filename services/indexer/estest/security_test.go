package estest_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/services/indexer/estest"
)

// do sends one request and returns the status and body.
func do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.SetBasicAuth("newsflow_indexer", "pw")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func mustRole(t *testing.T, js string) *estest.Role {
	t.Helper()
	r, err := estest.ParseRole([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestEnforceRole checks the mapping from requests to the privileges
// Elasticsearch requires for them, and the 403 body it answers with.
func TestEnforceRole(t *testing.T) {
	tests := []struct {
		name, role         string
		method, path, body string
		want               int
		reason             string // a piece of the security_exception reason
		existing           []string
	}{
		{name: "root needs monitor", role: `{"cluster":["monitor"]}`, method: "GET", path: "/", want: 200},
		{name: "root without monitor", role: `{"cluster":[]}`, method: "GET", path: "/", want: 403,
			reason: "action [cluster:monitor/main] is unauthorized for user [newsflow_indexer] with effective roles [test_role], this action is granted by the cluster privileges [monitor,manage,all]"},
		{name: "template get is a cluster action", role: `{"cluster":["monitor"]}`, method: "GET", path: "/_index_template/t", want: 403,
			reason: "action [indices:admin/index_template/get] is unauthorized for user [newsflow_indexer] with effective roles [test_role], this action is granted by the cluster privileges [manage_index_templates,manage,all]"},
		{name: "template put with manage_index_templates", role: `{"cluster":["manage_index_templates"]}`, method: "PUT", path: "/_index_template/t",
			body: `{"index_patterns":["x-*"]}`, want: 200},
		{name: "create index", role: `{"indices":[{"names":["x-*"],"privileges":["create_index"]}]}`, method: "PUT", path: "/x-1", body: `{}`, want: 200},
		{name: "create index elsewhere", role: `{"indices":[{"names":["x-*"],"privileges":["create_index"]}]}`, method: "PUT", path: "/y-1", body: `{}`, want: 403,
			reason: "action [indices:admin/create] is unauthorized for user [newsflow_indexer] with effective roles [test_role] on indices [y-1], this action is granted by the index privileges [create_index,manage,all]"},
		{name: "create index with an alias needs aliases on both", role: `{"indices":[{"names":["x-*"],"privileges":["create_index"]}]}`,
			method: "PUT", path: "/x-1", body: `{"aliases":{"x":{}}}`, want: 403,
			reason: "action [indices:admin/aliases] is unauthorized for user [newsflow_indexer] with effective roles [test_role] on indices [x-1,x], this action is granted by the index privileges [manage,all]"},
		{name: "create index with an alias, alias privilege on the index only", role: `{"indices":[{"names":["x-*"],"privileges":["create_index","indices:admin/aliases"]}]}`,
			method: "PUT", path: "/x-1", body: `{"aliases":{"x":{}}}`, want: 403, reason: "on indices [x]"},
		{name: "create index with an alias, granted", role: `{"indices":[{"names":["x-*"],"privileges":["create_index","indices:admin/aliases"]},{"names":["x"],"privileges":["indices:admin/aliases"]}]}`,
			method: "PUT", path: "/x-1", body: `{"aliases":{"x":{}}}`, want: 200},
		{name: "delete index needs delete_index", role: `{"indices":[{"names":["x-*"],"privileges":["create_index","create","indices:admin/aliases"]}]}`,
			method: "DELETE", path: "/x-1", want: 403, existing: []string{"x-1"}, reason: "granted by the index privileges [delete_index,manage,all]"},
		{name: "manage deletes", role: `{"indices":[{"names":["x-*"],"privileges":["manage"]}]}`, method: "DELETE", path: "/x-1", want: 200, existing: []string{"x-1"}},
		{name: "search needs read", role: `{"indices":[{"names":["x-*"],"privileges":["create"]}]}`, method: "POST", path: "/x-1/_search", body: `{}`, want: 403,
			existing: []string{"x-1"}, reason: "[indices:data/read/search]"},
		{name: "bulk needs a write privilege somewhere", role: `{"cluster":["monitor"]}`, method: "POST", path: "/_bulk",
			body: "{\"index\":{\"_index\":\"x-1\",\"_id\":\"1\"}}\n{}\n", want: 403, reason: "[indices:data/write/bulk]"},
		{name: "wildcard over authorized indices", role: `{"indices":[{"names":["x-*"],"privileges":["view_index_metadata"]}]}`,
			method: "GET", path: "/x-*", want: 200, existing: []string{"x-1", "y-1"}},
		{name: "wildcard over others' indices", role: `{"indices":[{"names":["x-*"],"privileges":["view_index_metadata"]}]}`,
			method: "GET", path: "/*", want: 403, existing: []string{"x-1", "y-1"}, reason: "on indices [y-1]"},
		{name: "alias swap needs aliases on index and alias", role: `{"indices":[{"names":["x-*"],"privileges":["indices:admin/aliases"]}]}`,
			method: "POST", path: "/_aliases", body: `{"actions":[{"add":{"index":"x-1","alias":"x"}}]}`, want: 403, existing: []string{"x-1"}, reason: "on indices [x]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := estest.NewServer()
			defer s.Close()
			s.RequireBasicAuth("newsflow_indexer", "pw")
			for _, ix := range tt.existing {
				s.CreateIndex(ix, nil)
			}
			s.EnforceRole("test_role", mustRole(t, tt.role))
			got, body := do(t, tt.method, s.URL+tt.path, tt.body)
			if got != tt.want {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, got, body, tt.want)
			}
			if tt.want != 403 {
				return
			}
			var e struct {
				Error struct {
					RootCause []struct{ Type, Reason string } `json:"root_cause"`
					Type      string                          `json:"type"`
					Reason    string                          `json:"reason"`
				} `json:"error"`
				Status int `json:"status"`
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("403 body %q: %v", body, err)
			}
			if e.Error.Type != "security_exception" || e.Status != 403 || len(e.Error.RootCause) != 1 || e.Error.RootCause[0].Type != "security_exception" {
				t.Errorf("403 body = %s, want Elasticsearch's security_exception envelope", body)
			}
			if !strings.Contains(e.Error.Reason, tt.reason) {
				t.Errorf("reason = %q, want it to contain %q", e.Error.Reason, tt.reason)
			}
			if s.Stats().Forbidden != 1 {
				t.Errorf("Forbidden = %d, want 1", s.Stats().Forbidden)
			}
		})
	}
}

// TestEnforceRoleBulkItems checks that bulk items are authorized one by
// one, by op type, and a refused item fails alone with 403.
func TestEnforceRoleBulkItems(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	s.CreateIndex("x-1", nil)
	s.EnforceRole("writer", mustRole(t, `{"indices":[{"names":["x-*"],"privileges":["create_doc"]}]}`))
	body := "{\"create\":{\"_index\":\"x-1\",\"_id\":\"a\"}}\n{\"n\":1}\n" +
		"{\"index\":{\"_index\":\"x-1\",\"_id\":\"b\"}}\n{\"n\":2}\n" +
		"{\"create\":{\"_index\":\"x-2\",\"_id\":\"c\"}}\n{\"n\":3}\n" +
		"{\"create\":{\"_index\":\"y-1\",\"_id\":\"d\"}}\n{\"n\":4}\n"
	code, out := do(t, "POST", s.URL+"/_bulk", body)
	if code != 200 {
		t.Fatalf("bulk = %d %s", code, out)
	}
	var res struct {
		Errors bool `json:"errors"`
		Items  []map[string]struct {
			Status int `json:"status"`
			Error  struct{ Type, Reason string }
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		op     string
		status int
		reason string
	}{
		{"create", 201, ""},
		{"index", 403, "action [indices:data/write/index:op_type/index] is unauthorized for user [newsflow_indexer] with effective roles [writer] on indices [x-1], this action is granted by the index privileges [create,index,write,all]"},
		{"create", 403, "action [indices:admin/auto_create] is unauthorized for user [newsflow_indexer] with effective roles [writer] on indices [x-2], this action is granted by the index privileges [create_index,auto_configure,manage,all]"},
		{"create", 403, "on indices [y-1]"},
	}
	if !res.Errors || len(res.Items) != len(want) {
		t.Fatalf("errors=%v, %d items, want true and %d: %s", res.Errors, len(res.Items), len(want), out)
	}
	for i, w := range want {
		it := res.Items[i][w.op]
		if it.Status != w.status || (w.reason != "" && (it.Error.Type != "security_exception" || !strings.Contains(it.Error.Reason, w.reason))) {
			t.Errorf("item %d: %d %s %q, want %d security_exception %q", i, it.Status, it.Error.Type, it.Error.Reason, w.status, w.reason)
		}
	}
	if _, ok := s.Doc("x-1", "a"); !ok {
		t.Error("the allowed item was not stored")
	}
	if _, ok := s.Doc("x-1", "b"); ok {
		t.Error("a refused item was stored")
	}
	if got := s.Indices(); len(got) != 1 {
		t.Errorf("indices = %v: a refused item created one", got)
	}
}

func TestParseRoleRefusesUnknownPrivileges(t *testing.T) {
	for _, js := range []string{
		`{"cluster":["monitr"]}`,
		`{"indices":[{"names":["x-*"],"privileges":["writ"]}]}`,
	} {
		if _, err := estest.ParseRole([]byte(js)); !errors.Is(err, estest.ErrUnknownPrivilege) {
			t.Errorf("ParseRole(%s) = %v, want ErrUnknownPrivilege", js, err)
		}
	}
	if _, err := estest.ParseRole([]byte(`{"indices":[{"names":["x"],"privileges":["read"]}],"clusters":[]}`)); err == nil {
		t.Error("a misspelt field was accepted")
	}
}

// TestSecurityAPIKeys checks the _security calls the contract suite makes:
// a role Elasticsearch would refuse is refused, an API key made with
// role_descriptors holds them, and an invalidated key is refused.
func TestSecurityAPIKeys(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	if code, body := do(t, "PUT", s.URL+"/_security/role/bad", `{"indices":[{"names":["x-*"],"privileges":["writ"]}]}`); code != 400 || !strings.Contains(body, "writ") {
		t.Errorf("bad role: %d %s, want 400 naming the privilege", code, body)
	}
	role := `{"cluster":["monitor"],"indices":[{"names":["x-*"],"privileges":["create_index"]}]}`
	if code, body := do(t, "PUT", s.URL+"/_security/role/r", role); code != 200 {
		t.Fatalf("put role: %d %s", code, body)
	}
	code, body := do(t, "POST", s.URL+"/_security/api_key", `{"name":"k","expiration":"1h","role_descriptors":{"r":`+role+`}}`)
	if code != 200 {
		t.Fatalf("create key: %d %s", code, body)
	}
	var key struct{ ID, Encoded string }
	if err := json.Unmarshal([]byte(body), &key); err != nil || key.Encoded == "" {
		t.Fatalf("key %s: %v", body, err)
	}
	withKey := func(method, path string) (int, string) {
		req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "ApiKey "+key.Encoded)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := withKey("PUT", "/x-1"); code != 200 {
		t.Errorf("key creates x-1: %d %s", code, body)
	}
	if code, body := withKey("DELETE", "/x-1"); code != 403 || !strings.Contains(body, "API key id ["+key.ID+"]") {
		t.Errorf("key deletes x-1: %d %s, want 403 naming the key", code, body)
	}
	if code, _ := withKey("PUT", "/_security/role/escalate"); code != 403 {
		t.Errorf("key writes a role: %d, want 403", code)
	}
	if code, body := do(t, "DELETE", s.URL+"/_security/api_key", `{"ids":["`+key.ID+`"]}`); code != 200 || !strings.Contains(body, key.ID) {
		t.Fatalf("invalidate: %d %s", code, body)
	}
	if code, _ := withKey("GET", "/"); code != 401 {
		t.Errorf("invalidated key: %d, want 401", code)
	}
}
