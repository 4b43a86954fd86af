package bleveindex_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/bleveindex"
)

// TestVersionsAcrossReopen checks that the ingested_at of an indexed
// document decides, after the index was closed and reopened, whether a
// new version replaces it, to the nanosecond; both for an index of the
// current mapping and for one built with mapping version 1, which keeps
// the times in internal keys.
func TestVersionsAcrossReopen(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		second time.Time
		want   string
	}{
		{"newer by 1ns replaces", t0.Add(time.Nanosecond), "second"},
		{"same time replaces", t0, "second"},
		{"older by 1ns is skipped", t0.Add(-time.Nanosecond), "first"},
		{"older by an hour is skipped", t0.Add(-time.Hour), "first"},
	}
	for _, legacy := range []bool{false, true} {
		for _, tt := range tests {
			name := tt.name
			if legacy {
				name = "mapping v1/" + name
			}
			t.Run(name, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "search")
				ix := open(t, dir)
				if legacy {
					if err := ix.Bleve().SetInternal([]byte("newsflow:mapping_version"), []byte("1")); err != nil {
						t.Fatal(err)
					}
					if err := ix.Close(); err != nil {
						t.Fatal(err)
					}
					ix = open(t, dir)
				}
				if err := ix.Index(ctx, doc("a", "first", "body", t0)); err != nil {
					t.Fatal(err)
				}
				if err := ix.Close(); err != nil {
					t.Fatal(err)
				}
				ix = open(t, dir)
				defer ix.Close()
				if err := ix.Index(ctx, doc("a", "second", "body", tt.second)); err != nil {
					t.Fatal(err)
				}
				if got := storedTitle(t, ix, "a"); got != tt.want {
					t.Errorf("title = %q, want %q", got, tt.want)
				}
				key := []byte("newsflow:ingested_at:a")
				v, err := ix.Bleve().GetInternal(key)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := len(v) > 0, legacy; got != want {
					t.Errorf("internal key %s present = %v, want %v (per-document keys only in a v1 index)", key, got, want)
				}
			})
		}
	}
}

// TestStoredIngestedAt checks that a hit can read back the exact
// ingested_at the writer compares.
func TestStoredIngestedAt(t *testing.T) {
	ix := open(t, t.TempDir())
	defer ix.Close()
	want := t0.Add(123456789 * time.Nanosecond)
	if err := ix.Index(context.Background(), doc("a", "t", "b", want)); err != nil {
		t.Fatal(err)
	}
	sr := newDocIDRequest("a", bleveindex.FieldIngestedAt)
	res, err := ix.Bleve().Search(sr)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 {
		t.Fatalf("hits = %d, want 1", len(res.Hits))
	}
	s, _ := res.Hits[0].Fields[bleveindex.FieldIngestedAt].(string)
	got, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !got.Equal(want) {
		t.Errorf("stored ingested_at = %q (%v), want %v", s, err, want)
	}
}
