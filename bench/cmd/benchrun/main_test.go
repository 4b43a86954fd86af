package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/bench/e2e"
)

// benchrun runs the relay and every stage on tiny synthetic input, writes
// both files, and ends with the headline line. The end-to-end section has
// its own test in package e2e (it builds the binary).
func TestRunTiny(t *testing.T) {
	dir := t.TempDir()
	bbc := filepath.Join(dir, "bbc", "politics")
	if err := os.MkdirAll(bbc, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		text := fmt.Sprintf("Harbour plan %d approved\n\nOfficials in Portsmouth said on Tuesday that plan %d would widen the quay "+
			"and add berths for ferries sailing to France, after a long debate.\n\nWork starts next spring, the council said.\n", i, i)
		if err := os.WriteFile(filepath.Join(bbc, fmt.Sprintf("%03d.txt", i)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	md, js := filepath.Join(dir, "out.md"), filepath.Join(dir, "out.json")
	var out bytes.Buffer
	err := run(context.Background(), []string{
		"-relay-articles", "40", "-rounds", "1", "-concurrency", "4",
		"-bbc", filepath.Join(dir, "bbc"), "-prose-articles", "2", "-e2e=false", "-webui=false",
		"-markdown", md, "-json", js, "-commit", "test",
	}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^runtime_vs_raw=\d+\.\d\d vs_watermill=\d+\.\d\d e2e_articles_per_s=\d+$`).MatchString(last) {
		t.Errorf("last line = %q; want runtime_vs_raw=R vs_watermill=W e2e_articles_per_s=N", last)
	}
	table, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"commit test", "| runtime |", "| runtime-typed |", "| watermill |", "Deduper.Process", "prose/v2", "bleveindex.Index"} {
		if !strings.Contains(string(table), want) {
			t.Errorf("markdown lacks %q:\n%s", want, table)
		}
	}
	var rep Report
	data, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Relay.Results) != 4 || rep.Stages.Articles != 6 || len(rep.Stages.Results) == 0 {
		t.Errorf("report: %d relay variants, %d stage articles, %d stage results; want 4, 6, some",
			len(rep.Relay.Results), rep.Stages.Articles, len(rep.Stages.Results))
	}
}

func TestParseFlagsNeedsCorpus(t *testing.T) {
	if _, err := parseFlags([]string{"-e2e=false"}, io.Discard); err == nil {
		t.Error("stages without -bbc: want an error")
	}
	if _, err := parseFlags([]string{"-stages=false", "-e2e=false"}, io.Discard); err != nil {
		t.Errorf("relay only: %v", err)
	}
}

// The headline is the median default run; the extra run is a row of its own.
func TestE2ETableAndHeadline(t *testing.T) {
	run := func(accepted int, wall time.Duration) e2e.Result {
		return e2e.Result{Accepted: accepted, Indexed: accepted, Wall: wall, CPU: wall, Stages: []e2e.Stage{{Name: "indexer", In: accepted, Out: accepted}}}
	}
	extra := run(1000, time.Second)
	sec := E2ESection{Inputs: []string{"bbc"}, Runs: []e2e.Result{run(100, 4*time.Second), run(100, time.Second), run(100, 2*time.Second)},
		ExtraArgs: []string{"--concurrency", "256"}, Extra: &extra}
	if got := headline(Report{E2E: sec}).E2EArticlesPerSecond; got != 50 {
		t.Errorf("headline e2e = %v articles/s; want 50 (the median default run)", got)
	}
	var b strings.Builder
	e2eTable(&b, sec)
	for _, want := range []string{"| 3 | 100 | 100 | 2s | 50 |", "| `--concurrency 256` | 1000 | 1000 | 1s | 1000 |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

// The headline ratios pair each round's rates; a slow spell that hits one
// round of both variants does not move them.
func TestHeadlinePairsRounds(t *testing.T) {
	rep := Report{Relay: RelaySection{Results: []RelayResult{
		{Variant: "raw", PerSecond: []float64{100, 50, 100}, Median: 100},
		{Variant: "runtime", PerSecond: []float64{90, 45, 95}, Median: 90},
		{Variant: "watermill", PerSecond: []float64{60, 60, 60}, Median: 60},
	}}}
	h := headline(rep)
	if h.RuntimeVsRaw != 0.9 {
		t.Errorf("runtime_vs_raw = %v; want 0.9, the median of 0.9, 0.9 and 0.95", h.RuntimeVsRaw)
	}
	if h.VsWatermill != 1.5 {
		t.Errorf("vs_watermill = %v; want 1.5, the median of 1.5, 0.75 and 1.58", h.VsWatermill)
	}
	if h.RuntimeVsRawOfMedians != 0.9 || h.VsWatermillOfMedians != 1.5 {
		t.Errorf("of medians = %v, %v; want 0.9, 1.5", h.RuntimeVsRawOfMedians, h.VsWatermillOfMedians)
	}
}
