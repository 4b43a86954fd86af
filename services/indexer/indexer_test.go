package indexer_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/indexer"
	"github.com/newsflow/newsflow/services/indexer/esindex"
	"github.com/newsflow/newsflow/services/indexer/estest"
)

func TestConfigFlags(t *testing.T) {
	c := indexer.DefaultConfig()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	e := &stage.EnvFlags{FlagSet: fs, Lookup: func(k string) (string, bool) {
		v, ok := map[string]string{
			"NEWSFLOW_ES_URLS":                " http://a:9200, http://b:9200 ",
			"NEWSFLOW_ES_API_KEY":             "a2V5",
			"NEWSFLOW_INDEXER_FLUSH_INTERVAL": "500ms",
			"NEWSFLOW_INDEXER_MAX_INFLIGHT":   "64",
		}[k]
		return v, ok
	}}
	c.Flags(e)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := e.Err(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(c.URLs(), ","), "http://a:9200,http://b:9200"; got != want {
		t.Errorf("URLs = %s, want %s", got, want)
	}
	if c.FlushInterval != 500*time.Millisecond || c.MaxInFlight != 64 || c.APIKey != "a2V5" {
		t.Errorf("config = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	bad := &stage.EnvFlags{FlagSet: flag.NewFlagSet("t", flag.ContinueOnError), Lookup: func(k string) (string, bool) {
		return "soon", k == "NEWSFLOW_INDEXER_FLUSH_INTERVAL"
	}}
	c.Flags(bad)
	if err := bad.Err(); err == nil || !strings.Contains(err.Error(), "NEWSFLOW_INDEXER_FLUSH_INTERVAL") {
		t.Errorf("bad duration: err = %v, want it named", err)
	}
}

func TestValidate(t *testing.T) {
	ok := indexer.DefaultConfig()
	ok.URL = "https://es:9200"
	tests := []struct {
		name   string
		mutate func(*indexer.Config)
		want   string // substring of the error; empty for valid
	}{
		{"valid", func(*indexer.Config) {}, ""},
		{"no url", func(c *indexer.Config) { c.URL = "" }, "NEWSFLOW_ES_URL"},
		{"bad url", func(c *indexer.Config) { c.URL = "es:9200" }, "want http(s)://host:port"},
		{"credentials in url", func(c *indexer.Config) { c.URL = "https://u:secret@es:9200" }, "carries credentials"},
		{"user without password", func(c *indexer.Config) { c.Username = "elastic" }, "NEWSFLOW_ES_PASSWORD"},
		{"missing CA", func(c *indexer.Config) { c.CACert = "/nonexistent/ca.pem" }, "NEWSFLOW_ES_CA_CERT"},
		{"bad prefix", func(c *indexer.Config) { c.IndexPrefix = "articles" }, "NEWSFLOW_INDEXER_INDEX_PREFIX"},
		{"flush too slow", func(c *indexer.Config) { c.FlushInterval = 30 * time.Second }, "ack wait"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mutate(&c)
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, indexer.ErrConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want ErrConfig mentioning %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error leaks a secret: %v", err)
			}
		})
	}
}

func testConfig(url string) indexer.Config {
	c := indexer.DefaultConfig()
	c.URL = url
	c.FlushInterval = 20 * time.Millisecond
	c.StartTimeout = 5 * time.Second
	return c
}

func doc(i int, ingested time.Time) *schema.Document {
	pub := time.Date(2024, 2, 1+i%20, 0, 0, 0, 0, time.UTC)
	return &schema.Document{SchemaVersion: 1, ID: fmt.Sprintf("d%03d", i), Title: "Title", Body: "Body text.",
		PublishedAt: &pub, IngestedAt: ingested, Source: schema.Source{Name: "S", Domain: "s.example"}}
}

