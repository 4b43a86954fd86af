package dedupe

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
	"github.com/newsflow/newsflow/services/dedupe/kvindex"
)

const (
	inStream, inSubject = "IN", "in.docs"
	outStream           = "OUT"
)

// env is an embedded JetStream server with an input stream (so articles
// have real sequences) and an output stream capturing merges.
type env struct {
	js jetstream.JetStream
}

func newEnv(t testing.TB) *env {
	t.Helper()
	js := natstest.JetStream(t)
	ctx := context.Background()
	for _, sc := range []jetstream.StreamConfig{
		{Name: inStream, Subjects: []string{inSubject}},
		{Name: outStream, Subjects: []string{stage.SubjectDeduped}},
	} {
		if _, err := js.CreateStream(ctx, sc); err != nil {
			t.Fatal(err)
		}
	}
	return &env{js: js}
}

// startJS starts an embedded JetStream server for the test.
func (e *env) deduper(t testing.TB, cfg Config) *Deduper {
	t.Helper()
	d, err := New(context.Background(), e.js, cfg, zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("close deduper: %v", err)
		}
	})
	return d
}

// publish stores doc in the input stream and returns its sequence.
func (e *env) publish(t testing.TB, doc *schema.Document) uint64 {
	t.Helper()
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	ack, err := e.js.Publish(context.Background(), inSubject, data)
	if err != nil {
		t.Fatal(err)
	}
	return ack.Sequence
}

func process(t testing.TB, d *Deduper, doc *schema.Document, seq uint64) *schema.Document {
	t.Helper()
	out, err := d.Process(withSeq(seq), doc)
	if err != nil {
		t.Fatalf("Process(%s): %v", doc.ID, err)
	}
	if err := out.Validate(); err != nil {
		t.Fatalf("Process(%s) output invalid: %v", doc.ID, err)
	}
	return out
}

func withSeq(seq uint64) context.Context {
	return stage.WithMessageInfo(context.Background(), stage.Info{Stream: inStream, Sequence: seq, Delivered: 1, Subject: inSubject})
}

// merges returns the merges published so far, by article id, the highest
// dedupe revision winning (as an indexer with external_gte versioning
// does): merges published concurrently need not arrive in revision order.
func (e *env) merges(t testing.TB) map[string]*schema.Document {
	t.Helper()
	ctx := context.Background()
	s, err := e.js.Stream(ctx, outStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*schema.Document{}
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := schema.DecodeDocument(m.Data)
		if err != nil {
			t.Fatalf("merge %d: %v", seq, err)
		}
		id := m.Header.Get(jetstream.MsgIDHeader)
		if !strings.HasPrefix(id, "dedupe-merge:"+doc.ID+":") {
			t.Errorf("merge of %s has message id %q", doc.ID, id)
		}
		// Later stages tell the revision from a retry by this header.
		if rev := m.Header.Get(stage.HeaderRevision); rev == "" || !strings.HasSuffix(id, ":"+rev) {
			t.Errorf("merge of %s (message id %q) has revision header %q", doc.ID, id, rev)
		}
		if prev, ok := out[doc.ID]; !ok || revision(t, doc) > revision(t, prev) {
			out[doc.ID] = doc
		}
	}
	return out
}

// revision returns a document's dedupe revision.
func revision(t testing.TB, doc *schema.Document) uint64 {
	t.Helper()
	if doc.DedupeRevision == 0 {
		t.Fatalf("%s: no dedupe_revision", doc.ID)
	}
	return doc.DedupeRevision
}

