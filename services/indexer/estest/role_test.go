package estest_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/embedded"
	"github.com/newsflow/newsflow/services/indexer"
	"github.com/newsflow/newsflow/services/indexer/esindex"
	"github.com/newsflow/newsflow/services/indexer/estest"
)

// rolePath is the role deploy/setup/setup.sh gives the indexer's user.
const rolePath = "../../../deploy/setup/indexer-role.json"

const apiKey = "aW5kZXhlcjpzZWNyZXQ="

func indexerRole(t *testing.T) *estest.Role {
	t.Helper()
	data, err := os.ReadFile(rolePath)
	if err != nil {
		t.Fatal(err)
	}
	r, err := estest.ParseRole(data)
	if err != nil {
		t.Fatalf("%s: %v", rolePath, err)
	}
	return r
}

// securedES is the double as the secured deployment leaves it: the index
// template installed by setup (as the elastic user), and every request of
// the indexer's API key held to role.
func securedES(t *testing.T, role *estest.Role) *estest.Server {
	t.Helper()
	s := estest.NewServer()
	t.Cleanup(s.Close)
	s.RequireAPIKey(apiKey)
	for _, tpl := range esindex.Templates() {
		s.PutTemplate(tpl.Name, tpl.Body())
	}
	s.EnforceRole("newsflow_indexer", role)
	return s
}

func roleConfig(url string) indexer.Config {
	c := indexer.DefaultConfig()
	c.URL = url
	c.APIKey = apiKey
	c.FlushInterval = 20 * time.Millisecond
	c.StartTimeout = 5 * time.Second
	return c
}

func article(id string, published time.Time) *schema.Document {
	return &schema.Document{SchemaVersion: 1, ID: id, Title: "Breakwater holds", Body: "The harbour wall held through the storm.",
		PublishedAt: &published, IngestedAt: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC),
		Source: schema.Source{Name: "Harbour Post", Domain: "harbour.example"}}
}

