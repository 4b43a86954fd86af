package extracteval

import (
	"context"
	"flag"
	"os"
	"testing"
)

var (
	dataset = flag.String("dataset", "", "evaluation dataset folder (either layout); the test is skipped without it")
	cleaned = flag.Bool("clean", false, "apply clean.Clean to the extracted body")
)

// TestDataset runs the full evaluation on -dataset, e.g.
//
//	go test -run TestDataset -dataset /work/shared/data/extraction/scrapinghub-aeb
func TestDataset(t *testing.T) {
	if *dataset == "" {
		t.Skip("no -dataset given")
	}
	run := Run
	if *cleaned {
		run = RunCleaned
	}
	s, err := run(context.Background(), *dataset, os.Stdout)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", s)
}
