package bulk_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/services/indexer/bulk"
	"github.com/newsflow/newsflow/services/indexer/estest"
)

// articleBody is about the size of a news article (4 KB).
var articleBody = strings.Repeat("The council met on Tuesday to discuss the flood defences. ", 70)

func benchDoc(i int) *schema.Document {
	d := doc(i)
	d.Body = articleBody
	return d
}

// BenchmarkIndex measures documents per second through the writer into the
// double, with the production defaults (1 s flush, 1 MiB requests, 2
// workers) and as many concurrent callers as the runtime keeps in flight.
// Each caller waits for its own item, so with few callers throughput is
// bounded by callers / flush interval; with 1024 the requests fill by size.
// The double runs in the same process on the same cores: this is the
// client-side cost plus the double's, a lower bound for a real cluster.
//
//	go test ./bulk -run XXX -bench 'Index$' -benchtime 5000x
func BenchmarkIndex(b *testing.B) {
	for _, callers := range []int{64, 1024} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			s := estest.NewServer()
			defer s.Close()
			w := newWriter(b, s, bulk.Config{MaxInFlight: callers}, zap.NewNop())
			ctx := context.Background()
			if err := w.Index(ctx, benchDoc(0)); err != nil { // creates the index
				b.Fatal(err)
			}
			docs := make([]*schema.Document, b.N)
			for i := range docs {
				docs[i] = benchDoc(i + 1)
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			next := make(chan *schema.Document)
			for c := 0; c < callers; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for d := range next {
						if err := w.Index(ctx, d); err != nil {
							b.Error(err)
						}
					}
				}()
			}
			for _, d := range docs {
				next <- d
			}
			close(next)
			wg.Wait()
			el := time.Since(start)
			b.ReportMetric(float64(b.N)/el.Seconds(), "docs/s")
			st := w.Stats()
			b.ReportMetric(float64(st.NumFlushed)/float64(st.NumRequests), "docs/request")
		})
	}
}

// BenchmarkMemoryPerInFlight measures the heap held per document waiting in
// the writer: it parks 1000 Index calls in the bulk buffer (no flush can
// happen) and compares the heap before and after. It counts everything an
// in-flight message costs here: the caller's document and goroutine, the
// encoded JSON, the bulk buffer and the callback state.
//
//	go test ./bulk -run XXX -bench MemoryPerInFlight -benchtime 3x
func BenchmarkMemoryPerInFlight(b *testing.B) {
	const held = 1000
	var perDoc float64
	for n := 0; n < b.N; n++ {
		s := estest.NewServer()
		cfg := bulk.Config{FlushInterval: time.Hour, FlushBytes: 64 << 20, MaxInFlight: held + 1, Workers: 1}
		w, err := bulk.New(client(b, s.URL), cfg, zap.NewNop())
		if err != nil {
			b.Fatal(err)
		}
		// Warm up: creates the month's index; the item stays buffered.
		warm, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		w.Index(warm, benchDoc(0))
		cancel()

		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var wg sync.WaitGroup
		for i := 1; i <= held; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.Index(context.Background(), benchDoc(i))
			}()
		}
		for w.Stats().NumAdded < held+1 {
			time.Sleep(time.Millisecond) // no event to await inside esutil
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perDoc += float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / held
		if err := w.Close(context.Background()); err != nil { // flushes: every call returns
			b.Fatal(err)
		}
		wg.Wait()
		s.Close()
	}
	b.ReportMetric(perDoc/float64(b.N), "B/inflight-doc")
}
