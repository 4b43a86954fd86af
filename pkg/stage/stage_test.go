package stage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/embedded"
)

// testConfig keeps retries quick so tests wait for events, not minutes.
func testConfig() stage.Config {
	cfg := stage.DefaultConfig()
	cfg.Consumer.Concurrency = 4
	cfg.Consumer.Batch = 16
	cfg.Consumer.MaxDeliver = 3
	cfg.Consumer.AckWait = time.Second
	cfg.Consumer.RetryMin = 10 * time.Millisecond
	cfg.Consumer.RetryMax = 50 * time.Millisecond
	cfg.Streams.MaxBytes = 64 << 20
	return cfg
}

type env struct {
	t   *testing.T
	url string
	cfg stage.Config
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, embedded.Options{})
}

// newEnvWith starts the server with opts (a temporary store, a free port).
func newEnvWith(t *testing.T, opts embedded.Options) *env {
	t.Helper()
	opts.StoreDir, opts.Port = t.TempDir(), -1
	s, err := embedded.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return &env{t: t, url: s.ClientURL(), cfg: testConfig()}
}

// runtime opens a runtime on its own connection, as a separate process
// would, and shuts it down at the end of the test.
func (e *env) runtime() *stage.Runtime {
	e.t.Helper()
	nc, err := nats.Connect(e.url)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rt, err := stage.OpenConn(ctx, nc, e.cfg, zaptest.NewLogger(e.t))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := rt.Shutdown(ctx); err != nil {
			e.t.Errorf("shutdown: %v", err)
		}
	})
	return rt
}

func (e *env) js() jetstream.JetStream {
	e.t.Helper()
	nc, err := nats.Connect(e.url)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		e.t.Fatal(err)
	}
	return js
}

func doc(id, body string) *schema.Document {
	return &schema.Document{
		SchemaVersion: schema.Version,
		ID:            id,
		Title:         "Title " + id,
		Body:          body,
		IngestedAt:    time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC),
	}
}

func publish(t *testing.T, js jetstream.JetStream, subject string, data []byte, msgID string) {
	t.Helper()
	m := nats.NewMsg(subject)
	m.Data = data
	if msgID != "" {
		m.Header.Set(jetstream.MsgIDHeader, msgID)
	}
	if _, err := js.PublishMsg(context.Background(), m); err != nil {
		t.Fatalf("publish %s: %v", subject, err)
	}
}

func publishDoc(t *testing.T, js jetstream.JetStream, subject string, d *schema.Document) {
	t.Helper()
	data, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	publish(t, js, subject, data, d.ID)
}

// collect subscribes to subject through a fresh ordered consumer and
// returns a channel of every message stored there.
func collect(t *testing.T, js jetstream.JetStream, stream, subject string) <-chan jetstream.Msg {
	t.Helper()
	cons, err := js.OrderedConsumer(context.Background(), stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan jetstream.Msg, 1024)
	cc, err := cons.Consume(func(m jetstream.Msg) { ch <- m })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cc.Stop)
	return ch
}

func receive(t *testing.T, ch <-chan jetstream.Msg) jetstream.Msg {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(15 * time.Second):
		t.Fatal("timed out waiting for a message")
		return nil
	}
}

