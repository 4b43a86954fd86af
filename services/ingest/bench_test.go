package ingest

import (
	"context"
	"fmt"
	"strings"
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

// BenchmarkProcessText measures the text path of Process (clean, language,
// document) on a ~5 KB escaped article, without boilerplate learning. The
// machine is shared, so cpu-MB/s (process CPU time) is reported beside the
// wall-clock MB/s.
func BenchmarkProcessText(b *testing.B) {
	cfg := DefaultConfig()
	cfg.LearnBoilerplate = false
	i, err := New(context.Background(), nil, cfg, zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	paras := []string{
		"The river Wend burst its banks on Sunday, flooding the old market in Dunmere and forcing the evacuation of more than two hundred homes along the eastern embankment.",
		"The mayor said the council had not expected the water to rise so fast, and promised that temporary barriers would be in place before the next high tide.",
		"Volunteers from the rowing club spent the night moving furniture to upper floors, while firefighters pumped water from the cellars of the shops on Market Street.",
		"Residents said the flood was the worst since 1987, when the same stretch of the river overflowed after a week of heavy rain in the hills to the north.",
	}
	var sb strings.Builder
	sb.WriteString(`Dunmere flood forces evacuations\r\n\r\n`)
	for sb.Len() < 5000 {
		for _, p := range paras {
			sb.WriteString(strings.ReplaceAll(p, "'", `\u0026#039;`) + `\r\n\r\n`)
		}
	}
	raw := &schema.RawArticle{URL: "https://dunmere-gazette.example/news/flood", Text: sb.String()}
	ctx := context.Background()
	b.SetBytes(int64(len(raw.Text)))
	start, n := cpuTime(), 0
	for b.Loop() {
		if _, err := i.Process(ctx, raw); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if cpu := cpuTime() - start; cpu > 0 {
		b.ReportMetric(float64(len(raw.Text)*n)/1e6/cpu.Seconds(), "cpu-MB/s")
	}
}

// BenchmarkProcessLearning is BenchmarkProcessText with per-source
// boilerplate learning on an embedded NATS server: the KV round trips of
// Observe dominate.
func BenchmarkProcessLearning(b *testing.B) {
	js := natstest.JetStream(b)
	ctx := context.Background()
	i, err := New(ctx, js, DefaultConfig(), zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	defer i.Stop()
	body := strings.Repeat("The river Wend burst its banks on Sunday, flooding the old market in Dunmere and forcing the evacuation of many homes.\n\n", 30) +
		"Short line one here\n\nShort line two here\n\nGet the Gazette for £1 a week\n\nFollow us on Mastodon"
	b.SetBytes(int64(len(body)))
	n := 0
	for b.Loop() {
		raw := &schema.RawArticle{URL: fmt.Sprintf("https://dunmere-gazette.example/news/%d", n), Text: body}
		if _, err := i.Process(ctx, raw); err != nil {
			b.Fatal(err)
		}
		n++
	}
}