// TestIndexerLifecycleUnderRole runs everything the indexer does in
// production under deploy/setup/indexer-role.json: start (template check),
// first writes to two months (index creation with the read alias),
// redelivery (409), an outage and its recovery (health probe), close.
// It also checks the role refuses what the indexer must not do.
func TestIndexerLifecycleUnderRole(t *testing.T) {
	es := securedES(t, indexerRole(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ix, err := indexer.New(ctx, roleConfig(es.URL), zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("New under the role: %v", err)
	}
	closed := false
	defer func() {
		if !closed {
			ix.Close(ctx)
		}
	}()
	// Reading the templates is refused (no manage_index_templates): New
	// relies on the ones setup installed. Nothing else may be refused.
	if got := es.Stats().Forbidden; got != 2 {
		t.Errorf("forbidden requests after New = %d, want 2 (the template checks)", got)
	}

	march, april := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), time.Date(2024, 4, 7, 0, 0, 0, 0, time.UTC)
	for _, d := range []*schema.Document{article("a1", march), article("a2", april), article("a3", march)} {
		if _, err := ix.Process(ctx, d); err != nil {
			t.Fatalf("Process %s under the role: %v", d.ID, err)
		}
	}
	// A redelivery: the same version again is a 409, which is success.
	if _, err := ix.Process(ctx, article("a1", march)); err != nil {
		t.Fatalf("redelivery: %v", err)
	}
	// An outage: one bulk request fails, the gate closes, the prober's
	// ping (GET /, cluster:monitor/main) reopens it.
	es.SetFaults(estest.Faults{FailRequests: 1})
	if _, err := ix.Process(ctx, article("a4", april)); !stage.IsUnavailable(err) {
		t.Fatalf("Process during the outage = %v, want an Unavailable error", err)
	}
	if _, err := ix.Process(ctx, article("a4", april)); err != nil {
		t.Fatalf("Process after the outage: %v", err)
	}
	// Stories: a snapshot, a late older one (409), and a twin merged
	// into the first, whose articles are re-pointed (refresh and
	// _update_by_query on the read alias).
	twinArticle := article("a5", april)
	twinArticle.StoryID = "s2"
	if _, err := ix.Process(ctx, twinArticle); err != nil {
		t.Fatalf("Process %s: %v", twinArticle.ID, err)
	}
	for _, st := range []*schema.Story{roleStory("s1", 2, ""), roleStory("s1", 1, ""), roleStory("s2", 3, "s1")} {
		if _, err := ix.ProcessStory(ctx, st); err != nil {
			t.Fatalf("ProcessStory %s revision %d under the role: %v", st.ID, st.Revision, err)
		}
	}
	if d, _ := es.Doc("newsflow-articles-2024.04", "a5"); !strings.Contains(string(d.Source), `"story_id":"s1"`) {
		t.Errorf("the merged story's article was not re-pointed: %s", d.Source)
	}
	// An article of the merged story written after the merge: it reads
	// its story (_mget on the story index) and re-points itself.
	late := article("a6", april)
	late.StoryID = "s2"
	if _, err := ix.Process(ctx, late); err != nil {
		t.Fatalf("Process %s: %v", late.ID, err)
	}
	if d, _ := es.Doc("newsflow-articles-2024.04", "a6"); !strings.Contains(string(d.Source), `"story_id":"s1"`) {
		t.Errorf("the late article of the merged story was not re-pointed: %s", d.Source)
	}
	if err := ix.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	closed = true

	if got := es.Stats().Forbidden; got != 2 {
		t.Errorf("forbidden requests = %d, want only the template checks", got)
	}
	if got := len(es.Docs(esindex.Alias)); got != 6 {
		t.Errorf("%d articles under the alias, want 6", got)
	}
	if got := len(es.Docs(esindex.DefaultStoryIndex)); got != 2 {
		t.Errorf("%d stories, want 2", got)
	}
	want := []string{"newsflow-articles-2024.03", "newsflow-articles-2024.04"}
	if got := es.AliasIndices(esindex.Alias); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("alias %s -> %v, want %v", esindex.Alias, got, want)
	}
	for _, tpl := range esindex.Templates() {
		if got, _ := es.Template(tpl.Name); string(got) != string(tpl.Body()) {
			t.Errorf("the template %s changed", tpl.Name)
		}
	}

	// What the role must refuse, through the indexer's own client.
	c := ix.Client()
	refused := []struct {
		what string
		do   func() (int, error)
	}{
		{"delete an index", func() (int, error) {
			res, err := c.Indices.Delete([]string{"newsflow-articles-2024.03"})
			if err != nil {
				return 0, err
			}
			defer res.Body.Close()
			return res.StatusCode, nil
		}},
		{"replace the index template", func() (int, error) {
			res, err := c.Indices.PutIndexTemplate(esindex.TemplateName, strings.NewReader(`{"index_patterns":["newsflow-articles-*"],"priority":500}`))
			if err != nil {
				return 0, err
			}
			defer res.Body.Close()
			return res.StatusCode, nil
		}},
		{"read stories", func() (int, error) {
			res, err := c.Search(c.Search.WithIndex(esindex.DefaultStoryIndex))
			if err != nil {
				return 0, err
			}
			defer res.Body.Close()
			return res.StatusCode, nil
		}},
		{"write elsewhere", func() (int, error) {
			res, err := c.Indices.Create("kibana-hijack")
			if err != nil {
				return 0, err
			}
			defer res.Body.Close()
			return res.StatusCode, nil
		}},
	}
	for _, r := range refused {
		if code, err := r.do(); err != nil || code != 403 {
			t.Errorf("%s: %d %v, want 403", r.what, code, err)
		}
	}
	want = append(want, esindex.DefaultStoryIndex)
	if got := es.Indices(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("indices = %v, want %v", got, want)
	}
}

func roleStory(id string, revision uint64, mergedInto string) *schema.Story {
	at := time.Date(2024, 4, 7, 0, 0, 0, 0, time.UTC)
	return &schema.Story{SchemaVersion: 1, ID: id, Title: "Breakwater holds", RepresentativeID: "a2",
		FirstSeen: at, LastSeen: at, ArticleCount: 1, OutletCount: 1, Sources: []string{"Harbour Post"},
		MergedInto: mergedInto, Revision: revision}
}

