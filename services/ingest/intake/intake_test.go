package intake

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/embedded"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"
)

const testToken = "s3cret-token-0123456789"

// startJetStream runs an embedded NATS server with a stream on
// articles.raw, configured by tune.
func startJetStream(t *testing.T, tune func(*jetstream.StreamConfig)) (jetstream.JetStream, jetstream.Stream) {
	t.Helper()
	js := natstest.JetStream(t)
	cfg := jetstream.StreamConfig{Name: "ARTICLES_RAW", Subjects: []string{stage.SubjectRaw}, Storage: jetstream.FileStorage}
	if tune != nil {
		tune(&cfg)
	}
	st, err := js.CreateStream(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return js, st
}

// storedIDs returns the Nats-Msg-Id of every message in the stream.
func storedIDs(t *testing.T, st jetstream.Stream) []string {
	t.Helper()
	ctx := context.Background()
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := schema.DecodeRaw(m.Data); err != nil {
			t.Errorf("stored message %d does not decode: %v", seq, err)
		}
		ids = append(ids, m.Header.Get(jetstream.MsgIDHeader))
	}
	return ids
}

type request struct {
	body        []byte
	contentType string
	encoding    string
	token       string
}

func do(t *testing.T, h http.Handler, req request) (*httptest.ResponseRecorder, Response) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(req.body))
	if req.contentType != "" {
		r.Header.Set("Content-Type", req.contentType)
	}
	if req.encoding != "" {
		r.Header.Set("Content-Encoding", req.encoding)
	}
	if req.token != "" {
		r.Header.Set("Authorization", "Bearer "+req.token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if got := w.Header().Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	var resp Response
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, w.Body.String())
	}
	return w, resp
}

func article(url, text string) []byte {
	b, _ := json.Marshal(schema.RawArticle{URL: url, Title: "A title", Text: text})
	return b
}

func TestHTTPSingleAccepted(t *testing.T) {
	js, st := startJetStream(t, nil)
	h := NewHandler(NewPublisher(js, zaptest.NewLogger(t)), HandlerConfig{}, zaptest.NewLogger(t))
	body := article("https://example.org/a/1", "Body text of the article.")
	w, resp := do(t, h, request{body: body, contentType: "application/json"})
	if w.Code != http.StatusAccepted {
		t.Fatalf("status = %d, want 202: %s", w.Code, w.Body)
	}
	wantID := schema.DocumentID("", "https://example.org/a/1", "", "")
	if len(resp.Results) != 1 || resp.Results[0].ID != wantID || resp.Results[0].Line != 1 {
		t.Errorf("results = %+v, want line 1 with id %s", resp.Results, wantID)
	}
	// The same article again is de-duplicated by its Nats-Msg-Id.
	if w, _ := do(t, h, request{body: body}); w.Code != http.StatusAccepted {
		t.Fatalf("second status = %d", w.Code)
	}
	if got := storedIDs(t, st); len(got) != 1 || got[0] != wantID {
		t.Errorf("stored ids = %v, want [%s]", got, wantID)
	}
}

func TestHTTPSingleRejected(t *testing.T) {
	js, st := startJetStream(t, nil)
	h := NewHandler(NewPublisher(js, nil), HandlerConfig{}, nil)
	tests := []struct {
		name string
		body []byte
		want error
	}{
		{"invalid json", []byte(`{"text": "unterminated`), schema.ErrInvalidJSON},
		{"no title, text or html", []byte(`{"url": "https://example.org/a", "title": " "}`), schema.ErrInvalid},
		{"not utf-8", []byte("{\"text\": \"caf\xe9\"}"), schema.ErrNotUTF8},
		{"binary garbage", []byte("\x00\x01\x02\xff\xfe"), schema.ErrNotUTF8},
		{"array", []byte(`[{"text":"x"}]`), schema.ErrInvalidJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := do(t, h, request{body: tt.body, contentType: "application/json"})
			if w.Code != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", w.Code)
			}
			var e errorBody
			_ = json.Unmarshal(w.Body.Bytes(), &e)
			if !strings.Contains(e.Error, tt.want.Error()) {
				t.Errorf("error = %q, want it to name %q", e.Error, tt.want)
			}
		})
	}
	if got := storedIDs(t, st); len(got) != 0 {
		t.Errorf("stored %d messages, want none", len(got))
	}
}

