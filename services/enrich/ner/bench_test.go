package ner

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user+system CPU time. On a shared machine it
// measures the work better than wall time does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportRates reports tokens (and articles) per wall-clock second and per
// CPU second.
func reportRates(b *testing.B, tokens int, cpu0 time.Duration, articles bool) {
	cpu := (cpuTime() - cpu0).Seconds()
	n := float64(b.N)
	b.ReportMetric(float64(tokens)*n/b.Elapsed().Seconds(), "tokens/s")
	if cpu > 0 {
		b.ReportMetric(float64(tokens)*n/cpu, "tokens/cpu-s")
	}
	if articles {
		b.ReportMetric(n/b.Elapsed().Seconds(), "articles/s")
		if cpu > 0 {
			b.ReportMetric(n/cpu, "articles/cpu-s")
		}
	}
}

// benchDoc is a 5 KB news article (our own text, tiled), split into
// sentences.
func benchDoc(b *testing.B) ([][]Token, int) {
	b.Helper()
	raw, err := os.ReadFile("testdata/article.txt")
	if err != nil {
		b.Fatal(err)
	}
	text := string(raw)
	for len(text) < 5000 {
		text += "\n\n" + string(raw)
	}
	doc := Sentences(text[:5000])
	n := 0
	for _, s := range doc {
		n += len(s)
	}
	return doc, n
}

func BenchmarkTagDocument(b *testing.B) {
	tg, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	doc, n := benchDoc(b)
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		tg.TagDocument(doc)
	}
	reportRates(b, n, cpu0, true)
}

func BenchmarkTag(b *testing.B) {
	tg, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	doc, n := benchDoc(b)
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		for _, s := range doc {
			tg.Tag(s)
		}
	}
	reportRates(b, n, cpu0, false)
}

func BenchmarkSentences(b *testing.B) {
	raw, err := os.ReadFile("testdata/article.txt")
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat(string(raw), 3)[:5000]
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Sentences(text)
	}
}
