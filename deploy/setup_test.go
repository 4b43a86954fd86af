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
	"strings"
	"sync"
	"testing"
	"time"
)

// stackDouble fakes the parts of the Elasticsearch and Kibana HTTP APIs
// that deploy/setup/setup.sh calls, answering as the real servers do:
// ES refuses bodies that are not JSON, Kibana refuses requests without
// kbn-xsrf, and the import API answers 200 with success in the body.
type stackDouble struct {
	t  *testing.T
	mu sync.Mutex
	// requests are "METHOD path" in arrival order.
	requests  []string
	bodies    map[string][]byte
	auth      map[string]string
	importErr bool // answer the import with success:false
	failPut   bool // answer index template PUTs with 400
}

func newStackDouble(t *testing.T) *stackDouble {
	return &stackDouble{t: t, bodies: map[string][]byte{}, auth: map[string]string{}}
}

func (d *stackDouble) record(r *http.Request, body []byte) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	key := r.Method + " " + r.URL.Path
	d.requests = append(d.requests, key)
	d.bodies[key] = body
	if u, p, ok := r.BasicAuth(); ok {
		d.auth[key] = u + ":" + p
	}
	return key
}

func (d *stackDouble) es() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		d.record(r, body)
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodGet {
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				w.WriteHeader(http.StatusNotAcceptable)
				fmt.Fprintf(w, `{"error":"Content-Type header [%s] is not supported","status":406}`, ct)
				return
			}
			if !json.Valid(body) {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"error":{"type":"parse_exception"},"status":400}`)
				return
			}
		}
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/_cluster/health":
			fmt.Fprint(w, `{"cluster_name":"newsflow","status":"green","timed_out":false}`)
		case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/_index_template/"):
			if d.failPut {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"error":{"type":"illegal_argument_exception","reason":"composable template [newsflow-articles] template after composition is invalid"},"status":400}`)
				return
			}
			fmt.Fprint(w, `{"acknowledged":true}`)
		case r.Method == http.MethodPost && r.URL.Path == "/_security/user/kibana_system/_password":
			fmt.Fprint(w, `{}`)
		case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/_security/role/"):
			fmt.Fprint(w, `{"role":{"created":true}}`)
		case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/_security/user/"):
			fmt.Fprint(w, `{"created":true}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"error":"no handler for %s %s","status":404}`, r.Method, r.URL.Path)
		}
	})
}

