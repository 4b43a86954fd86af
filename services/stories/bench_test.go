package stories

import (
	"context"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkProcess runs the stage's Process, with its story log on an
// embedded JetStream on loopback (whose CPU counts too), over invented
// reports of many events, and reports articles per CPU-second and the
// p99 latency of one article.
func BenchmarkProcess(b *testing.B) {
	for _, src := range []struct {
		name string
		docs func(n int) []*schema.Document
	}{
		{"60-words", func(n int) []*schema.Document { return corpusOf(n/5+1, 5, 60, 7) }},
		{"600-words", func(n int) []*schema.Document { return corpusOf(n/5+1, 5, 600, 7) }},
	} {
		b.Run(src.name, func(b *testing.B) {
			srv := natstest.Server(b)
			ctx := context.Background()
			s, err := New(ctx, connectB(b, srv.ClientURL()), DefaultConfig(), zap.NewNop())
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			docs := src.docs(max(b.N, 5))
			lat := make([]time.Duration, 0, b.N)
			cpu0 := cpuTime()
			b.ResetTimer()
			for i := range b.N {
				d := *docs[i%len(docs)]
				d.ID = fmt.Sprintf("%s-%d", d.ID, i)
				start := time.Now()
				if _, err := s.Process(ctx, &d); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			cpu := cpuTime() - cpu0
			slices.Sort(lat)
			b.ReportMetric(float64(b.N)/cpu.Seconds(), "articles/cpu-s")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