// waitFor polls cond, for counters updated just after the event a test
// saw, and fails with describe() if it never holds.
func waitFor(t *testing.T, cond func() bool, describe func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(describe())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func passthrough(name, in, out string, fn func(context.Context, *schema.Document) (*schema.Document, error)) stage.Stage[*schema.Document, *schema.Document] {
	return stage.Stage[*schema.Document, *schema.Document]{Name: name, Input: in, Output: out, Decode: schema.DecodeDocument, Process: fn}
}

func TestArticleFlowsThroughFourStages(t *testing.T) {
	e := newEnv(t)
	rt := e.runtime()
	ctx := context.Background()
	mark := func(tag string) func(context.Context, *schema.Document) (*schema.Document, error) {
		return func(_ context.Context, d *schema.Document) (*schema.Document, error) {
			d.Body += " " + tag
			return d, nil
		}
	}
	stages := []stage.Stage[*schema.Document, *schema.Document]{
		passthrough(stage.NameIngest, stage.SubjectRaw, stage.SubjectCleaned, mark("ingest")),
		passthrough(stage.NameDedupe, stage.SubjectCleaned, stage.SubjectDeduped, mark("dedupe")),
		passthrough(stage.NameEnrich, stage.SubjectDeduped, stage.SubjectEnriched, mark("enrich")),
	}
	for _, st := range stages {
		if _, err := stage.Start(ctx, rt, st); err != nil {
			t.Fatal(err)
		}
	}
	sunk := make(chan *schema.Document, 1)
	if _, err := stage.Start(ctx, rt, passthrough(stage.NameIndex, stage.SubjectEnriched, "", func(_ context.Context, d *schema.Document) (*schema.Document, error) {
		sunk <- d
		return nil, nil
	})); err != nil {
		t.Fatal(err)
	}
	publishDoc(t, e.js(), stage.SubjectRaw, doc("a1", "body"))
	select {
	case got := <-sunk:
		if want := "body ingest dedupe enrich"; got.Body != want {
			t.Errorf("body = %q; want %q", got.Body, want)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("article never reached the sink")
	}
	for _, c := range rt.Consumers() {
		waitFor(t, func() bool { return c.Stats().Out == 1 }, func() string {
			return fmt.Sprintf("%s out = %d; want 1", c.Name(), c.Stats().Out)
		})
	}

	// One family per measure, the stages told apart by their label.
	if err := rt.Register(stage.BuildInfo("v1.2.3")); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	rt.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	want := []string{
		`newsflow_build_info{go_version="` + runtime.Version() + `",version="v1.2.3"} 1`,
	}
	for _, name := range []string{stage.NameIngest, stage.NameDedupe, stage.NameEnrich, stage.NameIndex} {
		want = append(want,
			`newsflow_messages_total{result="ok",stage="`+name+`"} 1`,
			`newsflow_messages_total{result="dead",stage="`+name+`"} 0`,
			`newsflow_message_duration_seconds_count{stage="`+name+`"} 1`,
			`newsflow_messages_in_flight{stage="`+name+`"} 0`)
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("/metrics lacks %s", w)
		}
	}
	if strings.Contains(body, "newsflow_enrich_messages_total") {
		t.Error("/metrics still has a family per stage (newsflow_enrich_messages_total)")
	}
}

// Outputs are encoded into pooled buffers: under concurrency every
// document must still arrive with its own body, HTML characters and all.
func TestConcurrentOutputsKeepTheirOwnBodies(t *testing.T) {
	e := newEnv(t)
	rt := e.runtime()
	ctx := context.Background()
	if _, err := stage.Start(ctx, rt, passthrough(stage.NameIngest, stage.SubjectRaw, stage.SubjectCleaned,
		func(_ context.Context, d *schema.Document) (*schema.Document, error) {
			d.Body += " <cleaned> & é"
			return d, nil
		})); err != nil {
		t.Fatal(err)
	}
	const n = 200
	var mu sync.Mutex
	got := map[string]string{}
	if _, err := stage.Start(ctx, rt, passthrough(stage.NameDedupe, stage.SubjectCleaned, "",
		func(_ context.Context, d *schema.Document) (*schema.Document, error) {
			mu.Lock()
			got[d.ID] = d.Body
			mu.Unlock()
			return nil, nil
		})); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for i := range n {
		id := fmt.Sprintf("doc%03d", i)
		body := strings.Repeat(fmt.Sprintf("article %d says a<b. ", i), 1+i%40)
		want[id] = body + " <cleaned> & é"
		publishDoc(t, e.js(), stage.SubjectRaw, doc(id, body))
	}
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == n }, func() string {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Sprintf("%d of %d documents arrived", len(got), n)
	})
	mu.Lock()
	defer mu.Unlock()
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s body = %.60q…; want %.60q…", id, got[id], w)
		}
	}
}

