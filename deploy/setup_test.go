package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsflow/newsflow/services/indexer/estest"
)

// kibanaDouble fakes the part of Kibana's HTTP API that
// deploy/setup/setup.sh calls, answering as Kibana does: it refuses
// requests without kbn-xsrf, and the import API answers 200 with success
// in the body. Elasticsearch is the double services/indexer/estest.
type kibanaDouble struct {
	t  *testing.T
	es *estest.Server
	mu sync.Mutex
	// requests are "METHOD path" in arrival order.
	requests []string
	imported []byte
	auth     map[string]string
	// templatesAtStatus are the index templates Elasticsearch held when
	// Kibana was first asked for its status.
	templatesAtStatus []string
	importErr         bool // answer the import with success:false
}

func newKibanaDouble(t *testing.T, es *estest.Server) *kibanaDouble {
	return &kibanaDouble{t: t, es: es, auth: map[string]string{}}
}

func (d *kibanaDouble) record(r *http.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	key := r.Method + " " + r.URL.Path
	if len(d.requests) == 0 {
		for _, name := range setupTemplates {
			if _, ok := d.es.Template(name); ok {
				d.templatesAtStatus = append(d.templatesAtStatus, name)
			}
		}
	}
	d.requests = append(d.requests, key)
	if u, p, ok := r.BasicAuth(); ok {
		d.auth[key] = u + ":" + p
	}
}

func (d *kibanaDouble) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.record(r)
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/status":
		fmt.Fprint(w, `{"name":"kibana","status":{"overall":{"level":"available"}}}`)
	case r.Method == http.MethodPost && r.URL.Path == "/api/saved_objects/_import":
		if r.Header.Get("kbn-xsrf") == "" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"statusCode":400,"error":"Bad Request","message":"Request must contain a kbn-xsrf header."}`)
			return
		}
		file, _, err := r.FormFile("file")
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"statusCode":400,"message":%q}`, err.Error())
			return
		}
		body, _ := io.ReadAll(file)
		d.mu.Lock()
		d.imported = body
		d.mu.Unlock()
		if r.URL.Query().Get("overwrite") != "true" {
			d.t.Errorf("import without overwrite=true: %s", r.URL.RawQuery)
		}
		n := bytes.Count(bytes.TrimSpace(body), []byte("\n")) + 1
		if d.importErr {
			fmt.Fprintf(w, `{"success":false,"successCount":%d,"errors":[{"id":"newsflow-overview","type":"dashboard","error":{"type":"missing_references"}}]}`, n-1)
			return
		}
		fmt.Fprintf(w, `{"success":true,"successCount":%d,"successResults":[]}`, n)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// setupTemplates are the index templates in deploy/elasticsearch, by the
// name setup installs them under.
var setupTemplates = []string{"newsflow-articles", "newsflow-stories"}

// runSetup runs deploy/setup/setup.sh against es and kb with env added
// (an ES_URL or TEMPLATE_DIR there wins over the defaults).
func runSetup(t *testing.T, es *estest.Server, kb *kibanaDouble, env ...string) (string, error) {
	t.Helper()
	for _, tool := range []string{"sh", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed here (the setup image has it): %v", tool, err)
		}
	}
	kbs := httptest.NewServer(kb)
	t.Cleanup(kbs.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	cmd := exec.CommandContext(ctx, "sh", abs("setup/setup.sh"))
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"ES_URL=" + es.URL,
		"KIBANA_URL=" + kbs.URL,
		"TEMPLATE_DIR=" + abs("elasticsearch"),
		"KIBANA_DIR=" + abs("kibana"),
		"WAIT_SECONDS=5",
	}, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// newElasticsearch starts the Elasticsearch double for one test.
func newElasticsearch(t *testing.T) *estest.Server {
	es := estest.NewServer()
	t.Cleanup(es.Close)
	return es
}