// TestStoriesUnderRoleMissingAPrivilege takes away, one at a time, what
// the story side needs beyond the article side: each refusal names the
// action and the privileges that grant it, and nothing is reported done.
func TestStoriesUnderRoleMissingAPrivilege(t *testing.T) {
	full := indexerRole(t)
	tests := []struct {
		name string
		role *estest.Role
		// merged: the snapshot is a merge, so the re-point runs.
		merged bool
		want   []string
	}{
		{"no create on the story index", &estest.Role{Cluster: full.Cluster, Indices: append(full.Indices[:2:2],
			estest.IndicesPrivileges{Names: full.Indices[2].Names, Privileges: []string{"indices:data/read/mget*"}})}, false,
			[]string{"security_exception", "indices:admin/create", "newsflow-stories"}},
		{"no read", full.Without("read"), true,
			[]string{"security_exception", "indices:data/read/search", "[read,all]"}},
		{"no update_by_query", full.Without("indices:data/write/update/byquery"), true,
			[]string{"security_exception", "indices:data/write/update/byquery", "[index,write,all]"}},
		{"no refresh", full.Without("indices:admin/refresh*"), true,
			[]string{"security_exception", "indices:admin/refresh", "[maintenance,manage,all]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := securedES(t, tt.role)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			ix, err := indexer.New(ctx, roleConfig(es.URL), zaptest.NewLogger(t))
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			defer ix.Close(ctx)
			a := article("m1", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC))
			a.StoryID = "s2"
			if _, err := ix.Process(ctx, a); err != nil {
				t.Fatalf("Process: %v", err)
			}
			merged := ""
			if tt.merged {
				merged = "s1"
			}
			_, err = ix.ProcessStory(ctx, roleStory("s2", 1, merged))
			if err == nil {
				t.Fatal("ProcessStory succeeded without the privilege")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if stage.IsPermanent(err) || stage.IsUnavailable(err) {
				t.Errorf("error %v is permanent or unavailable; want retried and dead-lettered at NEWSFLOW_MAX_DELIVER", err)
			}
			if d, _ := es.Doc("newsflow-articles-2024.03", "m1"); !strings.Contains(string(d.Source), `"story_id":"s2"`) {
				t.Errorf("the article changed: %s", d.Source)
			}
		})
	}
	// Without the story look-up, an article of a story is written but
	// not reported done: it is retried (its redelivery is a 409, then the
	// look-up again) and dead-lettered at NEWSFLOW_MAX_DELIVER.
	t.Run("no story look-up", func(t *testing.T) {
		es := securedES(t, full.Without("indices:data/read/mget*"))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		ix, err := indexer.New(ctx, roleConfig(es.URL), zaptest.NewLogger(t))
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		defer ix.Close(ctx)
		a := article("m1", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC))
		a.StoryID = "s2"
		_, err = ix.Process(ctx, a)
		for _, w := range []string{"security_exception", "indices:data/read/mget", "[read,all]"} {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("error %v does not say %q", err, w)
			}
		}
		if stage.IsPermanent(err) || stage.IsUnavailable(err) {
			t.Errorf("error %v is permanent or unavailable; want retried and dead-lettered at NEWSFLOW_MAX_DELIVER", err)
		}
	})
}