func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mojibake(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= utf8.RuneSelf {
			b.WriteByte('?')
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func newDoc(t testing.TB, name, text string) *schema.Document {
	t.Helper()
	title, body, _ := strings.Cut(text, "\n")
	body = strings.TrimSpace(body)
	return &schema.Document{
		SchemaVersion: schema.Version,
		ID:            schema.DocumentID("", "https://example.org/"+name, "", ""),
		Title:         title, Body: body,
		IngestedAt: time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC),
		WordCount:  schema.CountWords(body),
	}
}

// copies derives syndicated copies of the original fixture.
func copies(t testing.TB) map[string]string {
	orig := fixture(t, "original.txt")
	paras := strings.Split(strings.TrimSpace(orig), "\n\n")
	boiler := fixture(t, "boilerplate.txt")
	return map[string]string{
		"lead excerpt":       "Barrier approved - syndicated\n\n" + mojibake(strings.Join(paras[1:4], " ")) + "\n\n" + boiler,
		"middle excerpt":     "Porthmellin news\n\n" + strings.Join(paras[4:7], "\n\n") + "\n\n" + boiler,
		"mojibake full":      mojibake(orig) + "\n" + boiler,
		"lightly edited":     strings.NewReplacer("four-hour", "long", "packed", "crowded", "freely", "").Replace(orig),
		"excerpt, no boiler": "Flood barrier\n\n" + strings.Join(paras[1:3], "\n\n"),
	}
}

func TestCopiesAreLinkedAndOthersAreNot(t *testing.T) {
	tests := []struct {
		name string
		text func(testing.TB) string
		copy bool
	}{
		{"lead excerpt with mojibake and boilerplate", func(t testing.TB) string { return copies(t)["lead excerpt"] }, true},
		{"middle excerpt", func(t testing.TB) string { return copies(t)["middle excerpt"] }, true},
		{"mojibake full copy", func(t testing.TB) string { return copies(t)["mojibake full"] }, true},
		{"lightly edited copy", func(t testing.TB) string { return copies(t)["lightly edited"] }, true},
		{"independent report of the same story", func(t testing.TB) string { return fixture(t, "samestory.txt") }, false},
		{"unrelated article", func(t testing.TB) string { return fixture(t, "unrelated.txt") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			d := e.deduper(t, DefaultConfig())
			orig := newDoc(t, "original", fixture(t, "original.txt"))
			other := newDoc(t, "other", tt.text(t))
			got0 := process(t, d, orig, e.publish(t, orig))
			if got0.DuplicateOf != "" || got0.ClusterID != orig.ID {
				t.Fatalf("first article: duplicate_of %q cluster %q, want none and its own id", got0.DuplicateOf, got0.ClusterID)
			}
			got := process(t, d, other, e.publish(t, other))
			if !tt.copy {
				if got.DuplicateOf != "" || got.ClusterID != other.ID || got.Similarity != nil {
					t.Errorf("flagged: duplicate_of %q cluster %q similarity %+v, want not a copy", got.DuplicateOf, got.ClusterID, got.Similarity)
				}
				return
			}
			if got.DuplicateOf != orig.ID || got.ClusterID != orig.ID {
				t.Fatalf("duplicate_of %q cluster %q, want both %q", got.DuplicateOf, got.ClusterID, orig.ID)
			}
			if s := got.Similarity; s == nil || s.Containment < DefaultConfig().Threshold || s.Jaccard <= 0 || s.Jaccard > s.Containment {
				t.Errorf("similarity %+v, want containment >= threshold and 0 < jaccard <= containment", s)
			}
		})
	}
}

func TestResendIsNotACopyOfItself(t *testing.T) {
	e := newEnv(t)
	d := e.deduper(t, DefaultConfig())
	orig := newDoc(t, "original", fixture(t, "original.txt"))
	cp := newDoc(t, "copy", copies(t)["mojibake full"])
	process(t, d, orig, e.publish(t, orig))
	first := process(t, d, cp, e.publish(t, cp))

	tests := []struct {
		name    string
		doc     *schema.Document
		seq     uint64
		wantDup string
	}{
		{"original sent again", orig, e.publish(t, orig), ""},
		{"copy sent again keeps its canonical", cp, e.publish(t, cp), orig.ID},
		{"redelivery of the copy's message", cp, 2, orig.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := process(t, d, tt.doc, tt.seq)
			if got.DuplicateOf != tt.wantDup {
				t.Errorf("duplicate_of %q, want %q", got.DuplicateOf, tt.wantDup)
			}
			if got.DuplicateOf == got.ID {
				t.Error("article flagged as a copy of itself")
			}
			if tt.wantDup != "" && (got.Similarity == nil || *got.Similarity != *first.Similarity) {
				t.Errorf("similarity %+v, want the stored %+v", got.Similarity, first.Similarity)
			}
		})
	}
}

