package chaos

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
	"github.com/newsflow/newsflow/services/ingest"
	"github.com/newsflow/newsflow/services/ingest/intake"
)

// startJS starts an embedded JetStream server with the pipeline streams.
func startJS(t testing.TB) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	s := natstest.Server(t)
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	sc := stage.DefaultConfig().Streams
	sc.MaxBytes = 256 << 20
	if err := stage.EnsureStreams(context.Background(), js, sc); err != nil {
		t.Fatal(err)
	}
	return nc, js
}

// newIntake is the real intake handler publishing to a real JetStream.
func newIntake(t testing.TB, cfg intake.HandlerConfig) http.Handler {
	t.Helper()
	_, js := startJS(t)
	return intake.NewHandler(intake.NewPublisher(js, zap.NewNop()), cfg, zap.NewNop())
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// nested returns an article whose metadata nests depth objects deep.
func nested(depth int) []byte {
	return []byte(`{"url":"https://x.example/n","title":"t","text":"some text","metadata":` +
		strings.Repeat(`{"a":`, depth) + `1` + strings.Repeat(`}`, depth) + `}`)
}

// withInvalidUTF8 returns a valid article JSON whose field (a key, or
// "metadata.key" / "metadata.value") holds a raw 0xff byte.
func withInvalidUTF8(field string) []byte {
	fields := map[string]string{
		"url": `"https://x.example/u"`, "source": `"src"`, "title": `"title"`, "text": `"body text"`,
		"published_at": `"2026-11-20T10:00:00Z"`, "content_type": `"text/plain"`, "charset": `"utf-8"`, "language": `"en"`,
	}
	bad := "\"bad \xff\xfe here\""
	meta := `{"key":"value"}`
	switch field {
	case "metadata.key":
		meta = "{\"k\xff\":\"value\"}"
	case "metadata.value":
		meta = `{"key":` + bad + `}`
	case "html":
		fields["html"] = "\"<p>bad \xff</p>\""
	default:
		fields[field] = bad
	}
	var b strings.Builder
	b.WriteString("{")
	for k, v := range fields {
		fmt.Fprintf(&b, "%q:%s,", k, v)
	}
	b.WriteString(`"metadata":` + meta + "}")
	return []byte(b.String())
}

var utf8Fields = []string{"url", "source", "title", "text", "html", "published_at", "content_type", "charset", "language", "metadata.key", "metadata.value"}

func TestIntakeHostileRequests(t *testing.T) {
	cfg := intake.HandlerConfig{MaxBodyBytes: 8 << 20, MaxDecompressedBytes: 1 << 20}
	h := newIntake(t, cfg)
	good := mustJSON(t, Article("hostile", 0))
	bomb := gzipped(t, make([]byte, 64<<20))
	bigArticle := mustJSON(t, &schema.RawArticle{URL: "https://x.example/big", Title: "big", Text: strings.Repeat("word ", 1<<20)})
	type req struct {
		name, method, ctype, encoding string
		body                          []byte
		chunked                       bool
		want                          int
		wantErr                       string
	}
	tests := []req{
		{name: "GET", method: http.MethodGet, want: http.StatusMethodNotAllowed},
		{name: "empty body", want: http.StatusBadRequest},
		{name: "not JSON", body: []byte("<html>hello</html>"), want: http.StatusBadRequest, wantErr: "invalid JSON"},
		{name: "JSON array", body: []byte(`[1,2,3]`), want: http.StatusBadRequest},
		{name: "unknown schema version", body: []byte(`{"schema_version":99,"url":"https://x.example/v","title":"t","text":"x"}`), want: http.StatusBadRequest, wantErr: "schema_version"},
		{name: "nested 100000 deep", body: nested(100000), want: http.StatusBadRequest},
		{name: "article over 4 MiB", body: bigArticle, want: http.StatusRequestEntityTooLarge, wantErr: "too large"},
		{name: "body over the limit", body: make([]byte, 9<<20), want: http.StatusRequestEntityTooLarge},
		{name: "chunked body over the limit", body: make([]byte, 9<<20), chunked: true, want: http.StatusRequestEntityTooLarge},
		{name: "gzip bomb", encoding: "gzip", body: bomb, want: http.StatusRequestEntityTooLarge},
		{name: "gzip bomb in a batch", encoding: "gzip", ctype: "application/x-ndjson", body: bomb, want: http.StatusRequestEntityTooLarge},
		{name: "corrupt gzip", encoding: "gzip", body: []byte("not gzip at all"), want: http.StatusBadRequest, wantErr: "gzip"},
		{name: "brotli", encoding: "br", body: good, want: http.StatusBadRequest, wantErr: "Content-Encoding"},
		{name: "empty batch", ctype: "application/x-ndjson", body: []byte("\n\n"), want: http.StatusBadRequest},
		{name: "gzip article", encoding: "gzip", body: gzipped(t, good), want: http.StatusAccepted},
	}
	for _, f := range utf8Fields {
		tests = append(tests, req{name: "invalid UTF-8 in " + f, body: withInvalidUTF8(f), want: http.StatusBadRequest, wantErr: "UTF-8"})
	}
	serve := func(r req) *httptest.ResponseRecorder {
		method := r.method
		if method == "" {
			method = http.MethodPost
		}
		var body io.Reader = bytes.NewReader(r.body)
		req := httptest.NewRequest(method, intake.Path, body)
		if r.chunked {
			req.ContentLength = -1
		}
		req.Header.Set("Content-Type", "application/json")
		if r.ctype != "" {
			req.Header.Set("Content-Type", r.ctype)
		}
		if r.encoding != "" {
			req.Header.Set("Content-Encoding", r.encoding)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			rec := serve(tt)
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if rec.Code != tt.want {
				t.Fatalf("status %d (%.300s), want %d", rec.Code, rec.Body, tt.want)
			}
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("response is not JSON: %v: %.200s", err, rec.Body)
			}
			if tt.wantErr != "" && !strings.Contains(rec.Body.String(), tt.wantErr) {
				t.Errorf("response %.300s does not say %q", rec.Body, tt.wantErr)
			}
			if strings.Contains(tt.name, "bomb") {
				// The bomb inflates to 64 MiB; the limit is 1 MiB.
				if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 24<<20 {
					t.Errorf("allocated %d MiB answering a gzip bomb", alloc>>20)
				}
			}
			// And the handler keeps going.
			if rec := serve(req{body: good}); rec.Code != http.StatusAccepted {
				t.Errorf("a good article after it: status %d (%s)", rec.Code, rec.Body)
			}
		})
	}
}

