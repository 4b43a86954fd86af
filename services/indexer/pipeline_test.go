package indexer_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
	"github.com/newsflow/newsflow/services/indexer"
	"github.com/newsflow/newsflow/services/indexer/esindex"
	"github.com/newsflow/newsflow/services/indexer/estest"
)

// pipeline runs the indexer stage on the real runtime, against an embedded
// NATS server and the Elasticsearch double.
type pipeline struct {
	es  *estest.Server
	js  jetstream.JetStream
	ix  *indexer.Indexer
	cfg stage.Config
}

func newPipeline(t *testing.T, s *estest.Server, maxDeliver int) *pipeline {
	t.Helper()
	ns := natstest.Server(t)
	cfg := stage.DefaultConfig()
	cfg.Consumer.Concurrency = 4
	cfg.Consumer.Batch = 8
	cfg.Consumer.MaxDeliver = maxDeliver
	cfg.Consumer.AckWait = 2 * time.Second
	cfg.Consumer.RetryMin = 10 * time.Millisecond
	cfg.Consumer.RetryMax = 100 * time.Millisecond
	cfg.Streams.MaxBytes = 64 << 20

	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rt, err := stage.OpenConn(ctx, nc, cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := indexer.New(ctx, testConfig(s.URL), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	rt.OnShutdown(ix.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := rt.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	if _, err := stage.Start(ctx, rt, stage.Stage[*schema.Document, *schema.Document]{
		Name: stage.NameIndex, Input: stage.SubjectStoried,
		Decode: schema.DecodeDocument, Process: ix.Process,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := stage.Start(ctx, rt, ix.StoriesStage()); err != nil {
		t.Fatal(err)
	}
	pc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pc.Close)
	js, err := jetstream.New(pc)
	if err != nil {
		t.Fatal(err)
	}
	return &pipeline{es: s, js: js, ix: ix, cfg: cfg}
}

func (p *pipeline) publish(t *testing.T, d *schema.Document) {
	t.Helper()
	b, _ := json.Marshal(d)
	m := nats.NewMsg(stage.SubjectStoried)
	m.Data = b
	m.Header.Set(jetstream.MsgIDHeader, d.ID)
	if _, err := p.js.PublishMsg(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

func (p *pipeline) deadLetters(t *testing.T) <-chan jetstream.Msg {
	t.Helper()
	cons, err := p.js.OrderedConsumer(context.Background(), stage.StreamDead,
		jetstream.OrderedConsumerConfig{FilterSubjects: []string{stage.SubjectDeadPrefix + stage.NameIndex}})
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

// waitFor polls cond: the double has no event stream to await.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A mapping error reaches articles.dead.indexer with Elasticsearch's
// reason, at the first delivery, and the stage keeps going.
func TestMappingErrorIsDeadLettered(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	ing := time.Date(2024, 2, 25, 0, 0, 0, 0, time.UTC)
	bad := doc(1, ing)
	s.CreateIndex(esindex.IndexName(esindex.DefaultPrefix, bad), map[string]any{
		"properties": map[string]any{"published_at": map[string]any{"type": "long"}}})
	p := newPipeline(t, s, 5)
	dead := p.deadLetters(t)

	p.publish(t, bad)
	good := doc(2, ing)
	good.PublishedAt = nil // filed by ingested_at, in a healthy index
	p.publish(t, good)

	var m jetstream.Msg
	select {
	case m = <-dead:
	case <-time.After(20 * time.Second):
		t.Fatal("no dead letter")
	}
	reason := m.Headers().Get(stage.HeaderDeadReason)
	for _, want := range []string{"document_parsing_exception", "failed to parse field [published_at] of type [long]", bad.ID} {
		if !strings.Contains(reason, want) {
			t.Errorf("dead-letter reason %q lacks %q", reason, want)
		}
	}
	if got := m.Headers().Get(stage.HeaderDeliveryCount); got != "1" {
		t.Errorf("dead-lettered at delivery %s, want 1 (permanent)", got)
	}
	waitFor(t, "the good document", func() bool {
		_, ok := s.Doc(esindex.IndexName(esindex.DefaultPrefix, good), good.ID)
		return ok
	})
}

// Elasticsearch goes away for a while with articles arriving: nothing is
// dead-lettered, the consumer holds only what it is allowed to, nothing
// reaches the cluster while it is down, and every article is indexed
// exactly once after it returns.
func TestOutageLosesNothing(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	p := newPipeline(t, s, 3)
	dead := p.deadLetters(t)
	ing := time.Date(2024, 2, 25, 0, 0, 0, 0, time.UTC)
	warm := doc(0, ing)
	p.publish(t, warm)
	waitFor(t, "the first document", func() bool { return len(s.Docs(esindex.Alias)) == 1 })

	s.Stop()
	const n = 60
	var docs []*schema.Document
	for i := 1; i <= n; i++ {
		d := doc(i, ing.Add(time.Duration(i)*time.Second))
		docs = append(docs, d)
		p.publish(t, d)
	}
	// Hold the outage for several ack waits: long enough for MaxDeliver (3)
	// to dead-letter everything if the indexer failed fast.
	cons, err := p.js.Consumer(context.Background(), stage.StreamStoried, stage.NameIndex)
	if err != nil {
		t.Fatal(err)
	}
	outageEnd := time.Now().Add(3 * p.cfg.Consumer.AckWait)
	maxPending := 0
	for time.Now().Before(outageEnd) {
		info, err := cons.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if info.NumAckPending > maxPending {
			maxPending = info.NumAckPending
		}
		time.Sleep(50 * time.Millisecond)
	}
	if limit := p.cfg.Consumer.Batch + p.cfg.Consumer.Concurrency; maxPending > limit {
		t.Errorf("%d messages held during the outage, want at most %d (batch + concurrency)", maxPending, limit)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every document", func() bool { return len(s.Docs(esindex.Alias)) == n+1 })
	for _, d := range append(docs, warm) {
		got, ok := s.Doc(esindex.IndexName(esindex.DefaultPrefix, d), d.ID)
		if !ok || got.Writes != 1 {
			t.Errorf("%s: stored=%v writes=%d, want stored once", d.ID, ok, got.Writes)
		}
	}
	select {
	case m := <-dead:
		t.Errorf("dead letter during an outage: %s", m.Headers().Get(stage.HeaderDeadReason))
	default:
	}
	if t.Failed() {
		t.Logf("double: %+v", s.Stats())
	}
}

func (p *pipeline) publishStory(t *testing.T, st *schema.Story) {
	t.Helper()
	b, _ := json.Marshal(st)
	if _, err := p.js.Publish(context.Background(), stage.SubjectStories, b); err != nil {
		t.Fatal(err)
	}
}

// The indexer's second stage on the real runtime: story snapshots from
// stories.snapshots reach the story index (the highest revision kept
// whatever the order), a merge re-points the merged story's articles,
// and a snapshot that breaks the contract is dead-lettered on
// articles.dead.indexer_stories with the reason while the rest go on.
func TestStoriesStage(t *testing.T) {
	s := estest.NewServer()
	defer s.Close()
	p := newPipeline(t, s, 3)
	cons, err := p.js.OrderedConsumer(context.Background(), stage.StreamDead,
		jetstream.OrderedConsumerConfig{FilterSubjects: []string{stage.SubjectDeadPrefix + indexer.StoriesStageName}})
	if err != nil {
		t.Fatal(err)
	}
	ing := time.Date(2024, 2, 25, 0, 0, 0, 0, time.UTC)
	for i := range 4 {
		d := doc(i, ing)
		d.StoryID = []string{"s1", "s2"}[i%2]
		p.publish(t, d)
	}
	waitFor(t, "the articles", func() bool { return len(s.Docs(esindex.Alias)) == 4 })
	p.publishStory(t, story("s1", 2, 2, ""))
	p.publishStory(t, story("s1", 1, 1, ""))
	bad := story("s3", 0, 1, "")
	p.publishStory(t, bad)
	p.publishStory(t, story("s2", 1, 2, "s1"))

	m, err := cons.Next(jetstream.FetchMaxWait(20 * time.Second))
	if err != nil {
		t.Fatalf("no dead letter for the snapshot without a revision: %v", err)
	}
	if reason := m.Headers().Get(stage.HeaderDeadReason); !strings.Contains(reason, "revision") {
		t.Errorf("dead-letter reason %q does not name the revision", reason)
	}
	waitFor(t, "the merged story's articles re-pointed", func() bool {
		for _, d := range s.Docs(esindex.Alias) {
			if back, _ := esindex.Document(d.Source); back.StoryID != "s1" {
				return false
			}
		}
		return true
	})
	// Every snapshot is written (or dead-lettered) before its ack, so once
	// the story consumer holds nothing the story index is final, whatever
	// order its concurrent workers wrote the two revisions of s1 in.
	stories, err := p.js.Consumer(context.Background(), stage.StreamStories, indexer.StoriesStageName)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every snapshot acknowledged", func() bool {
		info, err := stories.Info(context.Background())
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	})
	if n := len(s.Docs(esindex.DefaultStoryIndex)); n != 2 {
		t.Errorf("%d stories in %s, want 2 (s1 and s2)", n, esindex.DefaultStoryIndex)
	}
	if got, version := storedStory(t, s, "s1"); version != 2 || got.ArticleCount != 2 {
		t.Errorf("s1 at version %d with %d articles, want revision 2 over the late revision 1", version, got.ArticleCount)
	}
	if got, _ := storedStory(t, s, "s2"); got.MergedInto != "s1" {
		t.Errorf("s2 merged_into %q, want s1", got.MergedInto)
	}
}