func (d *stackDouble) kibana() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/api/status":
			d.record(r, nil)
			fmt.Fprint(w, `{"name":"kibana","status":{"overall":{"level":"available"}}}`)
		case r.Method == http.MethodPost && r.URL.Path == "/api/saved_objects/_import":
			if r.Header.Get("kbn-xsrf") == "" {
				d.record(r, nil)
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"statusCode":400,"error":"Bad Request","message":"Request must contain a kbn-xsrf header."}`)
				return
			}
			file, _, err := r.FormFile("file")
			if err != nil {
				d.record(r, nil)
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, `{"statusCode":400,"message":%q}`, err.Error())
				return
			}
			body, _ := io.ReadAll(file)
			d.record(r, body)
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
			d.record(r, nil)
			w.WriteHeader(http.StatusNotFound)
		}
	})
}

// runSetup runs deploy/setup/setup.sh against the doubles with env added.
func runSetup(t *testing.T, d *stackDouble, env ...string) (string, error) {
	t.Helper()
	for _, tool := range []string{"sh", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed here (the setup image has it): %v", tool, err)
		}
	}
	es := httptest.NewServer(d.es())
	t.Cleanup(es.Close)
	kb := httptest.NewServer(d.kibana())
	t.Cleanup(kb.Close)
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
		"KIBANA_URL=" + kb.URL,
		"TEMPLATE_DIR=" + abs("elasticsearch"),
		"KIBANA_DIR=" + abs("kibana"),
		"WAIT_SECONDS=5",
	}, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestSetupInstallsTemplateAndImportsKibana(t *testing.T) {
	d := newStackDouble(t)
	out, err := runSetup(t, d)
	if err != nil {
		t.Fatalf("setup failed: %v\n%s", err, out)
	}
	for _, name := range []string{"newsflow-articles", "newsflow-stories"} {
		file := "elasticsearch/" + name + ".index-template.json"
		want, _ := os.ReadFile(file)
		if got := d.bodies["PUT /_index_template/"+name]; len(want) == 0 || !bytes.Equal(got, want) {
			t.Errorf("index template %s PUT body = %d bytes, want the %d bytes of %s", name, len(got), len(want), file)
		}
	}
	ndjson, _ := os.ReadFile("kibana/newsflow.ndjson")
	if got := d.bodies["POST /api/saved_objects/_import"]; !bytes.Equal(got, ndjson) {
		t.Errorf("imported %d bytes, want kibana/newsflow.ndjson (%d bytes)", len(got), len(ndjson))
	}
	// Order: ES up, template, Kibana up, import; no security calls.
	var order []string
	for _, r := range d.requests {
		if len(order) == 0 || order[len(order)-1] != r {
			order = append(order, r)
		}
	}
	wantOrder := []string{
		"GET /_cluster/health",
		"PUT /_index_template/newsflow-articles",
		"PUT /_index_template/newsflow-stories",
		"GET /api/status",
		"POST /api/saved_objects/_import",
	}
	if strings.Join(order, "\n") != strings.Join(wantOrder, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(order, "\n"), strings.Join(wantOrder, "\n"))
	}
	if !strings.Contains(out, "setup: done") {
		t.Errorf("output does not end with setup: done:\n%s", out)
	}
}

func TestSetupFailsLoudly(t *testing.T) {
	tests := []struct {
		name    string
		break_  func(*stackDouble)
		message string
	}{
		{"import reports failure", func(d *stackDouble) { d.importErr = true }, "success is not true"},
		{"template refused", func(d *stackDouble) { d.failPut = true }, "template after composition is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newStackDouble(t)
			tt.break_(d)
			out, err := runSetup(t, d)
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
	d := newStackDouble(t)
	out, err := runSetup(t, d,
		"ELASTIC_PASSWORD=elastic-pw",
		"KIBANA_SYSTEM_PASSWORD=kibana-system-pw",
		"NEWSFLOW_ES_USERNAME=newsflow_indexer",
		"NEWSFLOW_ES_PASSWORD=indexer-pw",
	)
	if err != nil {
		t.Fatalf("setup failed: %v\n%s", err, out)
	}
	checks := []struct {
		request, body string
	}{
		{"POST /_security/user/kibana_system/_password", `{"password":"kibana-system-pw"}`},
		{"PUT /_security/user/newsflow_indexer", `{"password":"indexer-pw","roles":["newsflow_indexer"],"full_name":"newsflow indexer"}`},
	}
	for _, c := range checks {
		var got, want any
		if err := json.Unmarshal(d.bodies[c.request], &got); err != nil {
			t.Errorf("%s: body %q: %v", c.request, d.bodies[c.request], err)
			continue
		}
		json.Unmarshal([]byte(c.body), &want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s body = %v, want %v", c.request, got, want)
		}
	}
	role, _ := os.ReadFile("setup/indexer-role.json")
	if got := d.bodies["PUT /_security/role/newsflow_indexer"]; !bytes.Equal(got, role) {
		t.Errorf("role body = %s, want setup/indexer-role.json", got)
	}
	for req, who := range d.auth {
		if who != "elastic:elastic-pw" {
			t.Errorf("%s authenticated as %s, want elastic", req, who)
		}
	}
	if len(d.auth) < 5 {
		t.Errorf("only %d requests authenticated: %v", len(d.auth), d.auth)
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
	d := newStackDouble(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close() // nothing listens there any more
	out, err := runSetup(t, d, "ES_URL="+dead.URL)
	if err == nil {
		t.Fatalf("setup succeeded without Elasticsearch:\n%s", out)
	}
	if !strings.Contains(out, "elasticsearch did not answer 200 within 5s") {
		t.Errorf("output does not say why:\n%s", out)
	}
	if len(d.requests) != 0 {
		t.Errorf("setup went on to %v", d.requests)
	}
}
