package search

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/pkg/schema"
)

// unread counts the segments of ix's current snapshot whose columns s
// has not read, without reading any.
func unread(t *testing.T, s *IndexSearcher) int {
	t.Helper()
	adv, err := s.ix.Bleve().Advanced()
	if err != nil {
		t.Fatal(err)
	}
	reader, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	n := 0
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	for _, ss := range reader.(*scorch.IndexSnapshot).Segments() {
		if e := s.cache.segments[ss.Segment()]; e == nil || !e.read.Load() {
			n++
		}
	}
	return n
}

// eventually waits (10 s at most) for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("10 s and still not %s", what)
		}
	}
}

// emptyIndex opens a new index in a temporary folder, closed when the
// test ends.
func emptyIndex(t *testing.T) *bleveindex.Index {
	t.Helper()
	ix, err := bleveindex.Open(filepath.Join(t.TempDir(), "search"), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func indexHarbourNews(t *testing.T, ix *bleveindex.Index, ids ...string) {
	t.Helper()
	published := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, id := range ids {
		// One commit, so one segment, per document.
		d := &schema.Document{SchemaVersion: schema.Version, ID: id, Title: "Harbour news", Body: "The harbour reopened.",
			PublishedAt: &published, IngestedAt: published, Language: "en", Source: schema.Source{Name: "Daily Echo"}}
		if err := ix.Index(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
}

// TestKeepWarmOnce: warming once an index opened read-only, as newsflow
// serve opens it, reads every segment's columns before any search, so the
// first search reads none. (Read-only, no merge can bring a segment after
// the warming: on an index open for writing one did, now and then.)
func TestKeepWarmOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "search")
	w, err := bleveindex.Open(dir, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	indexHarbourNews(t, w, "d1", "d2", "d3")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err := bleveindex.OpenReadOnly(dir, 10*time.Second, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	s := ForIndex(ix)
	if n := unread(t, s); n == 0 {
		t.Fatal("no unread segment before warming: the test checks nothing")
	}
	s.KeepWarm(0, zaptest.NewLogger(t))() // stop waits for the one warming
	if n := unread(t, s); n != 0 {
		t.Errorf("%d segments unread after warming once", n)
	}
	if n, err := s.Warm(); n != 0 || err != nil {
		t.Errorf("the next search reads %d segments (%v), want none", n, err)
	}
}

// TestKeepWarmFollowsCommitsAndMerges: while it runs, KeepWarm reads the
// segments that commits and a merge bring, before any search; it logs
// what it read, and stop ends it (goleak, in TestMain, checks that
// nothing is left running).
func TestKeepWarmFollowsCommitsAndMerges(t *testing.T) {
	ix := emptyIndex(t)
	s := ForIndex(ix)
	core, logs := observer.New(zap.DebugLevel)
	stop := s.KeepWarm(5*time.Millisecond, zap.New(core))
	defer stop()
	for i := range 3 {
		indexHarbourNews(t, ix, fmt.Sprintf("d%d", i))
		eventually(t, fmt.Sprintf("warm after commit %d", i+1), func() bool { return unread(t, s) == 0 })
	}
	adv, err := ix.Bleve().Advanced()
	if err != nil {
		t.Fatal(err)
	}
	if err := adv.(*scorch.Scorch).ForceMerge(context.Background(), &mergeplan.SingleSegmentMergePlanOptions); err != nil {
		t.Fatal(err)
	}
	eventually(t, "warm after the merge", func() bool { return unread(t, s) == 0 })
	stop()
	if n, err := s.Warm(); n != 0 || err != nil {
		t.Errorf("the next search reads %d segments (%v), want none", n, err)
	}
	if resp, err := s.Search(context.Background(), Request{Query: "harbour"}); err != nil || resp.Total != 3 {
		t.Errorf("search after warming: %v, %v", resp, err)
	}
	if logs.FilterMessage("read the search columns ahead of searches").Len() == 0 {
		t.Error("KeepWarm logged nothing it read")
	}
}
