package bleveindex_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/pkg/schema"
)

// TestTricklingBatchesAreNotRewrittenWholesale indexes a small index in
// small batches, as `newsflow run --once` does when the stages before the
// sink are slower than it, and bounds how many times over the merger
// rewrote it. With scorch's default floor (2,000 documents) an index under
// 20,000 documents was kept in one or two segments, so every few batches
// rewrote all of it: the write amplification grew with the index.
func TestTricklingBatchesAreNotRewrittenWholesale(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes 150 batches")
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "search")
	ix, err := bleveindex.OpenWith(dir, zaptest.NewLogger(t), bleveindex.Options{Linger: -1})
	if err != nil {
		t.Fatal(err)
	}
	const batches, perBatch = 150, 10
	words := strings.Fields("markets rallied after the central bank held rates while ministers met in Brussels to discuss the budget and unions planned strikes over pensions")
	for b := range batches {
		docs := make([]*schema.Document, perBatch)
		for i := range docs {
			n := b*perBatch + i
			var body strings.Builder
			for w := range 120 {
				fmt.Fprintf(&body, "%s%d ", words[(n+w)%len(words)], (n*7+w)%400)
			}
			docs[i] = doc(fmt.Sprintf("a%d", n), fmt.Sprintf("Report %d", n), body.String(), t0)
		}
		if err := ix.IndexAll(ctx, docs); err != nil {
			t.Fatalf("batch %d: %v", b, err)
		}
	}
	stats, _ := ix.Bleve().StatsMap()["index"].(map[string]any)
	merged, _ := stats["TotFileMergeWrittenBytes"].(uint64)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	var size int64
	zaps, _ := filepath.Glob(filepath.Join(dir, "store", "*.zap"))
	for _, f := range zaps {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		size += fi.Size()
	}
	if size == 0 {
		t.Fatalf("no segment files in %s", dir)
	}
	// Tiers of ten segments rewrote it 3.2 times over; the default floor
	// 31 times (55 in batches of 5).
	amplification := float64(merged) / float64(size)
	t.Logf("merges wrote %d bytes for an index of %d bytes in %d segments: %.1f times", merged, size, len(zaps), amplification)
	if amplification > 12 {
		t.Errorf("merges rewrote the index %.1f times over (%d bytes for %d); want at most 12", amplification, merged, size)
	}
}