func TestIntakeBatchRejectsOnlyBadLines(t *testing.T) {
	h := newIntake(t, intake.HandlerConfig{})
	long := mustJSON(t, &schema.RawArticle{URL: "https://x.example/long", Title: "l", Text: strings.Repeat("w ", 3<<20)})
	lines := [][]byte{
		mustJSON(t, Article("batch", 1)),
		withInvalidUTF8("title"),
		long,
		nested(20000),
		mustJSON(t, Article("batch", 2)),
	}
	req := httptest.NewRequest(http.MethodPost, intake.Path, bytes.NewReader(bytes.Join(lines, []byte("\n"))))
	req.Header.Set("Content-Type", "application/x-ndjson")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("status %d (%.300s), want 202", rec.Code, rec.Body)
	}
	var resp intake.Response
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Accepted != 2 || resp.Rejected != 3 {
		t.Fatalf("accepted %d rejected %d, want 2 and 3: %+v", resp.Accepted, resp.Rejected, resp.Results)
	}
	for _, r := range resp.Results {
		accepted := r.ID != ""
		if want := r.Line == 1 || r.Line == 5; accepted != want {
			t.Errorf("line %d accepted = %v, want %v (%s)", r.Line, accepted, want, r.Error)
		}
		if !accepted && r.Error == "" {
			t.Errorf("line %d rejected without a reason", r.Line)
		}
	}
}

