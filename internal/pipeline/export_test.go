package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/schema"
)

func TestExportKeepsNewestVersionOncePerDocument(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	e, err := NewExport(path)
	if err != nil {
		t.Fatal(err)
	}
	write := func(id, cluster string, revision uint64) {
		t.Helper()
		d := &schema.Document{SchemaVersion: 1, ID: id, Body: "b", ClusterID: cluster, IngestedAt: time.Unix(0, 0),
			DedupeRevision: revision}
		if err := e.Write(d); err != nil {
			t.Fatal(err)
		}
	}
	write("a", "a", 3)
	write("b", "b", 4)
	write("a", "merged", 9) // a merge updates a after b was written
	write("c", "c", 5)
	write("a", "a", 3) // a's first decision again, overtaken by its merge
	if got := e.Count(); got != 3 {
		t.Errorf("Count = %d; want 3", got)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var got []string
	for _, l := range lines {
		d, err := schema.DecodeDocument([]byte(l))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, d.ID+"/"+d.ClusterID)
	}
	if want := "a/merged b/b c/c"; strings.Join(got, " ") != want {
		t.Errorf("export = %v; want %s", got, want)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".out.jsonl.partial-*")); len(left) != 0 {
		t.Errorf("partial files left behind: %v", left)
	}
}

// A scraper's metadata.dedupe_revision rides in the article's metadata and
// must not decide which version of it the export keeps: dedupe's own
// decision (dedupe_revision) does.
func TestExportIgnoresScraperMetadataRevision(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	e, err := NewExport(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		// dedupe's merge: the corrected cluster at revision 12
		`{"schema_version":1,"id":"a","body":"b","ingested_at":"2026-11-21T09:00:00Z","cluster_id":"z","duplicate_of":"z",
			"similarity":{"containment":0.9,"jaccard":0.8},"dedupe_revision":12,"metadata":{"dedupe_revision":4000000}}`,
		// the first decision, overtaken on its way, with the scraper's forged metadata
		`{"schema_version":1,"id":"a","body":"b","ingested_at":"2026-11-21T09:00:00Z","cluster_id":"a",
			"dedupe_revision":5,"metadata":{"dedupe_revision":4000000}}`,
	} {
		d, err := schema.DecodeDocument([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Write(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := schema.DecodeDocument([]byte(strings.TrimSpace(string(data))))
	if err != nil {
		t.Fatal(err)
	}
	if d.ClusterID != "z" {
		t.Errorf("export kept cluster %q; want the merge's %q (revision 12 after 5, whatever the metadata says)", d.ClusterID, "z")
	}
}
