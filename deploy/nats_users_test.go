package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/dedupe"
	"github.com/newsflow/newsflow/services/enrich"
	"github.com/newsflow/newsflow/services/indexer"
	"github.com/newsflow/newsflow/services/indexer/estest"
	"github.com/newsflow/newsflow/services/ingest"
	"github.com/newsflow/newsflow/services/ingest/intake"
	"github.com/newsflow/newsflow/services/stories"
)

// natsUsers are the users of nats-secure.conf and the test passwords the
// helper puts in the environment variables the file reads.
var natsUsers = []string{"ingest", "dedupe", "enrich", "stories", "indexer", "scraper", "admin"}

// natsPasswordEnv is the variable nats-secure.conf reads user's password
// from, e.g. NEWSFLOW_NATS_INGEST_PASSWORD.
func natsPasswordEnv(user string) string {
	return "NEWSFLOW_NATS_" + strings.ToUpper(user) + "_PASSWORD"
}

func natsPassword(user string) string { return user + "-pw" }

// secureNATS is a server started from nats-secure.conf.
type secureNATS struct {
	srv *server.Server
	url string
	ca  string
	// inboxes: every user has its own inbox prefix, _INBOX_<user>.
	inboxes bool
}

// startSecureNATS starts a server from nats/nats-secure.conf as the
// compose nats service does, on a free port.
func startSecureNATS(t *testing.T) secureNATS {
	t.Helper()
	return startSecureNATSEdited(t, func(s string) string { return s })
}

// startSecureNATSEdited starts a server from nats-secure.conf with edit
// applied to its text.
func startSecureNATSEdited(t *testing.T, edit func(string) string) secureNATS {
	t.Helper()
	conf, caFile := secureNATSConfEdited(t, edit)
	opts, err := server.ProcessConfigFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	opts.Host, opts.Port, opts.HTTPPort = "127.0.0.1", -1, -1
	opts.NoLog, opts.NoSigs = true, true
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(s.Shutdown)
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("not ready")
	}
	return secureNATS{srv: s, url: s.ClientURL(), ca: caFile}
}

// stageConfig is what a service reads from its environment in the secured
// compose variant: its own user, its password, the CA.
func (n secureNATS) stageConfig(user string) stage.Config {
	c := stage.DefaultConfig()
	c.NATS = stage.NATSConfig{URL: n.url, User: user, Password: natsPassword(user), CACert: n.ca}
	c.Consumer.Batch = 16
	c.Consumer.Concurrency = 4
	c.Consumer.MaxAckPending = 64
	c.Consumer.RetryMin = 100 * time.Millisecond
	c.Consumer.RetryMax = time.Second
	c.ShutdownTimeout = 10 * time.Second
	c.Streams = testStreams()
	return c
}

// testStreams are the stream settings of the secured compose variant
// (NEWSFLOW_STREAM_MAX_BYTES=2147483648) scaled down to test storage.
func testStreams() stage.StreamsConfig {
	s := stage.DefaultConfig().Streams
	s.MaxBytes = 64 << 20
	return s
}

// permErrors collects the asynchronous errors the server sends a client,
// where permission violations arrive.
type permErrors chan error

// connect dials as user with an error handler feeding the returned channel.
func (n secureNATS) connect(t *testing.T, user string) (*nats.Conn, permErrors) {
	t.Helper()
	errs := make(permErrors, 64)
	opts := []nats.Option{nats.RootCAs(n.ca), nats.UserInfo(user, natsPassword(user)),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case errs <- err:
			default:
			}
		})}
	if n.inboxes {
		opts = append(opts, nats.CustomInboxPrefix(inboxPrefix(user)))
	}
	nc, err := nats.Connect(n.url, opts...)
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(nc.Close)
	return nc, errs
}