func TestRetryableErrorSucceedsOnRetry(t *testing.T) {
	e := newEnv(t)
	rt := e.runtime()
	var calls atomic.Int32
	_, err := stage.Start(context.Background(), rt, passthrough("dedupe", stage.SubjectCleaned, stage.SubjectDeduped, func(ctx context.Context, d *schema.Document) (*schema.Document, error) {
		info, _ := stage.MessageInfo(ctx)
		if calls.Add(1) == 1 {
			return nil, fmt.Errorf("kv busy on delivery %d", info.Delivered)
		}
		return d, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	js := e.js()
	out := collect(t, js, stage.StreamDeduped, stage.SubjectDeduped)
	publishDoc(t, js, stage.SubjectCleaned, doc("r1", "body"))
	m := receive(t, out)
	d, err := schema.DecodeDocument(m.Data())
	if err != nil || d.ID != "r1" {
		t.Fatalf("output = %v, %v; want r1", d, err)
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("calls = %d; want 2", got)
	}
	want := stage.Stats{In: 2, Out: 1, Retried: 1}
	stats := func() stage.Stats { s := rt.Consumers()[0].Stats(); s.Busy = 0; return s }
	waitFor(t, func() bool { return stats() == want }, func() string {
		return fmt.Sprintf("stats = %+v; want %+v", stats(), want)
	})
}

func TestDeadLetters(t *testing.T) {
	e := newEnv(t)
	rt := e.runtime()
	_, err := stage.Start(context.Background(), rt, passthrough("enrich", stage.SubjectDeduped, stage.SubjectEnriched, func(_ context.Context, d *schema.Document) (*schema.Document, error) {
		switch d.ID {
		case "permanent":
			return nil, stage.Permanent(errors.New("body is binary garbage"))
		case "flaky":
			return nil, errors.New("gazetteer timeout")
		}
		return d, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	js := e.js()
	dead := collect(t, js, stage.StreamDead, stage.SubjectDeadPrefix+"enrich")
	out := collect(t, js, stage.StreamEnriched, stage.SubjectEnriched)

	// The original's headers travel with its dead letter; its message id
	// is the dead letter's own.
	data, _ := json.Marshal(doc("permanent", "x"))
	pm := nats.NewMsg(stage.SubjectDeduped)
	pm.Data = data
	pm.Header.Set(jetstream.MsgIDHeader, "permanent")
	pm.Header.Set(stage.HeaderRevision, "7")
	pm.Header.Set("Scraper-Run", "r42")
	if _, err := js.PublishMsg(context.Background(), pm); err != nil {
		t.Fatal(err)
	}
	m := receive(t, dead)
	checkDead(t, m, "body is binary garbage", "1")
	if h := m.Headers(); h.Get(stage.HeaderRevision) != "7" || h.Get("Scraper-Run") != "r42" || h.Get(jetstream.MsgIDHeader) == "permanent" {
		t.Errorf("dead letter headers %v; want the original's Newsflow-Revision and Scraper-Run, and its own message id", h)
	}

	publishDoc(t, js, stage.SubjectDeduped, doc("flaky", "x"))
	m = receive(t, dead)
	checkDead(t, m, "max deliveries (3) reached, last error: gazetteer timeout", "3")

	// The stage keeps going.
	publishDoc(t, js, stage.SubjectDeduped, doc("fine", "x"))
	if d, _ := schema.DecodeDocument(receive(t, out).Data()); d == nil || d.ID != "fine" {
		t.Fatalf("output = %v; want fine", d)
	}
}

func checkDead(t *testing.T, m jetstream.Msg, reason, deliveries string) {
	t.Helper()
	h := m.Headers()
	if got := h.Get(stage.HeaderDeadReason); got != reason {
		t.Errorf("reason = %q; want %q", got, reason)
	}
	if got := h.Get(stage.HeaderDeadStage); got != "enrich" {
		t.Errorf("stage = %q; want enrich", got)
	}
	if got := h.Get(stage.HeaderOriginalSubject); got != stage.SubjectDeduped {
		t.Errorf("original subject = %q; want %q", got, stage.SubjectDeduped)
	}
	if got := h.Get(stage.HeaderDeliveryCount); got != deliveries {
		t.Errorf("delivery count = %q; want %q", got, deliveries)
	}
	if h.Get(stage.HeaderOriginalSeq) == "" {
		t.Error("no original sequence header")
	}
}

func TestBadInputIsDeadLetteredAndStageContinues(t *testing.T) {
	e := newEnv(t)
	rt := e.runtime()
	_, err := stage.Start(context.Background(), rt, stage.Stage[*schema.RawArticle, *schema.Document]{
		Name: "ingest", Input: stage.SubjectRaw, Output: stage.SubjectCleaned,
		Decode: schema.DecodeRaw,
		Process: func(_ context.Context, a *schema.RawArticle) (*schema.Document, error) {
			return doc(schema.DocumentID(a.Source, a.URL, a.Title, a.Text), a.Text), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	js := e.js()
	dead := collect(t, js, stage.StreamDead, stage.SubjectDeadPrefix+"ingest")
	out := collect(t, js, stage.StreamCleaned, stage.SubjectCleaned)
	cases := []struct {
		name, payload, reason string
	}{
		{"invalid json", `{"text": "unterminated`, "invalid JSON"},
		{"unknown version", `{"schema_version": 7, "text": "hello"}`, "unsupported schema_version: 7"},
		{"not utf-8", "{\"text\": \"caf\xe9\"}", "not valid UTF-8"},
		{"empty article", `{"title": " ", "text": ""}`, "title, text or html is required"},
	}
	for i, c := range cases {
		publish(t, js, stage.SubjectRaw, []byte(c.payload), fmt.Sprintf("bad-%d", i))
		m := receive(t, dead)
		if reason := m.Headers().Get(stage.HeaderDeadReason); !strings.Contains(reason, c.reason) {
			t.Errorf("%s: reason = %q; want it to mention %q", c.name, reason, c.reason)
		}
		if string(m.Data()) != c.payload {
			t.Errorf("%s: dead letter payload = %q; want the original", c.name, m.Data())
		}
	}
	publish(t, js, stage.SubjectRaw, []byte(`{"text": "a good article"}`), "good")
	if d, _ := schema.DecodeDocument(receive(t, out).Data()); d == nil || d.Body != "a good article" {
		t.Fatalf("output = %+v; want the good article", d)
	}
}

// Two inputs that make the same document (two raw articles that ingest's
// cleanup makes one) store it once; the second is counted and exposed as
// already stored, not as published.
func TestOutputAlreadyStoredIsCountedNotPublished(t *testing.T) {
	e := newEnv(t)
	rt := e.runtime()
	c, err := stage.Start(context.Background(), rt, stage.Stage[*schema.RawArticle, *schema.Document]{
		Name: stage.NameIngest, Input: stage.SubjectRaw, Output: stage.SubjectCleaned,
		Decode: schema.DecodeRaw,
		Process: func(_ context.Context, a *schema.RawArticle) (*schema.Document, error) {
			return doc("same-article", "the cleaned text"), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	js := e.js()
	out := collect(t, js, stage.StreamCleaned, stage.SubjectCleaned)
	publish(t, js, stage.SubjectRaw, []byte(`{"text": "the cleaned text", "source": "A"}`), "raw-1")
	receive(t, out)
	publish(t, js, stage.SubjectRaw, []byte(`{"text": "the cleaned text <b>boilerplate</b>", "source": "A"}`), "raw-2")
	waitFor(t, func() bool { s := c.Stats(); return s.Out+s.AlreadyStored == 2 }, func() string {
		return fmt.Sprintf("stats %+v; want both inputs finished", c.Stats())
	})
	if s := c.Stats(); s.Out != 1 || s.AlreadyStored != 1 || s.Dead != 0 {
		t.Errorf("out %d, already stored %d, dead %d; want 1, 1, 0", s.Out, s.AlreadyStored, s.Dead)
	}
	info, err := js.Stream(context.Background(), stage.StreamCleaned)
	if err != nil {
		t.Fatal(err)
	}
	if n := info.CachedInfo().State.Msgs; n != 1 {
		t.Errorf("%d documents in the output stream; want 1", n)
	}
	rec := httptest.NewRecorder()
	rt.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if want := `newsflow_outputs_already_stored_total{stage="ingest"} 1`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("metrics lack %q", want)
	}
}

func TestDuplicatePublishIsIgnored(t *testing.T) {
	e := newEnv(t)
	rt := e.runtime()
	var calls atomic.Int32
	sunk := make(chan string, 10)
	_, err := stage.Start(context.Background(), rt, passthrough("indexer", stage.SubjectEnriched, "", func(_ context.Context, d *schema.Document) (*schema.Document, error) {
		calls.Add(1)
		sunk <- d.ID
		return nil, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	js := e.js()
	publishDoc(t, js, stage.SubjectEnriched, doc("d1", "x"))
	publishDoc(t, js, stage.SubjectEnriched, doc("d1", "x")) // same Nats-Msg-Id
	publishDoc(t, js, stage.SubjectEnriched, doc("d2", "x"))
	var got []string
	for range 2 {
		select {
		case id := <-sunk:
			got = append(got, id)
		case <-time.After(10 * time.Second):
			t.Fatalf("got %v; want d1 and d2", got)
		}
	}
	info, err := js.Stream(context.Background(), stage.StreamEnriched)
	if err != nil {
		t.Fatal(err)
	}
	if n := info.CachedInfo().State.Msgs; n != 2 {
		t.Errorf("stream holds %d messages; want 2 (the duplicate dropped)", n)
	}
}

func TestTwoReplicasShareTheWork(t *testing.T) {
	e := newEnv(t)
	const n = 40
	var mu sync.Mutex
	seen := map[string]int{}
	perReplica := [2]atomic.Int32{}
	done := make(chan struct{})
	for r := range 2 {
		rt := e.runtime()
		_, err := stage.Start(context.Background(), rt, passthrough("indexer", stage.SubjectEnriched, "", func(_ context.Context, d *schema.Document) (*schema.Document, error) {
			perReplica[r].Add(1)
			time.Sleep(5 * time.Millisecond) // work that takes time, so both replicas get some
			mu.Lock()
			seen[d.ID]++
			if len(seen) == n {
				close(done)
			}
			mu.Unlock()
			return nil, nil
		}))
		if err != nil {
			t.Fatal(err)
		}
	}
	js := e.js()
	for i := range n {
		publishDoc(t, js, stage.SubjectEnriched, doc(fmt.Sprintf("s%02d", i), "x"))
	}
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("processed %d of %d", len(seen), n)
	}
	mu.Lock()
	defer mu.Unlock()
	for id, c := range seen {
		if c != 1 {
			t.Errorf("%s processed %d times; want once", id, c)
		}
	}
	if perReplica[0].Load() == 0 || perReplica[1].Load() == 0 {
		t.Errorf("work split %d/%d; want both replicas busy", perReplica[0].Load(), perReplica[1].Load())
	}
}

// SIGTERM, through the production wiring (stage.Main, as every service's
// main calls it), stops fetching and lets the message in flight finish:
// its Process is not cancelled, its output is stored and it is acked
// before the process exits.
func TestSIGTERMDrainsInFlightWork(t *testing.T) {
	e := newEnv(t)
	started := make(chan struct{})
	// Under load the server may redeliver the message while the first
	// delivery waits (at least once), so Process can run twice.
	var startedOnce sync.Once
	release := make(chan struct{})
	svc := stage.Service{
		Name:     "drain",
		Flags:    func(*stage.EnvFlags) {},
		Validate: func() error { return nil },
		Start: func(ctx context.Context, rt *stage.Runtime) error {
			_, err := stage.Start(ctx, rt, passthrough("dedupe", stage.SubjectCleaned, stage.SubjectDeduped, func(ctx context.Context, d *schema.Document) (*schema.Document, error) {
				startedOnce.Do(func() { close(started) })
				select {
				case <-release:
					return d, nil
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}))
			return err
		},
	}
	var stderr bytes.Buffer
	exited := make(chan int, 1)
	go func() {
		exited <- stage.Main(svc, []string{"-nats-url", e.url, "-http-addr", "127.0.0.1:0", "-stream-max-bytes", "67108864",
			"-ack-wait", "5s", "-shutdown-timeout", "20s", "-log-level", "error"}, &stderr)
	}()
	js := e.js()
	publishDoc(t, js, stage.SubjectCleaned, doc("slow", "x"))
	select {
	case <-started:
	case code := <-exited:
		t.Fatalf("Main exited with %d before the message arrived: %s", code, stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatal("the message never reached Process")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exited:
		close(release)
		t.Fatalf("Main exited (%d) while its message was in flight: SIGTERM cancelled the work", code)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if code := <-exited; code != 0 {
		t.Fatalf("Main exited with %d: %s", code, stderr.String())
	}
	// The in-flight article was published and acked before Main returned.
	ctx := context.Background()
	cons, err := js.Consumer(ctx, stage.StreamCleaned, "dedupe")
	if err != nil {
		t.Fatal(err)
	}
	ci, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ci.NumAckPending != 0 || ci.AckFloor.Stream != 1 || ci.NumPending != 0 {
		t.Errorf("ack pending %d, pending %d, ack floor %d; want 0, 0 and 1", ci.NumAckPending, ci.NumPending, ci.AckFloor.Stream)
	}
	stream, err := js.Stream(ctx, stage.StreamDeduped)
	if err != nil {
		t.Fatal(err)
	}
	if n := stream.CachedInfo().State.Msgs; n != 1 {
		t.Errorf("deduped stream holds %d; want 1", n)
	}
}

func TestCrashBeforeAckLosesNothing(t *testing.T) {
	e := newEnv(t)
	// First "process": takes the message and dies before acking.
	nc, err := nats.Connect(e.url)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := stage.OpenConn(context.Background(), nc, e.cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = rt.Shutdown(ctx) // the dead process's leftovers; errors expected
	})
	took := make(chan struct{})
	block := make(chan struct{})
	defer close(block)
	procCtx, kill := context.WithCancel(context.Background())
	_, err = stage.Start(procCtx, rt, passthrough("enrich", stage.SubjectDeduped, stage.SubjectEnriched, func(ctx context.Context, d *schema.Document) (*schema.Document, error) {
		close(took)
		select {
		case <-block:
		case <-ctx.Done():
		}
		return nil, ctx.Err()
	}))
	if err != nil {
		t.Fatal(err)
	}
	js := e.js()
	out := collect(t, js, stage.StreamEnriched, stage.SubjectEnriched)
	publishDoc(t, js, stage.SubjectDeduped, doc("crash", "x"))
	<-took
	nc.Close() // the process dies: no ack, no nak
	kill()

	// A second process picks it up after the ack wait.
	rt2 := e.runtime()
	if _, err := stage.Start(context.Background(), rt2, passthrough("enrich", stage.SubjectDeduped, stage.SubjectEnriched, func(_ context.Context, d *schema.Document) (*schema.Document, error) {
		return d, nil
	})); err != nil {
		t.Fatal(err)
	}
	d, err := schema.DecodeDocument(receive(t, out).Data())
	if err != nil || d.ID != "crash" {
		t.Fatalf("got %v, %v; want the article redelivered", d, err)
	}
}

func TestRetryDelayIsCappedExponential(t *testing.T) {
	min, max := 100*time.Millisecond, time.Second
	prev := time.Duration(0)
	for n := 1; n <= 10; n++ {
		d := stage.RetryDelay(n, min, max)
		if d < min*8/10 || d > max*12/10 {
			t.Errorf("delay(%d) = %v; want within [%v, %v] ± jitter", n, d, min, max)
		}
		if n <= 3 && d < prev*12/10*8/10/2 {
			t.Errorf("delay(%d) = %v shrank from %v", n, d, prev)
		}
		prev = d
	}
	if d := stage.RetryDelay(10, min, max); d < max*8/10 {
		t.Errorf("delay(10) = %v; want near the cap %v", d, max)
	}
}

func TestConsumeValidatesStage(t *testing.T) {
	e := newEnv(t)
	_, err := stage.Consume(context.Background(), e.js(), stage.Stage[*schema.Document, *schema.Document]{Name: "x"}, e.cfg.Consumer, prometheus.NewRegistry(), zaptest.NewLogger(t))
	if err == nil {
		t.Fatal("want an error for a stage without input, decode and process")
	}
}

// A dependency outage outlasting MaxDeliver dead-letters nothing: the
// article is retried until the dependency answers.
func TestUnavailableNeverDeadLetters(t *testing.T) {
	e := newEnv(t)
	rt := e.runtime()
	var calls atomic.Int32
	_, err := stage.Start(context.Background(), rt, passthrough("enrich", stage.SubjectDeduped, stage.SubjectEnriched, func(_ context.Context, d *schema.Document) (*schema.Document, error) {
		if calls.Add(1) <= 5 { // MaxDeliver is 3
			return nil, stage.Unavailable(errors.New("elasticsearch: 503 cluster_block_exception"))
		}
		return d, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	js := e.js()
	out := collect(t, js, stage.StreamEnriched, stage.SubjectEnriched)
	publishDoc(t, js, stage.SubjectDeduped, doc("outage", "x"))
	if d, _ := schema.DecodeDocument(receive(t, out).Data()); d == nil || d.ID != "outage" {
		t.Fatalf("got %v; want the article through after the outage", d)
	}
	st := rt.Consumers()[0].Stats()
	if st.Dead != 0 || st.Retried != 5 {
		t.Errorf("stats = %+v; want 5 retries and nothing dead", st)
	}
}

// The profiler is served only when asked for.
func TestPProfOnlyWhenEnabled(t *testing.T) {
	for _, on := range []bool{false, true} {
		e := newEnv(t)
		e.cfg.PProf = on
		srv := httptest.NewServer(e.runtime().Handler())
		resp, err := srv.Client().Get(srv.URL + "/debug/pprof/goroutine?debug=1")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		served := resp.StatusCode == http.StatusOK && strings.Contains(string(body), "goroutine profile")
		if served != on {
			t.Errorf("PProf=%v: /debug/pprof/goroutine answered %d (%.40q)", on, resp.StatusCode, body)
		}
	}
}

// With provisioning off a service only checks the streams: it waits for
// an operator to create them and never changes their configuration.
func TestProvisionOffOnlyChecksStreams(t *testing.T) {
	e := newEnv(t)
	e.cfg.Streams.Provision = false
	nc, err := nats.Connect(e.url)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if rt, err := stage.OpenConn(ctx, nc, e.cfg, zaptest.NewLogger(t)); err == nil {
		rt.Shutdown(context.Background())
		t.Fatal("opened with no streams and provisioning off")
	}
	nc.Close()

	// The operator provisions, with a shorter max age than the service's.
	admin := e.cfg.Streams
	admin.Provision, admin.MaxAge = true, time.Hour
	if err := stage.EnsureStreams(context.Background(), e.js(), admin); err != nil {
		t.Fatal(err)
	}
	rt := e.runtime()
	s, err := rt.JetStream().Stream(context.Background(), stage.StreamRaw)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.CachedInfo().Config.MaxAge; got != time.Hour {
		t.Errorf("max age after the service started = %s; want the operator's 1h", got)
	}
}

// A stage on Payloads passes each message on byte for byte, whatever its
// layout, under a de-duplication id derived from the input's (its own id,
// else its place in its stream), so a redelivered input is stored once.
func TestPayloadStageForwardsBytesAsTheyArrived(t *testing.T) {
	e := newEnv(t)
	rt := e.runtime()
	_, err := stage.Start(context.Background(), rt, stage.Stage[*stage.Payload, *stage.Payload]{
		Name: "dedupe", Input: stage.SubjectCleaned, Output: stage.SubjectDeduped, Decode: stage.DecodePayload,
		Process: func(_ context.Context, p *stage.Payload) (*stage.Payload, error) { return p, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	js := e.js()
	out := collect(t, js, stage.StreamDeduped, stage.SubjectDeduped)
	payloads := []string{
		"{ \"title\" : \"spaced\",\n  \"body\": \"caf\\u00e9 \\u0026 co\" }",
		`{"id":"2","id":"duplicate names survive"}`,
	}
	publish(t, js, stage.SubjectCleaned, []byte(payloads[0]), "first")
	publish(t, js, stage.SubjectCleaned, []byte(payloads[1]), "")
	// Workers run side by side: outputs may come in either order.
	wantIDs := map[string]string{payloads[0]: "first:dedupe", payloads[1]: stage.StreamCleaned + ":2:dedupe"}
	for range payloads {
		m := receive(t, out)
		want, ok := wantIDs[string(m.Data())]
		if !ok {
			t.Errorf("output %q is not an input, unchanged", m.Data())
			continue
		}
		delete(wantIDs, string(m.Data()))
		if got := m.Headers().Get(jetstream.MsgIDHeader); got != want {
			t.Errorf("output %q has message id %q; want %q", m.Data(), got, want)
		}
	}
}

// Outputs are published without waiting; one JetStream never stores is
// retried like any failure and dead-lettered at MaxDeliver, with why.
func TestUnstoredOutputIsRetriedThenDeadLettered(t *testing.T) {
	e := newEnv(t)
	e.cfg.Consumer.MaxBacklog = 0 // nothing to measure downstream: the stream is gone
	rt := e.runtime()
	js := e.js()
	if err := js.DeleteStream(context.Background(), stage.StreamEnriched); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	c, err := stage.Start(context.Background(), rt, passthrough("enrich", stage.SubjectDeduped, stage.SubjectEnriched, func(_ context.Context, d *schema.Document) (*schema.Document, error) {
		calls.Add(1)
		return d, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	dead := collect(t, js, stage.StreamDead, stage.SubjectDeadPrefix+"enrich")
	publishDoc(t, js, stage.SubjectDeduped, doc("homeless", "x"))
	m := receive(t, dead)
	reason := m.Headers().Get(stage.HeaderDeadReason)
	if !strings.HasPrefix(reason, "max deliveries (3) reached, last error: publish to "+stage.SubjectEnriched+": ") {
		t.Errorf("reason = %q; want the publish failure after 3 deliveries", reason)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("processed %d times; want 3", n)
	}
	waitFor(t, func() bool { s := c.Stats(); return s.Retried == 2 && s.Dead == 1 && s.Out == 0 },
		func() string { return fmt.Sprintf("stats = %+v; want 2 retried, 1 dead, none out", c.Stats()) })
}

// An article sent again as a revision (a cluster merge in dedupe) reaches
// the next stream beside its first version; sent again without one, as a
// retried publish would be, it is dropped as a duplicate.
func TestRevisionIsStoredNotDroppedAsARetry(t *testing.T) {
	e := newEnv(t)
	rt := e.runtime()
	c, err := stage.Start(context.Background(), rt, passthrough("enrich", stage.SubjectDeduped, stage.SubjectEnriched, func(_ context.Context, d *schema.Document) (*schema.Document, error) {
		return d, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	js := e.js()
	out := collect(t, js, stage.StreamEnriched, stage.SubjectEnriched)
	first := doc("r1", "first decision")
	publishDoc(t, js, stage.SubjectDeduped, first)
	if m := receive(t, out); m.Headers().Get(jetstream.MsgIDHeader) != "r1:enrich" {
		t.Fatalf("first output id = %q; want r1:enrich", m.Headers().Get(jetstream.MsgIDHeader))
	}

	// The same article under another input id and no revision: a retry.
	data, _ := json.Marshal(first)
	publish(t, js, stage.SubjectDeduped, data, "r1:again")
	// A revision.
	revised := doc("r1", "first decision")
	revised.DuplicateOf = "r0"
	data, _ = json.Marshal(revised)
	m := nats.NewMsg(stage.SubjectDeduped)
	m.Data = data
	m.Header.Set(jetstream.MsgIDHeader, "dedupe-merge:r1:7")
	m.Header.Set(stage.HeaderRevision, "7")
	if _, err := js.PublishMsg(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := receive(t, out)
	if id := got.Headers().Get(jetstream.MsgIDHeader); id != "r1:enrich:7" {
		t.Errorf("revision's output id = %q; want r1:enrich:7", id)
	}
	if rev := got.Headers().Get(stage.HeaderRevision); rev != "7" {
		t.Errorf("revision header = %q; want it passed on, 7", rev)
	}
	if d, _ := schema.DecodeDocument(got.Data()); d == nil || d.DuplicateOf != "r0" {
		t.Errorf("revision's output = %+v; want the revised document", d)
	}
	// All three acked: two stored, the retry counted as already stored.
	waitFor(t, func() bool { s := c.Stats(); return s.Out == 2 && s.AlreadyStored == 1 }, func() string {
		return fmt.Sprintf("stats %+v; want 2 out and 1 already stored", c.Stats())
	})
	if n := streamMsgs(t, js, stage.StreamEnriched); n != 2 {
		t.Errorf("enriched stream holds %d; want 2 (the first version and the revision, not the retry)", n)
	}
}

// An output over the server's max_payload can never be published: it is
// dead-lettered on its first delivery with a reason that names the
// setting, and the stage goes on.
func TestOutputOverMaxPayloadIsDeadLetteredAtOnce(t *testing.T) {
	e := newEnvWith(t, embedded.Options{MaxPayload: 64 << 10})
	rt := e.runtime()
	_, err := stage.Start(context.Background(), rt, passthrough("enrich", stage.SubjectDeduped, stage.SubjectEnriched, func(_ context.Context, d *schema.Document) (*schema.Document, error) {
		if d.ID == "grows" {
			d.Body = strings.Repeat(d.Body, 2) // entities and all: the output outgrows the input
		}
		return d, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	js := e.js()
	dead := collect(t, js, stage.StreamDead, stage.SubjectDeadPrefix+"enrich")
	out := collect(t, js, stage.StreamEnriched, stage.SubjectEnriched)

	publishDoc(t, js, stage.SubjectDeduped, doc("grows", strings.Repeat("word ", 8000))) // 40 KB in, 80 KB out
	m := receive(t, dead)
	reason := m.Headers().Get(stage.HeaderDeadReason)
	if !strings.Contains(reason, "max_payload of 65536 bytes") || !strings.Contains(reason, "raise max_payload") {
		t.Errorf("reason = %q; want it to name the server's max_payload (65536) and how to raise it", reason)
	}
	if got := m.Headers().Get(stage.HeaderDeliveryCount); got != "1" {
		t.Errorf("dead-lettered on delivery %s; want 1 (no retry can make it fit)", got)
	}
	publishDoc(t, js, stage.SubjectDeduped, doc("fine", "x"))
	if d, _ := schema.DecodeDocument(receive(t, out).Data()); d == nil || d.ID != "fine" {
		t.Fatalf("output = %v; want fine", d)
	}
}

// More stream replicas than a single server offers fail at start, saying
// what the server offers, instead of retrying forever.
func TestReplicasOverWhatTheServerOffersFailAtStart(t *testing.T) {
	e := newEnv(t)
	e.cfg.Streams.Replicas = 2
	nc, err := nats.Connect(e.url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	_, err = stage.OpenConn(ctx, nc, e.cfg, zaptest.NewLogger(t))
	if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "not clustered") || !strings.Contains(err.Error(), "NEWSFLOW_STREAM_REPLICAS=1") {
		t.Fatalf("after %s: %v; want an immediate error saying the server is not clustered and to set NEWSFLOW_STREAM_REPLICAS=1", time.Since(start).Round(time.Millisecond), err)
	}
}

// On SIGTERM the HTTP server stops accepting and finishes the requests in
// flight before NATS is drained: an upload arriving just before the
// signal is stored, not refused with a 503 mid-batch.
func TestShutdownFinishesHTTPRequestsBeforeDrainingNATS(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	e.cfg.HTTPAddr = addr
	nc, err := nats.Connect(e.url)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := stage.OpenConn(context.Background(), nc, e.cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	arrived, release := make(chan struct{}), make(chan struct{})
	rt.Handle("POST /upload", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		if _, err := rt.JetStream().Publish(context.Background(), stage.SubjectRaw, []byte(`{"text":"late upload"}`)); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- rt.Serve(ctx) }()
	// Wait until Serve has opened the services' routes: /healthz answers
	// from Listen on, and until Serve a service route answers 503
	// ("starting"), so an upload sent on /healthz alone could be refused
	// without reaching its handler (CI at load, 7 Dec 04:33 UTC, hung
	// here). GET on the POST-only route answers 405 once it is open.
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := http.Get("http://" + addr + "/upload")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusMethodNotAllowed {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the upload route did not open: %v, %v", resp, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	answered := make(chan *http.Response, 1)
	go func() {
		resp, err := http.Post("http://"+addr+"/upload", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Error(err)
		}
		answered <- resp
	}()
	select {
	case <-arrived:
	case resp := <-answered:
		stop()
		<-served
		t.Fatalf("the upload was answered %v without reaching its handler", resp)
	}
	stop() // SIGTERM
	// Give a drain that comes first the time to close the connection.
	for deadline := time.Now().Add(500 * time.Millisecond); !nc.IsClosed() && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	if resp := <-answered; resp == nil || resp.StatusCode != http.StatusAccepted {
		t.Errorf("upload in flight at SIGTERM answered %v; want 202 (stored before NATS was drained)", resp)
	} else {
		resp.Body.Close()
	}
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
	if !nc.IsClosed() {
		t.Error("NATS connection still open after Serve returned")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("still accepting requests after Serve returned")
	}
}

// While a service starts (Listen before Serve), /healthz, /readyz and
// /metrics answer, /readyz with the service's reason, and the service's
// own routes answer 503 with Retry-After; Serve opens them.
func TestListenServesHealthWhileStarting(t *testing.T) {
	e := newEnv(t)
	e.cfg.HTTPAddr = "127.0.0.1:0"
	nc, err := nats.Connect(e.url)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	rt, err := stage.OpenConn(context.Background(), nc, e.cfg, zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&logs), zap.InfoLevel)))
	if err != nil {
		t.Fatal(err)
	}
	rt.ReadyCheck(func() error { return errors.New("waiting for the dependency") })
	rt.Handle("POST /upload", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	if err := rt.Listen(); err != nil {
		t.Fatal(err)
	}
	var served struct {
		Addr string `json:"addr"`
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"msg":"serving"`) {
			json.Unmarshal([]byte(line), &served)
		}
	}
	if served.Addr == "" {
		t.Fatalf("no serving line with the address:\n%s", logs.String())
	}
	base := "http://" + served.Addr
	call := func(method, path string) (*http.Response, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader("{}"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	if resp, _ := call("GET", "/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz while starting: %d", resp.StatusCode)
	}
	if resp, body := call("GET", "/readyz"); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "waiting for the dependency") {
		t.Errorf("/readyz while starting: %d %q; want 503 with the service's reason", resp.StatusCode, body)
	}
	if resp, body := call("GET", "/metrics"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics while starting: %d", resp.StatusCode)
	}
	if resp, body := call("POST", "/upload"); resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("upload while starting: %d %q, Retry-After %q; want 503 with Retry-After", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Serve(ctx) }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if resp, _ := call("POST", "/upload"); resp.StatusCode == http.StatusAccepted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the upload route still refused after Serve")
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}