func TestHTTPAuth(t *testing.T) {
	js, st := startJetStream(t, nil)
	h := NewHandler(NewPublisher(js, nil), HandlerConfig{Token: testToken}, nil)
	body := article("https://example.org/a/2", "Text.")
	for _, tok := range []string{"", "wrong", testToken + "x"} {
		w, _ := do(t, h, request{body: body, token: tok})
		if w.Code != http.StatusUnauthorized {
			t.Errorf("token %q: status = %d, want 401", tok, w.Code)
		}
		if w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("token %q: no WWW-Authenticate header", tok)
		}
	}
	if w, _ := do(t, h, request{body: body, token: testToken}); w.Code != http.StatusAccepted {
		t.Errorf("right token: status = %d, want 202", w.Code)
	}
	if got := storedIDs(t, st); len(got) != 1 {
		t.Errorf("stored %d messages, want 1", len(got))
	}
}

func TestHTTPSizeLimit(t *testing.T) {
	js, st := startJetStream(t, nil)
	h := NewHandler(NewPublisher(js, nil), HandlerConfig{MaxBodyBytes: 1 << 10}, nil)
	big := article("https://example.org/big", strings.Repeat("word ", 1000))
	w, _ := do(t, h, request{body: big})
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d, want 413", w.Code)
	}
	// Without a Content-Length (chunked), MaxBytesReader stops the read.
	r := httptest.NewRequest(http.MethodPost, Path, struct{ *bytes.Reader }{bytes.NewReader(big)})
	r.ContentLength = -1
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked: status = %d, want 413: %s", rec.Code, rec.Body)
	}
	if got := storedIDs(t, st); len(got) != 0 {
		t.Errorf("stored %d messages, want none", len(got))
	}
}

func TestHTTPNDJSONMixed(t *testing.T) {
	js, st := startJetStream(t, nil)
	h := NewHandler(NewPublisher(js, nil), HandlerConfig{}, nil)
	lines := []string{
		string(article("https://example.org/n/1", "First.")),
		`{"text": `,
		"",
		string(article("https://example.org/n/2", "Second.")),
		`{"url": "https://example.org/n/3"}`,
		string(article("", "Third, without a URL.")) + "\r",
	}
	w, resp := do(t, h, request{body: []byte(strings.Join(lines, "\n")), contentType: "application/x-ndjson"})
	if w.Code != http.StatusAccepted {
		t.Fatalf("status = %d, want 202: %s", w.Code, w.Body)
	}
	if resp.Accepted != 3 || resp.Rejected != 2 {
		t.Errorf("accepted, rejected = %d, %d, want 3, 2", resp.Accepted, resp.Rejected)
	}
	var gotLines []int
	for _, r := range resp.Results {
		gotLines = append(gotLines, r.Line)
		ok := r.ID != ""
		wantOK := r.Line == 1 || r.Line == 4 || r.Line == 6
		if ok != wantOK || (r.ID == "") == (r.Error == "") {
			t.Errorf("line %d: %+v", r.Line, r)
		}
	}
	if want := []int{1, 2, 4, 5, 6}; !equalInts(gotLines, want) {
		t.Errorf("lines = %v, want %v", gotLines, want)
	}
	if got := storedIDs(t, st); len(got) != 3 {
		t.Errorf("stored %d messages, want 3", len(got))
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestHTTPGzip(t *testing.T) {
	js, st := startJetStream(t, nil)
	h := NewHandler(NewPublisher(js, nil), HandlerConfig{MaxBodyBytes: 1 << 20, MaxDecompressedBytes: 1 << 20}, nil)
	batch := string(article("https://example.org/g/1", "One.")) + "\n" + string(article("https://example.org/g/2", "Two.")) + "\n"
	w, resp := do(t, h, request{body: gz(t, []byte(batch)), contentType: "application/x-ndjson", encoding: "gzip"})
	if w.Code != http.StatusAccepted || resp.Accepted != 2 {
		t.Fatalf("status = %d, accepted = %d, want 202, 2: %s", w.Code, resp.Accepted, w.Body)
	}
	// A bomb: 16 MiB of spaces compress to ~16 KiB, under the body
	// limit, far over the decompressed limit.
	bomb := gz(t, bytes.Repeat([]byte{' '}, 16<<20))
	if len(bomb) > 1<<20 {
		t.Fatalf("bomb is %d bytes compressed, want under the body limit", len(bomb))
	}
	w, _ = do(t, h, request{body: bomb, contentType: "application/x-ndjson", encoding: "gzip"})
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("bomb: status = %d, want 413: %s", w.Code, w.Body)
	}
	w, _ = do(t, h, request{body: []byte("not gzip"), encoding: "gzip"})
	if w.Code != http.StatusBadRequest {
		t.Errorf("bad gzip: status = %d, want 400", w.Code)
	}
	if got := storedIDs(t, st); len(got) != 2 {
		t.Errorf("stored %d messages, want 2", len(got))
	}
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestHTTPStreamFull(t *testing.T) {
	js, st := startJetStream(t, func(c *jetstream.StreamConfig) {
		c.MaxMsgs = 2
		c.Discard = jetstream.DiscardNew
	})
	h := NewHandler(NewPublisher(js, nil), HandlerConfig{RetryAfter: 7 * time.Second}, nil)
	var lines []string
	for i := range 4 {
		lines = append(lines, string(article("https://example.org/f/"+string(rune('a'+i)), "Text.")))
	}
	w, resp := do(t, h, request{body: []byte(strings.Join(lines, "\n")), contentType: "application/x-ndjson"})
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503: %s", w.Code, w.Body)
	}
	if got := w.Header().Get("Retry-After"); got != "7" {
		t.Errorf("Retry-After = %q, want 7", got)
	}
	if resp.Accepted != 2 || len(resp.Results) != 3 || resp.Results[2].Error == "" || !strings.Contains(resp.Error, "line 3") {
		t.Errorf("response = %+v, want lines 1-2 accepted and line 3 refused", resp)
	}
	// A single article is refused the same way.
	w, _ = do(t, h, request{body: []byte(lines[3])})
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("single: status = %d, want 503 with Retry-After", w.Code)
	}
	if got := storedIDs(t, st); len(got) != 2 {
		t.Errorf("stored %d messages, want 2", len(got))
	}
}

