package main

import (
	"strings"
	"testing"
)

func TestParseMetricsReadsGoroutinesAndPublishedMerges(t *testing.T) {
	text := `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 804
newsflow_dedupe_articles_total{result="copy"} 8513
newsflow_dedupe_merges_total{result="pending"} 429
newsflow_dedupe_merges_total{result="published"} 1.0625e+06
`
	m, err := parseMetrics(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if m.goroutines != 804 || m.merged != 1062500 {
		t.Errorf("got goroutines %d, merged %d; want 804, 1062500", m.goroutines, m.merged)
	}
}

func TestParseMetricsBeforeTheFirstMerge(t *testing.T) {
	m, err := parseMetrics(strings.NewReader("go_goroutines 12\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m.goroutines != 12 || m.merged != 0 {
		t.Errorf("got goroutines %d, merged %d; want 12, 0", m.goroutines, m.merged)
	}
}

func TestParseMetricsWithoutGoroutines(t *testing.T) {
	if _, err := parseMetrics(strings.NewReader(`newsflow_dedupe_merges_total{result="published"} 3` + "\n")); err == nil {
		t.Error("no error for /metrics without go_goroutines")
	}
}
