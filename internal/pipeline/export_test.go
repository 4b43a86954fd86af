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
	write := func(id, cluster string, revision int) {
		t.Helper()
		d := &schema.Document{SchemaVersion: 1, ID: id, Body: "b", ClusterID: cluster, IngestedAt: time.Unix(0, 0),
			Metadata: map[string]any{"dedupe_revision": revision}}
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