func TestMergeWhenEarlierArticleFinishesSecond(t *testing.T) {
	e := newEnv(t)
	d := e.deduper(t, DefaultConfig())
	orig := newDoc(t, "original", fixture(t, "original.txt"))
	cp := newDoc(t, "copy", copies(t)["lead excerpt"])
	origSeq, cpSeq := e.publish(t, orig), e.publish(t, cp)

	gotCopy := process(t, d, cp, cpSeq) // the later article is processed first
	if gotCopy.DuplicateOf != "" {
		t.Fatalf("copy processed alone: duplicate_of %q, want none yet", gotCopy.DuplicateOf)
	}
	gotOrig := process(t, d, orig, origSeq)
	if gotOrig.DuplicateOf != "" || gotOrig.ClusterID != orig.ID {
		t.Fatalf("earlier article: duplicate_of %q cluster %q, want canonical", gotOrig.DuplicateOf, gotOrig.ClusterID)
	}
	merged := e.merges(t)
	m, ok := merged[cp.ID]
	if !ok || len(merged) != 1 {
		t.Fatalf("merges published for %v, want exactly the copy %s", keys(merged), cp.ID)
	}
	if m.DuplicateOf != orig.ID || m.ClusterID != orig.ID || m.Similarity == nil || m.Similarity.Containment < 0.7 {
		t.Errorf("merge: duplicate_of %q cluster %q similarity %+v, want the original", m.DuplicateOf, m.ClusterID, m.Similarity)
	}
	if m.Body != cp.Body || m.Title != cp.Title {
		t.Error("merge does not carry the copy's own document")
	}
	if rOut, rMerge := gotCopy.DedupeRevision, m.DedupeRevision; rOut >= rMerge {
		t.Errorf("merge revision %v is not after the first decision's %v", rMerge, rOut)
	}
	// The stored decision changed too: a re-send of the copy now says so.
	if again := process(t, d, cp, e.publish(t, cp)); again.DuplicateOf != orig.ID {
		t.Errorf("re-sent copy after merge: duplicate_of %q, want %q", again.DuplicateOf, orig.ID)
	}
}

func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// finalClusters returns each document's cluster after the merges
// published so far.
func finalClusters(t testing.TB, e *env, outs ...*schema.Document) []string {
	merged := e.merges(t)
	var out []string
	for _, o := range outs {
		if m, ok := merged[o.ID]; ok {
			o = m
		}
		out = append(out, o.ClusterID)
	}
	return out
}

func TestExcerptInTwoStoriesDoesNotWeldThem(t *testing.T) {
	e := newEnv(t)
	d := e.deduper(t, DefaultConfig())
	orig := fixture(t, "original.txt")
	quoted := strings.Split(orig, "\n\n")[3]
	a := newDoc(t, "a", orig)
	// Another outlet's story that quotes one paragraph of a verbatim.
	b := newDoc(t, "b", fixture(t, "samestory.txt")+"\n\n"+quoted)
	s := newDoc(t, "s", "Quote of the day\n\n"+quoted)
	outA := process(t, d, a, e.publish(t, a))
	outB := process(t, d, b, e.publish(t, b))
	outS := process(t, d, s, e.publish(t, s))
	if outB.DuplicateOf != "" {
		t.Fatalf("story quoting a paragraph flagged as a copy of %q", outB.DuplicateOf)
	}
	if outS.DuplicateOf != a.ID {
		t.Errorf("excerpt: duplicate_of %q, want the earlier story %q", outS.DuplicateOf, a.ID)
	}
	got := finalClusters(t, e, outA, outB, outS)
	if got[0] == got[1] {
		t.Errorf("two stories welded into cluster %q by an excerpt contained in both", got[0])
	}
}

