package pipeline

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/dedupe"
)

func TestFitStreamBytes(t *testing.T) {
	const gib = 1 << 30
	cases := []struct {
		name               string
		maxBytes, maxStore int64
		streams            int
		want               int64
	}{
		{"fits", 2 * gib, 60 * gib, 5, 2 * gib},
		{"default on a small disk", 8 * gib, 11 * gib, 5, 2 * gib},
		{"unlimited is capped", -1, 11 * gib, 5, 2 * gib},
		{"no limit from the server", 8 * gib, 0, 5, 8 * gib},
		{"tiny disk", 8 * gib, gib, 5, 64 << 20},
	}
	for _, c := range cases {
		if got := fitStreamBytes(c.maxBytes, c.maxStore, c.streams); got != c.want {
			t.Errorf("%s: fitStreamBytes(%d, %d, %d) = %d; want %d", c.name, c.maxBytes, c.maxStore, c.streams, got, c.want)
		}
	}
}

// startEmbedded starts the pipeline with the defaults on a new folder, HTTP
// on a free port and a 4 GiB store, returns it with the options it started
// with, and shuts it down when the test ends; ctx ends after timeout
// (loading enrich's gazetteer takes a minute on a busy machine).
func startEmbedded(t *testing.T, timeout time.Duration) (context.Context, *Pipeline, Options) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	opts := DefaultOptions(t.TempDir())
	opts.Listen = "127.0.0.1:0"
	opts.MaxStore = 4 << 30
	p, err := Start(ctx, opts, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return ctx, p, opts
}

// JetStream refuses to create streams whose byte caps do not fit its
// store (three quarters of the free disk by default): on a small disk the
// pipeline must still start, with smaller streams.
func TestStartsOnASmallDisk(t *testing.T) {
	ctx, p, opts := startEmbedded(t, 3*time.Minute)
	s, err := p.Runtime().JetStream().Stream(ctx, stage.StreamFor(stage.SubjectRaw))
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Config.MaxBytes; got <= 0 || got > opts.MaxStore/5 {
		t.Errorf("ARTICLES_RAW max bytes = %d; want at most %d", got, opts.MaxStore/5)
	}
	// Dedupe's band index lives in the data directory, not in $TMPDIR.
	if entries, err := os.ReadDir(filepath.Join(opts.DataDir, DedupeIndexDir)); err != nil || len(entries) == 0 {
		t.Errorf("dedupe's band index in %s: %d files, %v; want its store there", DedupeIndexDir, len(entries), err)
	}
}

