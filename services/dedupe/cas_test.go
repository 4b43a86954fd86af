package dedupe

import (
	"context"
	"errors"
	"testing"

	"github.com/newsflow/newsflow/services/dedupe/kvindex"
)

// Every compare-and-set loop of the stage is bounded: a record that
// another writer changes between each read and write (a livelock) ends in
// a retryable kvindex.ErrConflict after maxCASAttempts, instead of
// spinning for ever inside Process; a single lost race is retried.
func TestCompareAndSetIsBounded(t *testing.T) {
	e := newEnv(t)
	d := e.deduper(t, DefaultConfig())
	ctx := context.Background()
	if _, err := d.ix.CreateRecord(ctx, "a", kvindex.Record{Cluster: "a", Seq: 1, ClusterSeq: 1}); err != nil {
		t.Fatal(err)
	}
	// The other writer: bumps the record's revision behind the caller's back.
	interfere := func() {
		rec, rev, err := d.ix.GetRecord(ctx, "a")
		if err == nil {
			_, err = d.ix.UpdateRecord(ctx, "a", rec, rev)
		}
		if err != nil {
			t.Error(err)
		}
	}
	calls := 0
	_, _, written, err := d.updateRecord(ctx, "a", kvindex.Record{}, 0, func(rec *kvindex.Record) bool {
		calls++
		interfere()
		rec.Members = []string{"b"}
		return true
	})
	if !errors.Is(err, kvindex.ErrConflict) || written {
		t.Fatalf("under constant interference: written %v, err %v; want kvindex.ErrConflict", written, err)
	}
	if calls != maxCASAttempts {
		t.Errorf("%d attempts; want %d", calls, maxCASAttempts)
	}

	calls = 0
	rec, _, written, err := d.updateRecord(ctx, "a", kvindex.Record{}, 0, func(rec *kvindex.Record) bool {
		if calls++; calls == 1 {
			interfere() // one lost race
		}
		rec.Members = []string{"b"}
		return true
	})
	if err != nil || !written || calls != 2 || len(rec.Members) != 1 {
		t.Errorf("after one lost race: written %v after %d calls, members %v, err %v; want written on the second", written, calls, rec.Members, err)
	}
	if got, _, _ := d.ix.GetRecord(ctx, "a"); len(got.Members) != 1 || got.Members[0] != "b" {
		t.Errorf("stored members %v; want [b]", got.Members)
	}
}