// await waits for a permission violation naming subject.
func (errs permErrors) await(t *testing.T, what, subject string) {
	t.Helper()
	want := fmt.Sprintf("Permissions Violation for %s to %q", what, subject)
	timeout := time.After(5 * time.Second)
	for {
		select {
		case err := <-errs:
			if strings.Contains(err.Error(), want) {
				return
			}
			t.Logf("other async error: %v", err)
		case <-timeout:
			t.Errorf("no %q from the server: the operation was allowed", want)
			return
		}
	}
}

// logRecorder is a logger that also keeps every warning and error, so a
// test can see permission violations the runtime only logs.
func logRecorder(t *testing.T) (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.WarnLevel)
	return zap.New(core), logs
}

// permissionLogs returns the recorded entries that mention a permission
// violation or an authorization failure.
func permissionLogs(logs *observer.ObservedLogs) []string {
	var out []string
	for _, e := range logs.All() {
		text := e.Message
		for k, v := range e.ContextMap() {
			text += fmt.Sprintf(" %s=%v", k, v)
		}
		if strings.Contains(strings.ToLower(text), "permission") || strings.Contains(strings.ToLower(text), "authorization") {
			out = append(out, text)
		}
	}
	return out
}

const usersArticle = `Harbour authorities in the coastal town of Porto Velho said on Tuesday that the new
breakwater, built over three winters by a local cooperative, had held through the strongest storm in a
decade. Fishermen who had tied their boats inside the basin returned at dawn to find every hull intact,
while the old pier to the north lost a third of its planks. The cooperative's engineer, Marta Soares,
said the design copied a structure the town's grandparents had built from stone and timber, before the
port was rebuilt in concrete in the 1970s. The council will vote next month on extending the wall by
another two hundred metres, paid for by a regional fund for coastal protection.`

// TestNATSUsersRunPipeline runs the four services, wired as their mains
// wire them, each as its own user from nats-secure.conf over TLS, and
// sends articles through: one by POST /v1/articles (ingest's intake) and
// one by the scraper user straight to articles.raw, its syndicated copy
// so dedupe's KV and merge paths run too. Every article must reach the
// Elasticsearch double with no permission violation and no dead letter;
// then the admin user runs the CLI's operations.
func TestNATSUsersRunPipeline(t *testing.T) {
	runPipeline(t, startSecureNATS(t))
}

// inboxPrefix is user's own inbox prefix in TestNATSUsersPerUserInbox.
func inboxPrefix(user string) string { return "_INBOX_" + user }

