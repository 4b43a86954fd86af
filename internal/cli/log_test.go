package cli

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

// The console logger writes one line at a time, so goroutines that log at
// once (two connections' handlers, as under go test -race in
// TestRunOnceReportsDeadLetters) neither race on a writer that is not safe
// for concurrent use nor interleave their lines.
func TestConsoleLoggerWritesOneLineAtATime(t *testing.T) {
	var out bytes.Buffer
	log, err := consoleLogger(&out, "info")
	if err != nil {
		t.Fatal(err)
	}
	const goroutines, lines = 4, 200
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range lines {
				log.Warn("nats connect attempt failed")
			}
		})
	}
	wg.Wait()
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != goroutines*lines {
		t.Fatalf("%d lines; want %d", len(got), goroutines*lines)
	}
	for _, line := range got {
		if !strings.HasSuffix(line, "WARN\tnats connect attempt failed") {
			t.Fatalf("line %q is not one whole log line", line)
		}
	}
}
