package estest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/services/indexer/estest"
)

// send makes one request with basic credentials (none when user is "")
// and a JSON body, and returns the status and body.
func send(t *testing.T, method, url, user, pass, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestNativeUsers checks the users a setup job makes: they authenticate
// with their password, hold their roles' privileges and nothing more, and
// their password can be changed; reserved users only take a password.
func TestNativeUsers(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	s.RequireBasicAuth("elastic", "elastic-pw")
	admin := func(method, path, body string) (int, string) {
		return send(t, method, s.URL+path, "elastic", "elastic-pw", body)
	}
	if code, body := admin("PUT", "/_security/role/writer", `{"cluster":["monitor"],"indices":[{"names":["x-*"],"privileges":["create_index","create"]}]}`); code != 200 {
		t.Fatalf("put role: %d %s", code, body)
	}
	for _, c := range []struct {
		what, path, body, reason string
	}{
		{"short password", "/_security/user/w", `{"password":"12345","roles":["writer"]}`, "passwords must be at least [6] characters long"},
		{"no password for a new user", "/_security/user/w", `{"roles":["writer"]}`, "password must be specified unless you are updating an existing user"},
		{"no roles", "/_security/user/w", `{"password":"123456"}`, "roles are missing"},
		{"a reserved name", "/_security/user/kibana_system", `{"password":"123456","roles":[]}`, "Username [kibana_system] is reserved"},
		{"a password for nobody", "/_security/user/nobody/_password", `{"password":"123456"}`, "user must exist in order to change password"},
	} {
		if code, body := admin("PUT", c.path, c.body); code != 400 || !strings.Contains(body, c.reason) {
			t.Errorf("%s: %d %s, want 400 saying %q", c.what, code, body, c.reason)
		}
	}
	if code, body := admin("PUT", "/_security/user/w", `{"password":"w-secret","roles":["writer"],"full_name":"W"}`); code != 200 || !strings.Contains(body, `"created":true`) {
		t.Fatalf("put user: %d %s", code, body)
	}
	if u, ok := s.User("w"); !ok || u.Password != "w-secret" || strings.Join(u.Roles, ",") != "writer" || u.FullName != "W" {
		t.Errorf("stored user = %+v, %v", u, ok)
	}
	if code, body := send(t, "PUT", s.URL+"/x-1", "w", "w-secret", `{}`); code != 200 {
		t.Errorf("user creates x-1 (granted): %d %s", code, body)
	}
	if code, body := send(t, "DELETE", s.URL+"/x-1", "w", "w-secret", ""); code != 403 || !strings.Contains(body, "user [w] with effective roles [writer]") {
		t.Errorf("user deletes x-1 (not granted): %d %s", code, body)
	}
	if code, _ := send(t, "GET", s.URL+"/", "w", "wrong-pw", ""); code != 401 {
		t.Errorf("wrong password: %d, want 401", code)
	}
	if code, body := admin("POST", "/_security/user/w/_password", `{"password":"w-secret-2"}`); code != 200 {
		t.Fatalf("change password: %d %s", code, body)
	}
	if code, _ := send(t, "GET", s.URL+"/", "w", "w-secret", ""); code != 401 {
		t.Errorf("old password after the change: %d, want 401", code)
	}
	if code, _ := send(t, "GET", s.URL+"/", "w", "w-secret-2", ""); code != 200 {
		t.Errorf("new password: %d, want 200", code)
	}
	if code, body := admin("POST", "/_security/user/kibana_system/_password", `{"password":"kibana-pw"}`); code != 200 {
		t.Errorf("reserved user's password: %d %s", code, body)
	}
	if u, _ := s.User("kibana_system"); u.Password != "kibana-pw" || !u.Reserved {
		t.Errorf("kibana_system = %+v", u)
	}
	// A role the user names but nobody made grants nothing.
	admin("PUT", "/_security/user/ghost", `{"password":"ghost-pw","roles":["missing"]}`)
	if code, _ := send(t, "GET", s.URL+"/", "ghost", "ghost-pw", ""); code != 403 {
		t.Errorf("user of a missing role: %d, want 403", code)
	}
	if code, body := admin("DELETE", "/_security/user/w", ""); code != 200 || !strings.Contains(body, `"found":true`) {
		t.Errorf("delete user: %d %s", code, body)
	}
	if code, _ := send(t, "GET", s.URL+"/", "w", "w-secret-2", ""); code != 401 {
		t.Errorf("deleted user: %d, want 401", code)
	}
}

// TestRefusesWhatElasticsearchRefuses checks the answers a client gets
// for a body Elasticsearch cannot read and for a template with a field
// type that does not exist, and that the request log keeps them in order.
func TestRefusesWhatElasticsearchRefuses(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	req, _ := http.NewRequest("PUT", s.URL+"/_index_template/t", strings.NewReader(`{"index_patterns":["t-*"]}`))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded") // curl -d's default
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 406 || !strings.Contains(string(b), "Content-Type header [application/x-www-form-urlencoded] is not supported") {
		t.Errorf("form body: %d %s, want 406", res.StatusCode, b)
	}
	bad := `{"index_patterns":["t-*"],"template":{"mappings":{"properties":{"a":{"type":"text","fields":{"raw":{"type":"keyword"}}},"b":{"properties":{"when":{"type":"datetime"}}}}}}}`
	code, body := send(t, "PUT", s.URL+"/_index_template/t", "", "", bad)
	if code != 400 || !strings.Contains(body, "template after composition is invalid") || !strings.Contains(body, "No handler for type [datetime] declared on field [when]") {
		t.Errorf("template with an unknown type: %d %s", code, body)
	}
	if _, ok := s.Template("t"); ok {
		t.Error("the refused template was stored")
	}
	good := strings.Replace(bad, "datetime", "date", 1)
	req, _ = http.NewRequest("PUT", s.URL+"/_index_template/t", strings.NewReader(good))
	req.Header.Set("Content-Type", "application/vnd.elasticsearch+json; compatible-with=8")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("good template: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	var got []string
	for _, r := range s.Requests() {
		got = append(got, r.String()+" "+http.StatusText(r.Status))
	}
	want := []string{"PUT /_index_template/t Not Acceptable", "PUT /_index_template/t Bad Request", "PUT /_index_template/t OK"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("request log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
