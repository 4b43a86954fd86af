package extracteval

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
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

// BenchmarkDataset measures extraction throughput on the -dataset pages,
// in MB per CPU-second of this process, e.g.
//
//	go test -run '^$' -bench Dataset -benchtime 1x -dataset DIR
func BenchmarkDataset(b *testing.B) {
	if *dataset == "" {
		b.Skip("no -dataset given")
	}
	pages, err := filepath.Glob(filepath.Join(*dataset, "html", "*"))
	if err != nil || len(pages) == 0 {
		b.Fatalf("no pages under %s/html: %v", *dataset, err)
	}
	var docs [][]byte
	var size int64
	for _, p := range pages {
		page, err := readPage(p)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, page)
		size += int64(len(page))
	}
	b.SetBytes(size)
	start := cpuTime(b)
	for b.Loop() {
		for _, d := range docs {
			_, _ = Extract(d, "")
		}
	}
	if cpu := cpuTime(b) - start; cpu > 0 {
		b.ReportMetric(float64(size)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