// distinct drops repeats of the same request in a row (setup polls).
func distinct(requests []estest.Request) []string {
	var out []string
	for _, r := range requests {
		if s := r.String(); len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	return out
}

func TestSetupInstallsTemplateAndImportsKibana(t *testing.T) {
	es := newElasticsearch(t)
	kb := newKibanaDouble(t, es)
	out, err := runSetup(t, es, kb)
	if err != nil {
		t.Fatalf("setup failed: %v\n%s", err, out)
	}
	for _, name := range setupTemplates {
		file := "elasticsearch/" + name + ".index-template.json"
		want, _ := os.ReadFile(file)
		if got, _ := es.Template(name); len(want) == 0 || !bytes.Equal(got, want) {
			t.Errorf("index template %s holds %d bytes, want the %d bytes of %s", name, len(got), len(want), file)
		}
	}
	ndjson, _ := os.ReadFile("kibana/newsflow.ndjson")
	if !bytes.Equal(kb.imported, ndjson) {
		t.Errorf("imported %d bytes, want kibana/newsflow.ndjson (%d bytes)", len(kb.imported), len(ndjson))
	}
	// Order: Elasticsearch up, the templates, no security calls; then
	// Kibana up (with the templates in place) and the import.
	wantES := []string{"GET /_cluster/health", "PUT /_index_template/newsflow-articles", "PUT /_index_template/newsflow-stories"}
	if got := distinct(es.Requests()); strings.Join(got, "\n") != strings.Join(wantES, "\n") {
		t.Errorf("Elasticsearch requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantES, "\n"))
	}
	if strings.Join(kb.templatesAtStatus, ",") != strings.Join(setupTemplates, ",") {
		t.Errorf("Kibana was asked for first with templates %v installed, want %v", kb.templatesAtStatus, setupTemplates)
	}
	wantKibana := []string{"GET /api/status", "POST /api/saved_objects/_import"}
	if strings.Join(kb.requests, "\n") != strings.Join(wantKibana, "\n") {
		t.Errorf("Kibana requests:\n%s\nwant:\n%s", strings.Join(kb.requests, "\n"), strings.Join(wantKibana, "\n"))
	}
	if !strings.Contains(out, "setup: done") {
		t.Errorf("output does not end with setup: done:\n%s", out)
	}
}

// brokenTemplateDir is a copy of deploy/elasticsearch whose articles
// template names a field type Elasticsearch does not have.
func brokenTemplateDir(t *testing.T) string {
	dir := t.TempDir()
	for _, name := range setupTemplates {
		data, err := os.ReadFile("elasticsearch/" + name + ".index-template.json")
		if err != nil {
			t.Fatal(err)
		}
		if name == "newsflow-articles" {
			broken := bytes.Replace(data, []byte(`"type": "date"`), []byte(`"type": "datetime"`), 1)
			if bytes.Equal(broken, data) {
				t.Fatal(`the articles template has no "type": "date" field to break`)
			}
			data = broken
		}
		if err := os.WriteFile(filepath.Join(dir, name+".index-template.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSetupFailsLoudly(t *testing.T) {
	tests := []struct {
		name    string
		break_  func(*testing.T, *estest.Server, *kibanaDouble) []string
		message string
	}{
		{"import reports failure", func(_ *testing.T, _ *estest.Server, kb *kibanaDouble) []string {
			kb.importErr = true
			return nil
		}, "success is not true"},
		{"template refused", func(t *testing.T, _ *estest.Server, _ *kibanaDouble) []string {
			return []string{"TEMPLATE_DIR=" + brokenTemplateDir(t)}
		}, "No handler for type [datetime]"},
		{"elasticsearch unavailable", func(_ *testing.T, es *estest.Server, _ *kibanaDouble) []string {
			es.SetFaults(estest.Faults{Unavailable: true})
			return nil
		}, "elasticsearch did not answer 200 within 5s (last HTTP 503)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := newElasticsearch(t)
			kb := newKibanaDouble(t, es)
			env := tt.break_(t, es, kb)
			out, err := runSetup(t, es, kb, env...)
			if err == nil {
				t.Fatalf("setup succeeded:\n%s", out)
			}
			if !strings.Contains(out, "FAILED") || !strings.Contains(out, tt.message) {
				t.Errorf("output does not say what failed (want %q):\n%s", tt.message, out)
			}
		})
	}
}

func TestSetupSecured(t *testing.T) {
	es := newElasticsearch(t)
	es.RequireBasicAuth("elastic", "elastic-pw")
	kb := newKibanaDouble(t, es)
	out, err := runSetup(t, es, kb,
		"ELASTIC_PASSWORD=elastic-pw",
		"KIBANA_SYSTEM_PASSWORD=kibana-system-pw",
		"NEWSFLOW_ES_USERNAME=newsflow_indexer",
		"NEWSFLOW_ES_PASSWORD=indexer-pw",
	)
	if err != nil {
		t.Fatalf("setup failed: %v\n%s", err, out)
	}
	if u, _ := es.User("kibana_system"); u.Password != "kibana-system-pw" {
		t.Errorf("kibana_system's password is %q, want KIBANA_SYSTEM_PASSWORD", u.Password)
	}
	u, ok := es.User("newsflow_indexer")
	if !ok || u.Password != "indexer-pw" || strings.Join(u.Roles, ",") != "newsflow_indexer" || u.FullName != "newsflow indexer" {
		t.Errorf("user newsflow_indexer = %+v (exists %v), want password indexer-pw and role newsflow_indexer", u, ok)
	}
	roleFile, _ := os.ReadFile("setup/indexer-role.json")
	want, err := estest.ParseRole(roleFile)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := es.Role("newsflow_indexer"); !reflect.DeepEqual(got, want) {
		t.Errorf("role newsflow_indexer = %+v, want setup/indexer-role.json", got)
	}
	wantES := []string{"GET /_cluster/health", "POST /_security/user/kibana_system/_password", "PUT /_security/role/newsflow_indexer",
		"PUT /_security/user/newsflow_indexer", "PUT /_index_template/newsflow-articles", "PUT /_index_template/newsflow-stories"}
	if got := distinct(es.Requests()); strings.Join(got, "\n") != strings.Join(wantES, "\n") {
		t.Errorf("Elasticsearch requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantES, "\n"))
	}
	for _, r := range es.Requests() {
		if r.User != "elastic" || r.Status/100 != 2 {
			t.Errorf("%s as %q answered %d, want elastic and 2xx", r, r.User, r.Status)
		}
	}
	for req, who := range kb.auth {
		if who != "elastic:elastic-pw" {
			t.Errorf("Kibana %s authenticated as %s, want elastic", req, who)
		}
	}
	// The user setup made works, with the role's rights and no more.
	asIndexer := func(method, path, body string) int {
		req, _ := http.NewRequest(method, es.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth("newsflow_indexer", "indexer-pw")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := asIndexer("PUT", "/newsflow-articles-2024-03", `{}`); code != 200 {
		t.Errorf("the indexer user creates an articles index: %d, want 200", code)
	}
	if code := asIndexer("PUT", "/_index_template/newsflow-articles", `{"index_patterns":["x-*"]}`); code != 403 {
		t.Errorf("the indexer user replaces a template: %d, want 403", code)
	}
	if strings.Contains(out, "kibana-system-pw") || strings.Contains(out, "indexer-pw") {
		t.Errorf("setup printed a password:\n%s", out)
	}
}

// TestSetupTemplateIsTheIndexers checks that the templates setup installs
// are the ones the indexer embeds: the indexer skips its own install when
// a template of the same version exists, so a stale copy here would win.
func TestSetupTemplateIsTheIndexers(t *testing.T) {
	files, _ := filepath.Glob("elasticsearch/*index-template*.json")
	embeddedFile := map[string]string{
		"elasticsearch/newsflow-articles.index-template.json": "services/indexer/esindex/template.json",
		"elasticsearch/newsflow-stories.index-template.json":  "services/indexer/esindex/stories_template.json",
	}
	if len(files) != len(embeddedFile) {
		t.Fatalf("index templates in deploy/elasticsearch: %v, want %d", files, len(embeddedFile))
	}
	for _, file := range files {
		src, ok := embeddedFile[file]
		if !ok {
			t.Errorf("%s: the indexer embeds no such template", file)
			continue
		}
		var deployed, embedded any
		for path, v := range map[string]*any{file: &deployed, filepath.Join(repoRoot, src): &embedded} {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, v); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
		if fmt.Sprint(deployed) != fmt.Sprint(embedded) {
			t.Errorf("%s differs from %s", file, src)
		}
	}
}

// TestSetupGivesUpOnDeadElasticsearch checks that setup fails, rather than
// waiting forever, when Elasticsearch never answers.
func TestSetupGivesUpOnDeadElasticsearch(t *testing.T) {
	es := newElasticsearch(t)
	kb := newKibanaDouble(t, es)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close() // nothing listens there any more
	out, err := runSetup(t, es, kb, "ES_URL="+dead.URL)
	if err == nil {
		t.Fatalf("setup succeeded without Elasticsearch:\n%s", out)
	}
	if !strings.Contains(out, "elasticsearch did not answer 200 within 5s") {
		t.Errorf("output does not say why:\n%s", out)
	}
	if len(kb.requests) != 0 {
		t.Errorf("setup went on to Kibana: %v", kb.requests)
	}
}