// An excerpt of a story that arrives before the story roots their
// cluster. Another outlet's rewrite of the story that keeps its lead
// (lightly edited, so it holds the excerpt less closely than the story
// does) must not end up in that cluster, whichever of the two arrives
// first, and the rewrite's own copies stay with it.
func TestExcerptCanonicalDoesNotWeldRewrites(t *testing.T) {
	orig := fixture(t, "original.txt")
	paras := strings.Split(strings.TrimSpace(orig), "\n\n")
	rewrite := fixture(t, "rewrite.txt")
	texts := map[string]string{
		"excerpt":      "Barrier approved\n\n" + strings.Join(paras[1:4], "\n\n"),
		"story":        orig,
		"rewrite":      rewrite,
		"rewrite copy": mojibake(rewrite) + "\n" + fixture(t, "boilerplate.txt"),
	}
	// The two stories: each cluster is named after its earliest article.
	story := map[string]int{"excerpt": 1, "story": 1, "rewrite": 2, "rewrite copy": 2}
	for _, order := range [][]string{
		{"excerpt", "story", "rewrite"},
		{"excerpt", "rewrite", "story"},
		{"excerpt", "rewrite", "rewrite copy", "story"},
		{"excerpt", "story", "rewrite", "rewrite copy"},
		{"story", "excerpt", "rewrite"},
	} {
		t.Run(strings.Join(order, ", "), func(t *testing.T) {
			e := newEnv(t)
			d := e.deduper(t, DefaultConfig())
			ids := map[string]string{}
			var outs []*schema.Document
			for _, name := range order {
				doc := newDoc(t, name, texts[name])
				ids[doc.ID] = name
				outs = append(outs, process(t, d, doc, e.publish(t, doc)))
			}
			got := finalClusters(t, e, outs...)
			for i, name := range order {
				want := ""
				for _, first := range order {
					if story[first] == story[name] {
						want = first
						break
					}
				}
				if g := ids[got[i]]; g != want {
					t.Errorf("%s: cluster %q, want %q", name, g, want)
				}
			}
		})
	}
}