// TestIndexerUnderRoleMissingAPrivilege takes one privilege away at a
// time: each must make the indexer fail with an error that names the
// refused action and the privilege that grants it, and must not report
// the article as written.
func TestIndexerUnderRoleMissingAPrivilege(t *testing.T) {
	full := indexerRole(t)
	tests := []struct {
		name string
		role *estest.Role
		// want are pieces of the error Process returns.
		want []string
		// permanent: dead-lettered at once; unavailable: retried while
		// it lasts, never dead-lettered; neither: retried, dead-lettered
		// at NEWSFLOW_MAX_DELIVER.
		permanent, unavailable bool
	}{
		{"no create_index", full.Without("create_index"),
			[]string{"security_exception", "indices:admin/create", "[create_index,manage,all]"}, false, false},
		{"no alias privilege", full.Without("indices:admin/aliases"),
			[]string{"security_exception", "indices:admin/aliases", "newsflow-articles-2024.03"}, false, false},
		{"no alias privilege on the alias", &estest.Role{Cluster: full.Cluster, Indices: full.Indices[:1]},
			[]string{"security_exception", "indices:admin/aliases", "on indices [newsflow-articles]"}, false, false},
		{"create_doc instead of create", withPrivilege(full.Without("create"), "create_doc"),
			[]string{"403 security_exception", "indices:data/write/index:op_type/index", "[create,index,write,all]"}, true, false},
		// No privilege grants bulk at all: the whole request is refused.
		{"no write privilege", full.Without("create"),
			[]string{"403", "security_exception", "indices:data/write/bulk"}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := securedES(t, tt.role)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			ix, err := indexer.New(ctx, roleConfig(es.URL), zaptest.NewLogger(t))
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			defer ix.Close(ctx)
			_, err = ix.Process(ctx, article("m1", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)))
			if err == nil {
				t.Fatal("Process succeeded without the privilege")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if got := stage.IsPermanent(err); got != tt.permanent {
				t.Errorf("permanent = %v, want %v (%v)", got, tt.permanent, err)
			}
			if got := stage.IsUnavailable(err); got != tt.unavailable {
				t.Errorf("unavailable = %v, want %v (%v)", got, tt.unavailable, err)
			}
			if len(es.Docs("_all")) != 0 {
				t.Error("an article was stored")
			}
		})
	}

	// Without monitor the indexer writes, but after an outage its health
	// probe (GET /) is refused, so it never sees the cluster come back:
	// the article waits (it is not acknowledged) and /readyz stays down.
	t.Run("no monitor", func(t *testing.T) {
		es := securedES(t, full.Without("monitor"))
		ctx := context.Background()
		ix, err := indexer.New(ctx, roleConfig(es.URL), zaptest.NewLogger(t))
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		defer ix.Close(ctx)
		if _, err := ix.Process(ctx, article("m1", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC))); err != nil {
			t.Fatalf("Process: %v", err)
		}
		es.SetFaults(estest.Faults{FailRequests: 1})
		if _, err := ix.Process(ctx, article("m2", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC))); !stage.IsUnavailable(err) {
			t.Fatalf("Process during the outage = %v, want Unavailable", err)
		}
		wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_, err = ix.Process(wctx, article("m2", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)))
		if !errors.Is(err, context.DeadlineExceeded) || ix.Up() {
			t.Errorf("after the outage: err %v, up %v; want a wait until the deadline and down", err, ix.Up())
		}
		if es.Stats().Forbidden < 2 {
			t.Errorf("forbidden = %d, want the refused health probes", es.Stats().Forbidden)
		}
	})
}

func withPrivilege(r *estest.Role, p string) *estest.Role {
	for i := range r.Indices {
		r.Indices[i].Privileges = append(append([]string(nil), r.Indices[i].Privileges...), p)
	}
	return r
}