// TestStageRejectsHostileMessages publishes straight to articles.raw,
// bypassing intake, as a compromised or buggy producer could, and runs the
// real ingest stage on it: malformed payloads go to articles.dead.ingest
// with a reason, forged and huge headers change nothing, and the stage
// keeps going.
func TestStageRejectsHostileMessages(t *testing.T) {
	nc, js := startJS(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	icfg := ingest.DefaultConfig()
	icfg.LearnBoilerplate = false
	ing, err := ingest.New(ctx, js, icfg, log)
	if err != nil {
		t.Fatal(err)
	}
	dead := make(chan *nats.Msg, 64)
	cleaned := make(chan *nats.Msg, 64)
	for subj, ch := range map[string]chan *nats.Msg{stage.SubjectDeadPrefix + ">": dead, stage.SubjectCleaned: cleaned} {
		sub, err := nc.ChanSubscribe(subj, ch)
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Unsubscribe()
	}
	cc := stage.DefaultConfig().Consumer
	cc.MaxDeliver, cc.Concurrency = 2, 2
	c, err := stage.Consume(ctx, js, stage.Stage[*schema.RawArticle, *schema.Document]{
		Name: stage.NameIngest, Input: stage.SubjectRaw, Output: stage.SubjectCleaned,
		Decode: schema.DecodeRaw, Process: ing.Process,
	}, cc, prometheus.NewRegistry(), log)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Drain(context.Background())

	publish := func(data []byte, hdr nats.Header) {
		t.Helper()
		m := &nats.Msg{Subject: stage.SubjectRaw, Data: data, Header: hdr}
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatalf("publish: %v", err)
		}
	}
	// Malformed payloads, each with the reason it must be dead-lettered for.
	bad := []struct {
		data   []byte
		reason string
	}{
		{nested(100000), "decode"},
		{bytes.Repeat([]byte("x"), 5<<20), "too large"},
		{[]byte(`[{"url":"https://x.example/a"}]`), "decode"},
		{[]byte(`{"url":"https://x.example/empty"}`), "decode"},
	}
	for _, f := range utf8Fields {
		bad = append(bad, struct {
			data   []byte
			reason string
		}{withInvalidUTF8(f), "UTF-8"})
	}
	for _, b := range bad {
		publish(b.data, nil)
	}
	// A valid article dressed as a dead letter, with a forged message id
	// and a 60 KiB header.
	forged := Article("forged", 1)
	hdr := nats.Header{}
	hdr.Set(jetstream.MsgIDHeader, "someone-else:ingest")
	hdr.Set(stage.HeaderDeadReason, "forged")
	hdr.Set(stage.HeaderDeadStage, stage.NameIngest)
	hdr.Set(stage.HeaderOriginalSubject, "$JS.API.STREAM.DELETE."+stage.StreamRaw)
	// JetStream itself refuses headers over 64 KiB.
	hdr.Set("X-Huge", strings.Repeat("h", 256<<10))
	if _, err := js.PublishMsg(ctx, &nats.Msg{Subject: stage.SubjectRaw, Data: mustJSON(t, forged), Header: hdr}); err == nil || !strings.Contains(err.Error(), "header size") {
		t.Fatalf("publish with a 256 KiB header: %v, want a header size error", err)
	}
	hdr.Set("X-Huge", strings.Repeat("h", 60<<10))
	publish(mustJSON(t, forged), hdr)
	after := Article("after", 1)
	publish(mustJSON(t, after), nil)

	timeout := time.After(60 * time.Second)
	var reasons []string
	outputs := map[string]*nats.Msg{}
	for len(reasons) < len(bad) || len(outputs) < 2 {
		select {
		case m := <-dead:
			reasons = append(reasons, m.Header.Get(stage.HeaderDeadReason))
		case m := <-cleaned:
			d, err := schema.DecodeDocument(m.Data)
			if err != nil {
				t.Fatalf("cleaned output does not decode: %v", err)
			}
			outputs[d.ID] = m
		case <-timeout:
			t.Fatalf("after 60s: %d of %d dead letters (%q), %d of 2 outputs", len(reasons), len(bad), reasons, len(outputs))
		}
	}
	// Dead letters come in publish order (one consumer, decode failures
	// are immediate), but match by reason to stay robust.
	for i, b := range bad {
		found := false
		for _, r := range reasons {
			if strings.Contains(r, b.reason) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("payload %d: no dead letter says %q; reasons: %q", i, b.reason, reasons)
		}
	}
	for _, a := range []*schema.RawArticle{forged, after} {
		id := intake.ArticleID(a)
		m, ok := outputs[id]
		if !ok {
			t.Errorf("%s: no output under its content id %s (got %v)", a.URL, id, keys(outputs))
			continue
		}
		if got, want := m.Header.Get(jetstream.MsgIDHeader), id+":"+stage.NameIngest; got != want {
			t.Errorf("output message id %q, want %q", got, want)
		}
		for _, h := range []string{stage.HeaderDeadReason, stage.HeaderOriginalSubject, "X-Huge"} {
			if m.Header.Get(h) != "" {
				t.Errorf("output carries the input's %s header", h)
			}
		}
	}
	if st := c.Stats(); st.Dead != uint64(len(bad)) {
		t.Errorf("stage stats: %d dead, want %d", st.Dead, len(bad))
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// FuzzIntake sends arbitrary bodies, as one article or a batch, plain or
// gzipped, to the real handler on a real JetStream. The handler must
// answer with a JSON body and a status from its contract, and must accept
// a single article exactly when schema.DecodeRaw does.
func FuzzIntake(f *testing.F) {
	good, _ := json.Marshal(Article("fuzz", 1))
	f.Add(good, false, false)
	f.Add(append(append(good, '\n'), good...), true, false)
	f.Add([]byte(`{"url":"https://x.example/a","title":"t","text":"\u0000"}`), false, false)
	f.Add(nested(64), false, false)
	f.Add(withInvalidUTF8("title"), true, false)
	f.Add([]byte("\n\n{}\n"), true, false)
	f.Add(good, false, true)
	h := newIntake(f, intake.HandlerConfig{MaxBodyBytes: 1 << 20, MaxDecompressedBytes: 1 << 20})
	f.Fuzz(func(t *testing.T, body []byte, batch, gz bool) {
		sent := body
		if gz {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write(body)
			zw.Close()
			sent = buf.Bytes()
		}
		req := httptest.NewRequest(http.MethodPost, intake.Path, bytes.NewReader(sent))
		req.Header.Set("Content-Type", "application/json")
		if batch {
			req.Header.Set("Content-Type", "application/x-ndjson")
		}
		if gz {
			req.Header.Set("Content-Encoding", "gzip")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusAccepted, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable:
		default:
			t.Fatalf("status %d: %.200s", rec.Code, rec.Body)
		}
		var resp intake.Response
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("status %d with a body that is not JSON: %v", rec.Code, err)
		}
		if batch || rec.Code == http.StatusServiceUnavailable {
			if rec.Code == http.StatusAccepted && resp.Accepted+resp.Duplicates+resp.Rejected != len(resp.Results) {
				t.Fatalf("accepted %d + duplicates %d + rejected %d != %d results", resp.Accepted, resp.Duplicates, resp.Rejected, len(resp.Results))
			}
			return
		}
		_, derr := schema.DecodeRaw(body)
		if accepted := rec.Code == http.StatusAccepted; accepted != (derr == nil) {
			t.Fatalf("status %d, but DecodeRaw says %v", rec.Code, derr)
		}
	})
}

// TestIntakeFullBacklogAnswers503 sends more than the ingest stage may
// have unfinished: intake must answer 503 with Retry-After and say which
// lines were stored, never 202 for an article it could not store.
func TestIntakeFullBacklogAnswers503(t *testing.T) {
	js := natstest.JetStream(t)
	sc := stage.DefaultConfig().Streams
	sc.MaxBytes = 64 << 10
	if err := stage.EnsureStreams(context.Background(), js, sc); err != nil {
		t.Fatal(err)
	}
	// Backpressure comes from the ingest stage's backlog, kept below what
	// the stream holds (streams drop their oldest messages when full).
	pub := intake.NewPublisher(js, zap.NewNop()).WithBacklog(stage.NewBacklog(js, stage.SubjectRaw, 50))
	h := intake.NewHandler(pub, intake.HandlerConfig{RetryAfter: 2 * time.Second}, zap.NewNop())
	var lines [][]byte
	for i := range 200 {
		lines = append(lines, mustJSON(t, Article("full", i)))
	}
	req := httptest.NewRequest(http.MethodPost, intake.Path, bytes.NewReader(bytes.Join(lines, []byte("\n"))))
	req.Header.Set("Content-Type", "application/x-ndjson")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503 once the ingest backlog is full", rec.Code)
	}
	if got := rec.Header().Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After %q, want 2", got)
	}
	var resp intake.Response
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	stream, _ := js.Stream(context.Background(), stage.StreamRaw)
	info, _ := stream.Info(context.Background())
	if resp.Accepted == 0 || uint64(resp.Accepted) != info.State.Msgs {
		t.Errorf("accepted %d, stream holds %d: every accepted line must be stored, and only those", resp.Accepted, info.State.Msgs)
	}
	if info.State.Bytes > uint64(sc.MaxBytes) {
		t.Errorf("stream holds %d bytes, over its %d cap", info.State.Bytes, sc.MaxBytes)
	}
	if resp.Error == "" {
		t.Error("503 without a reason")
	}
}