func TestOriginalJoinsTwoDisjointExcerpts(t *testing.T) {
	e := newEnv(t)
	d := e.deduper(t, DefaultConfig())
	orig := fixture(t, "original.txt")
	paras := strings.Split(strings.TrimSpace(orig), "\n\n")
	first := newDoc(t, "first", "Part one\n\n"+strings.Join(paras[1:4], "\n\n"))
	second := newDoc(t, "second", "Part two\n\n"+strings.Join(paras[5:8], "\n\n"))
	o := newDoc(t, "original", orig)
	outs := []*schema.Document{
		process(t, d, first, e.publish(t, first)),
		process(t, d, second, e.publish(t, second)),
		process(t, d, o, e.publish(t, o)),
	}
	if outs[1].DuplicateOf != "" {
		t.Fatalf("disjoint excerpts matched each other")
	}
	got := finalClusters(t, e, outs...)
	if got[0] != first.ID || got[1] != first.ID || got[2] != first.ID {
		t.Errorf("clusters %q, want all %q (the earliest)", got, first.ID)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestRecordsExpireAfterWindow(t *testing.T) {
	e := newEnv(t)
	cfg := DefaultConfig()
	cfg.Window = time.Second
	d := e.deduper(t, cfg)
	ctx := context.Background()
	kv, err := e.js.KeyValue(ctx, cfg.RecordBucket)
	if err != nil {
		t.Fatal(err)
	}
	st, err := kv.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.(*jetstream.KeyValueBucketStatus).LimitMarkerTTL() <= 0 {
		t.Errorf("bucket %s has no limit-marker TTL, so per-key TTL cannot work", cfg.RecordBucket)
	}
	orig := newDoc(t, "original", fixture(t, "original.txt"))
	w, err := kv.Watch(ctx, orig.ID, jetstream.UpdatesOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	process(t, d, orig, e.publish(t, orig))
	deadline := time.After(15 * time.Second)
	for expired := false; !expired; {
		select {
		case u := <-w.Updates():
			expired = u != nil && (u.Operation() == jetstream.KeyValueDelete || u.Operation() == jetstream.KeyValuePurge)
		case <-deadline:
			t.Fatal("record did not expire within 15s of a 1s window")
		}
	}
	// Outside the window, a copy is no longer linked.
	cp := newDoc(t, "copy", copies(t)["mojibake full"])
	if got := process(t, d, cp, e.publish(t, cp)); got.DuplicateOf != "" {
		t.Errorf("copy after the window: duplicate_of %q, want none", got.DuplicateOf)
	}
}

// TestReplicasLinkSimultaneousCopies runs three Dedupers on one server
// (three replicas) over an original and its copies released at the same
// moment, many times, and checks that no pair is lost.
func TestReplicasLinkSimultaneousCopies(t *testing.T) {
	e := newEnv(t)
	texts := []string{fixture(t, "original.txt")}
	for _, c := range copies(t) {
		texts = append(texts, c)
	}
	const rounds = 8
	for round := range rounds {
		// Fresh buckets per round: the texts repeat across rounds.
		cfg := DefaultConfig()
		cfg.BandBucket, cfg.RecordBucket = fmt.Sprint("bands_", round), fmt.Sprint("records_", round)
		var ds []*Deduper
		for range 3 {
			ds = append(ds, e.deduper(t, cfg))
		}
		docs := make([]*schema.Document, len(texts))
		seqs := make([]uint64, len(texts))
		for i, text := range texts {
			docs[i] = newDoc(t, fmt.Sprintf("r%d/%d", round, i), text)
			seqs[i] = e.publish(t, docs[i])
		}
		outs := make([]*schema.Document, len(docs))
		errs := make([]error, len(docs))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range docs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				outs[i], errs[i] = ds[i%len(ds)].Process(withSeq(seqs[i]), docs[i])
			}()
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		merged := e.merges(t)
		var mergesPending, mergesPublished float64
		for _, d := range ds {
			mergesPending += testutil.ToFloat64(d.merges.WithLabelValues("pending"))
			mergesPublished += testutil.ToFloat64(d.merges.WithLabelValues("published"))
		}
		t.Logf("round %d: merges pending %v, published %v", round, mergesPending, mergesPublished)
		for i, out := range outs {
			final := out
			if m, ok := merged[out.ID]; ok {
				final = m
			}
			if final.ClusterID != docs[0].ID {
				t.Errorf("round %d: article %d ends in cluster %q, want the original %q", round, i, final.ClusterID, docs[0].ID)
			}
		}
	}
}

// TestUnderTheStageRuntime runs Process as cmd/dedupe wires it: on the
// pipeline's streams, fed by the stage runtime, which supplies the message
// info. The copy published second must come out flagged.
func TestUnderTheStageRuntime(t *testing.T) {
	js := natstest.JetStream(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	scfg := stage.DefaultConfig()
	// Five default streams reserve 8 GiB each, more than the server
	// grants when the test machine's disk is busy.
	scfg.Streams.MaxBytes = 64 << 20
	if err := stage.EnsureStreams(ctx, js, scfg.Streams); err != nil {
		t.Fatal(err)
	}
	d, err := New(ctx, js, DefaultConfig(), zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c, err := stage.Consume(ctx, js, stage.Stage[*schema.Document, *schema.Document]{
		Name: stage.NameDedupe, Input: stage.SubjectCleaned, Output: stage.SubjectDeduped,
		Decode: schema.DecodeDocument, Process: d.Process,
	}, scfg.Consumer, prometheus.NewRegistry(), zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := c.Drain(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	orig := newDoc(t, "original", fixture(t, "original.txt"))
	cp := newDoc(t, "copy", copies(t)["lead excerpt"])
	for _, doc := range []*schema.Document{orig, cp} {
		data, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.Publish(ctx, stage.SubjectCleaned, data); err != nil {
			t.Fatal(err)
		}
	}
	out, err := js.OrderedConsumer(ctx, stage.StreamDeduped, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	// Both may be processed at once, the copy first: then a merge corrects
	// its first output. Read until the latest versions settle.
	got := map[string]*schema.Document{}
	settled := func() bool {
		o, c := got[orig.ID], got[cp.ID]
		return o != nil && c != nil && c.DuplicateOf == orig.ID
	}
	for !settled() {
		msg, err := out.Next(jetstream.FetchMaxWait(10 * time.Second))
		if err != nil {
			break
		}
		doc, err := schema.DecodeDocument(msg.Data())
		if err != nil {
			t.Fatal(err)
		}
		// A merge may be published before the first output it corrects:
		// the highest dedupe revision wins, as in the indexer.
		if prev := got[doc.ID]; prev == nil || revision(t, doc) > revision(t, prev) {
			got[doc.ID] = doc
		}
	}
	if g := got[orig.ID]; g == nil || g.DuplicateOf != "" || g.ClusterID != orig.ID {
		t.Errorf("original: got %+v, want canonical", g)
	}
	if g := got[cp.ID]; g == nil || g.DuplicateOf != orig.ID || g.ClusterID != orig.ID {
		t.Errorf("copy: got %+v, want duplicate_of and cluster %q", g, orig.ID)
	}
}

func TestProcessNeedsMessageInfo(t *testing.T) {
	e := newEnv(t)
	d := e.deduper(t, DefaultConfig())
	_, err := d.Process(context.Background(), newDoc(t, "original", fixture(t, "original.txt")))
	if !errors.Is(err, ErrNoMessageInfo) || !stage.IsPermanent(err) {
		t.Errorf("err = %v, want a permanent ErrNoMessageInfo", err)
	}
}

func TestShortArticleIsItsOwnCluster(t *testing.T) {
	e := newEnv(t)
	d := e.deduper(t, DefaultConfig())
	a := newDoc(t, "a", "Brief\n\nMarkets closed higher on Friday.")
	b := newDoc(t, "b", "Brief\n\nMarkets closed higher on Friday.")
	process(t, d, a, e.publish(t, a))
	if got := process(t, d, b, e.publish(t, b)); got.DuplicateOf != "" || got.ClusterID != b.ID {
		t.Errorf("too-short article: duplicate_of %q cluster %q, want not judged", got.DuplicateOf, got.ClusterID)
	}
}

// A headline feed's article has a title and an empty body. Copy detection
// is skipped for it: a headline is too short to tell a syndicated copy from
// another outlet's report with the same words, so two identical headlines
// stay two canonicals (the stories stage groups them), and an empty body
// never makes every headline a copy of every other.
func TestHeadlineWithoutBodyIsItsOwnCluster(t *testing.T) {
	e := newEnv(t)
	d := e.deduper(t, DefaultConfig())
	a := newDoc(t, "a", "Strong earthquake hits Ferrandina in southern Italy, dozens hurt")
	b := newDoc(t, "b", "Strong earthquake hits Ferrandina in southern Italy, dozens hurt")
	c := newDoc(t, "c", "Parliament passes the budget after a night of votes")
	for _, doc := range []*schema.Document{a, b, c} {
		if doc.Body != "" {
			t.Fatalf("fixture %s has a body", doc.ID)
		}
		got := process(t, d, doc, e.publish(t, doc))
		if got.DuplicateOf != "" || got.ClusterID != doc.ID || got.DedupeRevision != 0 {
			t.Errorf("headline %s: duplicate_of %q cluster %q revision %d; want its own cluster, not judged",
				doc.ID, got.DuplicateOf, got.ClusterID, got.DedupeRevision)
		}
	}
}

// A scraper's metadata.dedupe_revision passes through untouched and is not
// dedupe's revision, on the short path (which stores no decision) as on
// the full one.
func TestScraperMetadataIsNotTheRevision(t *testing.T) {
	e := newEnv(t)
	d := e.deduper(t, DefaultConfig())
	short := newDoc(t, "short", "Brief\n\nMarkets closed higher on Friday.")
	long := newDoc(t, "long", fixture(t, "original.txt"))
	for _, doc := range []*schema.Document{short, long} {
		doc.Metadata = map[string]any{"dedupe_revision": float64(4000000)}
		doc.DedupeRevision = 99 // as if fed a document that went through dedupe before
		got := process(t, d, doc, e.publish(t, doc))
		if got.Metadata["dedupe_revision"] != float64(4000000) {
			t.Errorf("%s: scraper metadata changed to %v", doc.ID, got.Metadata["dedupe_revision"])
		}
		if doc == short && got.DedupeRevision != 0 {
			t.Errorf("short article: dedupe_revision %d, want 0 (no decision stored)", got.DedupeRevision)
		}
		if doc == long && (got.DedupeRevision == 0 || got.DedupeRevision == 99) {
			t.Errorf("long article: dedupe_revision %d, want the stored decision's", got.DedupeRevision)
		}
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr bool
		check   func(Config) bool
	}{
		{"defaults", nil, false, func(c Config) bool { return c.Window == 14*24*time.Hour && c.Threshold == 0.7 }},
		{"overrides", map[string]string{"NEWSFLOW_DEDUPE_WINDOW": "48h", "NEWSFLOW_DEDUPE_THRESHOLD": " 0.8", "NEWSFLOW_DEDUPE_KV_REPLICAS": "3"}, false,
			func(c Config) bool { return c.Window == 48*time.Hour && c.Threshold == 0.8 && c.Replicas == 3 }},
		{"unparsable window", map[string]string{"NEWSFLOW_DEDUPE_WINDOW": "two weeks"}, true, nil},
		{"threshold out of range", map[string]string{"NEWSFLOW_DEDUPE_THRESHOLD": "1.5"}, true, nil},
		{"even replicas", map[string]string{"NEWSFLOW_DEDUPE_KV_REPLICAS": "2"}, true, nil},
		{"same bucket twice", map[string]string{"NEWSFLOW_DEDUPE_BAND_BUCKET": "x", "NEWSFLOW_DEDUPE_RECORD_BUCKET": "x"}, true, nil},
		{"index dir", map[string]string{"NEWSFLOW_DEDUPE_INDEX_DIR": "/var/lib/dedupe", "NEWSFLOW_DEDUPE_INDEX_CACHE_MIB": "96"}, false,
			func(c Config) bool { return c.IndexDir == "/var/lib/dedupe" && c.IndexCacheMiB == 96 }},
		{"index defaults", nil, false, func(c Config) bool { return c.IndexDir == "" && c.IndexCacheMiB == 128 && c.IndexMemTableMiB == 16 }},
		{"index cache zero", map[string]string{"NEWSFLOW_DEDUPE_INDEX_CACHE_MIB": "0"}, true, nil},
		{"index cache within the memtables", map[string]string{"NEWSFLOW_DEDUPE_INDEX_CACHE_MIB": "32"}, true, nil},
		{"smaller memtables", map[string]string{"NEWSFLOW_DEDUPE_INDEX_MEMTABLE_MIB": "8", "NEWSFLOW_DEDUPE_INDEX_CACHE_MIB": "32"}, false,
			func(c Config) bool { return c.IndexMemTableMiB == 8 && c.IndexCacheMiB == 32 }},
		{"memtable zero", map[string]string{"NEWSFLOW_DEDUPE_INDEX_MEMTABLE_MIB": "0"}, true, nil},
		{"memtables beyond the cache", map[string]string{"NEWSFLOW_DEDUPE_INDEX_MEMTABLE_MIB": "64"}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			e := &stage.EnvFlags{FlagSet: flag.NewFlagSet("test", flag.ContinueOnError), Lookup: func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }}
			c.Flags(e)
			if err := e.FlagSet.Parse(nil); err != nil {
				t.Fatal(err)
			}
			envErr, err := e.Err(), c.Validate()
			if gotErr := envErr != nil || err != nil; gotErr != tt.wantErr {
				t.Fatalf("env err = %v, validate err = %v, want error %v", envErr, err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrConfig) {
				t.Errorf("err = %v, want ErrConfig", err)
			}
			if tt.check != nil && !tt.check(c) {
				t.Errorf("config %+v not as expected", c)
			}
		})
	}
}

// TestRestartedReplicaResumesFromItsIndex: a replica restarted on its
// index directory finds copies of the articles it indexed before, though
// the band log no longer holds them, and of an article another replica
// added while it was down; a replica on an empty directory finds only
// what the log still holds.
func TestRestartedReplicaResumesFromItsIndex(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.IndexDir = t.TempDir()
	d, err := New(ctx, e.js, cfg, zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)))
	if err != nil {
		t.Fatal(err)
	}
	gen := newArticleGen(7)
	var originals []*schema.Document
	for len(originals) < 11 {
		doc, of := gen.next(t)
		if of != "" {
			continue // the generator's own copies
		}
		originals = append(originals, doc)
		if len(originals) == 11 {
			break // added by another replica below
		}
		if out := process(t, d, doc, e.publish(t, doc)); out.DuplicateOf != "" {
			t.Fatalf("original %s flagged as a copy of %s", doc.ID, out.DuplicateOf)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	late := originals[10]
	process(t, e.deduper(t, DefaultConfig()), late, e.publish(t, late))
	// The band log keeps only the late article's message.
	bandLog, err := e.js.Stream(ctx, kvindex.BandStream(cfg.BandBucket))
	if err != nil {
		t.Fatal(err)
	}
	info, err := bandLog.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := bandLog.Purge(ctx, jetstream.WithPurgeSequence(info.State.LastSeq)); err != nil {
		t.Fatal(err)
	}
	restarted, fresh := e.deduper(t, cfg), e.deduper(t, DefaultConfig())
	if n := restarted.ix.LocalSize(); n != 11 {
		t.Errorf("restarted replica holds %d articles, want 11", n)
	}
	for _, tt := range []struct {
		d    *Deduper
		name string
		of   *schema.Document
		want string
	}{
		{fresh, "fresh", originals[1], ""},
		{fresh, "fresh", late, late.ID},
		{restarted, "restarted", originals[0], originals[0].ID},
		{restarted, "restarted", late, late.ID},
	} {
		doc := newDoc(t, tt.name+"-copy-of-"+tt.of.ID, "Syndicated headline\n\n"+tt.of.Body)
		if got := process(t, tt.d, doc, e.publish(t, doc)).DuplicateOf; got != tt.want {
			t.Errorf("%s replica, copy of %s: duplicate_of %q, want %q", tt.name, tt.of.ID, got, tt.want)
		}
	}
}

// BenchmarkProcess measures articles per second through Process with the
// KV buckets on an embedded server over loopback, one article at a time.
func BenchmarkProcess(b *testing.B) {
	e := newEnv(b)
	d := e.deduper(b, DefaultConfig())
	words := strings.Fields(fixture(b, "original.txt") + " " + fixture(b, "unrelated.txt") + " " + fixture(b, "samestory.txt"))
	r := rand.New(rand.NewPCG(1, 1))
	docs := make([]*schema.Document, b.N)
	for i := range docs {
		var sb strings.Builder
		sb.WriteString("Headline\n")
		for p := range 8 {
			sb.WriteString("\n")
			for range 45 {
				sb.WriteString(words[r.IntN(len(words))] + " ")
			}
			sb.WriteString(fmt.Sprint(p, "\n"))
		}
		docs[i] = newDoc(b, fmt.Sprint("bench/", i), sb.String())
	}
	took := make([]time.Duration, b.N)
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if _, err := d.Process(withSeq(uint64(i+1)), docs[i]); err != nil {
			b.Fatal(err)
		}
		took[i] = time.Since(start)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
	// Process's own latency, one article in flight, over the last half of
	// the run (the larger windows).
	last := slices.Clone(took[b.N/2:])
	slices.Sort(last)
	b.ReportMetric(float64(last[len(last)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(last[len(last)*99/100].Microseconds())/1000, "p99-ms")
	stalls, stalled := d.ix.WriteStalls()
	b.ReportMetric(float64(stalls), "write-stalls")
	b.ReportMetric(stalled.Seconds(), "write-stall-s")
	// CPU of this process, the embedded NATS server included: articles
	// per CPU-second is the throughput per core at saturation.
	b.ReportMetric(float64(b.N)/(cpuTime(b)-cpu0).Seconds(), "articles/cpu-s")
}

// TestDecisionsFollowTheSettings changes a setting from its default and
// checks the decision it changes: NEWSFLOW_DEDUPE_MIN_SHINGLES=1 judges
// a short article the default leaves alone, NEWSFLOW_DEDUPE_MIN_SHARED
// above a sketch's size links no copy.
func TestDecisionsFollowTheSettings(t *testing.T) {
	t.Run("MinShingles", func(t *testing.T) {
		// An 11-word body has fewer shingles than the default minimum;
		// MinShared is lowered in both runs, so only MinShingles differs.
		for _, minShingles := range []int{DefaultConfig().MinShingles, 1} {
			e := newEnv(t)
			cfg := DefaultConfig()
			cfg.MinShingles, cfg.MinShared = minShingles, 1
			d := e.deduper(t, cfg)
			a := newDoc(t, "a", "Brief\nMarkets closed higher on Friday as investors welcomed lower inflation data.")
			b := newDoc(t, "b", "Brief\nMarkets closed higher on Friday as investors welcomed lower inflation data.")
			process(t, d, a, e.publish(t, a))
			want := ""
			if minShingles == 1 {
				want = a.ID
			}
			if got := process(t, d, b, e.publish(t, b)); got.DuplicateOf != want {
				t.Errorf("MinShingles %d, a short copy: duplicate_of %q; want %q", minShingles, got.DuplicateOf, want)
			}
		}
	})
	t.Run("MinShared", func(t *testing.T) {
		e := newEnv(t)
		cfg := DefaultConfig()
		cfg.MinShared = 1 << 20
		d := e.deduper(t, cfg)
		orig := newDoc(t, "original", fixture(t, "original.txt"))
		cp := newDoc(t, "copy", copies(t)["mojibake full"])
		process(t, d, orig, e.publish(t, orig))
		if got := process(t, d, cp, e.publish(t, cp)); got.DuplicateOf != "" {
			t.Errorf("MinShared %d, a full copy: duplicate_of %q; want none (the default links it: TestCopiesAreLinkedAndOthersAreNot)", cfg.MinShared, got.DuplicateOf)
		}
	})
}