func TestHTTPNoStream(t *testing.T) {
	// No stream on the subject: no responders, which is a 503 too.
	js, _ := startJetStream(t, func(c *jetstream.StreamConfig) { c.Subjects = []string{"other.subject"} })
	h := NewHandler(NewPublisher(js, nil), HandlerConfig{}, nil)
	w, _ := do(t, h, request{body: article("https://example.org/x", "Text.")})
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("status = %d, want 503: %s", w.Code, w.Body)
	}
}

func TestHTTPMethod(t *testing.T) {
	js, _ := startJetStream(t, nil)
	h := NewHandler(NewPublisher(js, nil), HandlerConfig{}, nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, Path, nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("status = %d, want 405", w.Code)
	}
}

func TestClassify(t *testing.T) {
	full := &jetstream.APIError{Code: 503, ErrorCode: 10077, Description: "maximum messages exceeded"}
	if err := classify(full); !errors.Is(err, ErrUnavailable) {
		t.Errorf("stream full: %v, want ErrUnavailable", err)
	}
	if err := classify(nats.ErrMaxPayload); !errors.Is(err, ErrRejected) {
		t.Errorf("max payload: %v, want ErrRejected", err)
	}
	if err := classify(context.DeadlineExceeded); !errors.Is(err, ErrUnavailable) {
		t.Errorf("timeout: %v, want ErrUnavailable", err)
	}
}

