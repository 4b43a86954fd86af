package escontract

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/services/indexer"
	"github.com/newsflow/newsflow/services/indexer/esindex"
)

// rolePath is the role deploy/setup/setup.sh gives the indexer's user.
const rolePath = "../../../deploy/setup/indexer-role.json"

// runRole is deploy/setup/indexer-role.json for this run: the entry that
// names the production read alias names the run's alias instead, so the
// suite never touches a live alias. Everything else is the file as is.
func runRole(t *testing.T, alias string) json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(rolePath)
	if err != nil {
		t.Fatal(err)
	}
	var role map[string]any
	if err := json.Unmarshal(data, &role); err != nil {
		t.Fatalf("%s: %v", rolePath, err)
	}
	indices, _ := role["indices"].([]any)
	replaced := 0
	for _, e := range indices {
		entry, _ := e.(map[string]any)
		names, _ := entry["names"].([]any)
		for i, n := range names {
			if n == esindex.Alias {
				names[i] = alias
				replaced++
			}
		}
	}
	if replaced == 0 {
		t.Fatalf("%s grants nothing on the read alias %q", rolePath, esindex.Alias)
	}
	out, err := json.Marshal(role)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// call runs an administrative request as the suite's (superuser) client
// and decodes a 2xx answer into out.
func call(t *testing.T, what string, res *esapi.Response, err error, out any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.IsError() {
		t.Fatalf("%s: %s %s", what, res.Status(), body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s: %v in %s", what, err, body)
		}
	}
}

// TestIndexerRoleContract creates the role from indexer-role.json on the
// real cluster (which validates every privilege in it) and an API key
// restricted to it, then runs the indexer with that key: it must index,
// and the key must be refused what the role does not grant.
func TestIndexerRoleContract(t *testing.T) {
	cfg, run := config(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := indexer.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	role := runRole(t, cfg.Alias)
	roleName := "newsflow_indexer_" + run

	res, err := admin.Security.PutRole(roleName, bytes.NewReader(role), admin.Security.PutRole.WithContext(ctx))
	call(t, "put role from indexer-role.json", res, err, nil)
	t.Cleanup(func() {
		if res, err := admin.Security.DeleteRole(roleName); err == nil {
			res.Body.Close()
		}
	})
	keyReq, _ := json.Marshal(map[string]any{
		"name":             "newsflow-contract-" + run,
		"expiration":       "1h",
		"role_descriptors": map[string]json.RawMessage{roleName: role},
	})
	var key struct {
		ID      string `json:"id"`
		Encoded string `json:"encoded"`
	}
	res, err = admin.Security.CreateAPIKey(bytes.NewReader(keyReq), admin.Security.CreateAPIKey.WithContext(ctx))
	call(t, "create API key", res, err, &key)
	t.Cleanup(func() {
		body, _ := json.Marshal(map[string]any{"ids": []string{key.ID}})
		if res, err := admin.Security.InvalidateAPIKey(bytes.NewReader(body)); err == nil {
			res.Body.Close()
		}
	})

	// The templates, as deploy/setup installs them with operator rights.
	for _, tpl := range esindex.Templates() {
		if _, err := esindex.InstallTemplate(ctx, admin, tpl, zaptest.NewLogger(t)); err != nil {
			t.Fatalf("install template %s as the operator: %v", tpl.Name, err)
		}
	}

	kc := cfg
	kc.APIKey, kc.Username, kc.Password = key.Encoded, "", ""
	ix, err := indexer.New(ctx, kc, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("New with the role's API key: %v", err)
	}
	var docs []*schema.Document
	for i, id := range []string{"r1", "r2", "r3"} {
		d := doc(id, id, time.Date(2024, time.Month(3+i%2), 5, 0, 0, 0, 0, time.UTC), "Role contract "+id)
		d.StoryID = "story-" + id
		if _, err := ix.Process(ctx, d); err != nil {
			ix.Close(ctx)
			t.Fatalf("Process %s with the role's API key: %v", id, err)
		}
		docs = append(docs, d)
	}
	// A redelivery (the same article, so the same version): 409, success.
	// A fresh doc() would not do: its ingestion time, and so its version,
	// is newer, and it would replace r1 without its story.
	redelivered := *docs[0]
	if _, err := ix.Process(ctx, &redelivered); err != nil {
		t.Errorf("redelivery: %v", err)
	}
	// Stories: a snapshot and a merge, whose re-point (refresh and
	// _update_by_query on the alias) runs with the role's key.
	at := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	for _, st := range []*schema.Story{
		{SchemaVersion: 1, ID: "story-r1", Title: "Role contract", FirstSeen: at, LastSeen: at, ArticleCount: 1, OutletCount: 1, Revision: 1},
		{SchemaVersion: 1, ID: "story-r2", Title: "Role contract", FirstSeen: at, LastSeen: at, ArticleCount: 1, OutletCount: 1, MergedInto: "story-r1", Revision: 2},
	} {
		if _, err := ix.ProcessStory(ctx, st); err != nil {
			ix.Close(ctx)
			t.Fatalf("ProcessStory %s with the role's API key: %v", st.ID, err)
		}
	}
	if err := ix.Close(ctx); err != nil {
		t.Fatal(err)
	}

	res, err = admin.Indices.Refresh(admin.Indices.Refresh.WithIndex(cfg.Alias))
	call(t, "refresh", res, err, nil)
	var count struct {
		Count int `json:"count"`
	}
	res, err = admin.Count(admin.Count.WithIndex(cfg.Alias), admin.Count.WithContext(ctx))
	call(t, "count", res, err, &count)
	if count.Count != len(docs) {
		t.Errorf("%d articles under %s, want %d", count.Count, cfg.Alias, len(docs))
	}
	res, err = admin.Count(admin.Count.WithIndex(cfg.Alias), admin.Count.WithContext(ctx),
		admin.Count.WithBody(strings.NewReader(`{"query":{"term":{"story_id":"story-r1"}}}`)))
	call(t, "count story-r1", res, err, &count)
	if count.Count != 2 {
		t.Errorf("%d articles in story-r1 after the merge, want 2", count.Count)
	}

	// What the key must be refused.
	kc2, err := indexer.NewClient(kc)
	if err != nil {
		t.Fatal(err)
	}
	refused := map[string]func(*elasticsearch.Client) (*esapi.Response, error){
		"delete an index": func(c *elasticsearch.Client) (*esapi.Response, error) {
			return c.Indices.Delete([]string{esindex.IndexName(cfg.IndexPrefix, doc("r1", "r1", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), "x"))})
		},
		"replace the template": func(c *elasticsearch.Client) (*esapi.Response, error) {
			return c.Indices.PutIndexTemplate(esindex.TemplateName+"-"+run, strings.NewReader(`{"index_patterns":["newsflow-contract-never-*"]}`))
		},
		"search the stories": func(c *elasticsearch.Client) (*esapi.Response, error) {
			return c.Search(c.Search.WithIndex(cfg.StoryIndex))
		},
		"create an index outside newsflow-articles-*": func(c *elasticsearch.Client) (*esapi.Response, error) {
			return c.Indices.Create("newsflow-contract-" + run + "-outside")
		},
	}
	for what, do := range refused {
		res, err := do(kc2)
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 403 || !strings.Contains(string(body), "security_exception") {
			t.Errorf("%s with the role's key: %s %s, want 403 security_exception", what, res.Status(), body)
		}
	}
}

