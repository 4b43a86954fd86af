package bleveindex

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
)

// residentKB sums the resident memory (Rss in /proc/self/smaps) of the
// process's mappings of the files under dir.
func residentKB(t *testing.T, dir string) int {
	t.Helper()
	return residentKBOf(t, func(path string) bool { return strings.HasPrefix(path, dir+string(filepath.Separator)) })
}

// residentKBOf sums the resident memory of the process's mappings of the
// files whose path is mapped.
func residentKBOf(t *testing.T, mapped func(path string) bool) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	kb, inDir := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":"):
			inDir = len(fields) >= 6 && mapped(fields[5])
		case inDir && len(fields) >= 2 && fields[0] == "Rss:":
			n, err := strconv.Atoi(fields[1])
			if err != nil {
				t.Fatalf("smaps line %q: %v", line, err)
			}
			kb += n
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return kb
}

// longDocuments returns n documents of about 5 KB of text each, doc-0000
// on.
func longDocuments(n int) []*schema.Document {
	docs := make([]*schema.Document, n)
	for i := range docs {
		docs[i] = &schema.Document{SchemaVersion: schema.Version, ID: fmt.Sprintf("doc-%04d", i), URL: fmt.Sprintf("https://example.org/%d", i),
			Source: schema.Source{Name: "Example", Domain: "example.org"}, Title: fmt.Sprintf("title %d", i),
			Body: strings.Repeat(fmt.Sprintf("word%d other%d ", i, i*7), 300), IngestedAt: time.Date(2026, 3, 1, 12, 0, 0, i, time.UTC), Language: "en"}
	}
	return docs
}

// openInTempDir opens an index under a new temporary directory (its real
// path, as /proc/self/smaps names the mapped files) and closes it when
// the test ends.
func openInTempDir(t *testing.T) (*Index, string) {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ix, err := Open(filepath.Join(dir, "search"), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix, dir
}

// Pages read while the index takes no commit (a search, a merge, the end
// of a run) are released too: each index's releaser drops them within a
// second or so, with no write to trigger it.
func TestPagesReadWithoutACommitAreReleased(t *testing.T) {
	ix, dir := openInTempDir(t)
	docs := longDocuments(500)
	if err := ix.IndexAll(t.Context(), docs); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		sr := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), len(docs), 0, false)
		sr.Fields = []string{"*"}
		if _, err := ix.Bleve().Search(sr); err != nil {
			t.Fatal(err)
		}
		touched := residentKB(t, dir)
		if touched < 512 {
			t.Fatalf("read %d: %d KiB resident after reading every document; want at least 512 to release", i, touched)
		}
		waitUntil(t, func() bool { return residentKB(t, dir) <= touched/10 },
			fmt.Sprintf("read %d: the %d KiB resident after reading to fall to a tenth with no commit", i, touched))
	}
}

// A commit reads every segment (the writer's version reads, and scorch's
// lookups of the ids it replaces): the pages it read are dropped when it
// is done, not at the releaser's next tick.
func TestPagesACommitReadAreReleasedWithIt(t *testing.T) {
	ix, dir := openInTempDir(t)
	docs := longDocuments(600)
	if err := ix.IndexAll(t.Context(), docs); err != nil {
		t.Fatal(err)
	}
	// The segments on disk once the batch is persisted and its pages
	// released; the segments later commits persist are left out.
	var segments map[string]bool
	waitUntil(t, func() bool {
		segments = zapFiles(t, dir)
		return len(segments) > 0 && residentKBOf(t, func(p string) bool { return segments[p] }) == 0
	}, "the first batch on disk, its pages released")
	for i := range 3 {
		newer := make([]*schema.Document, 0, 100)
		for _, d := range docs[i*200 : i*200+100] {
			c := *d
			c.IngestedAt = c.IngestedAt.Add(time.Hour)
			newer = append(newer, &c)
		}
		if err := ix.IndexAll(t.Context(), newer); err != nil {
			t.Fatal(err)
		}
		if kb := residentKBOf(t, func(p string) bool { return segments[p] }); kb > 0 {
			t.Fatalf("commit %d: %d KiB of the segments it read still resident once it is done", i, kb)
		}
	}
}