// A batch run publishes its input between Open and StartStages, while
// enrich loads its models: those articles wait in articles.raw, and every
// one is indexed with a story once the stages start.
func TestArticlesPublishedBeforeTheStagesStartAreIndexed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	p := openStopped(t, ctx, zaptest.NewLogger(t))
	js := p.Runtime().JetStream()
	raws := []schema.RawArticle{
		{URL: "https://wire.example/a", Source: "Example Wire", PublishedAt: "2023-06-02T10:00:00Z",
			Title: "Harbour in Genoa reopens after the storm", Text: "The port of Genoa reopened on Friday after a storm closed it for two days. Ships queued outside the harbour overnight."},
		{URL: "https://wire.example/b", Source: "Example Wire", PublishedAt: "2023-06-02T11:00:00Z",
			Title: "Parliament passes the budget", Text: "Parliament passed the budget after a night of votes. The opposition said it would appeal."},
	}
	for _, raw := range raws {
		publishRaw(ctx, t, js, raw)
	}
	if n := len(p.Runtime().Consumers()); n != 0 {
		t.Fatalf("%d stages running after Open; want none before StartStages", n)
	}
	if err := p.StartStages(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitIdle(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for i, raw := range raws {
		doc, err := p.Index().Document(ctx, schema.DocumentID(raw.Source, raw.URL, raw.Title, ""))
		if err != nil {
			t.Fatalf("article %d published before the stages started: %v", i, err)
		}
		if doc.StoryID == "" {
			t.Errorf("article %d indexed without a story", i)
		}
	}
	checkStagesInProcess(t, p)
}

// The same text from two outlets, sent without URLs, is two articles: both
// are indexed and dedupe marks the later one a copy. (Ids over the text
// alone made the second the first's re-send, and JetStream dropped it.)
func TestSameTextFromTwoOutletsIsIndexedTwice(t *testing.T) {
	ctx, p, _ := startEmbedded(t, 4*time.Minute)
	js := p.Runtime().JetStream()
	text := strings.Repeat("The port of Genoa reopened on Friday after a storm closed it for two days, and ships that had queued "+
		"outside the harbour overnight began to unload their containers at first light. ", 4)
	raws := []schema.RawArticle{
		{Source: "Example Wire", PublishedAt: "2023-06-02T10:00:00Z", Title: "Genoa harbour reopens after the storm", Text: text},
		{Source: "Example Daily", PublishedAt: "2023-06-02T12:00:00Z", Title: "Genoa harbour reopens after the storm", Text: text},
	}
	for _, raw := range raws {
		publishRaw(ctx, t, js, raw)
		if err := p.WaitIdle(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	ids := make([]string, len(raws))
	for i, raw := range raws {
		ids[i] = schema.DocumentID(raw.Source, "", raw.Title, raw.Text)
	}
	if ids[0] == ids[1] {
		t.Fatalf("both outlets' articles have the id %s", ids[0])
	}
	first, err := p.Index().Document(ctx, ids[0])
	if err != nil {
		t.Fatalf("the first outlet's article: %v", err)
	}
	second, err := p.Index().Document(ctx, ids[1])
	if err != nil {
		t.Fatalf("the second outlet's article: %v", err)
	}
	if first.DuplicateOf != "" || second.DuplicateOf != first.ID || second.Source.Name != "Example Daily" {
		t.Errorf("indexed %s (copy of %q) and %s from %q (copy of %q); want the second, from Example Daily, a copy of the first",
			first.ID, first.DuplicateOf, second.ID, second.Source.Name, second.DuplicateOf)
	}
}

// publishRaw publishes a raw article to the pipeline's input subject.
func publishRaw(ctx context.Context, t *testing.T, js jetstream.JetStream, raw schema.RawArticle) {
	t.Helper()
	b, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, stage.SubjectRaw, b); err != nil {
		t.Fatalf("publish %q: %v", raw.Title, err)
	}
}

// checkStagesInProcess: every connection of the stages to the embedded
// server is an in-memory pipe (no client port), while the server's port
// still takes other clients over TCP.
func checkStagesInProcess(t *testing.T, p *Pipeline) {
	t.Helper()
	other, err := nats.Connect(p.URL(), nats.Name("outside"))
	if err != nil {
		t.Fatalf("a client outside the process connects to %s: %v", p.URL(), err)
	}
	defer other.Close()
	cz, err := p.server.Connz(&server.ConnzOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stages, outside := 0, 0
	for _, c := range cz.Conns {
		switch {
		case c.Name == "outside":
			outside++
			if c.Port == 0 {
				t.Errorf("the outside client has no TCP port: %+v", c)
			}
		case strings.HasPrefix(c.Name, "newsflow"):
			stages++
			if c.Port != 0 {
				t.Errorf("connection %s is TCP from %s:%d; want in process", c.Name, c.IP, c.Port)
			}
		}
	}
	if stages < 5 || outside != 1 {
		t.Errorf("%d stage connections and %d outside; want one per stage at least (5) and 1", stages, outside)
	}
}

// openStopped opens a pipeline on a random port with its stages not yet
// started, and shuts it down when the test ends.
func openStopped(t *testing.T, ctx context.Context, log *zap.Logger) *Pipeline {
	t.Helper()
	opts := DefaultOptions(t.TempDir())
	opts.Listen = "127.0.0.1:0"
	opts.MaxStore = 4 << 30
	p, err := Open(ctx, opts, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return p
}

// TestEmbeddedBoundsAreValidSettings: the bounds newsflow run sets in
// place of the services' defaults pass the services' own checks, so a
// laptop's defaults never refuse to start.
func TestEmbeddedBoundsAreValidSettings(t *testing.T) {
	o := DefaultOptions(t.TempDir())
	if err := o.Dedupe.Validate(); err != nil {
		t.Fatalf("embedded dedupe settings: %v", err)
	}
	if err := o.Stories.Validate(); err != nil {
		t.Fatalf("embedded stories settings: %v", err)
	}
	if got, service := o.Dedupe.IndexCacheMiB, dedupe.DefaultConfig().IndexCacheMiB; got >= service {
		t.Errorf("newsflow run's dedupe index memory %d MiB, want less than the service's %d", got, service)
	}
	if got, service := o.Dedupe.IndexMemTableMiB, dedupe.DefaultConfig().IndexMemTableMiB; got >= service {
		t.Errorf("newsflow run's dedupe memtables %d MiB, want less than the service's %d", got, service)
	}
}
