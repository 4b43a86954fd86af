package stories

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
)

var benchDocs = flag.String("bench-docs", "", "JSON lines of enriched documents (newsflow run --once --export) for BenchmarkProcess, besides its invented reports")

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkProcess runs the stage's Process, with its story log on an
// embedded JetStream on loopback (whose CPU counts too), over invented
// reports of many events (and the documents of -bench-docs), one article
// at a time and from as many workers as the stage runs by default
// (NEWSFLOW_CONCURRENCY), and reports articles per CPU-second and the
// p50 and p99 latency of one article.
func BenchmarkProcess(b *testing.B) {
	sources := []struct {
		name string
		docs func(n int) []*schema.Document
	}{
		{"60-words", func(n int) []*schema.Document { return corpusOf(n/5+1, 5, 60, 7) }},
		{"600-words", func(n int) []*schema.Document { return corpusOf(n/5+1, 5, 600, 7) }},
	}
	if *benchDocs != "" {
		docs, err := readDocs(*benchDocs)
		if err != nil {
			b.Fatal(err)
		}
		sources = append(sources, struct {
			name string
			docs func(n int) []*schema.Document
		}{"docs", func(int) []*schema.Document { return docs }})
	}
	for _, src := range sources {
		for _, workers := range []int{1, stage.DefaultConfig().Consumer.Concurrency} {
			b.Run(fmt.Sprintf("%s/workers=%d", src.name, workers), func(b *testing.B) {
				benchmarkProcess(b, src.docs(max(b.N, 5)), workers)
			})
		}
	}
}

func benchmarkProcess(b *testing.B, docs []*schema.Document, workers int) {
	srv := natstest.Server(b)
	ctx := context.Background()
	s, err := New(ctx, connectB(b, srv.ClientURL()), DefaultConfig(), zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	cpu0 := cpuTime()
	b.ResetTimer()
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= b.N {
					return
				}
				d := *docs[i%len(docs)]
				d.ID = fmt.Sprintf("%s-%d", d.ID, i/len(docs))
				start := time.Now()
				if _, err := s.Process(ctx, &d); err != nil {
					b.Error(err)
					return
				}
				lat[i] = time.Since(start)
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	cpu := cpuTime() - cpu0
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "articles/cpu-s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// readDocs reads JSON lines of documents.
func readDocs(path string) ([]*schema.Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var docs []*schema.Document
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		d, err := schema.DecodeDocument(sc.Bytes())
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, len(docs)+1, err)
		}
		docs = append(docs, d)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("%s: no documents", path)
	}
	return docs, nil
}