// TestIndexerUserContract creates the role from indexer-role.json and a
// user holding it, as deploy/setup/setup.sh does in the secured variant,
// then runs the indexer with that user's password: it must index, be
// refused what the role does not grant, and lose access when the password
// is changed.
func TestIndexerUserContract(t *testing.T) {
	cfg, run := config(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := indexer.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	roleName, userName := "newsflow_indexer_"+run, "newsflow_contract_"+run
	res, err := admin.Security.PutRole(roleName, bytes.NewReader(runRole(t, cfg.Alias)), admin.Security.PutRole.WithContext(ctx))
	call(t, "put role from indexer-role.json", res, err, nil)
	t.Cleanup(func() {
		if res, err := admin.Security.DeleteRole(roleName); err == nil {
			res.Body.Close()
		}
	})
	user, _ := json.Marshal(map[string]any{"password": "contract-pw-1", "roles": []string{roleName}, "full_name": "newsflow contract"})
	var created struct {
		Created bool `json:"created"`
	}
	res, err = admin.Security.PutUser(userName, bytes.NewReader(user), admin.Security.PutUser.WithContext(ctx))
	call(t, "put user", res, err, &created)
	t.Cleanup(func() {
		if res, err := admin.Security.DeleteUser(userName); err == nil {
			res.Body.Close()
		}
	})
	if !created.Created {
		t.Errorf("put user answered created=false for a new user")
	}
	res, err = admin.Security.PutUser(userName, strings.NewReader(`{"password":"short","roles":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 400 || !strings.Contains(string(body), "passwords must be at least [6] characters long") {
		t.Errorf("a 5-character password: %s %s, want 400", res.Status(), body)
	}
	var got map[string]struct {
		Roles    []string `json:"roles"`
		FullName string   `json:"full_name"`
	}
	res, err = admin.Security.GetUser(admin.Security.GetUser.WithUsername(userName))
	call(t, "get user", res, err, &got)
	if u := got[userName]; strings.Join(u.Roles, ",") != roleName || u.FullName != "newsflow contract" {
		t.Errorf("get user = %+v, want role %s", got, roleName)
	}

	for _, tpl := range esindex.Templates() {
		if _, err := esindex.InstallTemplate(ctx, admin, tpl, zaptest.NewLogger(t)); err != nil {
			t.Fatalf("install template %s as the operator: %v", tpl.Name, err)
		}
	}
	uc := cfg
	uc.APIKey, uc.Username, uc.Password = "", userName, "contract-pw-1"
	ix, err := indexer.New(ctx, uc, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("New as the user: %v", err)
	}
	d := doc("u1", "u1", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), "User contract")
	if _, err := ix.Process(ctx, d); err != nil {
		ix.Close(ctx)
		t.Fatalf("Process as the user: %v", err)
	}
	if err := ix.Close(ctx); err != nil {
		t.Fatal(err)
	}
	asUser, err := indexer.NewClient(uc)
	if err != nil {
		t.Fatal(err)
	}
	res, err = asUser.Indices.PutIndexTemplate(esindex.TemplateName+"-"+run, strings.NewReader(`{"index_patterns":["newsflow-contract-never-*"]}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 403 || !strings.Contains(string(body), "security_exception") {
		t.Errorf("replace the template as the user: %s %s, want 403 security_exception", res.Status(), body)
	}

	res, err = admin.Security.ChangePassword(strings.NewReader(`{"password":"contract-pw-2"}`), admin.Security.ChangePassword.WithUsername(userName))
	call(t, "change the user's password", res, err, nil)
	for pw, want := range map[string]int{"contract-pw-1": 401, "contract-pw-2": 200} {
		c := uc
		c.Password = pw
		client, err := indexer.NewClient(c)
		if err != nil {
			t.Fatal(err)
		}
		res, err := client.Count(client.Count.WithIndex(cfg.Alias))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("count as the user with password %s after the change: %s, want %d", pw, res.Status(), want)
		}
	}
}