// perUserInboxes limits each user of nats-secure.conf to subscribing to
// its own inboxes, _INBOX_<user>.>, instead of the shared _INBOX.>.
func perUserInboxes(conf string) string {
	var out []string
	user := ""
	for _, line := range strings.Split(conf, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "user:" {
			user = f[1]
		}
		if user != "" {
			line = strings.ReplaceAll(line, `"_INBOX.>"`, `"`+inboxPrefix(user)+`.>"`)
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// TestNATSUsersPerUserInbox runs the pipeline with each user limited to
// its own inbox prefix, the tighter setting a stage.Connect that sets
// nats.CustomInboxPrefix would allow, and checks no user can then read
// another's replies or pull deliveries.
func TestNATSUsersPerUserInbox(t *testing.T) {
	n := startSecureNATSEdited(t, perUserInboxes)
	n.inboxes = true
	runPipeline(t, n)
	for _, s := range []struct{ user, subject string }{
		{"enrich", "_INBOX.>"},
		{"enrich", inboxPrefix("dedupe") + ".>"},
		{"scraper", inboxPrefix("ingest") + ".>"},
		{"indexer", inboxPrefix("admin") + ".>"},
	} {
		nc, errs := n.connect(t, s.user)
		if _, err := nc.SubscribeSync(s.subject); err != nil {
			t.Fatal(err)
		}
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
		errs.await(t, "Subscription", s.subject)
	}
}

// runPipeline is TestNATSUsersRunPipeline on n.
func runPipeline(t *testing.T, n secureNATS) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	log, logs := logRecorder(t)
	defer func() {
		if t.Failed() {
			for _, e := range logs.All() {
				t.Logf("%s %s %v", e.Level, e.Message, e.ContextMap())
			}
		}
	}()

	es := estest.NewServer()
	t.Cleanup(es.Close)

	var runtimes []*stage.Runtime
	open := func(user string) *stage.Runtime {
		t.Helper()
		cfg, ulog := n.stageConfig(user), log.With(zap.String("service", user))
		var rt *stage.Runtime
		var err error
		if n.inboxes {
			// What stage.Open would do with a per-user inbox prefix.
			var nc *nats.Conn
			nc, err = nats.Connect(cfg.NATS.URL, nats.RootCAs(cfg.NATS.CACert), nats.UserInfo(cfg.NATS.User, cfg.NATS.Password),
				nats.CustomInboxPrefix(inboxPrefix(user)), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
					ulog.Warn("nats async error", zap.Error(err))
				}))
			if err == nil {
				rt, err = stage.OpenConn(ctx, nc, cfg, ulog)
			}
		} else {
			rt, err = stage.Open(ctx, cfg, user, ulog)
		}
		if err != nil {
			t.Fatalf("open %s: %v", user, err)
		}
		runtimes = append(runtimes, rt)
		return rt
	}
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer scancel()
		for i := len(runtimes) - 1; i >= 0; i-- {
			if err := runtimes[i].Shutdown(sctx); err != nil {
				t.Errorf("shutdown: %v", err)
			}
		}
	}()

	// ingest, as services/ingest/cmd/ingest wires it.
	rtIngest := open(stage.NameIngest)
	ing, err := ingest.New(ctx, rtIngest.JetStream(), ingest.DefaultConfig(), rtIngest.Logger())
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	rtIngest.OnShutdown(func(context.Context) error { ing.Stop(); return nil })
	pub := intake.NewPublisher(rtIngest.JetStream(), rtIngest.Logger()).
		WithBacklog(stage.NewBacklog(rtIngest.JetStream(), stage.SubjectRaw, rtIngest.Config().Consumer.MaxBacklog))
	rtIngest.Handle("POST /v1/articles", intake.NewHandler(pub, intake.HandlerConfig{}, rtIngest.Logger()))
	if _, err := stage.Start(ctx, rtIngest, stage.Stage[*schema.RawArticle, *schema.Document]{
		Name: stage.NameIngest, Input: stage.SubjectRaw, Output: stage.SubjectCleaned,
		Decode: schema.DecodeRaw, Process: ing.Process,
	}); err != nil {
		t.Fatalf("start ingest: %v", err)
	}

	// dedupe.
	rtDedupe := open(stage.NameDedupe)
	d, err := dedupe.New(ctx, rtDedupe.JetStream(), dedupe.DefaultConfig(), rtDedupe.Logger())
	if err != nil {
		t.Fatalf("dedupe: %v", err)
	}
	if _, err := stage.Start(ctx, rtDedupe, stage.Stage[*schema.Document, *schema.Document]{
		Name: stage.NameDedupe, Input: stage.SubjectCleaned, Output: stage.SubjectDeduped,
		Decode: schema.DecodeDocument, Process: d.Process,
	}); err != nil {
		t.Fatalf("start dedupe: %v", err)
	}

	// enrich.
	rtEnrich := open(stage.NameEnrich)
	e, err := enrich.New(enrich.DefaultConfig(), rtEnrich.Logger())
	if err != nil {
		t.Fatalf("enrich: %v", err)
	}
	if _, err := stage.Start(ctx, rtEnrich, stage.Stage[*schema.Document, *schema.Document]{
		Name: stage.NameEnrich, Input: stage.SubjectDeduped, Output: stage.SubjectEnriched,
		Decode: schema.DecodeDocument, Process: e.Process,
	}); err != nil {
		t.Fatalf("start enrich: %v", err)
	}

	// stories, as services/stories/cmd/stories wires it, publishing its
	// snapshots often so that the test need not wait.
	rtStories := open(stage.NameStories)
	scfg := stories.DefaultConfig()
	scfg.SnapshotInterval = 50 * time.Millisecond
	scfg.StateInterval = time.Second // writes the state snapshot under the stories user's permissions
	sto, err := stories.New(ctx, rtStories.JetStream(), scfg, rtStories.Logger())
	if err != nil {
		t.Fatalf("stories: %v", err)
	}
	rtStories.OnShutdown(func(context.Context) error { sto.Close(); return nil })
	if _, err := stage.Start(ctx, rtStories, stage.Stage[*schema.Document, *schema.Document]{
		Name: stage.NameStories, Input: stage.SubjectEnriched, Output: stage.SubjectStoried,
		Decode: schema.DecodeDocument, Process: sto.Process,
	}); err != nil {
		t.Fatalf("start stories: %v", err)
	}

	// indexer, writing articles and stories to the Elasticsearch double.
	rtIndexer := open(stage.NameIndex)
	icfg := indexer.DefaultConfig()
	icfg.URL = es.URL
	icfg.FlushInterval = 50 * time.Millisecond
	icfg.StartTimeout = 10 * time.Second
	ix, err := indexer.New(ctx, icfg, rtIndexer.Logger())
	if err != nil {
		t.Fatalf("indexer: %v", err)
	}
	rtIndexer.OnShutdown(ix.Close)
	if _, err := stage.Start(ctx, rtIndexer, stage.Stage[*schema.Document, *schema.Document]{
		Name: stage.NameIndex, Input: stage.SubjectStoried,
		Decode: schema.DecodeDocument, Process: ix.Process,
	}); err != nil {
		t.Fatalf("start indexer: %v", err)
	}
	if _, err := stage.Start(ctx, rtIndexer, ix.StoriesStage()); err != nil {
		t.Fatalf("start the indexer's story stage: %v", err)
	}

	// One article through the intake, as a scraper using HTTP would.
	web := httptest.NewServer(rtIngest.Handler())
	defer web.Close()
	body, _ := json.Marshal(schema.RawArticle{URL: "https://harbour.example/breakwater", Source: "Harbour Post",
		Title: "Breakwater holds through storm", Text: usersArticle, PublishedAt: "2026-11-17T09:00:00Z"})
	res, err := http.Post(web.URL+"/v1/articles", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		t.Fatalf("POST /v1/articles: %s", res.Status)
	}

	// waitIndexed waits until the double holds want articles, dups of them
	// marked as duplicates.
	waitIndexed := func(want, dups int) {
		t.Helper()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		var docs []estest.Doc
		var dup int
		for len(docs) != want || dup != dups {
			select {
			case <-ctx.Done():
				t.Fatalf("%d articles indexed (%d duplicates), want %d (%d) before the deadline; permission logs: %v",
					len(docs), dup, want, dups, permissionLogs(logs))
			case <-tick.C:
			}
			docs, dup = es.Docs(icfg.Alias), 0
			for _, doc := range docs {
				var src struct {
					DuplicateOf string `json:"duplicate_of"`
				}
				json.Unmarshal(doc.Source, &src)
				if src.DuplicateOf != "" {
					dup++
				}
			}
		}
	}
	waitIndexed(1, 0)

	// Its syndicated copy from the scraper user, straight to JetStream:
	// dedupe finds the first in its KV and band log, and flags the copy.
	scraper, _ := n.connect(t, "scraper")
	sjs, err := jetstream.New(scraper)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = json.Marshal(schema.RawArticle{URL: "https://wire.example/breakwater-copy", Source: "Wire",
		Title: "Breakwater holds through storm", Text: usersArticle, PublishedAt: "2026-11-17T10:00:00Z"})
	if _, err := sjs.Publish(ctx, stage.SubjectRaw, body); err != nil {
		t.Fatalf("scraper publish to %s: %v", stage.SubjectRaw, err)
	}
	waitIndexed(2, 1)
	// Both in one story (a copy joins its canonical's), whose snapshot
	// reached the story index.
	storyOf := map[string]bool{}
	for _, doc := range es.Docs(icfg.Alias) {
		var src struct {
			StoryID string `json:"story_id"`
		}
		json.Unmarshal(doc.Source, &src)
		storyOf[src.StoryID] = true
	}
	if len(storyOf) != 1 || storyOf[""] {
		t.Errorf("the article and its copy are in stories %v, want one", storyOf)
	}
	for len(es.Docs(icfg.StoryIndex)) == 0 {
		select {
		case <-ctx.Done():
			t.Fatalf("no story snapshot reached the story index; permission logs: %v", permissionLogs(logs))
		case <-time.After(50 * time.Millisecond):
		}
	}
	// The stories user writes its state snapshot (every second here).
	admin, _ := n.connect(t, "admin")
	ajs, err := jetstream.New(admin)
	if err != nil {
		t.Fatal(err)
	}
	for {
		store, err := ajs.ObjectStore(ctx, scfg.StateBucket)
		if err == nil {
			if _, err = store.GetInfo(ctx, "state"); err == nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no stories state snapshot in %s (%v); permission logs: %v", scfg.StateBucket, err, permissionLogs(logs))
		case <-time.After(50 * time.Millisecond):
		}
	}
	if got := permissionLogs(logs); len(got) > 0 {
		t.Errorf("permission violations while the pipeline ran:\n%s", strings.Join(got, "\n"))
	}

	// The operator: status, dlq list and redrive, replay.
	dead, err := ajs.Stream(ctx, stage.StreamDead)
	if err != nil {
		t.Fatalf("admin: dead-letter stream: %v", err)
	}
	if info, err := dead.Info(ctx); err != nil || info.State.Msgs != 0 {
		t.Errorf("admin: dead letters = %v (err %v), want 0", info.State.Msgs, err)
	}
	for _, c := range []struct{ subject, name string }{
		{stage.SubjectRaw, stage.NameIngest}, {stage.SubjectCleaned, stage.NameDedupe},
		{stage.SubjectDeduped, stage.NameEnrich}, {stage.SubjectEnriched, stage.NameStories},
		{stage.SubjectStoried, stage.NameIndex}, {stage.SubjectStories, indexer.StoriesStageName},
	} {
		if _, err := ajs.Consumer(ctx, stage.StreamFor(c.subject), c.name); err != nil {
			t.Errorf("admin: status of consumer %s: %v", c.name, err)
		}
	}
	m := nats.NewMsg(stage.SubjectDeadPrefix + stage.NameEnrich)
	m.Data = []byte(`{"id":"x"}`)
	m.Header.Set(stage.HeaderOriginalSubject, stage.SubjectDeduped)
	ack, err := ajs.PublishMsg(ctx, m)
	if err != nil {
		t.Fatalf("admin: publish a dead letter: %v", err)
	}
	if _, err := dead.GetMsg(ctx, ack.Sequence); err != nil {
		t.Errorf("admin: dlq list: %v", err)
	}
	if err := dead.DeleteMsg(ctx, ack.Sequence); err != nil {
		t.Errorf("admin: dlq redrive deletes the letter: %v", err)
	}
	storied, err := ajs.Stream(ctx, stage.StreamStoried)
	if err != nil {
		t.Fatal(err)
	}
	replay, err := storied.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatalf("admin: replay consumer: %v", err)
	}
	if _, err := replay.Next(jetstream.FetchMaxWait(5 * time.Second)); err != nil {
		t.Errorf("admin: replay reads articles.storied: %v", err)
	}
	// A dead-lettered story snapshot is re-driven to stories.snapshots.
	if _, err := ajs.Publish(ctx, stage.SubjectStories, []byte(`{}`)); err != nil {
		t.Errorf("admin: redrive a story snapshot: %v", err)
	}
}

