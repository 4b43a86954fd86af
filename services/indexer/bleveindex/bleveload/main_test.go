package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

func TestCorpus(t *testing.T) {
	a, b := newCorpus(7), newCorpus(7)
	ids := map[string]bool{}
	for i := range 200 {
		d := a.next(i)
		if got := len(d.Body); got < 3000 || got > 5300 {
			t.Errorf("doc %d: body of %d bytes, want 3-5 KB", i, got)
		}
		if d.Title == "" || len(d.Entities.Persons) == 0 || len(d.Entities.Places) == 0 {
			t.Errorf("doc %d: title %q, %d persons, %d places; want all", i, d.Title, len(d.Entities.Persons), len(d.Entities.Places))
		}
		if err := d.Validate(); err != nil {
			t.Errorf("doc %d: %v", i, err)
		}
		if ids[d.ID] {
			t.Errorf("doc %d: id %s repeated", i, d.ID)
		}
		ids[d.ID] = true
		if e := b.next(i); e.ID != d.ID || e.Body != d.Body {
			t.Fatalf("doc %d differs between two corpora of the same seed", i)
		}
	}
}

func TestRun(t *testing.T) {
	var out bytes.Buffer
	cfg := config{n: 600, block: 200, callers: 16, batch: 64, linger: 5 * time.Millisecond,
		dir: filepath.Join(t.TempDir(), "search"), seed: 1}
	if err := run(context.Background(), cfg, &out, zaptest.NewLogger(t)); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "indexed 600 (count 600)"; !strings.Contains(got, want) {
		t.Errorf("output lacks %q:\n%s", want, got)
	}
	// Header (2 lines), a line per block of 200 reached (the last one at
	// 600, fewer when a block passes between two polls), totals (2 lines).
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 2+1+2 || len(lines) > 2+3+2 {
		t.Fatalf("%d output lines, want 5-7:\n%s", len(lines), out.String())
	}
	if last := lines[len(lines)-3]; !strings.HasPrefix(last, "600\t") {
		t.Errorf("last block line %q, want it to report 600 documents", last)
	}
}