// TestIndexerStageUnderRole runs the indexer stage on the real runtime
// (embedded NATS) under the role, and under two broken roles. With
// create_doc instead of create, Elasticsearch refuses the item: the
// article is dead-lettered with the reason and stays in its stream for a
// redrive. With no write privilege at all it refuses the whole request:
// the article is retried and held, never dead-lettered. Neither is lost.
func TestIndexerStageUnderRole(t *testing.T) {
	for _, tt := range []struct {
		name       string
		role       func(*estest.Role) *estest.Role
		dead, held bool
	}{
		{"role", func(r *estest.Role) *estest.Role { return r }, false, false},
		{"create_doc instead of create", func(r *estest.Role) *estest.Role { return withPrivilege(r.Without("create"), "create_doc") }, true, false},
		{"no write privilege", func(r *estest.Role) *estest.Role { return r.Without("create") }, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			es := securedES(t, tt.role(indexerRole(t)))
			ns, err := embedded.Start(embedded.Options{StoreDir: t.TempDir(), Port: -1})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
			cfg := stage.DefaultConfig()
			cfg.Streams.MaxBytes = 16 << 20
			cfg.Consumer.Concurrency, cfg.Consumer.Batch = 4, 8
			cfg.Consumer.RetryMin, cfg.Consumer.RetryMax = 10*time.Millisecond, 50*time.Millisecond
			cfg.NATS.URL = ns.ClientURL()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			rt, err := stage.Open(ctx, cfg, stage.NameIndex, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			ix, err := indexer.New(ctx, roleConfig(es.URL), zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			rt.OnShutdown(ix.Close)
			defer func() {
				if err := rt.Shutdown(ctx); err != nil {
					t.Errorf("shutdown: %v", err)
				}
			}()
			if _, err := stage.Start(ctx, rt, stage.Stage[*schema.Document, *schema.Document]{
				Name: stage.NameIndex, Input: stage.SubjectStoried, Decode: schema.DecodeDocument, Process: ix.Process,
			}); err != nil {
				t.Fatal(err)
			}
			nc, err := nats.Connect(ns.ClientURL())
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			js, _ := jetstream.New(nc)
			dead, err := js.OrderedConsumer(ctx, stage.StreamDead, jetstream.OrderedConsumerConfig{})
			if err != nil {
				t.Fatal(err)
			}
			data, _ := json.Marshal(article("s1", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)))
			if _, err := js.Publish(ctx, stage.SubjectStoried, data); err != nil {
				t.Fatal(err)
			}
			if tt.held {
				// Wait for three refused bulk requests (retries), then the
				// article must be neither dead-lettered nor acknowledged.
				for es.Stats().Forbidden < 4 {
					select {
					case <-ctx.Done():
						t.Fatal("the indexer stopped retrying")
					case <-time.After(20 * time.Millisecond):
					}
				}
				ds, _ := js.Stream(ctx, stage.StreamDead)
				if info, err := ds.Info(ctx); err != nil || info.State.Msgs != 0 {
					t.Errorf("dead letters: %v %v, want none", info.State.Msgs, err)
				}
				c, err := js.Consumer(ctx, stage.StreamStoried, stage.NameIndex)
				if err != nil {
					t.Fatal(err)
				}
				if ci, err := c.Info(ctx); err != nil || ci.NumAckPending+int(ci.NumPending) != 1 {
					t.Errorf("consumer: %+v %v, want the article still unacknowledged", ci, err)
				}
				return
			}
			if !tt.dead {
				for len(es.Docs(esindex.Alias)) != 1 {
					select {
					case <-ctx.Done():
						t.Fatal("the article was not indexed")
					case <-time.After(20 * time.Millisecond):
					}
				}
				return
			}
			m, err := dead.Next(jetstream.FetchMaxWait(20 * time.Second))
			if err != nil {
				t.Fatalf("no dead letter: %v", err)
			}
			reason := m.Headers().Get(stage.HeaderDeadReason)
			for _, w := range []string{"403 security_exception", "indices:data/write/index:op_type/index", "newsflow_indexer"} {
				if !strings.Contains(reason, w) {
					t.Errorf("dead-letter reason %q does not say %q", reason, w)
				}
			}
			if string(m.Data()) != string(data) {
				t.Error("the dead letter does not carry the article for a redrive")
			}
			s, err := js.Stream(ctx, stage.StreamStoried)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.GetMsg(ctx, 1); err != nil {
				t.Errorf("the article is gone from %s: %v", stage.StreamStoried, err)
			}
		})
	}
}

// The role the issue describes, create_doc and index instead of create,
// also runs the indexer: index grants op_type=index (and _update, which
// the indexer never calls), so the shipped role uses the narrower create.
func TestIndexerUnderCreateDocAndIndexRole(t *testing.T) {
	role := withPrivilege(withPrivilege(indexerRole(t).Without("create"), "create_doc"), "index")
	es := securedES(t, role)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ix, err := indexer.New(ctx, roleConfig(es.URL), zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("New under create_doc + index: %v", err)
	}
	defer ix.Close(ctx)
	march := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	for _, d := range []*schema.Document{article("b1", march), article("b1", march)} {
		if _, err := ix.Process(ctx, d); err != nil {
			t.Fatalf("Process %s under create_doc + index: %v", d.ID, err)
		}
	}
	if got := es.Stats().Forbidden; got != 2 {
		t.Errorf("forbidden requests = %d, want only the template checks", got)
	}
}