func TestIndexerProcess(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	ctx := context.Background()
	ix, err := indexer.New(ctx, testConfig(s.URL), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Template(esindex.TemplateName); !ok {
		t.Fatal("template not installed")
	}
	ing := time.Date(2024, 2, 25, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 20; i++ {
		out, err := ix.Process(ctx, doc(i, ing))
		if out != nil || err != nil {
			t.Fatalf("Process = %v, %v; want nil, nil", out, err)
		}
	}
	if err := ix.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(s.Docs(esindex.Alias)); got != 20 {
		t.Errorf("%d documents behind the alias, want 20", got)
	}
	// A second process start does not rewrite the template.
	before := s.Stats().Requests
	ix2, err := indexer.New(ctx, testConfig(s.URL), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ix2.Close(ctx)
	if got := s.Stats().Requests - before; got != len(esindex.Templates()) {
		t.Errorf("second start made %d requests, want %d (GET the templates only)", got, len(esindex.Templates()))
	}
}

// Elasticsearch starting after the indexer: New waits for it.
func TestNewWaitsForElasticsearch(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	s.SetFaults(estest.Faults{Reset: true})
	go func() {
		time.Sleep(300 * time.Millisecond) // the cluster "boots"
		s.SetFaults(estest.Faults{})
	}()
	ix, err := indexer.New(context.Background(), testConfig(s.URL), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ix.Close(context.Background())

	cfg := testConfig(s.URL)
	cfg.StartTimeout = 200 * time.Millisecond
	s.SetFaults(estest.Faults{Reset: true})
	if _, err := indexer.New(context.Background(), cfg, zaptest.NewLogger(t)); err == nil {
		t.Fatal("New succeeded with Elasticsearch down")
	}
}

func TestMappingErrorIsPermanentWithReason(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	ctx := context.Background()
	d := doc(1, time.Date(2024, 2, 25, 0, 0, 0, 0, time.UTC))
	s.CreateIndex(esindex.IndexName(esindex.DefaultPrefix, d), map[string]any{
		"properties": map[string]any{"word_count": map[string]any{"type": "date", "format": "yyyy"}, "source": map[string]any{"type": "keyword"}}})
	ix, err := indexer.New(ctx, testConfig(s.URL), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close(ctx)
	_, err = ix.Process(ctx, d)
	if !stage.IsPermanent(err) || !strings.Contains(err.Error(), "document_parsing_exception") {
		t.Fatalf("err = %v, want a permanent document_parsing_exception", err)
	}
}

// Secrets never reach the log, at any level, even when requests fail.
func TestSecretsNeverLogged(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	const key, pass = "QVBJLUtFWS1TRUNSRVQ=", "p4ssw0rd-SECRET"
	s.RequireAPIKey(key)
	core, logs := observer.New(zapcore.DebugLevel)
	log := zap.New(core)
	ctx := context.Background()

	cfg := testConfig(s.URL)
	cfg.APIKey = key
	cfg.Username, cfg.Password = "elastic", pass
	ix, err := indexer.New(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Process(ctx, doc(1, time.Now())); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	ix.Process(ctx, doc(2, time.Now())) // fails, logs the outage
	s.Start()
	ix.Close(ctx)

	// A wrong key: New fails and logs its retries.
	bad := cfg
	bad.APIKey = "V1JPTkctU0VDUkVU"
	bad.StartTimeout = 300 * time.Millisecond
	indexer.New(ctx, bad, log)

	if logs.Len() == 0 {
		t.Fatal("nothing logged: the test proves nothing")
	}
	for _, e := range logs.All() {
		text := e.Message
		for k, v := range e.ContextMap() {
			text += fmt.Sprintf(" %s=%v", k, v)
		}
		for _, secret := range []string{key, pass, "V1JPTkctU0VDUkVU"} {
			if strings.Contains(text, secret) {
				t.Errorf("log entry leaks a secret: %s", text)
			}
		}
	}
	if !strings.Contains(cfg.String(), "api_key=****") || strings.Contains(cfg.String(), pass) {
		t.Errorf("String() = %s, want masked secrets", cfg.String())
	}
}

func TestCACert(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "ca.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o600)
	cfg := testConfig("https://localhost:9200")
	cfg.CACert = bad
	if _, err := indexer.NewClient(cfg); !errors.Is(err, indexer.ErrCACert) {
		t.Errorf("NewClient with a non-PEM CA file: %v, want ErrCACert", err)
	}
}

func TestReplayCommit(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	ctx := context.Background()
	ing := time.Date(2024, 2, 25, 0, 0, 0, 0, time.UTC)
	live, err := indexer.New(ctx, testConfig(s.URL), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		live.Process(ctx, doc(i, ing))
	}
	live.Close(ctx)

	if _, err := indexer.NewReplay(ctx, testConfig(s.URL), esindex.DefaultPrefix, zaptest.NewLogger(t)); !errors.Is(err, indexer.ErrReplayName) {
		t.Errorf("replay into the live generation: %v, want ErrReplayName", err)
	}
	name := indexer.DefaultReplayName(time.Date(2026, 11, 21, 8, 5, 0, 0, time.UTC))
	if name != "newsflow-articles-r20261121t0805" {
		t.Errorf("DefaultReplayName = %s", name)
	}
	r, err := indexer.NewReplay(ctx, testConfig(s.URL), name, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 7; i++ {
		if _, err := r.Process(ctx, doc(i, ing)); err != nil {
			t.Fatal(err)
		}
	}
	// Until the commit, readers see only the live generation.
	if got := len(s.Docs(esindex.Alias)); got != 5 {
		t.Errorf("before commit: %d documents behind the alias, want the live 5", got)
	}
	removed, err := r.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(s.Docs(esindex.Alias)); got != 7 {
		t.Errorf("after commit: %d documents behind the alias, want the replay's 7", got)
	}
	if strings.Join(removed, ",") != "newsflow-articles-2024.02" {
		t.Errorf("removed = %v", removed)
	}
	for _, n := range s.AliasIndices(esindex.Alias) {
		if !strings.HasPrefix(n, name+"-") {
			t.Errorf("alias still on %s", n)
		}
	}
}

func TestFlags(t *testing.T) {
	c := indexer.DefaultConfig()
	fs := flag.NewFlagSet("indexer", flag.ContinueOnError)
	e := &stage.EnvFlags{FlagSet: fs, Lookup: func(k string) (string, bool) {
		v, ok := map[string]string{"NEWSFLOW_ES_URLS": "http://env:9200", "NEWSFLOW_INDEXER_WORKERS": "3"}[k]
		return v, ok
	}}
	c.Flags(e)
	if err := fs.Parse([]string{"-flush-interval", "250ms"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Err(); err != nil {
		t.Fatal(err)
	}
	if c.URL != "http://env:9200" || c.Workers != 3 || c.FlushInterval != 250*time.Millisecond {
		t.Errorf("config = %s", c)
	}
}

// A least-privilege user that may not manage templates still indexes,
// relying on the template deploy/setup installed, and says so.
func TestTemplateForbiddenIsAWarning(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	s.SetFaults(estest.Faults{Forbid: func(_, path string) bool { return strings.HasPrefix(path, "/_index_template") }})
	core, logs := observer.New(zapcore.WarnLevel)
	ctx := context.Background()
	ix, err := indexer.New(ctx, testConfig(s.URL), zap.New(core))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer ix.Close(ctx)
	if got := logs.FilterMessageSnippet("not allowed to manage the index template").Len(); got != len(esindex.Templates()) {
		t.Errorf("%d warnings about the templates, want one per template (%d)", got, len(esindex.Templates()))
	}
	if _, err := ix.Process(ctx, doc(1, time.Now())); err != nil {
		t.Errorf("Process: %v", err)
	}
}

// A headline feed's document (a title, an empty body, no word count) is
// indexed with its title, an empty body and its story.
func TestIndexerStoresHeadlineWithoutBody(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	ctx := context.Background()
	ix, err := indexer.New(ctx, testConfig(s.URL), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	d := doc(0, time.Date(2024, 2, 25, 0, 0, 0, 0, time.UTC))
	d.Title, d.Body, d.StoryID = "Strong earthquake hits Ferrandina", "", "story-quake"
	if out, err := ix.Process(ctx, d); out != nil || err != nil {
		t.Fatalf("Process = %v, %v; want nil, nil", out, err)
	}
	if err := ix.Close(ctx); err != nil {
		t.Fatal(err)
	}
	docs := s.Docs(esindex.Alias)
	if len(docs) != 1 {
		t.Fatalf("%d documents behind the alias, want 1", len(docs))
	}
	var got struct {
		Title     string  `json:"title"`
		Body      *string `json:"body"`
		StoryID   string  `json:"story_id"`
		WordCount int     `json:"word_count"`
	}
	if err := json.Unmarshal(docs[0].Source, &got); err != nil {
		t.Fatal(err)
	}
	if got.Title != d.Title || got.Body == nil || *got.Body != "" || got.StoryID != "story-quake" || got.WordCount != 0 {
		t.Errorf("indexed %s; want the title, an empty body, the story and no words", docs[0].Source)
	}
}