func TestHandlerConfigFlags(t *testing.T) {
	env := map[string]string{
		"NEWSFLOW_INTAKE_TOKEN":          testToken,
		"NEWSFLOW_INTAKE_MAX_BODY_BYTES": "1024",
		"NEWSFLOW_INTAKE_RETRY_AFTER":    "3s",
	}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	var out bytes.Buffer
	fs.SetOutput(&out)
	c := HandlerConfig{MaxBodyBytes: DefaultMaxBodyBytes, MaxDecompressedBytes: DefaultMaxDecompressedBytes, RetryAfter: DefaultRetryAfter}
	e := &stage.EnvFlags{FlagSet: fs, Lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	c.Flags(e)
	if err := fs.Parse([]string{"-intake-max-decompressed-bytes", "2048"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Err(); err != nil {
		t.Fatal(err)
	}
	want := HandlerConfig{Token: testToken, MaxBodyBytes: 1024, MaxDecompressedBytes: 2048, RetryAfter: 3 * time.Second}
	if c != want {
		t.Errorf("config = %+v, want %+v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	fs.PrintDefaults()
	if strings.Contains(out.String(), testToken) || strings.Contains(c.String(), testToken) {
		t.Errorf("the token leaks into the usage or the config string")
	}
	c.Token = "short"
	if err := c.Validate(); err == nil {
		t.Error("Validate accepted a 5-character token")
	}
}

func TestMetrics(t *testing.T) {
	js, _ := startJetStream(t, func(c *jetstream.StreamConfig) {
		c.MaxMsgs = 1
		c.Discard = jetstream.DiscardNew
	})
	reg := prometheus.NewPedanticRegistry()
	m := NewMetrics(reg)
	h := NewHandler(NewPublisher(js, nil).WithMetrics(m), HandlerConfig{}, nil).WithMetrics(m)
	batch := strings.Join([]string{string(article("https://example.org/m/1", "A.")), "bad", string(article("https://example.org/m/2", "B."))}, "\n")
	if w, _ := do(t, h, request{body: []byte(batch), contentType: "application/x-ndjson"}); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503", w.Code)
	}
	for _, tt := range []struct {
		result string
		want   float64
	}{{"accepted", 1}, {"rejected", 1}, {"unavailable", 1}} {
		if got := testutil.ToFloat64(m.articles.WithLabelValues("http", tt.result)); got != tt.want {
			t.Errorf("articles{http,%s} = %v, want %v", tt.result, got, tt.want)
		}
	}
	if got := testutil.ToFloat64(m.requests.WithLabelValues("503")); got != 1 {
		t.Errorf("requests{503} = %v, want 1", got)
	}
	if n, err := testutil.GatherAndCount(reg, "newsflow_intake_publish_duration_seconds"); err != nil || n != 1 {
		t.Errorf("publish duration histogram: %d series, %v", n, err)
	}
}

// BenchmarkHTTPBatch posts NDJSON batches of 500 articles.
func BenchmarkHTTPBatch(b *testing.B) {
	js := natstest.JetStream(b)
	if _, err := js.CreateStream(context.Background(), jetstream.StreamConfig{Name: "RAW", Subjects: []string{stage.SubjectRaw}, Duplicates: time.Second}); err != nil {
		b.Fatal(err)
	}
	h := NewHandler(NewPublisher(js, nil), HandlerConfig{}, nil)
	const n = 500
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		var buf bytes.Buffer
		for j := range n {
			buf.Write(article(fmt.Sprintf("https://example.org/b/%d/%d", i, j), "Some text of an article, long enough to look real."))
			buf.WriteByte('\n')
		}
		r := httptest.NewRequest(http.MethodPost, Path, &buf)
		r.Header.Set("Content-Type", "application/x-ndjson")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusAccepted {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "articles/s")
}

func TestHTTPTruncatedGzipBatch(t *testing.T) {
	js, st := startJetStream(t, nil)
	h := NewHandler(NewPublisher(js, nil), HandlerConfig{}, nil)
	var batch strings.Builder
	for i := range 50 {
		batch.Write(article(fmt.Sprintf("https://example.org/t/%d", i), strings.Repeat("Words of the article. ", 20)))
		batch.WriteByte('\n')
	}
	full := gz(t, []byte(batch.String()))
	w, resp := do(t, h, request{body: full[:len(full)*2/3], contentType: "application/x-ndjson", encoding: "gzip"})
	if w.Code != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400: %s", w.Code, w.Body)
	}
	stored := len(storedIDs(t, st))
	if resp.Error == "" || resp.Accepted != stored || stored == 0 {
		t.Errorf("response = %d accepted, error %q; stream holds %d: want the stored lines listed", resp.Accepted, resp.Error, stored)
	}
}

// FuzzReadLine checks the NDJSON line reader against strings.Split.
func FuzzReadLine(f *testing.F) {
	f.Add("a\nbb\n\nccc", 2)
	f.Add("one line", 100)
	f.Add("x\r\ny\r\n", 1)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 1 || max > 64 {
			return
		}
		br := bufio.NewReaderSize(strings.NewReader(s), 16)
		want := strings.Split(s, "\n")
		for i := 0; ; i++ {
			line, tooLong, err := readLine(br, max)
			if err != nil && err != io.EOF {
				t.Fatal(err)
			}
			if i >= len(want) {
				t.Fatalf("more lines than strings.Split gives: %d", i)
			}
			w := want[i]
			if wantLong := len(w) > max; tooLong != wantLong {
				t.Fatalf("line %d (%d bytes): tooLong = %v, want %v", i, len(w), tooLong, wantLong)
			}
			if !tooLong && string(line) != strings.TrimSuffix(w, "\r") {
				t.Fatalf("line %d = %q, want %q", i, line, w)
			}
			if err == io.EOF {
				if i != len(want)-1 {
					t.Fatalf("EOF after %d lines, want %d", i+1, len(want))
				}
				return
			}
		}
	})
}

// While the ingest stage is too far behind, the HTTP intake answers 503
// with Retry-After and stores nothing; once it catches up, it accepts.
func TestHTTPAnswers503WhileIngestBacklogIsFull(t *testing.T) {
	js, _ := startJetStream(t, nil)
	ctx := context.Background()
	pub := NewPublisher(js, nil).WithBacklog(stage.NewBacklog(js, stage.SubjectRaw, 2))
	h := NewHandler(pub, HandlerConfig{}, nil)
	post := func(n int) *httptest.ResponseRecorder {
		body := fmt.Sprintf(`{"url": "https://example.org/%d", "text": "An article about the harbour, number %d."}`, n, n)
		req := httptest.NewRequest(http.MethodPost, "/v1/articles", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for i := range 2 {
		if rec := post(i); rec.Code != http.StatusAccepted {
			t.Fatalf("article %d: status %d: %s", i, rec.Code, rec.Body)
		}
	}
	rec := post(2)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("with 2 unread articles and a limit of 2: status %d, Retry-After %q; want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	// The ingest stage reads and acks both.
	cons, err := js.CreateOrUpdateConsumer(ctx, stage.StreamRaw, stage.ConsumerConfigFor(stage.NameIngest, stage.SubjectRaw, stage.DefaultConfig().Consumer))
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(2, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for m := range batch.Messages() {
		if err := m.DoubleAck(ctx); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		rec = post(2)
		if rec.Code == http.StatusAccepted || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if rec.Code != http.StatusAccepted {
		t.Fatalf("after the backlog drained: status %d: %s", rec.Code, rec.Body)
	}
}

// Against a stand-alone nats-server's default 1 MB max_payload, the intake
// sizes its limit from the server, says so in the log, and answers 413
// with that limit instead of a 400 as if the client were wrong.
func TestHTTPArticleLimitFollowsServerMaxPayload(t *testing.T) {
	srv := natstest.ServerWith(t, embedded.Options{MaxPayload: 1 << 20})
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	st, err := js.CreateStream(context.Background(), jetstream.StreamConfig{Name: "ARTICLES_RAW", Subjects: []string{stage.SubjectRaw}, Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zap.InfoLevel)
	h := NewHandler(NewPublisher(js, nil), HandlerConfig{}, zap.New(core))
	wantLimit := int64(1<<20 - stage.HeaderRoom)
	if entries := logs.FilterMessage("intake article limit").All(); len(entries) != 1 || entries[0].ContextMap()["max_article_bytes"] != wantLimit ||
		entries[0].ContextMap()["nats_max_payload_bytes"] != int64(1<<20) {
		t.Errorf("start-up log = %+v; want one line with max_article_bytes %d and nats_max_payload_bytes %d", entries, wantLimit, 1<<20)
	}

	big := article("https://example.org/big", strings.Repeat("word ", 300_000)) // 1.5 MB
	w, _ := do(t, h, request{body: big, contentType: "application/json"})
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "max_payload of 1048576 bytes") {
		t.Errorf("1.5 MB article: %d %s; want 413 naming the server's max_payload of 1048576 bytes", w.Code, w.Body)
	}
	fits := article("https://example.org/fits", strings.Repeat("word ", 200_000)) // 1.0 MB
	if w, _ := do(t, h, request{body: fits, contentType: "application/json"}); w.Code != http.StatusAccepted {
		t.Errorf("1.0 MB article: %d %s; want 202", w.Code, w.Body)
	}
	batch := bytes.Join([][]byte{article("https://example.org/small", "Small body."), big}, []byte("\n"))
	w, resp := do(t, h, request{body: batch, contentType: "application/x-ndjson"})
	if w.Code != http.StatusAccepted || resp.Accepted != 1 || resp.Rejected != 1 || len(resp.Results) != 2 ||
		!strings.Contains(resp.Results[1].Error, "max_payload of 1048576 bytes") {
		t.Errorf("batch: %d %+v; want 202, line 1 accepted, line 2 rejected naming max_payload", w.Code, resp)
	}
	if got := storedIDs(t, st); len(got) != 2 {
		t.Errorf("stored %d articles; want the 2 that fit", len(got))
	}
}

// A re-send JetStream drops within its duplicate window is reported as a
// duplicate, not as accepted: accepted counts what the stream newly stored.
func TestHTTPReportsDuplicates(t *testing.T) {
	js, st := startJetStream(t, nil)
	h := NewHandler(NewPublisher(js, nil), HandlerConfig{}, nil)
	one := article("https://example.org/a/1", "Body text of the article.")
	if w, resp := do(t, h, request{body: one}); w.Code != http.StatusAccepted || resp.Accepted != 1 || resp.Duplicates != 0 {
		t.Fatalf("first send: %d %+v; want 202, accepted 1", w.Code, resp)
	}
	w, resp := do(t, h, request{body: one})
	if w.Code != http.StatusAccepted || resp.Accepted != 0 || resp.Duplicates != 1 || len(resp.Results) != 1 || !resp.Results[0].Duplicate || resp.Results[0].ID == "" {
		t.Errorf("re-send: %d %+v; want 202, accepted 0, duplicates 1, the line marked duplicate with its id", w.Code, resp)
	}
	two := article("https://example.org/a/2", "Another body.")
	batch := bytes.Join([][]byte{one, two, two}, []byte("\n"))
	w, resp = do(t, h, request{body: batch, contentType: "application/x-ndjson"})
	if w.Code != http.StatusAccepted || resp.Accepted != 1 || resp.Duplicates != 2 || resp.Rejected != 0 {
		t.Errorf("batch: %d %+v; want accepted 1 (line 2), duplicates 2 (lines 1 and 3)", w.Code, resp)
	}
	if got := storedIDs(t, st); len(got) != resp.Accepted+1 {
		t.Errorf("stream holds %d; want the 2 accepted in all", len(got))
	}
}

// Refused requests are logged with their reason, one line per status and
// interval: 50 undecodable articles write one line for the 400s, a GET
// one for the 405, a batch with a bad line one for its 202.
func TestRefusalsAreLoggedRateLimited(t *testing.T) {
	js, _ := startJetStream(t, nil)
	core, logs := observer.New(zap.InfoLevel)
	h := NewHandler(NewPublisher(js, nil), HandlerConfig{}, zap.New(core))
	for range 50 {
		if w, _ := do(t, h, request{body: []byte(`{"text": "unterminated`), contentType: "application/json"}); w.Code != http.StatusBadRequest {
			t.Fatalf("status %d; want 400", w.Code)
		}
	}
	get := httptest.NewRecorder()
	h.ServeHTTP(get, httptest.NewRequest(http.MethodGet, Path, nil))
	if get.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET: status %d; want 405", get.Code)
	}
	if w, _ := do(t, h, request{body: []byte("{\"text\":\"fine\"}\n{\"source\":\"no title, text or html\"}\n"), contentType: "application/x-ndjson"}); w.Code != http.StatusAccepted {
		t.Fatalf("batch: status %d; want 202", w.Code)
	}
	refusals := func() []observer.LoggedEntry {
		return logs.Filter(func(e observer.LoggedEntry) bool { return e.Level == zap.WarnLevel }).AllUntimed()
	}
	lines := refusals()
	byStatus := map[int64]string{}
	for _, l := range lines {
		byStatus[l.ContextMap()["status"].(int64)] = l.ContextMap()["reason"].(string)
	}
	if len(lines) != 3 || !strings.Contains(byStatus[400], schema.ErrInvalidJSON.Error()) || !strings.Contains(byStatus[405], "use POST") ||
		!strings.Contains(byStatus[202], "1 of 2 lines rejected; line 2") {
		t.Fatalf("%d lines, reasons by status %v; want one line each for 400 (invalid JSON), 405 and the batch's 202", len(lines), byStatus)
	}
	// Once the interval has passed, the next refusal is logged with the
	// count it stood for (the counting is LogLimiter's, tested in pkg/stage).
	h.rejections = stage.NewLogLimiter(0)
	do(t, h, request{body: []byte(`{"source": "nothing else"}`), contentType: "application/json"})
	last := refusals()
	if got := last[len(last)-1].ContextMap(); len(last) != 4 || !strings.Contains(got["reason"].(string), schema.ErrInvalid.Error()) {
		t.Errorf("after the interval: %d lines, last %v; want a fourth with its own reason", len(last), got)
	}
}