// zapFiles returns the paths of the segment files under dir.
func zapFiles(t *testing.T, dir string) map[string]bool {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "search", "store", "*.zap"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]bool{}
	for _, p := range paths {
		files[p] = true
	}
	return files
}

// While a merge reads its inputs the releaser drops pages ten times as
// often as otherwise.
func TestReleasesComeFasterWhileAMergeRuns(t *testing.T) {
	for _, c := range []struct {
		since   time.Duration
		merging bool
		want    bool
	}{
		{releaseWhileMergingEvery, true, true},
		{releaseWhileMergingEvery, false, false},
		{releaseWhileMergingEvery - time.Millisecond, true, false},
		{releaseMappedEvery, false, true},
		{releaseMappedEvery - time.Millisecond, false, false},
	} {
		if got := releaseDue(c.since, c.merging); got != c.want {
			t.Errorf("releaseDue(%s, merging %t) = %t, want %t", c.since, c.merging, got, c.want)
		}
	}
	ix, _ := openInTempDir(t)
	adv, err := ix.idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	st := adv.(*scorch.Scorch).Stats().(*scorch.Stats)
	if merging(ix.idx) {
		t.Fatal("an empty index is merging")
	}
	atomic.AddUint64(&st.TotFileMergeZapBeg, 1)
	if !merging(ix.idx) {
		t.Fatal("a merge has begun and not ended, and merging says none runs")
	}
	atomic.AddUint64(&st.TotFileMergeZapEnd, 1)
	if merging(ix.idx) {
		t.Fatal("the merge has ended, and merging says one runs")
	}
}

// TestReleaseMappedDropsSegmentPages reads every stored field of an index
// (which maps its segments' pages into the process), then releases them:
// the segments' resident memory falls, and the documents read the same
// afterwards.
func TestReleaseMappedDropsSegmentPages(t *testing.T) {
	ix, dir := openInTempDir(t)
	const n = 1000
	docs := make([]*schema.Document, n)
	words := strings.Fields("minister government election party police court people market bank shares prices company football club match season")
	for i := range docs {
		var b strings.Builder
		for j := range 200 {
			b.WriteString(words[(i*7+j*j)%len(words)])
			fmt.Fprintf(&b, "%d ", (i+j)%97)
		}
		docs[i] = &schema.Document{SchemaVersion: schema.Version, ID: fmt.Sprintf("doc-%04d", i), URL: fmt.Sprintf("https://example.org/%d", i),
			Source: schema.Source{Name: "Example", Domain: "example.org"}, Title: fmt.Sprintf("title %d", i), Body: b.String(),
			IngestedAt: time.Date(2026, 3, 1, 12, 0, 0, i, time.UTC), Language: "en"}
	}
	if err := ix.IndexAll(t.Context(), docs); err != nil {
		t.Fatal(err)
	}
	read := func() []string {
		sr := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), n, 0, false)
		sr.Fields = []string{"*"}
		sr.SortBy([]string{"_id"})
		res, err := ix.Bleve().Search(sr)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]string, 0, len(res.Hits))
		for _, h := range res.Hits {
			out = append(out, fmt.Sprint(h.ID, h.Fields[FieldTitle], len(fmt.Sprint(h.Fields[FieldBody]))))
		}
		return out
	}
	before := read()
	if len(before) != n {
		t.Fatalf("read %d documents, want %d", len(before), n)
	}
	touched := residentKB(t, dir)
	if touched < 1024 {
		t.Fatalf("the segments hold %d KiB resident after reading every document; want at least 1 MiB to release", touched)
	}
	segs, err := releaseMapped(ix.idx)
	if err != nil {
		t.Fatal(err)
	}
	released := residentKB(t, dir)
	t.Logf("%d segments: %d KiB resident after reading, %d after releasing", segs, touched, released)
	if segs == 0 || released > touched/10 {
		t.Fatalf("released %d segments: %d KiB resident, %d before; want at most a tenth", segs, released, touched)
	}
	if after := read(); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Fatal("the documents read differently after their pages were released")
	}
}
