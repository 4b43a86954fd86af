package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
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
	cfg := config{n: 300, block: 100, callers: 16, batch: 64, linger: 5 * time.Millisecond,
		dir: filepath.Join(t.TempDir(), "search"), seed: 1, queries: 10}
	if err := run(context.Background(), cfg, &out, zaptest.NewLogger(t)); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "indexed 300 (count 300)"; !strings.Contains(got, want) {
		t.Errorf("output lacks %q:\n%s", want, got)
	}
	// Header (2 lines), a line per block of 100 reached (the last one at
	// 300, fewer when a block passes between two polls), totals,
	// searches, close (3 lines).
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 2+1+3 || len(lines) > 2+3+3 {
		t.Fatalf("%d output lines, want 6-8:\n%s", len(lines), out.String())
	}
	var n, at1, at10 int
	if _, err := fmt.Sscanf(lines[len(lines)-2][strings.Index(lines[len(lines)-2], "article first"):],
		"article first %d/%d, in top 10 %d/", &at1, &n, &at10); err != nil || n != 10 {
		t.Fatalf("search line %q: %v", lines[len(lines)-2], err)
	}
	// A whole title finds its own article.
	if at10 < 9 {
		t.Errorf("title searches found the article in the top 10 %d times of 10, want >= 9", at10)
	}
	if last := lines[len(lines)-4]; !strings.HasPrefix(last, "300\t") {
		t.Errorf("last block line %q, want it to report 300 documents", last)
	}
}

func TestDocsFromAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "docs.jsonl")
	var lines, ids []string
	gen := newCorpus(3)
	for i := range 3 {
		d := gen.next(i)
		js, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		lines, ids = append(lines, string(js)), append(ids, d.ID)
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ n, want int }{{-1, 3}, {2, 2}, {3, 3}} {
		cfg := config{docs: path, n: c.n}
		next, err := source(&cfg)
		if err != nil {
			t.Fatalf("-n %d: %v", c.n, err)
		}
		if cfg.n != c.want {
			t.Errorf("-n %d: %d documents, want %d", c.n, cfg.n, c.want)
		}
		if d := next(cfg.n - 1); d.ID != ids[cfg.n-1] {
			t.Errorf("-n %d: last document %s, want the file's document %d", c.n, d.ID, cfg.n)
		}
	}
	cfg := config{docs: path, n: 4}
	if _, err := source(&cfg); err == nil || !strings.Contains(err.Error(), "holds 3 documents") {
		t.Errorf("-n 4 of a file of 3: %v, want an error saying it holds 3", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(bad, []byte(lines[0]+"\n{not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg = config{docs: bad, n: -1}
	if _, err := source(&cfg); err == nil || !strings.Contains(err.Error(), "document 2") {
		t.Errorf("a bad second line: %v, want an error naming document 2", err)
	}
}