// TestNATSUsersForbidden tries, as each user, what the user must not do,
// and checks the server refuses it and nothing changed. A control per
// kind of operation shows the same operation works for a user allowed it.
func TestNATSUsersForbidden(t *testing.T) {
	n := startSecureNATS(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	admin, _ := n.connect(t, "admin")
	ajs, err := jetstream.New(admin)
	if err != nil {
		t.Fatal(err)
	}
	// What the services would have provisioned.
	if err := stage.EnsureStreams(ctx, ajs, testStreams()); err != nil {
		t.Fatal(err)
	}
	for _, bucket := range []string{"dedupe_records", "ingest_boilerplate"} {
		if _, err := ajs.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: bucket}); err != nil {
			t.Fatal(err)
		}
	}
	logStream := stories.DefaultConfig().LogStream
	if _, err := ajs.CreateStream(ctx, jetstream.StreamConfig{Name: logStream, Subjects: []string{stories.LogSubject}}); err != nil {
		t.Fatal(err)
	}
	msgs := func(stream string) uint64 {
		t.Helper()
		s, err := ajs.Stream(ctx, stream)
		if err != nil {
			t.Fatalf("stream %s: %v", stream, err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info.State.Msgs
	}

	pubs := []struct {
		user, subject, why string
		// stream must not grow (or, for deletions, must survive).
		stream string
	}{
		{"scraper", stage.SubjectCleaned, "forge ingest's output", stage.StreamCleaned},
		{"scraper", stage.SubjectEnriched, "forge enrich's output", stage.StreamEnriched},
		{"scraper", "$JS.API.STREAM.DELETE." + stage.StreamRaw, "delete a stream", stage.StreamRaw},
		{"scraper", "$JS.API.STREAM.CREATE.EVIL", "create a stream", ""},
		{"scraper", "$KV.dedupe_records.x", "write dedupe's KV", "KV_dedupe_records"},
		{"ingest", "$KV.dedupe_records.x", "write dedupe's KV", "KV_dedupe_records"},
		{"ingest", "$JS.API.STREAM.UPDATE.KV_dedupe_records", "reconfigure dedupe's KV", ""},
		{"ingest", stage.SubjectDeduped, "forge dedupe's output", stage.StreamDeduped},
		{"dedupe", stage.SubjectEnriched, "forge enrich's output", stage.StreamEnriched},
		{"dedupe", "$KV.ingest_boilerplate.x", "write ingest's KV", "KV_ingest_boilerplate"},
		{"dedupe", "$JS.ACK.ARTICLES_DEDUPED.enrich.1.1.1.1.1.0", "ack enrich's messages", ""},
		{"dedupe", "$JS.API.CONSUMER.MSG.NEXT.ARTICLES_STORIED.indexer", "pull the indexer's messages", ""},
		{"enrich", "$JS.API.STREAM.DELETE." + stage.StreamRaw, "delete a stream", stage.StreamRaw},
		{"enrich", "$JS.API.STREAM.PURGE." + stage.StreamEnriched, "purge a stream", stage.StreamEnriched},
		{"enrich", "$JS.API.STREAM.MSG.DELETE." + stage.StreamDead, "erase a dead letter", stage.StreamDead},
		{"enrich", stage.SubjectRaw, "inject raw articles", stage.StreamRaw},
		{"indexer", stage.SubjectStoried, "forge its own input", stage.StreamStoried},
		{"indexer", stage.SubjectStories, "forge a story snapshot", stage.StreamStories},
		{"indexer", stage.SubjectDeadPrefix + stage.NameEnrich, "forge another stage's dead letter", stage.StreamDead},
		{"indexer", "$JS.API.CONSUMER.DELETE.ARTICLES_STORIED.indexer", "delete a consumer", ""},
		{"stories", stage.SubjectEnriched, "forge enrich's output", stage.StreamEnriched},
		{"stories", "$JS.API.CONSUMER.MSG.NEXT.STORIES.indexer_stories", "pull the indexer's snapshots", ""},
		{"stories", "$JS.API.STREAM.DELETE." + logStream, "delete its own story log", logStream},
		{"stories", "$KV.dedupe_records.x", "write dedupe's KV", "KV_dedupe_records"},
		{"enrich", stories.LogSubject, "write the story log", logStream},
		{"enrich", stage.SubjectStories, "forge a story snapshot", stage.StreamStories},
		{"indexer", "$JS.API.CONSUMER.CREATE.ARTICLES_RAW.spy.articles.raw", "read another stage's input", ""},
	}
	// Something in every stream that may be deleted or purged.
	for _, subj := range []string{stage.SubjectRaw, stage.SubjectEnriched, stage.SubjectDeadPrefix + "x", stories.LogSubject} {
		if _, err := ajs.Publish(ctx, subj, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range pubs {
		t.Run(p.user+" may not "+p.why, func(t *testing.T) {
			nc, errs := n.connect(t, p.user)
			var before uint64
			if p.stream != "" {
				before = msgs(p.stream)
			}
			if err := nc.Publish(p.subject, []byte(`{"id":"forged"}`)); err != nil {
				t.Fatal(err)
			}
			if err := nc.Flush(); err != nil {
				t.Fatal(err)
			}
			errs.await(t, "Publish", p.subject)
			if p.stream != "" {
				if after := msgs(p.stream); after != before {
					t.Errorf("%s went from %d to %d messages", p.stream, before, after)
				}
			}
		})
	}

	subs := []struct{ user, subject, why string }{
		{"scraper", "articles.>", "read the pipeline"},
		{"ingest", stage.SubjectDeduped, "read another stage's output"},
		{"enrich", "$KV.dedupe_records.>", "watch dedupe's KV"},
		{"indexer", ">", "read everything"},
		{"indexer", "stories.>", "read the story log and snapshots"},
	}
	for _, s := range subs {
		t.Run(s.user+" may not "+s.why, func(t *testing.T) {
			nc, errs := n.connect(t, s.user)
			if _, err := nc.SubscribeSync(s.subject); err != nil {
				t.Fatal(err)
			}
			if err := nc.Flush(); err != nil {
				t.Fatal(err)
			}
			errs.await(t, "Subscription", s.subject)
		})
	}

	// Controls: the same kinds of operation, by the user allowed them.
	t.Run("controls", func(t *testing.T) {
		scraper, _ := n.connect(t, "scraper")
		sjs, _ := jetstream.New(scraper)
		before := msgs(stage.StreamRaw)
		if _, err := sjs.Publish(ctx, stage.SubjectRaw, []byte(`{"text":"x"}`)); err != nil {
			t.Errorf("scraper publish to articles.raw with PubAck: %v", err)
		}
		if after := msgs(stage.StreamRaw); after != before+1 {
			t.Errorf("articles.raw: %d -> %d messages, want one more", before, after)
		}
		dedupeNC, _ := n.connect(t, "dedupe")
		djs, _ := jetstream.New(dedupeNC)
		kv, err := djs.KeyValue(ctx, "dedupe_records")
		if err != nil {
			t.Fatalf("dedupe opens its KV: %v", err)
		}
		if _, err := kv.Put(ctx, "k", []byte("v")); err != nil {
			t.Errorf("dedupe writes its KV: %v", err)
		}
		if _, err := ajs.CreateStream(ctx, jetstream.StreamConfig{Name: "SCRATCH", Subjects: []string{"scratch"}}); err != nil {
			t.Fatal(err)
		}
		if err := ajs.DeleteStream(ctx, "SCRATCH"); err != nil {
			t.Errorf("admin deletes a stream: %v", err)
		}
	})
	if _, err := ajs.Stream(ctx, stage.StreamRaw); errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("ARTICLES_RAW is gone")
	}
}
