package schema_test

import (
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/schema"
)

func TestVersionOrdersIngestThenDedupeDecision(t *testing.T) {
	ing := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	doc := func(at time.Time, rev uint64) *schema.Document {
		return &schema.Document{ID: "x", IngestedAt: at, DedupeRevision: rev}
	}
	first := doc(ing, 40).Version()
	merged := doc(ing, 57).Version()                          // a merge re-sends with a newer decision
	redelivered := doc(ing, 40).Version()                     // the same write again
	reingested := doc(ing.Add(time.Millisecond), 3).Version() // a later ingest, any revision
	if !(first < merged && merged < reingested) {
		t.Errorf("versions first=%d merged=%d reingested=%d; want strictly increasing", first, merged, reingested)
	}
	if redelivered != first {
		t.Errorf("redelivery version %d != first %d; want equal (answered 409)", redelivered, first)
	}
	if got := doc(ing, 0).Version(); got >= first || got <= 0 {
		t.Errorf("no revision gives %d; want positive and below %d", got, first)
	}
	if got := doc(time.Date(2089, 1, 1, 0, 0, 0, 0, time.UTC), 0).Version(); got <= reingested {
		t.Errorf("version in 2089 = %d; want positive and above today's", got)
	}
	if got := doc(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), 5).Version(); got != 5 {
		t.Errorf("version before 2020 = %d; want the revision alone (time half 0)", got)
	}
}

// A scraper's metadata travels with the article untouched; a key in it
// named like the dedupe revision must not decide which version wins.
func TestVersionIgnoresScraperMetadata(t *testing.T) {
	ing := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	forged, err := schema.DecodeDocument([]byte(`{"schema_version":1,"id":"x","body":"b","ingested_at":"2026-11-21T09:00:00Z",
		"metadata":{"dedupe_revision":4000000}}`))
	if err != nil {
		t.Fatal(err)
	}
	if forged.DedupeRevision != 0 {
		t.Errorf("metadata.dedupe_revision decoded as the document's revision %d", forged.DedupeRevision)
	}
	if got, want := forged.Version(), schema.VersionOf(ing, 0); got != want {
		t.Errorf("version with a forged metadata revision = %d; want %d", got, want)
	}
	decided, err := schema.DecodeDocument([]byte(`{"schema_version":1,"id":"x","body":"b","ingested_at":"2026-11-21T09:00:00Z",
		"dedupe_revision":7}`))
	if err != nil {
		t.Fatal(err)
	}
	if decided.Version() <= forged.Version() {
		t.Errorf("dedupe's decision (revision 7) version %d is not after the forged one's %d", decided.Version(), forged.Version())
	}
}
