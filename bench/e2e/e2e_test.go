package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// summary is the shape printSummary in internal/cli/run.go writes,
// typed out by hand.
const summary = `
intake: accepted 2826, rejected 3

    stage    in   out  duplicates  retried  dead-lettered        busy
   ingest  2723  2723           0        0              0   4m56.618s
   dedupe  2635  2635         551        2              0   36m2.959s
   enrich  2627  2627         553        0              0   6m29.239s
  indexer  2625  2625           0        0              1  18m59.228s

index: 2609 documents

latency: p50=10.03s p99=30.253s (ingested to indexed)

memory: peak RSS 373 MiB, live heap 201 MiB after the last collection, soft limit 303MiB, collector 17% of the CPU
done in 2m43.437s
`

func TestParse(t *testing.T) {
	got, err := Parse(summary)
	if err != nil {
		t.Fatal(err)
	}
	if got.Accepted != 2826 || got.Rejected != 3 || got.Indexed != 2609 {
		t.Errorf("accepted, rejected, indexed = %d, %d, %d; want 2826, 3, 2609", got.Accepted, got.Rejected, got.Indexed)
	}
	want := []Stage{
		{"ingest", 2723, 2723, 0, 0, 0},
		{"dedupe", 2635, 2635, 551, 2, 0},
		{"enrich", 2627, 2627, 553, 0, 0},
		{"indexer", 2625, 2625, 0, 0, 1},
	}
	if fmt.Sprint(got.Stages) != fmt.Sprint(want) {
		t.Errorf("stages = %v; want %v", got.Stages, want)
	}
	if !got.HasLatency || got.P50 != 10030*time.Millisecond || got.P99 != 30253*time.Millisecond {
		t.Errorf("latency = %v, %v (%v); want 10.03s, 30.253s", got.P50, got.P99, got.HasLatency)
	}
	if got.PeakRSS != 373<<20 {
		t.Errorf("peak RSS = %d; want the summary's 373 MiB", got.PeakRSS)
	}
}

func TestParseWithoutLatencyOrSummary(t *testing.T) {
	got, err := Parse("intake: accepted 5, rejected 0\n\n stage in out duplicates retried dead-lettered busy\n indexer 5 5 0 0 0 1s\n")
	if err != nil || got.HasLatency || got.Accepted != 5 {
		t.Errorf("Parse = %+v, %v; want 5 accepted, no latency, no error", got, err)
	}
	if _, err := Parse("newsflow: something failed\n"); !errors.Is(err, ErrSummary) {
		t.Errorf("err = %v; want ErrSummary", err)
	}
}

// The harness builds the real binary and runs it over three small
// articles; no timing is asserted.
func TestRunBuildsAndMeasuresTheBinary(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	bin := filepath.Join(dir, "newsflow")
	if err := Build(ctx, "../..", bin); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "in")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		text := fmt.Sprintf("Harbour plan %d approved\n\nOfficials in Portsmouth said on Tuesday that plan %d would widen the quay "+
			"and add berths for ferries sailing to France.\n\nWork starts next spring, the council said.\n", i, i)
		if err := os.WriteFile(filepath.Join(in, fmt.Sprintf("%d.txt", i)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Run(ctx, Options{Binary: bin, Inputs: []string{in}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 3 {
		t.Errorf("accepted = %d; want 3\n%s", res.Accepted, res.Output)
	}
	// Near-identical articles: dedupe may merge clusters and send
	// revisions, so the indexer can handle more messages than articles.
	if ix, ok := res.Stage("indexer"); !ok || ix.Out+ix.Dead < 3 || res.Indexed != 3 {
		t.Errorf("indexer row = %+v (%v), index holds %d; want 3 articles out or dead, 3 indexed\n%s", ix, ok, res.Indexed, res.Output)
	}
	if res.Wall <= 0 || res.CPU <= 0 || res.PeakRSS <= 0 {
		t.Errorf("wall %v, cpu %v, peak RSS %d: want all positive", res.Wall, res.CPU, res.PeakRSS)
	}
}
