package clean

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user+system CPU time. The machine is shared, so
// wall-clock MB/s understates the speed of one core; cpu-MB/s is reported
// beside it.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchArticle builds a ~5 KB article from the fixtures' own text: a
// headline, paragraphs, and site furniture at the end.
func benchArticle(dirty bool) string {
	paras := []string{
		"The river Wend burst its banks on Sunday, flooding the old market in Dunmere and forcing the evacuation of more than two hundred homes along the eastern embankment.",
		"The mayor, Ana Martínez, said the council had not expected the water to rise so fast, and promised that temporary barriers would be in place before the next high tide.",
		"Volunteers from the rowing club spent the night moving furniture to upper floors, while firefighters pumped water from the cellars of the shops on Market Street.",
		"Residents said the flood was the worst since 1987, when the same stretch of the river overflowed after a week of heavy rain in the hills to the north of the town.",
	}
	var b strings.Builder
	b.WriteString("Dunmere flood forces evacuations\n\n")
	for b.Len() < 4800 {
		for _, p := range paras {
			if dirty {
				p = strings.ReplaceAll(p, "'", `\u0026#039;`)
				p = strings.ReplaceAll(p, "Martínez", "MartÃ\u00adnez")
				p = strings.ReplaceAll(p, " the ", " the\u00a0")
				b.WriteString(p + `\r\n\r\n`)
				continue
			}
			b.WriteString(p + "\n\n")
		}
	}
	b.WriteString("Leave a comment\nFlood news: Dunmere bridge closed\nFlood news: How to claim\n")
	return b.String()
}

func benchmarkClean(b *testing.B, dirty bool) {
	in := benchArticle(dirty)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	start := cpuTime()
	n := 0
	for b.Loop() {
		Clean(in, Options{})
		n++
	}
	if cpu := cpuTime() - start; cpu > 0 {
		b.ReportMetric(float64(len(in)*n)/1e6/cpu.Seconds(), "cpu-MB/s")
	}
}

// BenchmarkClean measures the text path on a ~5 KB article; the target is
// 50 MB/s per core.
func BenchmarkClean(b *testing.B) {
	b.Run("clean-utf8", func(b *testing.B) { benchmarkClean(b, false) })
	b.Run("dirty-escaped-mojibake", func(b *testing.B) { benchmarkClean(b, true) })
}

// BenchmarkCleanBBC cleans the whole BBC corpus per iteration (2,225 real
// articles, ~5 MB); it skips when NEWSFLOW_EVAL_BBC is not there.
func BenchmarkCleanBBC(b *testing.B) {
	dir := os.Getenv("NEWSFLOW_EVAL_BBC")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "data", "bbc")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.txt"))
	if len(files) == 0 {
		b.Skipf("SKIPPED: no BBC files under %s (set NEWSFLOW_EVAL_BBC)", dir)
	}
	var texts []string
	total := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		texts = append(texts, string(data))
		total += len(data)
	}
	b.SetBytes(int64(total))
	start, n := cpuTime(), 0
	for b.Loop() {
		for _, t := range texts {
			Clean(t, Options{})
		}
		n++
	}
	if cpu := cpuTime() - start; cpu > 0 {
		b.ReportMetric(float64(total*n)/1e6/cpu.Seconds(), "cpu-MB/s")
	}
}
